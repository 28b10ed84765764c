"""Unit tests for the masking of personal information in published text (pure, no fixtures)."""

from __future__ import annotations

import pytest

from services.publishing.masking import MaskedText, MaskEntry, is_valid_id_number, mask_name, mask_text

# Valid GB 11643 numbers, check characters computed once with is_valid_id_number's algorithm.
VALID_ID = "11010519491231002X"  # the standard's own example
VALID_ID_JINAN = "37010219850715231X"
VALID_ID_CHENGDU = "510107200108081575"
VALID_ID_LEAP_DAY = "440304200002291236"  # born 2000-02-29
BAD_CHECK_ID = "110105194912310021"  # VALID_ID with a wrong check character
BAD_DATE_ID = "440304199002291230"  # right check character, but 1990-02-29 never existed


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        pytest.param(
            "您好，我的手机号是13812345678，请尽快回复。",
            (),
            "您好，我的手机号是138****5678，请尽快回复。",
            id="mobile-plain",
        ),
        pytest.param(
            "联系电话：+86 138 1234 5678。", (), "联系电话：138****5678。", id="mobile-plus86-spaces"
        ),
        pytest.param("电话138-1234-5678，白天可接通", (), "电话138****5678，白天可接通", id="mobile-hyphens"),
        pytest.param("境外请拨0086-13912345678。", (), "境外请拨139****5678。", id="mobile-0086"),
        pytest.param("号码8615912345678。", (), "号码159****5678。", id="mobile-86-glued"),
        pytest.param("手机：１３８１２３４５６７８", (), "手机：138****5678", id="mobile-full-width"),
        pytest.param(
            "订单号2023138123456789已支付", (), "订单号2023138123456789已支付", id="mobile-in-digit-run"
        ),
        pytest.param("流水号138123456789", (), "流水号138123456789", id="mobile-followed-by-digit"),
        pytest.param(
            f"本人身份证号{VALID_ID}，户籍在朝阳区。",
            (),
            "本人身份证号11*************02X，户籍在朝阳区。",
            id="id-canonical",
        ),
        pytest.param("身份证号：11010519491231002x", (), "身份证号：11*************02X", id="id-lower-x"),
        pytest.param(f"证件号码{VALID_ID_JINAN}。", (), "证件号码37*************31X。", id="id-jinan"),
        pytest.param(f"身份证{VALID_ID_LEAP_DAY}", (), "身份证44*************236", id="id-leap-day"),
        pytest.param(
            "身份证 510107 20010808 1575 已核验", (), "身份证 51*************575 已核验", id="id-grouped"
        ),
        pytest.param(
            f"身份证号{BAD_CHECK_ID}有误", (), f"身份证号{BAD_CHECK_ID}有误", id="id-bad-check-stays"
        ),
        pytest.param(f"编号{BAD_DATE_ID}", (), f"编号{BAD_DATE_ID}", id="id-bad-date-stays"),
        pytest.param(
            "订单号202403150000123456，银行流水6222021234567890123。",
            (),
            "订单号202403150000123456，银行流水6222021234567890123。",
            id="long-references-stay",
        ),
        pytest.param("旧身份证号370102850715231。", (), "旧身份证号37**********231。", id="id-legacy-15"),
        pytest.param("编号370102851345231", (), "编号370102851345231", id="id-legacy-bad-month-stays"),
        pytest.param("单位电话0531-86123456转801", (), "单位电话0531-******56转801", id="landline-hyphen"),
        pytest.param("电话(0531)86123456", (), "电话0531-******56", id="landline-brackets"),
        pytest.param("电话（0531）86123456", (), "电话0531-******56", id="landline-full-width-brackets"),
        pytest.param("电话0531 8612 3456", (), "电话0531-******56", id="landline-spaces"),
        pytest.param("北京010-6512 3456", (), "北京010-******56", id="landline-beijing"),
        pytest.param("办公室0755-2612345", (), "办公室0755-*****45", id="landline-seven-digits"),
        pytest.param(
            "请将结果发送至zhangsan@example.com，谢谢。",
            (),
            "请将结果发送至z***@example.com，谢谢。",
            id="email",
        ),
        pytest.param("邮箱：13812345678@163.com", (), "邮箱：1***@163.com", id="email-mobile-local-part"),
        pytest.param(
            "我叫王小明，住在历下区。王小明 2024年3月1日",
            ("王小明",),
            "我叫王*明，住在历下区。王*明 2024年3月1日",
            id="name-twice",
        ),
        pytest.param(
            "张三丰反映，张三也同意。", ("张三", "张三丰"), "张*丰反映，张*也同意。", id="names-overlap"
        ),
        pytest.param("来信人：欧阳娜娜", ("欧阳娜娜",), "来信人：欧**娜", id="name-four-chars"),
        pytest.param(
            "张先生来信，张三丰未署名",
            ("", "  ", "张"),
            "张先生来信，张*丰未署名",
            id="names-ignored-name-suspected",
        ),
        pytest.param("From Li Ming, not Liming.", ("Li Ming",), "From L*****g, not Liming.", id="name-latin"),
        pytest.param(
            "关于小区路灯不亮的问题，已于3月5日修复，共计12盏，感谢监督。",
            ("王小明",),
            "关于小区路灯不亮的问题，已于3月5日修复，共计12盏，感谢监督。",
            id="no-personal-data",
        ),
        pytest.param("", (), "", id="empty"),
    ],
)
def test_mask_text(text: str, names: tuple[str, ...], expected: str) -> None:
    result = mask_text(text, names=names)

    assert result.text == expected
    # The manifest's spans point into the original: replaying it reproduces the masked text.
    replayed, position = [], 0
    for entry in result.manifest:
        replayed += [text[position : entry.start], entry.replacement]
        position = entry.end
    assert "".join(replayed) + text[position:] == expected
    # Masking is idempotent: nothing in the masked text is personal data any more.
    assert mask_text(result.text, names=names).text == result.text


LETTER = (
    "尊敬的领导：我是李建国，身份证号11010519491231002X，手机+86 139-0531-1234，"
    "家里电话0531-86123456，邮箱lijianguo@example.com。小区噪音问题请核实。李建国"
)


def test_manifest_lists_each_finding_with_its_original_span() -> None:
    result = mask_text(LETTER, names=["李建国"])

    assert result == MaskedText(
        text=(
            "尊敬的领导：我是李*国，身份证号11*************02X，手机139****1234，"
            "家里电话0531-******56，邮箱l***@example.com。小区噪音问题请核实。李*国"
        ),
        manifest=(
            MaskEntry("name", 8, 11, "李*国", "case"),
            MaskEntry("id_number", 16, 34, "11*************02X", "pattern"),
            MaskEntry("mobile", 37, 54, "139****1234", "pattern"),
            MaskEntry("landline", 59, 72, "0531-******56", "pattern"),
            MaskEntry("email", 75, 96, "l***@example.com", "pattern"),
            MaskEntry("name", 107, 110, "李*国", "case"),
        ),
    )
    originals = [LETTER[entry.start : entry.end] for entry in result.manifest]
    assert originals == [
        "李建国",
        "11010519491231002X",
        "+86 139-0531-1234",
        "0531-86123456",
        "lijianguo@example.com",
        "李建国",
    ]


def test_manifest_never_holds_an_original_value() -> None:
    result = mask_text(LETTER, names=["李建国"])

    shown = repr(result.manifest)
    for original in ("李建国", "11010519491231002X", "13905311234", "139-0531-1234", "86123456", "lijianguo"):
        assert original not in shown


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("张", "张"),
        ("", ""),
    ],
)
def test_mask_name(name: str, expected: str) -> None:
    assert mask_name(name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (VALID_ID, True),
        ("11010519491231002x", True),
        (VALID_ID_JINAN, True),
        (VALID_ID_CHENGDU, True),
        (VALID_ID_LEAP_DAY, True),
        (BAD_CHECK_ID, False),
        (BAD_DATE_ID, False),
        ("110105189912310023", False),  # right check character, born 1899
        ("11010519491231002", False),  # 17 characters
        ("11010519491231002XX", False),
        (" 11010519491231002X", False),
        ("11010519491231002Y", False),
        ("１１０１０５１９４９１２３１００２X", False),  # full-width digits are not accepted as input
        ("370102850715231", False),  # legacy 15-digit numbers are not valid input
        ("", False),
    ],
)
def test_is_valid_id_number(value: str, expected: bool) -> None:
    assert is_valid_id_number(value) is expected

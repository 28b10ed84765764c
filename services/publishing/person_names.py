"""Person names a text mentions without introducing them (a neighbour named in passing, 我和丈夫李志强,
市民王建国反映…): suspected names, masked before publication unless a reviewer releases them.

Pure: the segmenter is jieba (a maintained Chinese segmenter that ships its dictionary and tags person
names ``nr``), loaded once, on first use. Its tags alone miss many names and take some ordinary words
for names, so a suspect is a string that

- looks like a name (`looks_like_name`: a common family name, then one or two characters that make
  a given name; no title, pronoun or function word), and
- is either tagged a person name by the segmenter (王建国/nr, or a family name and a given name it
  tagged apart: 李/nr 志强/nrfg), or stands where a name stands: after a relation or a role (邻居,
  丈夫, 业主, 市民, 经理, 主任 …), before a title or an honorific (…主任, …先生, …等人), or beside
  another name in a list (李红梅、张小兵、黄丽娟).

A family name alone (老王, 王主任, 刘阿姨) is not a suspect: it names nobody outside the people who
already know. Names the office lists as its public officials are never suspects (they act in office,
and their names are published as the office lists them).
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

__all__ = ["COMPOUND_SURNAMES", "SURNAMES", "TITLES", "is_word", "looks_like_name", "suspected_names"]

SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施牛洪宁赖符甘柳齐申翟殷庞卓樊兰倪葛柯易乔尚靳聂褚岳蓝季裴焦鲁苗邢詹祁耿左颜谷"
    "储曲梅喻滕祝阮萧凌霍俞阎伍卜瞿房边宫晏隋景巩廉栾冷古麦佘吉池宗丛窦邬宣闵蔺屈项戚骆盛仲农刁"
)
"""About 200 common family names (those that are also common words — 时, 路, 全, 文, 明 — left out)."""
COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "令狐", "端木", "南宫",
)  # fmt: skip
# Characters seldom in a given name but common in the words that follow a family-name character.
_NOT_IN_GIVEN_NAME = frozenset(
    "的了是在有和与及或等之也都就并但被把将对从向某个次些这那其此每各该本市区县镇乡村省家人们办局委厅部"
    "处科所站院号楼室单元名位户员工业职退休认反映不没无非已曾多再又还请望希感谢问题事情况前后上下里外内"
    "今去近现目第年日时分钱边他她它你我咱您说讲要会能可让给找跟着过得地"
)
_PLACE_ENDINGS = frozenset("路街巷庄园站厂店场港屯寨堡沟桥湾营")
"""The last character of a place rather than of a given name (张庄路, 李家庄, 王府井大街)."""
TITLES = frozenset(
    {"先生", "女士", "同志", "老师", "师傅", "大爷", "大妈", "阿姨", "主任", "经理", "书记", "局长"}
    | {"科长", "处长", "队长", "医生", "律师", "总", "老", "姐", "哥", "叔", "婶", "工", "总工"}
)
"""What follows a family name alone (王主任, 刘阿姨): a title, not a given name."""
# Words that start with a family name and can stand where a name would (我是高中生，本人高龄，).
_NOT_NAME_STARTS = (
    "高中", "高层", "高度", "高龄", "高兴", "方面", "方便", "方式", "任何", "万分", "江北", "江南",
    "金额", "石头", "白天", "常年", "程序", "程度", "文化", "余额", "严重", "周末", "周年", "龙头",
    "毛病", "孙女", "孙子", "周边", "周围", "高温", "高空", "万元", "于是", "向前", "常规", "常务",
    "任务", "方案", "方向", "江边", "石材", "白色", "金属", "钱款", "马路", "马上", "叶片", "黄色",
    "龙口", "温度", "康复", "施工", "牛奶", "洪水", "夏天", "夏季", "秦岭", "武装", "戴上",
)  # fmt: skip


def looks_like_name(candidate: str) -> bool:
    """A common family name and one or two characters that can make a given name."""
    for surname in COMPOUND_SURNAMES:
        if candidate.startswith(surname) and 3 <= len(candidate) <= 4:
            given = candidate[2:]
            break
    else:
        if not (2 <= len(candidate) <= 3 and candidate[0] in SURNAMES):
            return False
        given = candidate[1:]
    return (
        all("\u4e00" <= char <= "\u9fff" and char not in _NOT_IN_GIVEN_NAME for char in given)
        and given[-1] not in _PLACE_ENDINGS
        and given not in TITLES
        and not candidate.startswith(_NOT_NAME_STARTS)
    )


# --- where a name stands ---------------------------------------------------------------------------

_BEFORE_NAME = frozenset(
    {"邻居", "丈夫", "妻子", "爱人", "老伴", "老公", "老婆", "儿子", "女儿", "父亲", "母亲", "爸爸", "妈妈"}
    | {"哥哥", "姐姐", "弟弟", "妹妹", "爷爷", "奶奶", "外公", "外婆", "孙子", "孙女", "亲戚", "家属"}
    | {"同事", "朋友", "同学", "业主", "市民", "居民", "村民", "群众", "网友", "租户", "房东", "房客"}
    | {"经理", "主任", "局长", "处长", "科长", "书记", "队长", "站长", "所长", "院长", "校长", "老师"}
    | {"医生", "律师", "保安", "会计", "负责人", "工作人员", "师傅", "司机", "老板", "店主", "法人"}
    | {"代表", "委员", "组长", "楼长", "网格员", "志愿者", "村长", "社长", "主管", "专员", "职工"}
    | {"工人", "维修工", "电工", "家长", "学生家长", "学生", "教授", "专家", "记者", "主席", "部长"}
    | {"厅长", "市长", "区长", "县长", "镇长", "乡长", "工程师", "总工程师", "技术员", "监理", "户主"}
    | {"和", "与", "及", "跟", "同", "找", "叫", "让", "请", "向", "由", "给", "告诉", "通知", "委托"}
)
"""Words a name follows: a relation, a role, a conjunction or a verb that takes a person."""
_AFTER_NAME = frozenset(
    {"先生", "女士", "同志", "主任", "局长", "处长", "科长", "书记", "经理", "老师", "医生", "律师"}
    | {"师傅", "大爷", "大妈", "阿姨", "等人", "等", "一家", "夫妇", "夫妻", "母子", "父子", "家"}
    | {"教授", "博士", "院士", "专家", "工程师", "部长", "主席", "市长", "区长", "县长", "镇长"}
    | {"说", "讲", "称", "表示", "反映", "投诉", "举报", "打电话", "联系", "来电", "来信", "签字"}
)
"""Words a name comes before: a title, an honorific, 等人, or a verb of saying or complaining."""
_NOT_BEFORE = (
    "集团", "公司", "小区", "大厦", "广场", "花园", "中学", "小学", "大学", "医院", "银行", "酒店", "路",
    "街", "镇", "村", "县", "市", "区", "省", "牌", "品牌", "超市", "商场", "工程", "物业",
)  # fmt: skip
"""What a name is never followed by: 万达集团, 王府井大街 are an organisation and a place."""
_LIST = frozenset({"、"})
_PERSON_TAGS = ("nr",)  # nr, nrfg, nrt


@dataclass(frozen=True, slots=True)
class _Token:
    word: str
    flag: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.word)

    @property
    def person(self) -> bool:
        return self.flag.startswith(_PERSON_TAGS)


_lock = threading.Lock()


def is_word(candidate: str) -> bool:
    """The segmenter's dictionary lists ``candidate`` as a word that is not a person's name (房东/n)."""
    tag = _segmenter().dt.word_tag_tab.get(candidate)
    return tag is not None and not tag.startswith(_PERSON_TAGS)


@cache
def _segmenter() -> Any:
    """jieba's part-of-speech tokenizer, its dictionary loaded once. jieba 0.42 is written for older
    Pythons (invalid escapes, ``pkg_resources``): its import warnings are not ours to act on."""
    with _lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return jieba.posseg


@lru_cache(maxsize=512)
def _tokens(text: str) -> tuple[_Token, ...]:
    """The text cut and tagged, once per text: masking looks at a text several times (each pass of a
    review item, each decision), and the cut is its costly part."""
    tokens: list[_Token] = []
    position = 0
    for pair in _segmenter().cut(text, HMM=True):
        word, flag = pair.word, pair.flag
        tokens.append(_Token(word, flag, position))
        position += len(word)
    return tuple(tokens)


_NOT_A_FAMILY_NAME = ("p", "c", "d", "u", "r", "m", "f")
"""A family-name character the segmenter reads as a preposition (向, 于, 由), a conjunction, an adverb,
a particle, a pronoun, a numeral or a position starts no name."""


def _candidates(tokens: Sequence[_Token]) -> Iterator[tuple[int, int, bool]]:
    """(first token, past-last token, tagged a person by the segmenter) for each string that could
    be a name: a token, or a family-name token with the one or two tokens after it."""
    for i, token in enumerate(tokens):
        yield i, i + 1, token.person
        two = len(token.word) == 2 and token.word[0] in SURNAMES
        if two and i + 1 < len(tokens) and len(tokens[i + 1].word) == 1:
            yield i, i + 2, False  # 宁海/ns 波: a name the segmenter cut as a place
        family = (len(token.word) == 1 and token.word in SURNAMES) or token.word in COMPOUND_SURNAMES
        if family and not token.flag.startswith(_NOT_A_FAMILY_NAME):
            for span in (2, 3):
                if i + span <= len(tokens):
                    rest = tokens[i + 1 : i + span]
                    tagged = token.person and all(t.person for t in rest)
                    yield i, i + span, tagged


def _family_name_of_a_title(tokens: Sequence[_Token], last: int) -> bool:
    """The candidate ends in a family name that belongs to the title after it (…向张先生, 和王主任)."""
    after = tokens[last].word if last < len(tokens) else ""
    return len(tokens[last - 1].word) == 1 and tokens[last - 1].word in SURNAMES and after in TITLES


_OFFICE_ENDINGS = (
    "处", "科", "办", "局", "委", "厅", "部", "中心", "公司", "物业", "街道", "社区", "居委会", "村委会",
    "站", "所", "队", "院",
)  # fmt: skip
"""An office or a unit a name follows: 工程管理处韩立新, 社区网格员…"""


def _stands_as_name(tokens: Sequence[_Token], first: int, last: int) -> bool:
    before = tokens[first - 1].word.removeprefix("副") if first > 0 else ""  # 副处长韩立新
    after = tokens[last].word if last < len(tokens) else ""
    return (
        before in _BEFORE_NAME
        or after in _AFTER_NAME
        or before in _LIST
        or after in _LIST
        or (len(before) >= 2 and before.endswith(_OFFICE_ENDINGS))
    )


def suspected_names(text: str, *, officials: Collection[str] = ()) -> list[str]:
    """The person names ``text`` mentions, longest first; ``officials`` are never suspects."""
    tokens = _tokens(text)
    found: set[str] = set()
    taken: set[int] = set()  # tokens inside a longer suspect already found
    spans = sorted(_candidates(tokens), key=lambda c: (c[0], -(c[1] - c[0])))
    for first, last, tagged in spans:
        if first in taken:
            continue
        candidate = "".join(t.word for t in tokens[first:last])
        after = tokens[last].word if last < len(tokens) else ""
        if not looks_like_name(candidate) or candidate in officials or after.startswith(_NOT_BEFORE):
            continue
        if last - first == 1 and not tokens[first].person and is_word(candidate):
            continue  # 房东, 孙女: a word the dictionary knows, not a name
        if last - first > 1 and _family_name_of_a_title(tokens, last):
            continue
        if tagged or _stands_as_name(tokens, first, last):
            found.add(candidate)
            taken.update(range(first, last))
    return sorted(found, key=lambda name: (-len(name), name))

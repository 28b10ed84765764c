"""Text from outside, made safe to keep and to show.

- On input (`CleanInput`): control characters are removed — nothing a citizen or a member of staff
  types needs them, and one vertical tab in a published reply made the Atom feed invalid XML. Line
  breaks and tabs stay; ``\\r\\n`` and ``\\r`` become ``\\n``; the whitespace around each string
  goes. The limits a body states (lengths, patterns) hold for the text as it was sent — what the
  OpenAPI document says — and text that must be there is `Visible`: whitespace and control characters
  alone are not text.
- In a spreadsheet (`spreadsheet_safe`): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return would run as a formula in Excel (``=HYPERLINK(…)``); it is written with a leading
  apostrophe, which spreadsheets show as text.
- In XML (`xml_safe`): what XML 1.0 cannot carry is left out, whatever is already stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ModelWrapValidatorHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

__all__ = ["CleanInput", "NonBlank", "Visible", "clean_strings", "clean_text", "spreadsheet_safe", "xml_safe"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: str) -> str:
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def clean_strings(data: Any, *, strip: bool = False) -> Any:
    """Every string in ``data`` (nested dicts and lists too) cleaned, and with ``strip`` stripped."""
    if isinstance(data, str):
        return clean_text(data).strip() if strip else clean_text(data)
    if isinstance(data, dict):
        return {key: clean_strings(value, strip=strip) for key, value in data.items()}
    if isinstance(data, list):
        return [clean_strings(value, strip=strip) for value in data]
    return data


class CleanInput(BaseModel):
    """A request body whose strings are kept cleaned: without control characters, and without the
    whitespace around them.

    It is validated twice: as sent, so that its limits hold for what the client sent, exactly as the
    schema states them (a 101-character subject is refused, whether or not one of its characters is a
    control character); and as kept, cleaned."""

    @model_validator(mode="wrap")
    @classmethod
    def _kept_clean(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        handler(data)
        return handler(clean_strings(data, strip=True))


_VISIBLE = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufffe\uffff]"
"""A character that is neither whitespace (what `str.strip` removes) nor one that `clean_text` removes
(lone surrogates aside, which no JSON Schema engine takes in a class and no JSON encoder sends)."""


class Visible:
    """``Annotated[str, Visible(n)]``: at least ``n`` characters that are neither whitespace nor control
    characters, so that the text is not empty once cleaned. The OpenAPI document states it as a
    pattern (``count`` visible characters, anything between them); the check is that pattern."""

    def __init__(self, count: int = 1) -> None:
        self.count = count
        self.pattern = r"[\s\S]*".join([_VISIBLE] * count)
        self._regex = re.compile(self.pattern)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "pattern": self.pattern}

    def _check(self, value: str) -> str:
        if not self._regex.search(value):
            raise PydanticCustomError(
                "string_too_short",
                "String should have at least {min_length} visible character(s)",
                {"min_length": self.count},
            )
        return value


def text_too_long(error: Mapping[str, Any]) -> int | None:
    """The limit a text went over, for a pydantic error about a text's length — ``string_too_long``, or
    ``too_long`` when the limit sits on a `Visible` text; None for any other error."""
    kind, given = error.get("type"), error.get("input")
    if kind == "string_too_long" or (kind == "too_long" and isinstance(given, str)):
        limit = (error.get("ctx") or {}).get("max_length")
        return int(limit) if limit is not None else None
    return None


def spreadsheet_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xml_safe(text: str) -> str:
    return _XML_INVALID.sub("", text)


NonBlank = Annotated[str, Visible()]
"""Text that must be there: ``name: NonBlank = Field(max_length=100)``."""

"""Text from outside, made safe to keep and to show.

- On input (`CleanInput`): control characters are removed — nothing a citizen or a member of staff
  types needs them, and one vertical tab in a published reply made the Atom feed invalid XML. Line
  breaks and tabs stay; ``\\r\\n`` and ``\\r`` become ``\\n``.
- In a spreadsheet (`spreadsheet_safe`): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return would run as a formula in Excel (``=HYPERLINK(…)``); it is written with a leading
  apostrophe, which spreadsheets show as text.
- In XML (`xml_safe`): what XML 1.0 cannot carry is left out, whatever is already stored.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, model_validator

__all__ = ["CleanInput", "clean_strings", "clean_text", "spreadsheet_safe", "xml_safe"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: str) -> str:
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def clean_strings(data: Any) -> Any:
    """Every string in ``data`` (nested dicts and lists too) cleaned."""
    if isinstance(data, str):
        return clean_text(data)
    if isinstance(data, dict):
        return {key: clean_strings(value) for key, value in data.items()}
    if isinstance(data, list):
        return [clean_strings(value) for value in data]
    return data


class CleanInput(BaseModel):
    """A request body whose strings reach the model without control characters."""

    @model_validator(mode="before")
    @classmethod
    def _without_control_characters(cls, data: Any) -> Any:
        return clean_strings(data)


def spreadsheet_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xml_safe(text: str) -> str:
    return _XML_INVALID.sub("", text)

"""Whole numbers in request bodies, taken as JSON Schema counts them.

JSON Schema's ``integer`` is any number without a fraction — ``26`` and ``26.0`` alike — and never a
string or a boolean. Pydantic's ``int`` takes ``"26"`` and ``true`` too, and refuses ``1e20``;
`WholeNumber` takes exactly what the OpenAPI document says. (Its limits, ``Field(ge=…, le=…)``, reach
the document as ``minimum`` and ``maximum`` where it is not optional; pydantic writes them as unknown
keywords inside an ``anyOf`` with null.)
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

__all__ = ["WholeNumber"]


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value  # ``int`` says what is wrong with 2.5, or with infinity
    raise PydanticCustomError("int_type", "Input should be a valid integer")


WholeNumber = Annotated[int, BeforeValidator(_whole)]

"""Schemathesis hooks (loaded by ``test_schemathesis.py``'s configuration, in schemathesis' own process):
what our OpenAPI documents say that JSON Schema cannot state.

- The format ``cn-id-number-or-credit-code`` (`services.intake.schemas.ID_NUMBER_FORMAT`): a resident
  ID number (GB 11643) or a unified social credit code (GB 32100) whose check character matches. The
  pattern beside it states the shape; the fuzzer is taught the check character here, found by asking
  `shared.idnumbers` which one it accepts, so that the rule is written once.
- The office's rules (`shared.errors.InvalidInput`): a value the schema accepts that a rule refuses —
  an unknown mailbox, a receipt date to come, a consultation that closes before it opens, what OGI
  Art. 29 asks of an applicant. They answer 422 with each problem's field and message and no ``type``
  (`shared.errors.FieldProblem`); each route documents its rules with its 422. Such an answer to a
  request generated as valid is the contract, not a schema-valid request rejected, and only such an
  answer is forgiven: a 422 in which the schema's own validation refused anything (a ``type``) stays a
  failure, and so does every other check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.hooks import HookContext
from schemathesis.openapi.checks import RejectedPositiveData

from services.intake.schemas import ID_NUMBER_FORMAT
from shared.idnumbers import is_valid_credit_code, is_valid_id_number

_DIGITS = "0123456789"
_CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _with_check(valid: Callable[[str], bool], candidates: str) -> Callable[[str], str]:
    def checked(stem: str) -> str:
        return stem + next(c for c in candidates if valid(stem + c))

    return checked


_id_numbers = (
    st.tuples(
        st.text(_DIGITS, min_size=6, max_size=6),
        st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)).map(
            lambda born: born.strftime("%Y%m%d")
        ),
        st.text(_DIGITS, min_size=3, max_size=3),
    )
    .map("".join)
    .map(_with_check(is_valid_id_number, _DIGITS + "X"))
)
_credit_codes = (
    st.tuples(
        st.text(_CREDIT_CODE_ALPHABET, min_size=2, max_size=2),
        st.text(_DIGITS, min_size=6, max_size=6),
        st.text(_CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
    )
    .map("".join)
    .map(_with_check(is_valid_credit_code, _CREDIT_CODE_ALPHABET))
)

schemathesis.openapi.format(ID_NUMBER_FORMAT, st.one_of(_id_numbers, _credit_codes))


@schemathesis.hook
def filter_failure(_context: HookContext, failure: Failure, _case: Case[Any], response: Response) -> bool:
    """Keep every failure but a schema-valid request that only the office's rules refused."""
    return not (isinstance(failure, RejectedPositiveData) and _refused_by_rules_only(response))


def _refused_by_rules_only(response: Response) -> bool:
    if response.status_code != 422:
        return False
    try:
        details = response.json()["error"]["details"]
    except (ValueError, KeyError, TypeError):
        return False
    return (
        isinstance(details, list)
        and bool(details)
        and all(isinstance(d, dict) and "field" in d and "type" not in d for d in details)
    )

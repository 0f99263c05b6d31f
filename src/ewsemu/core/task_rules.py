"""Status / PercentComplete / CompleteDate coupling (spec §4.3, D5, D6) as one function per operation.

Each function mutates the working copy's ``values`` the way the state-machine table says; the last
operation processed wins because they are applied one at a time, in document order.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .errors import EwsError
from .paths import FieldURI

STATUS, PERCENT, COMPLETE_DATE = "task:Status", "task:PercentComplete", "task:CompleteDate"
COMPLETED, NOT_STARTED, IN_PROGRESS = "Completed", "NotStarted", "InProgress"
HUNDRED, ZERO = Decimal(100), Decimal(0)

STATUS_DESCRIPTIONS = {
    "NotStarted": "Not Started",
    "InProgress": "In Progress",
    "Completed": "Completed",
    "WaitingOnOthers": "Waiting on someone else",
    "Deferred": "Deferred",
}


def _complete(values: dict[str, Any], today: dt.date, keep_date: bool) -> None:
    values[STATUS] = COMPLETED
    values[PERCENT] = HUNDRED
    if not (keep_date and COMPLETE_DATE in values):
        values[COMPLETE_DATE] = today


def set_status(values: dict[str, Any], status: str, today: dt.date, complete_date_set: bool) -> None:
    was_completed = values.get(STATUS) == COMPLETED
    if status == COMPLETED:
        # re-completing never restamps; a CompleteDate set earlier in this ItemChange is kept
        _complete(values, today, keep_date=complete_date_set or was_completed)
        return
    values[STATUS] = status
    values.pop(COMPLETE_DATE, None)
    if status == NOT_STARTED or values.get(PERCENT) == HUNDRED:
        values[PERCENT] = ZERO


def set_percent(values: dict[str, Any], percent: Decimal, today: dt.date, complete_date_set: bool) -> None:
    if not ZERO <= percent <= HUNDRED:
        raise EwsError("ErrorInvalidPercentCompleteValue", FieldURI(PERCENT))
    status = values.get(STATUS, NOT_STARTED)
    if percent == HUNDRED:
        _complete(values, today, keep_date=complete_date_set or status == COMPLETED)
        return
    values[PERCENT] = percent
    values.pop(COMPLETE_DATE, None)
    if percent == ZERO:
        if status in (COMPLETED, IN_PROGRESS):
            values[STATUS] = NOT_STARTED
    elif status in (NOT_STARTED, COMPLETED):
        values[STATUS] = IN_PROGRESS


def set_complete_date(values: dict[str, Any], day: dt.date, today: dt.date) -> None:
    if day > today:
        raise EwsError("ErrorInvalidCompleteDate", FieldURI(COMPLETE_DATE))
    values[STATUS] = COMPLETED
    values[PERCENT] = HUNDRED
    values[COMPLETE_DATE] = day


def delete_complete_date(values: dict[str, Any]) -> None:
    if values.get(STATUS) == COMPLETED:
        values[STATUS] = NOT_STARTED
    if values.get(PERCENT) == HUNDRED:
        values[PERCENT] = ZERO
    values.pop(COMPLETE_DATE, None)

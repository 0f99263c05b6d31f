"""exchangelib 5.6.0 end to end against a real ewsemu over HTTP, through the project's own pytest plugin.

The folder always holds many other tasks, so a filter that ignored its restriction would fail.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from exchangelib.items import ALWAYS_OVERWRITE, NEVER_OVERWRITE
from exchangelib.errors import ErrorIrresolvableConflict, ErrorItemNotFound
from exchangelib.ewsdatetime import UTC
from exchangelib.items import Task
from exchangelib.recurrence import DailyPattern, DailyRegeneration, TaskRecurrence, WeeklyPattern


@pytest.fixture
def account(ewsemu_account):
    acc = ewsemu_account("alice@example.com")
    noise = [Task(folder=acc.tasks, subject=f"noise {i}", categories=["noise", f"n{i % 3}"],
                  due_date=dt.date(2026, 1, 1) + dt.timedelta(days=i), status="NotStarted",
                  percent_complete=Decimal(0)) for i in range(30)]
    acc.bulk_create(folder=acc.tasks, items=noise)
    return acc


def test_create_refresh_update_fields_and_full_save(account) -> None:
    task = Task(folder=account.tasks, subject="report", body="draft it", categories=["work"],
                due_date=dt.date(2026, 2, 10), start_date=dt.date(2026, 2, 1)).save()
    task.percent_complete, task.status = Decimal("37.25"), "WaitingOnOthers"
    task.save(update_fields=["percent_complete", "status"])
    fresh = account.tasks.get(id=task.id)
    assert (fresh.status, fresh.percent_complete, fresh.changekey) == ("WaitingOnOthers", Decimal("37.25"),
                                                                       task.changekey)
    fresh.subject, fresh.mileage, fresh.companies = "report v2", "12 km", ["Contoso", "Fabrikam"]
    fresh.save()  # a full save: every writable field, Set or Delete
    task.refresh()
    assert (task.subject, task.mileage, task.companies) == ("report v2", "12 km", ["Contoso", "Fabrikam"])
    assert task.due_date == dt.date(2026, 2, 10) and task.start_date == dt.date(2026, 2, 1)
    assert str(task.body) == "draft it" and task.is_recurring is False and task.change_count == 1


def test_complete_is_a_full_save(account) -> None:
    task = Task(folder=account.tasks, subject="finish me", percent_complete=Decimal(50), status="InProgress").save()
    task.complete()
    fresh = account.tasks.get(id=task.id)
    assert (fresh.status, fresh.percent_complete, fresh.is_complete) == ("Completed", Decimal(100), True)
    assert fresh.complete_date is not None


def test_filters_counts_only_and_order_by(account) -> None:
    for i, status in enumerate(["InProgress", "Deferred", "WaitingOnOthers"]):
        Task(folder=account.tasks, subject=f"pick {i}", categories=["pick"], status=status,
             percent_complete=Decimal(10 * (i + 1)), due_date=dt.date(2026, 3, 1 + i)).save()
    tasks = account.tasks
    assert tasks.filter(categories__contains=["pick"]).count() == 3
    assert tasks.filter(categories__contains=["noise"]).count() == 30
    assert tasks.filter(categories__contains=["n1"]).count() == 10
    assert tasks.filter(subject__startswith="pick").count() == 3
    assert tasks.filter(subject__icontains="PICK 1").count() == 1
    assert tasks.filter(due_date__gte=dt.date(2026, 3, 2), categories__contains=["pick"]).count() == 2
    assert tasks.filter(due_date=dt.date(2026, 1, 5)).count() == 1
    assert tasks.filter(~Q_subject("pick"), categories__contains=["pick"]).count() == 0
    ordered = [t.subject for t in tasks.filter(categories__contains=["pick"]).order_by("-due_date")
               .only("subject", "status")]
    assert ordered == ["pick 2", "pick 1", "pick 0"]
    assert {t.status for t in tasks.filter(categories__contains=["pick"]).only("status")} == {
        "InProgress", "Deferred", "WaitingOnOthers"}
    assert tasks.filter(subject__in=["pick 0", "pick 2", "nope"]).count() == 2
    assert tasks.filter(categories__contains=["pick"]).exists()
    assert not tasks.filter(subject="no such task").exists()


def Q_subject(prefix: str):  # noqa: N802 - reads like exchangelib's Q
    from exchangelib import Q
    return Q(subject__startswith=prefix)


def test_get_by_id_delete_and_item_not_found(account) -> None:
    task = Task(folder=account.tasks, subject="short-lived", categories=["tmp"]).save()
    assert account.tasks.get(id=task.id).subject == "short-lived"
    task_id, changekey = task.id, task.changekey
    task.delete()
    result = list(account.fetch(ids=[(task_id, changekey)]))
    assert len(result) == 1 and isinstance(result[0], ErrorItemNotFound)
    assert account.tasks.filter(categories__contains=["tmp"]).count() == 0


def test_bulk_create_and_update(account) -> None:
    created = account.bulk_create(folder=account.tasks, items=[
        Task(subject=f"bulk {i}", categories=["bulk"]) for i in range(5)])
    items = list(account.fetch(ids=created))
    for i, item in enumerate(items):
        item.mileage = f"{i} km"
    results = account.bulk_update(items=[(item, ["mileage"]) for item in items])
    assert all(isinstance(r, tuple) for r in results)
    assert sorted(t.mileage for t in account.tasks.filter(categories__contains=["bulk"])) == [
        f"{i} km" for i in range(5)]


def test_stale_changekey_under_never_overwrite_is_raised(account) -> None:
    task = Task(folder=account.tasks, subject="contested").save()
    other = account.tasks.get(id=task.id)
    other.subject = "changed by someone else"
    other.save(update_fields=["subject"])
    task.subject = "mine"
    with pytest.raises(ErrorIrresolvableConflict):
        task.save(update_fields=["subject"], conflict_resolution=NEVER_OVERWRITE)
    task.save(update_fields=["subject"], conflict_resolution=ALWAYS_OVERWRITE)
    assert account.tasks.get(id=task.id).subject == "mine"


def _count(account, category: str) -> int:
    return account.tasks.filter(categories__contains=[category]).count()


def test_recurring_item_non_regenerating(account) -> None:
    """exchangelib's test_recurring_item, first half (spec E15)."""
    master = Task(folder=account.tasks, categories=["rec"], recurrence=TaskRecurrence(
        pattern=DailyPattern(interval=1), start=dt.date(2016, 1, 1), number=4)).save()
    master = account.tasks.get(id=master.id)
    assert master.is_recurring is True and master.change_count == 1 and _count(account, "rec") == 1
    master_id = master.id
    master.recurrence.boundary.start = dt.date(2016, 2, 1)
    occurrence = master.save()
    assert occurrence.id != master_id and _count(account, "rec") == 2
    assert account.tasks.get(id=occurrence.id).is_recurring is False
    master = account.tasks.get(id=master_id)
    assert (master.change_count, master.due_date, master.recurrence.boundary.number) == (
        2, dt.date(2016, 1, 2), 3)
    master.status = "Completed"
    occurrence = master.save()
    assert occurrence.id != master_id and _count(account, "rec") == 3
    assert account.tasks.get(id=occurrence.id).is_recurring is False
    master = account.tasks.get(id=master_id)
    assert (master.change_count, master.due_date, master.recurrence.boundary.number) == (
        3, dt.date(2016, 2, 1), 2)


def test_recurring_item_regenerating(account) -> None:
    """exchangelib's test_recurring_item, second half: the next due date counts from today (UTC)."""
    master = Task(folder=account.tasks, categories=["regen"], recurrence=TaskRecurrence(
        pattern=DailyRegeneration(interval=1), start=dt.date(2016, 1, 1), number=4)).save()
    master = account.tasks.get(id=master.id)
    master_id = master.id
    master.recurrence.boundary.start = dt.date(2016, 1, 2)
    same = master.save()
    assert same.id == master_id and _count(account, "regen") == 1
    master = account.tasks.get(id=master_id)
    master.status = "Completed"
    occurrence = master.save()
    assert occurrence.id != master_id and _count(account, "regen") == 2
    master = account.tasks.get(id=master_id)
    today = dt.datetime.now(UTC).date()
    assert (master.change_count, master.due_date, master.recurrence.boundary.number) == (
        2, today + dt.timedelta(days=1), 3)


def test_completion_loop_walks_the_series(account) -> None:
    master = Task(folder=account.tasks, subject="weekly", categories=["loop"], recurrence=TaskRecurrence(
        pattern=WeeklyPattern(interval=1, weekdays=[1, 4]), start=dt.date(2026, 1, 12), number=4)).save()
    dues = []
    for _ in range(4):
        current = account.tasks.get(id=master.id)
        dues.append(current.due_date)
        current.complete()
    assert dues == [dt.date(2026, 1, 12), dt.date(2026, 1, 15), dt.date(2026, 1, 19), dt.date(2026, 1, 22)]
    final = account.tasks.get(id=master.id)
    assert final.status == "Completed" and final.is_recurring is False and final.recurrence is None
    assert _count(account, "loop") == 4

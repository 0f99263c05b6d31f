"""Assigned tasks as Outlook leaves them: the assigner's copy and the ``IPM.TaskRequest`` the assignee receives.

EWS cannot send a task request (Outlook does, through MAPI), so ewsemu creates one only by seeding (fixtures,
the control plane). What is seeded is what Exchange then shows through EWS:

* the assigner's task: ``task:Owner`` the assignee's name, ``task:DelegationState`` ``OwnNew`` (a request sent
  and not yet answered: EWS renders PidLidTaskAcceptanceState by ordinal), ``task:IsAssignmentEditable`` 0 (the
  task in the owner's folder is no task request), no ``task:Delegator`` (PidLidTaskAssigner "is not set on the
  task assigner's copy"), and UpdateItem answers ErrorSentTaskRequestUpdate (``Item.task_request_sent``);
* the request in the assignee's Inbox: a ``t:Message`` of ItemClass ``IPM.TaskRequest`` from the assigner, its
  Subject the task's, carrying the task as an item attachment whose ``task:IsAssignmentEditable`` is 1 and
  whose ``task:Delegator`` is the assigner.

The three MAPI properties behind DelegationState, Delegator and IsAssignmentEditable are kept where Exchange
keeps them, as the item's named properties (so an ExtendedFieldURI on them reads the same values); no column.
"""
from __future__ import annotations

import datetime as dt

from . import attachments as A
from . import fields as F
from . import messages
from .ids import IdFactory
from .item import ExtendedValue, Item
from .paths import ExtendedFieldURI
from .values import Mailbox

#: PidLidTaskAcceptanceState (PSETID_Task 0x812A): the ordinal of DelegationState
ACCEPTANCE_STATE = ExtendedFieldURI(property_type="Integer", distinguished_property_set_id="Task",
                                    property_id="33066")
#: PidLidTaskAssigner (PSETID_Task 0x8121): who assigned the task, on the assignee's copies only
ASSIGNER = ExtendedFieldURI(property_type="String", distinguished_property_set_id="Task", property_id="33057")
#: PidLidTaskMode (PSETID_Common 0x8518): 0 for every task item, 1 for the task a task request carries
TASK_MODE = ExtendedFieldURI(property_type="Integer", distinguished_property_set_id="Common", property_id="34072")

#: the named properties an assignment sets (a fixture export leaves them out: it cannot say ``assigned_to``)
ASSIGNMENT_KEYS = frozenset({ACCEPTANCE_STATE.key, ASSIGNER.key, TASK_MODE.key})

TASK_REQUEST_CLASS = "IPM.TaskRequest"
#: PidLidTaskAcceptanceState of a request sent and not answered yet (EWS: DelegationState OwnNew)
OWN_NEW = F.DELEGATION_STATE.index("OwnNew")
#: PidLidTaskMode of the task inside a task request
MODE_REQUEST = 1


def _int(item: Item, path: ExtendedFieldURI) -> int | None:
    found = item.extended.get(path.key)
    try:
        return int(found.value) if found is not None and isinstance(found.value, str) else None
    except ValueError:
        return None


def delegation_state(item: Item) -> str | None:
    """``task:DelegationState``: the acceptance state by ordinal; absent on a task that was never assigned."""
    state = _int(item, ACCEPTANCE_STATE)
    return F.DELEGATION_STATE[state] if state is not None and 0 <= state < len(F.DELEGATION_STATE) else None


def delegator(item: Item) -> str | None:
    found = item.extended.get(ASSIGNER.key)
    return found.value if found is not None and isinstance(found.value, str) else None


def assignment_editable(item: Item) -> int:
    return _int(item, TASK_MODE) or 0


def _set(item: Item, path: ExtendedFieldURI, value: str) -> None:
    item.extended[path.key] = ExtendedValue(path, value)


def assigned(task: Item, assignee: Mailbox) -> Item:
    """The assigner's copy of ``task`` once its request went to ``assignee``."""
    out = task.copy()
    out.task_request_sent = True
    out.values["task:Owner"] = assignee.name or assignee.smtp
    _set(out, ACCEPTANCE_STATE, str(OWN_NEW))
    return out


def request_task(task: Item, assigner: Mailbox) -> Item:
    """The task a task request carries: editable by the assignee it goes to, assigned by ``assigner``."""
    out = task.copy()
    out.task_request_sent = False
    out.extended.pop(ACCEPTANCE_STATE.key, None)
    _set(out, TASK_MODE, str(MODE_REQUEST))
    _set(out, ASSIGNER, assigner.name or assigner.smtp or "")
    return out


def task_request(task: Item, assigner: Mailbox, assignee: Mailbox, *, item_id: str, folder_id: str,
                 now: dt.datetime, domain: str) -> tuple[Item, A.ItemAttachment]:
    """The ``IPM.TaskRequest`` message in ``assignee``'s Inbox (``folder_id``) and its attachment, the task
    (``task`` is the assigner's copy, :func:`assigned`: the attached task has the assignee as its Owner)."""
    values = messages.defaults(now, item_id, domain)
    subject = task.values.get("item:Subject")
    values.update({
        "item:ItemClass": TASK_REQUEST_CLASS, "item:Sensitivity": task.values.get("item:Sensitivity", "Normal"),
        "item:Importance": task.values.get("item:Importance", "Normal"),
        "message:From": assigner, "message:Sender": assigner, "message:ToRecipients": (assignee,),
        "message:ReceivedBy": assignee, "item:IsDraft": False, "message:IsRead": False,
        "item:IsFromMe": False, "item:DateTimeSent": now, "item:HasAttachments": True,
    })
    if subject is not None:
        values["item:Subject"] = subject
    message = Item(id=item_id, mailbox=assignee.smtp or "", folder_id=folder_id, item_type="Message",
                   values=values, version=1, change_key=IdFactory.change_key(item_id, 1))
    messages.finish(message)
    embedded = request_task(task, assigner)
    attachment = A.ItemAttachment(A.AttachmentMeta(name=subject), embedded, (), None, A.item_size(embedded, ()))
    return message, A.stamped(attachment, now)  # type: ignore[return-value]

"""EWS errors as values.

The core never builds XML: a failure is an :class:`EwsError` carrying the EWS ResponseCode, the path of the
offending property (echoed in ``m:MessageXml``) and optional named values (``t:Value Name=…``). The protocol
layer turns it into a ResponseMessage or, for whole-request failures, a SOAP fault.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: MessageText per ResponseCode (EWS Managed API wording, which Exchange uses too).
MESSAGES: dict[str, str] = {
    "ErrorSchemaValidation": "The request failed schema validation.",
    "ErrorInvalidRequest": "The request is invalid.",
    "ErrorInvalidIdEmpty": "Id must be non-empty.",
    "ErrorInvalidIdMalformed": "Id is malformed.",
    "ErrorInvalidIdMonikerTooLong": "Moniker exceeded allowable length.",
    "ErrorInvalidChangeKey": "The change key is invalid.",
    "ErrorCannotUseFolderIdForItemId": "Expected an item Id but received a folder Id.",
    "ErrorCannotUseItemIdForFolderId": "Expected a folder Id but received an item Id.",
    "ErrorItemNotFound": "The specified object was not found in the store.",
    "ErrorInvalidAttachmentId": "The attachment Id is invalid.",
    "ErrorAttachmentSizeLimitExceeded": (
        "The operation failed because the size of the attachment exceeds the maximum allowed."
    ),
    "ErrorAttachmentNestLevelLimitExceeded": "The maximum nesting level of item attachments was exceeded.",
    "ErrorMissingItemForCreateItemAttachment": "The item attachment to create does not contain an item.",
    "ErrorInvalidItemForOperationCreateItemAttachment": (
        "The item type is not valid for creating an item attachment."
    ),
    "ErrorFolderNotFound": "The specified folder could not be found in the store.",
    "ErrorAccessDenied": "Access is denied. Check credentials and try again.",
    "ErrorIrresolvableConflict": (
        "The send or update operation could not be performed because the change key passed in the request "
        "does not match the current change key for the item."
    ),
    "ErrorChangeKeyRequiredForWriteOperations": "ChangeKey is required for this operation.",
    "ErrorIncorrectUpdatePropertyCount": (
        "An object within a change description must contain one and only one property to modify."
    ),
    "ErrorUpdatePropertyMismatch": "Property for update does not match property in object.",
    "ErrorInvalidPropertyRequest": "Property is not valid for this object type.",
    "ErrorInvalidPropertySet": "Set action is invalid for property.",
    "ErrorInvalidPropertyDelete": "The delete action is not supported for this property.",
    "ErrorInvalidPropertyAppend": "The append action is not supported for this property.",
    "ErrorInvalidPropertyForOperation": "Property is not valid for this operation.",
    "ErrorInvalidPercentCompleteValue": "PercentComplete must be an integer between 0 and 100.",
    "ErrorInvalidCompleteDate": "CompleteDate cannot be set to a date in the future.",
    "ErrorCalendarEndDateIsEarlierThanStartDate": "EndDate is earlier than StartDate",
    "ErrorCalendarOutOfRange": "The calendar property falls out of valid range.",
    "ErrorCalendarInvalidRecurrence": "The recurrence is invalid.",
    "ErrorCalendarInvalidDayForWeeklyRecurrence": (
        "The value of the DaysOfWeek property is invalid for a weekly recurrence."
    ),
    "ErrorUnsupportedRecurrence": "The specified recurrence is not supported.",
    "ErrorRecurrenceHasNoOccurrence": "Recurrence has no occurrences in the specified range.",
    "ErrorRecurrenceEndDateTooBig": "Recurrence end date can not exceed Sep 1, 4500 00:00:00.",
    "ErrorInvalidExtendedProperty": "The extended property attribute combination is invalid.",
    "ErrorInvalidExtendedPropertyValue": "The extended property value is inconsistent with its type.",
    "ErrorNoPropertyTagForCustomProperties": (
        "Property tags in the custom property range (0x8000 - 0xFFFE) cannot be used."
    ),
    "ErrorObjectTypeChanged": "Operation would change object type, which is not permitted.",
    "ErrorPropertyUpdate": "Property update did not succeed.",
    "ErrorItemSave": "The item save operation did not succeed.",
    "ErrorSentTaskRequestUpdate": "The task request has already been sent and may not be updated.",
    "ErrorMessageDispositionRequired": "MessageDisposition attribute is required.",
    "ErrorSendMeetingInvitationsOrCancellationsRequired": (
        "The SendMeetingInvitationsOrCancellations attribute is required for calendar items."
    ),
    "ErrorCalendarCannotUseIdForOccurrenceId": "The Id specified does not represent an occurrence.",
    "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange": "Occurrence index is out of recurrence range.",
    "ErrorCalendarOccurrenceIsDeletedFromRecurrence": (
        "Occurrence with this index was previously deleted from the recurrence."),
    "ErrorCalendarFolderIsInvalidForCalendarView": "Cannot request CalendarView for the folder.",
    "ErrorCalendarViewRangeTooBig": "The specified view range exceeds the maximum range of two years.",
    "ErrorSendMeetingInvitationsRequired": "The SendMeetingInvitations attribute is required for calendar items.",
    "ErrorSendMeetingCancellationsRequired": "SendMeetingCancellations attribute is required for Calendar items.",
    "ErrorInvalidRecipients": "One or more recipients are invalid.",
    "ErrorInvalidItemForOperationCreateItem": "Item type is invalid for CreateItem operation.",
    "ErrorCalendarCannotUseIdForRecurringMasterId": "The specified Id does not represent a recurring master item.",
    "ErrorInvalidOperation": "The operation is not valid for this object.",
    "ErrorBatchProcessingStopped": "Item was not processed as a result of a previous error.",
    "ErrorInternalServerError": "An internal server error occurred. The operation failed.",
    "ErrorServerBusy": "The server cannot service this request right now. Try again later.",
    "ErrorTimeZone": "Time zone is invalid.",
    "ErrorInvalidServerVersion": "The specified server version is invalid.",
    "ErrorUnsupportedPathForQuery": "The property path is not supported for this query.",
    "ErrorInvalidValueForProperty": "The value is invalid for the property.",
    "ErrorInvalidOperationForItemType": "The operation is not valid for this item type.",
    "ErrorToFolderNotFound": "The destination folder could not be found.",
    "ErrorCalendarCannotMoveOrCopyOccurrence": "An occurrence of a recurring calendar item cannot be moved or copied.",
    "ErrorImpersonationDenied": "The account does not have permission to impersonate the requested user.",
    "ErrorNonExistentMailbox": "The SMTP address has no mailbox associated with it.",
    "ErrorInvalidRestriction": "The restriction is invalid.",
    "ErrorContainsFilterWrongType": "The Contains filter can only be used for string properties.",
    "ErrorInvalidExcludesRestriction": "The Excludes restriction is invalid.",
    "ErrorUnsupportedPathForSortGroup": "The property path is not supported for sorting or grouping.",
    "ErrorUnsupportedQueryFilter": "The query filter is not supported.",
    "ErrorInvalidPagingMaxRows": "The MaxRows parameter for paging is invalid.",
    "ErrorInvalidIndexedPagingParameters": "The indexed paging parameters are invalid.",
    "ErrorInvalidFractionalPagingParameters": "The fractional paging parameters are invalid.",
    "ErrorCannotDeleteTaskOccurrence": "The occurrence of the task can not be deleted.",
    "ErrorInvalidSubfilterType": "The subfilter type is invalid.",
    "ErrorNameResolutionNoResults": "No results were found.",
    "ErrorNameResolutionMultipleResults": "Multiple results were found.",
    "ErrorDistributionListMemberNotExist": "The distribution list member doesn't exist.",
    "ErrorResolveNamesInvalidFolderType": "Only contacts folders can be searched by ResolveNames.",
    "ErrorResolveNamesOnlyOneContactsFolderAllowed": "Only one contacts folder can be specified in the request.",
    "ErrorInvalidItemForOperationExpandDL": "The item is not a distribution list; only a list can be expanded.",
    "ErrorNoPublicFolderReplicaAvailable": "There are no public folder servers available.",
    "ErrorFolderExists": "A folder with the specified name already exists.",
    "ErrorFolderSavePropertyError": "The folder save operation failed due to invalid property values.",
    "ErrorParentFolderNotFound": "The parent folder could not be found.",
    "ErrorNoFolderClassOverride": "A folder class cannot be set on a typed folder.",
    "ErrorDeleteDistinguishedFolder": "Distinguished folders cannot be deleted.",
    "ErrorMoveDistinguishedFolder": "Cannot move distinguished folder.",
    "ErrorCannotDeleteObject": "The object cannot be deleted.",
    "ErrorCannotEmptyFolder": "The folder cannot be emptied.",
    "ErrorMoveCopyFailed": "The move or copy operation failed.",
    "ErrorCrossMailboxMoveCopy": "Moving or copying between mailboxes is not permitted.",
    "ErrorInvalidUserInfo": "The user could not be resolved.",
    "ErrorDuplicateUserIdsSpecified": "The same user is listed more than once.",
    "ErrorInvalidPermissionSettings": "The permission settings are invalid.",
    "ErrorCannotSetPermissionUnknownEntries": "Unknown entries cannot be set on a permission set.",
    # notifications (core/notifications.py)
    "ErrorSubscriptionNotFound": "The specified subscription was not found.",
    "ErrorExpiredSubscription": "Subscription information is not available. Subscription is expired.",
    "ErrorInvalidSubscription": "The subscription is invalid.",
    "ErrorInvalidPullSubscriptionId": "The subscription ID is not a valid pull subscription ID.",
    "ErrorSubscriptionAccessDenied": (
        "Access is denied. Only the subscription owner may access the subscription."),
    "ErrorSubscriptionDelegateAccessNotSupported": "Subscriptions are not supported for delegate user access.",
    "ErrorExceededSubscriptionCount": (
        "You have exceeded the available subscriptions for your account. Remove unnecessary subscriptions and "
        "try your request again."),
    "ErrorInvalidWatermark": "The watermark is invalid.",
    "ErrorMissedNotificationEvents": (
        "Events were missed: the change journal no longer holds everything after this subscription's position."),
    "ErrorInvalidPushSubscriptionUrl": "The push subscription URL is invalid.",
    "ErrorInvalidSubscriptionRequest": "The subscription request is invalid.",
    "ErrorInvalidSyncStateData": (
        "Synchronization state data is corrupt or otherwise invalid. Resynchronize without the sync state."
    ),
    "ErrorSyncFolderNotFound": "The folder to be synchronized could not be found.",
}


@dataclass
class EwsError(Exception):
    """An EWS ResponseCode with the property path that caused it (mutable only because exceptions must be).

    ``path`` is a core path object (see :mod:`ewsemu.core.paths`) rendered into ``m:MessageXml``;
    ``values`` become ``t:Value Name="…"`` entries (e.g. EffectiveStartDate for ErrorRecurrenceHasNoOccurrence).
    """

    code: str
    path: Any = None
    message: str | None = None
    values: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.message is None:
            self.message = MESSAGES.get(self.code, self.code)

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.code}: {self.message}"


@dataclass
class SchemaViolation(Exception):
    """The request violates the schema: answered as a whole-request SOAP fault (D16)."""

    violation: str
    line: int = 0
    column: int = 0
    code: str = "ErrorSchemaValidation"

    def __str__(self) -> str:  # pragma: no cover
        return f"{self.code}: {self.violation}"

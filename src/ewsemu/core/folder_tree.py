"""The folders every new mailbox gets: the tree of a new Exchange Online mailbox as exchangelib 5.6.0 sees it at
build 15.1, the build ewsemu advertises (docs/research/folders.md §1.4), plus its archive.

This is data, not code: one row per folder with a stable **key**, its parent's key, its English name (the
names in other languages are in :mod:`.folder_names`), its FolderClass and whether the key is a
``DistinguishedFolderIdNameType`` value. The store keeps the key in the folder's ``distinguished`` column, so
every default folder can be told from the user's own folders for good (renaming one changes nothing):

* a key that is a distinguished id is answered as ``t:DistinguishedFolderId`` and resolves by it;
* every other key (``commonviews``, ``galcontacts``, …) is a system folder without a distinguished id: it is
  never rendered or resolvable as one, but it is a default folder all the same.

Exchange refuses to delete either kind (exchangelib's ``test_non_deletable_folders`` deletes every one it
knows of and accepts only these refusals): :func:`deletion_refusal` says which error.

Why this tree and not another:

* Folders Exchange Online creates only on its own newer builds (AllItems, Companies, Inference, QuarantinedEmail,
  …, research §0.2) are left out: at 15.1 exchangelib does not ask for their distinguished ids, recognises
  them by name and class anyway, and its ``test_folder_grouping`` then fails on each of them. The same goes
  for Voice Mail (no unified messaging), Clutter (retired) and extra calendars such as holidays.
* Folders without a FolderClass must have none (Conversation History, the Sync Issues subfolders, the
  recoverable-items folders): exchangelib's grouping test requires None for their classes.
* ``root`` and ``archiveroot`` have an empty DisplayName, as Exchange's root containers do; exchangelib then
  names them after their distinguished id ("root"), which its tests expect.
* The archive is a second hierarchy of the same mailbox under its own root (``archiveroot`` has no parent),
  so a Deep FindFolder from ``root`` never reaches it, as on Exchange, where it is another mailbox.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import EwsError


@dataclass(frozen=True)
class DefaultFolder:
    """One folder of a new mailbox. ``name`` is English; ``distinguished``: ``key`` is a
    DistinguishedFolderIdNameType value (else the folder is a system folder without one)."""

    key: str
    parent: str | None
    name: str
    folder_class: str | None
    distinguished: bool


_D, _S = True, False  # distinguished id, or system folder without one

_ROWS: tuple[tuple[str, str | None, str, str | None, bool], ...] = (
    # key, parent, English name, FolderClass, distinguished
    ("root", None, "", None, _D),
    # ---- the IPM subtree: the folders users see ----
    ("msgfolderroot", "root", "Top of Information Store", None, _D),
    ("inbox", "msgfolderroot", "Inbox", "IPF.Note", _D),
    ("drafts", "msgfolderroot", "Drafts", "IPF.Note", _D),
    ("sentitems", "msgfolderroot", "Sent Items", "IPF.Note", _D),
    ("deleteditems", "msgfolderroot", "Deleted Items", "IPF.Note", _D),
    ("outbox", "msgfolderroot", "Outbox", "IPF.Note", _D),
    ("junkemail", "msgfolderroot", "Junk Email", "IPF.Note", _D),
    ("archive", "msgfolderroot", "Archive", "IPF.Note", _D),
    ("conversationhistory", "msgfolderroot", "Conversation History", None, _D),
    ("syncissues", "msgfolderroot", "Sync Issues", "IPF.Note", _D),
    ("conflicts", "syncissues", "Conflicts", None, _D),
    ("localfailures", "syncissues", "Local Failures", None, _D),
    ("serverfailures", "syncissues", "Server Failures", None, _D),
    ("calendar", "msgfolderroot", "Calendar", "IPF.Appointment", _D),
    ("birthdays", "calendar", "Birthdays", "IPF.Appointment.Birthday", _S),
    ("contacts", "msgfolderroot", "Contacts", "IPF.Contact", _D),
    # Skype for Business's folders keep the GUIDs Exchange names them with
    ("quickcontacts", "contacts", "{06967759-274D-40B2-A3EB-D7F9E73727D7}", "IPF.Contact.MOC.QuickContacts", _D),
    ("imcontactlist", "contacts", "{A9E2BC46-B3A0-4243-B315-60D991004455}", "IPF.Contact.MOC.ImContactList", _D),
    ("recipientcache", "contacts", "Recipient Cache", "IPF.Contact.RecipientCache", _D),
    ("galcontacts", "contacts", "GAL Contacts", "IPF.Contact.GalContacts", _S),
    ("organizationalcontacts", "contacts", "Organizational Contacts", "IPF.Contact.OrganizationalContacts", _S),
    ("tasks", "msgfolderroot", "Tasks", "IPF.Task", _D),
    ("notes", "msgfolderroot", "Notes", "IPF.StickyNote", _D),
    ("journal", "msgfolderroot", "Journal", "IPF.Journal", _D),
    ("rssfeeds", "msgfolderroot", "RSS Feeds", "IPF.Note.OutlookHomepage", _S),
    ("conversationactionsettings", "msgfolderroot", "Conversation Action Settings", "IPF.Configuration", _S),
    ("externalcontacts", "msgfolderroot", "ExternalContacts", "IPF.Contact", _D),
    ("personmetadata", "msgfolderroot", "PersonMetadata", "IPF.Contact", _D),
    ("files", "msgfolderroot", "Files", "IPF.Files", _S),
    ("socialactivitynotifications", "msgfolderroot", "Social Activity Notifications", "IPF.Note", _S),
    ("yammerroot", "msgfolderroot", "Yammer Root", "IPF.Note", _D),
    ("yammerinbound", "yammerroot", "Inbound", "IPF.Note", _D),
    ("yammeroutbound", "yammerroot", "Outbound", "IPF.Note", _D),
    ("yammerfeeds", "yammerroot", "Feeds", "IPF.Note", _D),
    # ---- the non-IPM subtree: hidden from users, except the Finder ----
    ("searchfolders", "root", "Finder", None, _D),
    ("recoverableitemsroot", "root", "Recoverable Items", None, _D),
    ("recoverableitemsdeletions", "recoverableitemsroot", "Deletions", None, _D),
    ("recoverableitemsversions", "recoverableitemsroot", "Versions", None, _D),
    ("recoverableitemspurges", "recoverableitemsroot", "Purges", None, _D),
    ("recoverableitemsdiscoveryholds", "recoverableitemsroot", "DiscoveryHolds", None, _D),
    ("audits", "recoverableitemsroot", "Audits", None, _S),
    ("calendarlogging", "recoverableitemsroot", "Calendar Logging", None, _S),
    ("commonviews", "root", "Common Views", None, _S),
    ("deferredaction", "root", "Deferred Action", None, _S),
    ("spoolerqueue", "root", "Spooler Queue", None, _S),
    ("shortcuts", "root", "Shortcuts", None, _S),
    ("views", "root", "Views", None, _S),
    ("schedule", "root", "Schedule", None, _S),
    ("freebusydata", "root", "Freebusy Data", None, _S),
    ("system", "root", "System", None, _S),
    ("reminders", "root", "Reminders", "Outlook.Reminder", _S),
    ("todosearch", "root", "To-Do Search", "IPF.Task", _D),
    ("favorites", "root", "Favorites", "IPF.Note", _D),
    ("mycontacts", "root", "My Contacts", "IPF.Note", _D),
    ("mycontactsextended", "root", "MyContactsExtended", "IPF.Note", _S),
    ("peopleconnect", "root", "PeopleConnect", None, _D),
    ("sharing", "root", "Sharing", "IPF.Note", _S),
    ("location", "root", "Location", None, _S),
    ("mailboxassociations", "root", "MailboxAssociations", None, _S),
    ("exchangesyncdata", "root", "ExchangeSyncData", None, _S),
    ("workingset", "root", "Working Set", None, _S),
    ("parkedmessages", "root", "ParkedMessages", None, _S),
    ("foldermemberships", "root", "Folder Memberships", "IPF.Task", _S),
    ("alltodotasks", "root", "AllTodoTasks", "IPF.Task", _S),
    # named exactly so: any other name of class IPF.Appointment would pass for a second Calendar
    ("calendarsearchcache", "root", "CalendarSearchCache", "IPF.Appointment", _S),
    ("defaultfolderschangehistory", "root", "DefaultFoldersChangeHistory", "IPM.DefaultFolderHistoryItem", _S),
    ("crawlerdata", "root", "CrawlerData", "IPF.StoreItem.CrawlerData", _S),
    ("eventcheckpoints", "root", "EventCheckPoints", "IPF.StoreItem.EventCheckPoints", _S),
    ("freebusylocalcache", "root", "FreeBusyLocalCache", "IPF.StoreItem.FreeBusyCache", _S),
    ("recoverypoints", "root", "RecoveryPoints", "IPF.StoreItem.RecoveryPoints", _S),
    ("swssitems", "root", "SwssItems", "IPF.StoreItem.SwssItems", _S),
    ("shadowitems", "root", "ShadowItems", "IPF.StoreItem.ShadowItems", _S),
    ("graphanalytics", "root", "GraphAnalytics", "IPF.StoreItem.GraphAnalytics", _S),
    ("signal", "root", "Signal", "IPF.StoreItem.Signal", _S),
    ("pdpprofilev2secured", "root", "PdpProfileV2Secured", "IPF.StoreItem.PdpProfileSecured", _S),
    ("smsandchatssync", "root", "SmsAndChatsSync", "IPF.SmsAndChatsSync", _S),
    ("substratecontacts", "root", "SubstrateContacts", "IPF.Contact", _S),
    ("implicitcontacts", "root", "ImplicitContacts", "IPF.Contact", _S),
    ("passthroughsearchresults", "root", "Pass-Through Search Results", "IPF.StoreItem.PassThroughSearchResults",
     _S),
    # ---- the archive: a hierarchy of its own ----
    ("archiveroot", None, "", None, _D),
    ("archivemsgfolderroot", "archiveroot", "Top of Information Store", None, _D),
    ("archiveinbox", "archivemsgfolderroot", "Inbox", "IPF.Note", _D),
    ("archivedeleteditems", "archivemsgfolderroot", "Deleted Items", "IPF.Note", _D),
    ("archiverecoverableitemsroot", "archiveroot", "Recoverable Items", None, _D),
    ("archiverecoverableitemsdeletions", "archiverecoverableitemsroot", "Deletions", None, _D),
    ("archiverecoverableitemsversions", "archiverecoverableitemsroot", "Versions", None, _D),
    ("archiverecoverableitemspurges", "archiverecoverableitemsroot", "Purges", None, _D),
    ("archiverecoverableitemsdiscoveryholds", "archiverecoverableitemsroot", "DiscoveryHolds", None, _D),
)

#: every folder of a new mailbox, parents before their children
TREE: tuple[DefaultFolder, ...] = tuple(DefaultFolder(*row) for row in _ROWS)
BY_KEY: dict[str, DefaultFolder] = {f.key: f for f in TREE}
#: the roots of the mailbox's two hierarchies
ROOT, ARCHIVE_ROOT = "root", "archiveroot"
#: the keys a t:DistinguishedFolderId may name (and is rendered for)
DISTINGUISHED_IDS: frozenset[str] = frozenset(f.key for f in TREE if f.distinguished)


def is_distinguished_id(key: str | None) -> bool:
    return key in DISTINGUISHED_IDS


def deletion_refusal(key: str | None) -> EwsError | None:
    """Why DeleteFolder (or EmptyFolder with DeleteSubFolders) must leave a folder alone: a distinguished
    folder gives ErrorDeleteDistinguishedFolder, any other default folder ErrorCannotDeleteObject; None for the
    user's own folders (no key)."""
    if key is None:
        return None
    if is_distinguished_id(key):
        return EwsError("ErrorDeleteDistinguishedFolder")
    return EwsError("ErrorCannotDeleteObject")

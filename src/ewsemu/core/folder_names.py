"""The default folders' names in the mailbox's language (ruling D42), as data.

Exchange names a mailbox's default folders once, in the mailbox's language, and never renames them when the
client's language changes; the FolderIds are the same whatever the names. Which language a new mailbox gets
is decided by the store (the first request's ``MailboxCulture``, else the server's ``--mailbox-language``,
else English); this module only knows the names.

Only the folders users see are translated: the IPM default folders and Top of Information Store (and the few
hidden ones Outlook names for the user, Reminders in Danish). The non-IPM system folders keep their English
names in every language, as Exchange does; clients rely on that (exchangelib finds "Common Views" by its
English name whatever its locale).

Sources, in this order of preference: the names exchangelib 5.6.0 matches folders by
(``LOCALIZED_NAMES`` in its known_folders.py), then grommunio's folder_names table, for the folders exchangelib
does not list. Where a language has no name for a folder, the English one is used.
"""
from __future__ import annotations

ENGLISH = "en"

#: language (an ISO 639-1 code) -> English name -> name in that language
NAMES: dict[str, dict[str, str]] = {
    ENGLISH: {},
    "da": {
        "Top of Information Store": "Informationslagerets øverste niveau",
        "Inbox": "Indbakke",
        "Drafts": "Kladder",
        "Sent Items": "Sendt post",
        "Deleted Items": "Slettet post",
        "Outbox": "Udbakke",
        "Junk Email": "Uønsket e-mail",
        "Archive": "Arkiv",
        "Conversation History": "Samtaleoversigt",
        "Sync Issues": "Synkroniseringsproblemer",
        "Conflicts": "Konflikter",
        "Local Failures": "Lokale fejl",
        "Server Failures": "Serverfejl",
        "Calendar": "Kalender",
        "Birthdays": "Fødselsdage",
        "Contacts": "Kontaktpersoner",
        "Tasks": "Opgaver",
        "Notes": "Noter",
        "Journal": "Journal",
        "Conversation Action Settings": "Indstillinger for samtalehandlinger",
        "Files": "Filer",
        "Reminders": "Påmindelser",
    },
    "de": {
        "Top of Information Store": "Oberste Ebene des Informationsspeichers",
        "Inbox": "Posteingang",
        "Drafts": "Entwürfe",
        "Sent Items": "Gesendete Elemente",
        "Deleted Items": "Gelöschte Elemente",
        "Outbox": "Postausgang",
        "Junk Email": "Junk-E-Mail",
        "Archive": "Archiv",
        "Conversation History": "Unterhaltungsverlauf",
        "Sync Issues": "Synchronisierungsprobleme",
        "Conflicts": "Konflikte",
        "Local Failures": "Lokale Fehler",
        "Server Failures": "Serverfehler",
        "Calendar": "Kalender",
        "Contacts": "Kontakte",
        "Tasks": "Aufgaben",
        "Notes": "Notizen",
        "Journal": "Journal",
    },
    "fr": {
        "Top of Information Store": "Haut de la banque d'informations",
        "Inbox": "Boîte de réception",
        "Drafts": "Brouillons",
        "Sent Items": "Éléments envoyés",
        "Deleted Items": "Éléments supprimés",
        "Outbox": "Boîte d'envoi",
        "Junk Email": "Courrier indésirable",  # exchangelib's fr_CA "Courrier indésirables" is a typo
        "Archive": "Archive",
        "Conversation History": "Historique des conversations",
        "Sync Issues": "Problèmes de synchronisation",
        "Conflicts": "Conflits",
        "Local Failures": "Échecs locaux",
        "Server Failures": "Échecs du serveur",
        "Calendar": "Calendrier",
        "Contacts": "Contacts",
        "Tasks": "Tâches",
        "Notes": "Notes",
        "Journal": "Journal",
    },
    "es": {
        "Top of Information Store": "Principio del almacén de información",
        "Inbox": "Bandeja de entrada",
        "Drafts": "Borradores",
        "Sent Items": "Elementos enviados",
        "Deleted Items": "Elementos eliminados",
        "Outbox": "Bandeja de salida",
        "Junk Email": "Correo no deseado",
        "Archive": "Archivar",
        "Conversation History": "Historial de conversaciones",
        "Sync Issues": "Problemas de sincronización",
        "Conflicts": "Conflictos",
        "Local Failures": "Error local",
        "Server Failures": "Errores del servidor",
        "Calendar": "Calendario",
        "Contacts": "Contactos",
        "Tasks": "Tareas",
        "Notes": "Notas",
        "Journal": "Diario",
    },
}

LANGUAGES: frozenset[str] = frozenset(NAMES)


def language_of(culture: str | None) -> str | None:
    """The language of a culture name (``da-DK``, ``da_DK``, ``DA``: RFC 3066 as MailboxCulture carries it, or
    a POSIX locale) if ewsemu has names for it; None otherwise (the caller falls back)."""
    if not culture:
        return None
    language = culture.strip().replace("_", "-").split("-", 1)[0].lower()
    return language if language in LANGUAGES else None


def localized(english: str, language: str) -> str:
    """A default folder's name in ``language`` (English where the language has none for it)."""
    return NAMES.get(language, {}).get(english, english)

"""The users file (``--users FILE``): who may log in, with which password or bearer token, in which role.

```yaml
users:
  - smtp: alice@example.com
    password: secret            # HTTP Basic
    tokens: [alice-token]       # static bearer tokens (optional)
    role: admin                 # admin | manager | member (the JSON task API); default member
    impersonate: ["*"]          # SMTP addresses this user may impersonate / open as delegate; "*" = anyone
    display_name: Alice
    sid: S-1-5-21-1-2-3-1001    # optional: matched by ExchangeImpersonation/ConnectingSID/SID
    principal_name: alice@corp.example   # optional UPN for ConnectingSID/PrincipalName (default: smtp)
    logon_name: CORP\alice      # optional NTLM down-level logon name (default: EXAMPLE\alice and the smtp)
groups:                         # optional: server-side distribution groups (ExpandDL, ResolveNames)
  - smtp: team@example.com
    display_name: Team
    members: [alice@example.com, bob@example.com, other-group@example.com]   # users, groups or outsiders
oauth:                          # optional: who may sign bearer JWTs (server/oauth.py)
  - issuer: https://login.microsoftonline.com/TENANT/v2.0   # the token's iss
    key_file: issuer-public.pem   # RS256/ES256 public key (PEM, relative to this file); or key: (inline PEM)
    # secret: shared-secret       # HS256 instead of a key
    audience: https://outlook.office365.com   # optional: the aud the token must carry
```

One :class:`UserDirectory` serves every face (EWS and REST): it answers "who is this" (password, token) and
"may this user act as that mailbox" (impersonation, delegate access). Secrets never appear in a ``repr`` or
in an error message, so logging a User or a UsersFileError cannot leak them.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROLES = ("admin", "manager", "member")
#: compared against when the user is unknown, so a wrong user name costs as long as a wrong password
_DUMMY_SECRET = b"\x00" * 32


class UsersFileError(ValueError):
    pass


@dataclass(frozen=True)
class User:
    smtp: str
    password: str | None = field(default=None, repr=False)
    tokens: tuple[str, ...] = field(default=(), repr=False)
    role: str = "member"
    impersonate: tuple[str, ...] = ()
    display_name: str | None = None
    sid: str | None = None
    principal_name: str | None = None
    logon_name: str | None = None

    def may_act_as(self, smtp: str) -> bool:
        smtp = smtp.lower()
        return smtp == self.smtp or "*" in self.impersonate or smtp in self.impersonate

    @property
    def may_impersonate_anyone(self) -> bool:
        return "*" in self.impersonate


def open_default_user(smtp: str) -> User:
    """The caller in the open default (no users file): the mailbox its credentials name, with every role
    (the first of :data:`ROLES`) and the right to act as anyone, as the open default grants every caller."""
    return User(smtp=smtp.lower(), role=ROLES[0], impersonate=("*",))


@dataclass(frozen=True)
class OAuthIssuer:
    """A signer of bearer JWTs: ``key`` (PEM public key) or ``secret`` (HMAC), optionally pinned to an
    ``audience``."""

    issuer: str
    key: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    audience: str | None = None
    algorithms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """A server-side distribution group (a PublicDL): its address, name and members' addresses."""

    smtp: str
    display_name: str | None = None
    members: tuple[str, ...] = ()


@dataclass(eq=False)
class UserDirectory:
    users: dict[str, User] = field(default_factory=dict)
    oauth: tuple[OAuthIssuer, ...] = ()
    groups: dict[str, Group] = field(default_factory=dict)

    def get(self, smtp: str) -> User | None:
        return self.users.get(smtp.lower())

    def by_password(self, smtp: str, password: str) -> User | None:
        user = self.users.get(smtp.lower())
        stored = user.password.encode() if user is not None and user.password is not None else _DUMMY_SECRET
        ok = hmac.compare_digest(stored, password.encode())
        return user if ok and user is not None and user.password is not None else None

    def by_token(self, token: str) -> User | None:
        found = None
        for user in self.users.values():
            if any(hmac.compare_digest(t.encode(), token.encode()) for t in user.tokens):
                found = user
        return found

    def by_sid(self, sid: str) -> User | None:
        sid = sid.strip().upper()
        return next((u for u in self.users.values() if u.sid is not None and u.sid.upper() == sid), None)

    def by_principal_name(self, name: str) -> User | None:
        name = name.strip().lower()
        return next((u for u in self.users.values() if (u.principal_name or u.smtp).lower() == name), None)

    @property
    def has_tokens(self) -> bool:
        return any(u.tokens for u in self.users.values())


def _strings(entry: dict, key: str, who: str) -> tuple[str, ...]:
    value = entry.get(key, ())
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise UsersFileError(f"{who}: '{key}' must be a list")
    return tuple(str(v) for v in value)


def _issuers(entries: object, base: Path | None) -> tuple[OAuthIssuer, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise UsersFileError("'oauth' must be a list of issuers")
    issuers = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("issuer"), str):
            raise UsersFileError(f"oauth issuer #{number} needs an 'issuer'")
        key, secret = entry.get("key"), entry.get("secret")
        if entry.get("key_file") is not None:
            path = Path(str(entry["key_file"]))
            path = path if path.is_absolute() or base is None else base / path
            try:
                key = path.read_text(encoding="utf-8")
            except OSError as err:
                raise UsersFileError(f"oauth issuer #{number}: cannot read key_file {path} ({err.strerror})") \
                    from None
        if (key is None) == (secret is None):
            raise UsersFileError(f"oauth issuer #{number}: give exactly one of 'key', 'key_file' or 'secret'")
        algorithms = _strings(entry, "algorithms", f"oauth issuer #{number}") or (
            ("HS256",) if secret is not None else ("RS256", "ES256"))
        issuers.append(OAuthIssuer(issuer=entry["issuer"], key=None if key is None else str(key),
                                   secret=None if secret is None else str(secret),
                                   audience=None if entry.get("audience") is None else str(entry["audience"]),
                                   algorithms=algorithms))
    return tuple(issuers)


def parse_users(data: object, base: Path | None = None) -> UserDirectory:
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        raise UsersFileError("expected a mapping with a 'users' list")
    directory = UserDirectory()
    tokens: set[str] = set()
    for number, entry in enumerate(data["users"], start=1):
        # never echo the entry itself: it holds passwords and tokens
        if not isinstance(entry, dict) or "@" not in str(entry.get("smtp", "")):
            raise UsersFileError(f"user #{number} needs an 'smtp' address")
        smtp = str(entry["smtp"]).strip().lower()
        if smtp in directory.users:
            raise UsersFileError(f"{smtp} is listed twice")
        role = entry.get("role", "member")
        if role not in ROLES:
            raise UsersFileError(f"{smtp}: role must be one of {', '.join(ROLES)}")
        password = entry.get("password")
        if password is not None and not isinstance(password, (str, int)):
            raise UsersFileError(f"{smtp}: 'password' must be a string")
        user_tokens = _strings(entry, "tokens", smtp)
        if tokens & set(user_tokens) or len(set(user_tokens)) != len(user_tokens):
            raise UsersFileError(f"{smtp}: a bearer token may belong to one user only")
        tokens.update(user_tokens)
        user = User(smtp=smtp, password=None if password is None else str(password), tokens=user_tokens,
                    role=role, impersonate=tuple(s.lower() for s in _strings(entry, "impersonate", smtp)),
                    display_name=entry.get("display_name"),
                    sid=None if entry.get("sid") is None else str(entry["sid"]),
                    principal_name=None if entry.get("principal_name") is None else str(entry["principal_name"]),
                    logon_name=None if entry.get("logon_name") is None else str(entry["logon_name"]))
        directory.users[user.smtp] = user
    directory.oauth = _issuers(data.get("oauth"), base)
    directory.groups = _groups(data.get("groups"), directory.users)
    return directory


def _groups(entries: object, users: dict[str, User]) -> dict[str, Group]:
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise UsersFileError("'groups' must be a list of groups")
    groups: dict[str, Group] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "@" not in str(entry.get("smtp", "")):
            raise UsersFileError(f"group #{number} needs an 'smtp' address")
        smtp = str(entry["smtp"]).strip().lower()
        if smtp in groups or smtp in users:
            raise UsersFileError(f"{smtp} is listed twice")
        members = tuple(m.strip().lower() for m in _strings(entry, "members", smtp))
        if any("@" not in m for m in members):
            raise UsersFileError(f"{smtp}: a member must be an SMTP address")
        name = entry.get("display_name")
        groups[smtp] = Group(smtp, None if name is None else str(name), members)
    return groups


def load_users(path: Path) -> UserDirectory:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise UsersFileError(f"{path}: cannot read the users file ({err.strerror})") from None
    except UnicodeDecodeError:
        raise UsersFileError(f"{path}: the users file is not UTF-8") from None
    except yaml.YAMLError as err:
        # the YAML error quotes the offending line, which may hold a password: report the position only
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise UsersFileError(f"{path}: not valid YAML{where}") from None
    try:
        return parse_users(data, Path(path).parent)
    except UsersFileError as err:
        raise UsersFileError(f"{path}: {err}") from None

"""The users file (``--users FILE``): who may log in, with which password or bearer token, in which role.

```yaml
users:
  - smtp: alice@example.com
    password: secret            # HTTP Basic
    tokens: [alice-token]       # static bearer tokens (optional)
    role: admin                 # admin | manager | member (the JSON task API); default member
    impersonate: ["*"]          # SMTP addresses this user may impersonate / open as delegate; "*" = anyone
    display_name: Alice
```
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROLES = ("admin", "manager", "member")


class UsersFileError(ValueError):
    pass


@dataclass(frozen=True)
class User:
    smtp: str
    password: str | None = None
    tokens: tuple[str, ...] = ()
    role: str = "member"
    impersonate: tuple[str, ...] = ()
    display_name: str | None = None

    def may_act_as(self, smtp: str) -> bool:
        smtp = smtp.lower()
        return smtp == self.smtp or "*" in self.impersonate or smtp in self.impersonate


@dataclass
class UserDirectory:
    users: dict[str, User] = field(default_factory=dict)

    def by_password(self, smtp: str, password: str) -> User | None:
        user = self.users.get(smtp.lower())
        if user is None or user.password is None:
            return None
        return user if hmac.compare_digest(user.password.encode(), password.encode()) else None

    def by_token(self, token: str) -> User | None:
        for user in self.users.values():
            if any(hmac.compare_digest(t.encode(), token.encode()) for t in user.tokens):
                return user
        return None

    @property
    def has_tokens(self) -> bool:
        return any(u.tokens for u in self.users.values())


def parse_users(data: object) -> UserDirectory:
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        raise UsersFileError("expected a mapping with a 'users' list")
    directory = UserDirectory()
    for entry in data["users"]:
        if not isinstance(entry, dict) or "@" not in str(entry.get("smtp", "")):
            raise UsersFileError(f"each user needs an 'smtp' address: {entry!r}")
        role = entry.get("role", "member")
        if role not in ROLES:
            raise UsersFileError(f"{entry['smtp']}: role must be one of {', '.join(ROLES)}")
        user = User(smtp=str(entry["smtp"]).lower(), password=entry.get("password"),
                    tokens=tuple(str(t) for t in entry.get("tokens", ())), role=role,
                    impersonate=tuple(str(s).lower() for s in entry.get("impersonate", ())),
                    display_name=entry.get("display_name"))
        directory.users[user.smtp] = user
    return directory


def load_users(path: Path) -> UserDirectory:
    return parse_users(yaml.safe_load(path.read_text(encoding="utf-8")))

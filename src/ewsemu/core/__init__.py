"""The pure domain: the field registry, the apply engine and its rules, ChangeKeys, recurrence, folders, queries.

No XML and no SQL here (lxml and SQLAlchemy are off limits; `make test` checks it with import-linter), so
every rule can be tested as plain values and every face shares it.
"""

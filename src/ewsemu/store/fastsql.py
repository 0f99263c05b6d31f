"""The hot path's statements, compiled once per dialect and run on the driver's cursor.

SQLAlchemy Core builds and compiles every statement here (so the SQL is the dialect's own, FOR UPDATE and
casts included) and still owns the connection, the pool and the transaction; only the per-execution
machinery (execution context, events, result objects) is skipped. For one UpdateItem that machinery cost
~120 µs against ~26 µs for the SQL itself (``bench/layers.py``), so the statements a write runs on every
ItemChange go through :class:`Prepared`; everything else uses Core as usual.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any]


class _Compiled:
    def __init__(self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
        self.sql = compiled.string
        self.order: list[str] | None = list(compiled.positiontup) if compiled.positional else None
        self.binds: list[tuple[str, Processor | None]] = [
            (name, bind.type.dialect_impl(dialect).bind_processor(dialect)) for name, bind in compiled.binds.items()]
        self.dialect = dialect
        #: the values of binds the statement carries itself (``fired + 1``), under their generated names
        self.defaults = {name: value for name, value in compiled.params.items() if value is not None}
        # a SELECT's columns, or what a DML statement's RETURNING gives back
        selected = getattr(statement, "selected_columns", None)
        self.selected = list(selected if selected is not None else getattr(statement, "exported_columns", ()))
        self.columns: list[str] = [c.key for c in self.selected]
        #: result processors need the driver's column type codes, known after the first execution
        self.results: list[Processor | None] | None = None

    def result_processors(self, description: Sequence[Any]) -> list[Processor | None]:
        if self.results is None:
            self.results = [c.type.dialect_impl(self.dialect).result_processor(self.dialect, d[1])
                            for c, d in zip(self.selected, description)]
        return self.results

    def parameters(self, values: dict[str, Any]) -> Any:
        processed = {**self.defaults, **values} if self.defaults else dict(values)
        for name, process in self.binds:
            if process is not None and processed.get(name) is not None:
                processed[name] = process(processed[name])
        return tuple(processed[name] for name in self.order) if self.order is not None else processed


class Prepared:
    """A Core statement; ``column_keys`` chooses the SET/VALUES columns of an UPDATE or INSERT."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...] | None], _Compiled] = {}

    def _for(self, conn: Connection, column_keys: Sequence[str] | None) -> _Compiled:
        return self.compiled(conn.dialect, column_keys)

    def compiled(self, dialect: Dialect, column_keys: Sequence[str] | None = None) -> _Compiled:
        """The statement compiled for ``dialect``: its SQL and how to order and convert its parameters (for a
        caller running it on a driver connection of its own)."""
        key = (dialect.name, tuple(column_keys) if column_keys is not None else None)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _Compiled(self.statement, dialect, column_keys)
        return found

    def execute(self, conn: Connection, values: dict[str, Any], column_keys: Sequence[str] | None = None) -> int:
        """Run a DML statement in ``conn``'s transaction; the number of rows it matched."""
        compiled = self._for(conn, column_keys)
        with _cursor(conn, compiled.sql) as cursor:
            cursor.execute(compiled.sql, compiled.parameters(values))
            return cursor.rowcount

    def execute_many(self, conn: Connection, rows: Sequence[dict[str, Any]],
                     column_keys: Sequence[str] | None = None) -> None:
        """Run a DML statement once per row of ``rows`` (the driver's executemany: one round trip on psycopg's
        pipeline, one prepared statement on sqlite3)."""
        compiled = self._for(conn, column_keys)
        with _cursor(conn, compiled.sql) as cursor:
            cursor.executemany(compiled.sql, [compiled.parameters(values) for values in rows])

    def first(self, conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
        """The first row of a SELECT (or of a DML statement's RETURNING) as a column-key -> value mapping (result types applied), or None."""
        compiled = self._for(conn, None)
        with _cursor(conn, compiled.sql) as cursor:
            cursor.execute(compiled.sql, compiled.parameters(values))
            row = cursor.fetchone()
            processors = compiled.result_processors(cursor.description)
        if row is None:
            return None
        return {name: (process(value) if process is not None and value is not None else value)
                for name, process, value in zip(compiled.columns, processors, row)}


#: one step of :func:`execute_and_commit`: a statement, its rows (one execution each), its SET/VALUES columns
Step = tuple["Prepared", Sequence[dict[str, Any]], Sequence[str] | None]


def execute_and_commit(conn: Connection, steps: Sequence[Step]) -> None:
    """Run ``steps`` and COMMIT ``conn``'s transaction in one round trip where the driver can pipeline
    (psycopg 3); elsewhere run them and leave the COMMIT to the transaction's owner as usual.

    What it is for: the change journal takes a lock in its last statements that must be held until COMMIT
    (store/journal.py); sending COMMIT with them means the lock is held for the server's own time, not for a
    network round trip plus however long this thread waits for the GIL before it can send COMMIT. SQLAlchemy's
    COMMIT at the end of the ``with`` block then finds no open transaction and psycopg sends nothing."""
    dbapi_conn = conn.connection.dbapi_connection  # type: ignore[union-attr]
    pipeline = getattr(dbapi_conn, "pipeline", None)
    with _cursor(conn, "COMMIT") as cursor:
        if pipeline is None:
            for prepared, rows, column_keys in steps:
                compiled = prepared._for(conn, column_keys)
                cursor.executemany(compiled.sql, [compiled.parameters(values) for values in rows])
            return
        with pipeline():
            for prepared, rows, column_keys in steps:
                compiled = prepared._for(conn, column_keys)
                for values in rows:
                    cursor.execute(compiled.sql, compiled.parameters(values))
            dbapi_conn.commit()


@contextmanager
def _cursor(conn: Connection, sql: str) -> Iterator[Any]:
    """A driver cursor in ``conn``'s transaction; driver errors become SQLAlchemy's (IntegrityError,
    OperationalError, …) exactly as on Core's own path, so callers' retry and conflict handling still apply."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except dbapi.Error as err:
        raise DBAPIError.instance(sql, None, err, dbapi.Error, dialect=conn.dialect) from err
    finally:
        cursor.close()

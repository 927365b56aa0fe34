"""Statements of the hot path compiled once per database and run on the driver's own cursor.

SQLAlchemy's Core spends about 45 µs of Python on each execution of a cached statement (execution context,
parameter construction, result set-up) where the driver itself spends under 10; a completion runs six to eight
such statements. A ``DriverStatement`` is a Core statement compiled once per dialect: its SQL text, the order its
driver takes the values in, the values it fixes itself (``state = 'open'``) and each value's bind processor (a
datetime becomes SQLite's text, as SQLAlchemy would store it). Running it binds the values and calls the driver.

It stays a good citizen of SQLAlchemy's session: it runs on the session's connection inside its transaction, fires
the engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners (a statement counter sees it; the
``context`` argument is None), and raises the driver's errors as SQLAlchemy raises them (``IntegrityError``,
``OperationalError``...), invalidating a connection the server dropped. A statement whose compiled form needs
SQLAlchemy at each execution (an expanding ``IN``, a Python-side default, an escaped name) is refused when it
is compiled (``TypeError``), so it cannot silently bind wrong values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, Connection, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, class_mapper
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Value:
    """One value a statement binds: the caller's (by its name, or for ``write_rows`` by the column's name), or one
    the statement fixes itself (already processed)."""

    name: str
    column: str  # the name without its ``b_``
    fixed: bool
    value: Any
    processor: Processor | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the values bound, in the driver's order when it is positional
    positional: bool
    fixed: Mapping[str, Any]  # values the statement binds itself
    values: tuple[_Value, ...]  # as ``names``


@dataclass(frozen=True)
class DriverResult:
    rowcount: int
    rows: list[tuple[Any, ...]]


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    if getattr(compiled, "escaped_bind_names", None) or getattr(compiled, "literal_execute_params", None):
        raise TypeError("a statement with escaped or literal-execute names needs SQLAlchemy at each execution")
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise TypeError("a column's Python-side default is computed by SQLAlchemy at each execution")
    rendered = {name: bind for bind, name in compiled.bind_names.items()}
    fixed: dict[str, Any] = {}
    processors: dict[str, Processor] = {}
    for name, bind in rendered.items():
        if bind.expanding or bind.callable is not None:
            raise TypeError(f"bind {name!r} needs SQLAlchemy at each execution (expanding or computed)")
        if not bind.required:
            fixed[name] = bind.value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
    positional = bool(compiled.positional)
    order = tuple(compiled.positiontup or ()) if positional else tuple(rendered)
    values = tuple(_Value(name, name.removeprefix("b_"), name in fixed,
                          _processed(fixed.get(name), processors.get(name)), processors.get(name)) for name in order)
    return _Compiled(compiled.string, order, positional, fixed, values)


class DriverStatement:
    """A Core statement run on the driver's cursor; its values are bound by name (``b_`` names, as in
    ``bindparam("b_id")``). Compiled on first use for each database."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        key = f"{dialect.name}+{dialect.driver}"
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled.setdefault(key, _compile(self.statement, dialect))
        return found

    def run(self, session: Session, values: Mapping[str, Any]) -> DriverResult:
        """Run once with ``values``; returns the rows it returned (a statement with RETURNING or a SELECT)."""
        connection = session.connection()
        compiled = self.compiled(connection.dialect)
        return _execute(connection, compiled, _bound(compiled, values), many=False)

    def run_many(self, session: Session, rows: Sequence[Mapping[str, Any]], *, by_column: bool = False,
                 ) -> DriverResult:
        """Run once per row (the driver's ``executemany``); no rows are returned. ``by_column``: each row's values
        are keyed by their names without ``b_`` (a table's rows, for a ``row_insert``)."""
        if not rows:
            return DriverResult(0, [])
        connection = session.connection()
        compiled = self.compiled(connection.dialect)
        return _execute(connection, compiled, [_bound(compiled, row, by_column=by_column) for row in rows],
                        many=True)


def row_insert(table: Table, names: tuple[str, ...]) -> DriverStatement:
    """``INSERT INTO table (names) VALUES (:b_<name>, ...)``, for ``write_rows``."""
    return DriverStatement(insert(table).values({name: bindparam(f"b_{name}") for name in names}))


def write_rows(session: Session, statement: DriverStatement, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run a ``row_insert`` for rows keyed by column name (the driver's ``executemany``)."""
    statement.run_many(session, rows, by_column=True)


def _processed(value: Any, processor: Processor | None) -> Any:
    return value if processor is None or value is None else processor(value)


def _bound(compiled: _Compiled, values: Mapping[str, Any], *, by_column: bool = False) -> Any:
    """The driver's parameters: a tuple in order (positional), else a dict by name."""
    bound = [each.value if each.fixed else _processed(values[each.column if by_column else each.name], each.processor)
             for each in compiled.values]
    return tuple(bound) if compiled.positional else dict(zip(compiled.names, bound, strict=True))


def _execute(connection: Connection, compiled: _Compiled, parameters: Any, *, many: bool) -> DriverResult:
    dispatch = connection.dispatch
    fairy = connection.connection
    cursor = fairy.cursor()
    try:
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(connection, cursor, compiled.sql, parameters, None, many)
        if many:
            cursor.executemany(compiled.sql, parameters)
        else:
            cursor.execute(compiled.sql, parameters)
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, compiled.sql, parameters, None, many)
        rows = [tuple(row) for row in cursor.fetchall()] if cursor.description is not None else []
        return DriverResult(cursor.rowcount, rows)
    except connection.dialect.loaded_dbapi.Error as error:
        _raise_as_sqlalchemy(connection, error, compiled.sql, parameters, cursor)
        raise  # not reached
    finally:
        cursor.close()


def _raise_as_sqlalchemy(connection: Connection, error: Any, sql: str, parameters: Any, cursor: Any) -> None:
    """The driver's error as SQLAlchemy raises it (its exception class, the connection invalidated on a drop)."""
    dialect = connection.dialect
    dropped = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
    if dropped and not connection.invalidated:
        connection.invalidate(error)
    raise DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error, dialect=dialect,
                              connection_invalidated=dropped) from error


E = TypeVar("E")


class PlainEntity(Generic[E]):
    """An ORM entity's columns, to read in a ``DriverStatement``, and the entity built from them outside any
    session: no identity map, no change tracking (a use case changes rows by statements, never by flushing an
    entity), about 5 µs where the ORM's loading of a row costs about 100. The models have no relationships, so
    such an entity holds everything a loaded one does. Values come back as SQLAlchemy would give them (a
    SQLite timestamp's text becomes a datetime)."""

    def __init__(self, entity: type[E]) -> None:
        mapper = class_mapper(entity)
        self._manager = mapper.class_manager
        self._keys = tuple(attribute.key for attribute in mapper.column_attrs)
        self.columns: tuple[ColumnElement[Any], ...] = tuple(attribute.columns[0] for attribute in mapper.column_attrs)
        self._processors: dict[str, tuple[Processor | None, ...]] = {}

    def build(self, dialect: Dialect, values: Sequence[Any]) -> E:
        """The entity of ``values`` (as many as ``columns``, in their order)."""
        processors = self._processors.get(dialect.name)
        if processors is None:
            processors = self._processors.setdefault(dialect.name, tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None) for column in self.columns))
        entity = self._manager.new_instance()
        instance_dict(entity).update(
            (key, value if processor is None or value is None else processor(value))
            for key, value, processor in zip(self._keys, values, processors, strict=True))
        return entity

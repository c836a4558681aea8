"""The demo network for tests: ``manage.py load_demo`` run once a session, its rows kept, put back where needed.

The command takes seconds (it validates and saves record after record, each with its signals); putting
the rows it wrote back takes a few INSERTs a table. tests/conftest.py loads the demo once
(``demo_snapshot``) and restores it into a module's transaction (``demo_network``); the HSDS feed's
package and the browser tests (committed, for the live server) restore the same rows.

Dates in the demo count back from the day it is loaded. The snapshot is taken at ``LOADED_AT``, a
Monday at noon in Denver, with time standing still, so that the history of referrals is the same
every run; ``Snapshot.as_of`` gives the same network as a load at another moment would.
"""

import dataclasses
import datetime
import io
import zoneinfo

import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction

from plans import demo as plans_demo
from providers import demo as providers_demo
from referrals import demo as referrals_demo

LOADED_AT = datetime.datetime(2026, 11, 23, 12, tzinfo=zoneinfo.ZoneInfo("America/Denver"))


@dataclasses.dataclass(frozen=True)
class Table:
    """The rows of one table: the values of ``fields`` (concrete, by attname) as the ORM reads them."""

    model: type[models.Model]
    fields: tuple[models.Field, ...]
    rows: tuple[tuple, ...]

    def insert(self) -> None:
        """Insert the rows as they are: no ``save()``, no signals, ``auto_now`` values kept (a statement)."""
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) VALUES ({placeholders})",
                [
                    [field.get_db_prep_save(value, connection) for field, value in zip(self.fields, row, strict=True)]
                    for row in self.rows
                ],
            )


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The rows ``manage.py load_demo`` wrote at ``loaded_at``, table by table, and what it printed."""

    loaded_at: datetime.datetime
    output: str
    tables: tuple[Table, ...]

    def restore(self) -> None:
        """Insert every row in one transaction (foreign keys are checked at its end, so order does not matter)
        and move the id sequences past them, as ``loaddata`` does."""
        with transaction.atomic():
            for table in self.tables:
                table.insert()
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), [t.model for t in self.tables]):
                    cursor.execute(statement)

    def as_of(self, moment: datetime.datetime) -> "Snapshot":
        """Return the demo network as a load at ``moment`` leaves it, without running the whole command again.

        A listing's dates (verified N days ago, created at the load) move with the load: every date-time
        moves by ``moment - loaded_at``; calendar dates stay (the file's holidays are days of a year).
        The history of referrals keeps office hours and weekdays, which moving would not: it is drawn
        again at ``moment``, and the plans with it (their days would not move). Costs a restore and a draw, in
        a transaction rolled back at the end.
        """
        shift = moment - self.loaded_at
        moved = Snapshot(
            loaded_at=moment,
            output=self.output,
            tables=tuple(
                dataclasses.replace(
                    table,
                    rows=tuple(
                        tuple(
                            value + shift if isinstance(field, models.DateTimeField) and value is not None else value
                            for field, value in zip(table.fields, row, strict=True)
                        )
                        for row in table.rows
                    ),
                )
                for table in self.tables
            ),
        )
        users = providers_demo.read_json(providers_demo.DEMO_NETWORK_PATH).get("users", [])
        with transaction.atomic():
            before = rows_now()
            moved.restore()
            referrals_demo.load_history(users, reset=True, now=moment)
            plans_demo.load_plans(users, reset=True, now=moment)
            tables = rows_added_since(before)
            transaction.set_rollback(True)
        return dataclasses.replace(moved, tables=tables)


def load(moment: datetime.datetime = LOADED_AT) -> Snapshot:
    """Run ``manage.py load_demo`` at ``moment`` (time standing still) and return what it wrote.

    The caller owns the transaction, and rolls it back once the snapshot is taken.
    """
    before = rows_now()
    output = io.StringIO()
    with time_machine.travel(moment, tick=False):
        call_command("load_demo", stdout=output)
    return Snapshot(loaded_at=moment, output=output.getvalue(), tables=rows_added_since(before))


def tables_of_models() -> list[tuple[type[models.Model], tuple[models.Field, ...]]]:
    return [
        (model, tuple(field for field in model._meta.concrete_fields if not field.generated))
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def rows_now() -> dict[type[models.Model], dict]:
    """Every row of every table by primary key (a query a table): before a load, only what migrations put there."""
    return {model: dict(rows_by_pk(model, fields)) for model, fields in tables_of_models()}


def rows_by_pk(model: type[models.Model], fields: tuple[models.Field, ...]):
    position = fields.index(model._meta.pk)
    for row in model._base_manager.values_list(*(field.attname for field in fields)):
        yield row[position], row


def rows_added_since(before: dict[type[models.Model], dict]) -> tuple[Table, ...]:
    """Return the rows that are new since ``before``; refuse a change to a row that was there (a query a table)."""
    tables = []
    for model, fields in tables_of_models():
        added, changed = [], []
        for pk, row in rows_by_pk(model, fields):
            if pk not in before[model]:
                added.append(row)
            elif row != before[model][pk]:
                changed.append(pk)
        if changed:
            raise AssertionError(f"load_demo changed {model.__name__} rows that were there before it: {changed}")
        if added:
            tables.append(Table(model=model, fields=fields, rows=tuple(added)))
    return tuple(tables)

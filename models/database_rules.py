"""Business rules that PostgreSQL holds (one open borrowing per user and profile, no overlapping care plans, one
weekly review): a Python search before the insert cannot see what a concurrent transaction is inserting at the
same moment (Odoo runs in REPEATABLE READ), so both would commit. A constraint can: the second insert waits for
the first transaction and is refused once it commits. No model of its own: the models call these helpers from
their ``init()`` and around their inserts."""

import logging
import threading
from contextlib import closing, contextmanager

from psycopg2 import Error, IntegrityError

from odoo.tools import SQL
from odoo.tools.sql import constraint_definition, drop_constraint

_logger = logging.getLogger(__name__)
_expected = threading.local()


class _ExpectedRefusals(logging.Filter):
    """Odoo logs every failed query as an error ("bad query"); a refusal by one of these constraints is the
    user's message, no server error: the thread that expects it does not log it."""

    def filter(self, record):
        constraints = getattr(_expected, "constraints", ())
        return not (constraints and any(f'"{name}"' in record.getMessage() for name in constraints))


logging.getLogger("odoo.sql_db").addFilter(_ExpectedRefusals())


@contextmanager
def _expecting(constraints):
    previous = getattr(_expected, "constraints", ())
    _expected.constraints = (*previous, *constraints)
    try:
        yield
    finally:
        _expected.constraints = previous


def ensure_extension(cr, name):
    """Create the PostgreSQL extension ``name`` (``btree_gist``: integers compared with ``=`` in an exclusion
    constraint; trusted since PostgreSQL 13, so the database owner may create it). Returns whether it is there;
    a role that may not create it gets a warning, and the constraints needing it are not added."""
    cr.execute(SQL("SELECT 1 FROM pg_extension WHERE extname = %s", name))
    if cr.rowcount:
        return True
    try:
        with cr.savepoint(flush=False):
            cr.execute(SQL("CREATE EXTENSION IF NOT EXISTS %s", SQL.identifier(name)), log_exceptions=False)
    except Error as exc:
        _logger.warning(
            "PostgreSQL extension %s could not be created (%s): ask a superuser to run CREATE EXTENSION %s in this "
            "database, then upgrade the module; until then its rules are checked in Python only.",
            name,
            exc.diag.message_primary,
            name,
        )
        return False
    return True


def ensure_constraint(model, name, definition):
    """Add the constraint ``<table>_<name>`` with ``definition`` to the table of ``model`` (from its ``init()``)
    unless it is there with that definition already (kept as the constraint's comment, as Odoo does for
    ``_sql_constraints``).

    A database upgraded from a version that only checked the rule in Python may hold rows that break it: then
    the constraint is not added, a warning names the first conflict, and the upgrade goes on (the Python check
    still refuses new duplicates). Fix the rows and upgrade again to add it. Returns whether it is there."""
    cr = model.env.cr
    table, constraint = model._table, f"{model._table}_{name}"
    current = constraint_definition(cr, table, constraint)
    if current == definition:
        return True
    if current:
        drop_constraint(cr, table, constraint)
    try:
        with cr.savepoint(flush=False):
            cr.execute(
                SQL(
                    "ALTER TABLE %s ADD CONSTRAINT %s %s",
                    SQL.identifier(table),
                    SQL.identifier(constraint),
                    SQL(definition),
                ),
                log_exceptions=False,
            )
            cr.execute(
                SQL(
                    "COMMENT ON CONSTRAINT %s ON %s IS %s",
                    SQL.identifier(constraint),
                    SQL.identifier(table),
                    definition,
                )
            )
    except Error as exc:
        _logger.warning(
            "Constraint %s not added to %s (%s): %s Correct or cancel these %s rows, then upgrade the module again; "
            "until then the rule is checked in Python only.",
            constraint,
            table,
            exc.diag.message_primary,
            exc.diag.message_detail or "",
            model._description,
        )
        return False
    return True


def refuse_conflicts(cr, operation, items, refusals):
    """Run ``operation(items)`` (a model's ``super().create`` on its values, or ``write`` on its records) and turn
    PostgreSQL's refusal into the message of the Python check.

    ``refusals`` maps a constraint name to a function of a one-item slice of ``items`` returning the exception to
    raise: the message a user gets when the Python check sees the duplicate, here for the item the database
    refused (a transaction that committed the same a moment before, or another item of the same call). The
    operation runs and is flushed in a savepoint: a refused operation leaves nothing behind. Any other error, a
    serialization failure among them (Odoo retries the request), passes on unchanged.
    """
    savepoint = cr.savepoint()  # flushes what was pending before: its errors are not these items'
    with _expecting(refusals):
        try:
            with savepoint:
                return operation(items)
        except IntegrityError as exc:
            constraint = exc.diag.constraint_name
            if constraint not in refusals:
                raise
            refused = items[:1] if len(items) == 1 else _first_refused(cr, operation, items, constraint)
            raise refusals[constraint](refused) from exc


def _first_refused(cr, operation, items, constraint):
    """The first item the database refuses, tried one by one in a savepoint undone afterwards."""
    with closing(cr.savepoint()):
        for index in range(len(items)):
            try:
                with cr.savepoint():
                    operation(items[index : index + 1])
            except IntegrityError as exc:
                if exc.diag.constraint_name != constraint:
                    raise
                return items[index : index + 1]
    return items[:1]  # not refused one by one (cannot happen once the other transaction committed)

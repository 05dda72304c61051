import importlib.util
from contextlib import contextmanager
from types import SimpleNamespace

from psycopg2 import IntegrityError, errors

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, file_path, mute_logger
from odoo.tools.translate import code_translations

from .common import MANAGER, SALESMAN, SUPERVISOR, RaceCommon, RetentionCommon

RULES = {
    "retention.borrowing": "retention_borrowing_one_open",
    "retention.care.plan": "retention_care_plan_no_overlap",
    "retention.card.review": "retention_card_review_one_per_week",
}
RULES_LOGGER = "odoo.addons.customer_retention.models.database_rules"
BORROWING_TAKEN = "%(user)s already has a pending or open borrowing of %(customer)s."
PLAN_OVERLAP = "%(customer)s already has a care plan for a period overlapping %(start)s – %(end)s."
REVIEW_TAKEN = "The cards of %(salesperson)s have already been reviewed in the week of %(week)s: open that review."


@tagged("post_install", "-at_install")
class TestDatabaseRules(RetentionCommon):
    """One open borrowing per borrower and profile, no overlapping care plans, one weekly review per salesperson:
    PostgreSQL holds them, as constraints added by the models' ``init()``."""

    # --- the constraints ----------------------------------------------------------------------------
    def _constraints(self):
        rows = self.env.execute_query(
            SQL("SELECT conname FROM pg_constraint WHERE conname IN %s", tuple(RULES.values()))
        )
        return {name for (name,) in rows}

    def _one_of_each(self):
        """A pending borrowing, a draft plan and a review, made as users make them."""
        customer = self._customer("Rules Trading Co", user=self.salesman_a)
        self.env["retention.profile"].create({"partner_id": customer.id, "taboos": "Clocks"})
        return {
            "retention.borrowing": self.env["retention.borrowing"]
            .with_user(self.salesman_b)
            .create({"partner_id": customer.id, "reason": "Visit", "duration_days": 2}),
            "retention.care.plan": self.env["retention.care.plan"]
            .with_user(self.salesman_a)
            .create({"partner_id": customer.id, "date_start": "2027-01-01", "date_end": "2027-06-30"}),
            "retention.card.review": self.env["retention.card.review"]
            .with_user(self.supervisor_a)
            .create({"salesperson_id": self.salesman_a.id}),
        }

    def _copy_row(self, record):
        """The same row again, inserted behind the ORM's back."""
        columns = SQL(", ").join(
            SQL.identifier(column)
            for (column,) in self.env.execute_query(
                SQL(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id'",
                    record._table,
                )
            )
        )
        table = SQL.identifier(record._table)
        self.env.flush_all()
        return self.env.execute_query(
            SQL(
                "INSERT INTO %s (%s) SELECT %s FROM %s WHERE id = %s RETURNING id",
                table,
                columns,
                columns,
                table,
                record.id,
            )
        )[0][0]

    def test_rules_are_database_objects(self):
        self.assertEqual(self._constraints(), set(RULES.values()))
        self.assertTrue(self.env.execute_query(SQL("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'")))
        # a row inserted behind the ORM's back is refused too
        for model, record in self._one_of_each().items():
            with (
                self.subTest(model=model),
                mute_logger("odoo.sql_db"),
                self.assertRaises(errors.IntegrityError) as caught,
                self.env.cr.savepoint(),
            ):
                self._copy_row(record)
            self.assertEqual(caught.exception.diag.constraint_name, RULES[model])

    def test_upgrade_over_rows_that_break_a_rule(self):
        """A database that only had the Python checks may hold duplicates: the upgrade goes on without the
        constraint and says so; once the rows are set right, the next upgrade adds it."""
        for model, record in self._one_of_each().items():
            with self.subTest(model=model):
                Model = self.env[model]
                self.env.execute_query(
                    SQL(
                        "ALTER TABLE %s DROP CONSTRAINT %s",
                        SQL.identifier(Model._table),
                        SQL.identifier(RULES[model]),
                    )
                )
                duplicate = self._copy_row(record)
                with self.assertLogs(RULES_LOGGER, "WARNING") as logs:
                    Model.init()
                self.assertIn(f"Constraint {RULES[model]} not added to {Model._table}", logs.output[0])
                self.assertNotIn(RULES[model], self._constraints())
                self.env.execute_query(SQL("DELETE FROM %s WHERE id = %s", SQL.identifier(Model._table), duplicate))
                with self.assertNoLogs(RULES_LOGGER, "WARNING"):
                    Model.init()
                self.assertIn(RULES[model], self._constraints())

    def test_migration_dates_earlier_requests(self):
        """Upgrading to 18.0.1.0.1 gives the requests made before it their creation as the moment they were made
        (before the models load: the constraint counts from it)."""
        borrowing = self._one_of_each()["retention.borrowing"]
        self.env.flush_all()
        self.env.execute_query(SQL("UPDATE retention_borrowing SET date_requested = NULL WHERE id = %s", borrowing.id))
        path = file_path("customer_retention/migrations/18.0.1.0.1/pre-migrate.py")
        spec = importlib.util.spec_from_file_location("customer_retention_pre_migration", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, None)  # a new install: nothing to do
        borrowing.invalidate_recordset()
        self.assertFalse(borrowing.date_requested)
        migration.migrate(self.env.cr, "18.0.1.0.0")
        borrowing.invalidate_recordset()
        self.assertEqual(borrowing.date_requested, borrowing.create_date)

    def test_duplicates_in_one_call(self):
        """The Python checks search the database before the insert; two records of one call are refused by the
        database, with the same message."""
        customer = self._customer("Batch Trading Co", user=self.salesman_a)
        self.env["retention.profile"].create({"partner_id": customer.id})
        request = {"partner_id": customer.id, "reason": "Visit", "duration_days": 2}
        with self.assertRaisesRegex(UserError, "already has a pending or open borrowing of Batch Trading Co"):
            self.env["retention.borrowing"].with_user(self.salesman_b).create([request, request])
        reviews = self.env["retention.card.review"].with_user(self.supervisor_a)
        with self.assertRaisesRegex(ValidationError, "have already been reviewed"):
            reviews.create([{"salesperson_id": self.salesman_a2.id}, {"salesperson_id": self.salesman_a.id}] * 2)
        plans = self.env["retention.care.plan"].with_user(self.salesman_a)
        with self.assertRaisesRegex(ValidationError, "overlapping 2027-06-01 – 2027-12-31"):
            plans.create(
                [
                    {"partner_id": customer.id, "date_start": "2027-01-01", "date_end": "2027-03-31"},
                    {"partner_id": customer.id, "date_start": "2027-04-01", "date_end": "2027-06-30"},
                    {"partner_id": customer.id, "date_start": "2027-06-01", "date_end": "2027-12-31"},
                ]
            )
        self.assertFalse(self.env["retention.borrowing"].search([("partner_id", "=", customer.id)]))
        self.assertFalse(self.env["retention.care.plan"].search([("partner_id", "=", customer.id)]))
        self.assertFalse(self.env["retention.card.review"].search([]))


@tagged("post_install", "-at_install")
class TestRaces(RaceCommon):
    """Two transactions at the same moment, each past the Python check and neither seeing the other's row: the
    database lets one commit and refuses the other with the check's message. They run on two cursors of their
    own, on users and a customer committed for them (this class's transaction holds nothing they need) and
    removed afterwards."""

    @contextmanager
    def _world(self):
        """A team (supervisor, salesperson, borrower), a manager, a customer of the salesperson with a profile,
        committed: the two transactions of a race do not see this test's own (``RaceCommon._committed_world``)."""

        def build(env):
            users = {
                role: new_test_user(env, f"ret_race_{role}", groups=groups, name=f"Race {role.title()}")
                for role, groups in (
                    ("supervisor", SUPERVISOR),
                    ("salesman", SALESMAN),
                    ("borrower", SALESMAN),
                    ("manager", MANAGER),
                )
            }
            team = env["crm.team"].create(
                {
                    "name": "Race Team",
                    "user_id": users["supervisor"].id,
                    "member_ids": [Command.set((users["salesman"] | users["borrower"]).ids)],
                }
            )
            customer = env["res.partner"].create(
                {"name": "Race Trading Co", "is_company": True, "user_id": users["salesman"].id}
            )
            env["retention.profile"].create({"partner_id": customer.id, "taboos": "Never a clock"})
            return SimpleNamespace(
                **{role: (user.id, user.name) for role, user in users.items()},
                customer=(customer.id, customer.name),
                ids=SimpleNamespace(users=[user.id for user in users.values()], team=team.id, customer=customer.id),
            )

        def remove(env, world):
            ids = world.ids
            env.execute_query(SQL("DELETE FROM retention_access_log WHERE partner_id = %s", ids.customer))
            env["retention.borrowing"].search([("partner_id", "=", ids.customer)]).unlink()
            env["retention.care.plan"].search([("partner_id", "=", ids.customer)]).unlink()
            env["retention.card.review"].search([("salesperson_id", "in", ids.users)]).unlink()
            profiles = env["retention.profile"].with_context(active_test=False)
            profiles.search([("partner_id", "=", ids.customer)]).unlink()
            env["crm.team"].browse(ids.team).unlink()
            env["res.partner"].browse(ids.customer).unlink()
            self._remove_users(env, ids.users)

        with self._committed_world(build, remove) as world:
            yield world

    def assertOneRefused(self, outcomes, exception, table, message):
        """One call committed, the other got ``message`` (a function of its index) as ``exception``, and the
        database refused it past the Python check (which saw nothing): either the constraint did, turned into that
        message (at once, or on a retry after a deadlock), or the two inserts of an exclusion constraint waited on
        each other's row, PostgreSQL stopped one as a deadlock, and Odoo's retry met the Python check."""
        refused = [index for index, outcome in enumerate(outcomes) if outcome.error]
        self.assertEqual(len(refused), 1, outcomes)
        loser, winner = outcomes[refused[0]], outcomes[1 - refused[0]]
        self.assertIsInstance(loser.error, exception)
        self.assertEqual(loser.error.args[0], message(refused[0]))
        violation = loser.error.__cause__
        if violation is not None:
            self.assertIsInstance(violation, IntegrityError)
            self.assertEqual(violation.diag.table_name, table)
            # refused by the constraint at once, or on Odoo's retry after PostgreSQL stopped it as a deadlock
            # before the other one committed (a loaded machine)
            for failure in loser.failures:
                self.assertIsInstance(failure, errors.DeadlockDetected)
        else:
            self.assertEqual(len(loser.failures), 1, "refused on Odoo's retry, after the database stopped it")
            self.assertIsInstance(loser.failures[0], errors.DeadlockDetected)
            self.assertIn("while checking exclusion constraint on tuple (", loser.failures[0].diag.context)
            self.assertIn(f'in relation "{table}"', loser.failures[0].diag.context)
        self.assertFalse(winner.error)
        return winner.result

    def _chinese(self, source, **params):
        translated = code_translations.get_python_translations("customer_retention", "zh_CN").get(source)
        self.assertTrue(translated and translated != source, f"no Chinese for {source!r}")
        return translated % params

    def test_two_requests_at_the_same_moment(self):
        """A double click on Request: one borrowing, one log row, one to-do for the supervisor."""
        with self._world() as world:
            borrower, customer = world.borrower, world.customer

            def request(env):
                return env["retention.borrowing"].create(
                    {"partner_id": customer[0], "reason": "Banquet with the chairman", "duration_days": 3}
                )

            outcomes = self._race([borrower[0], borrower[0]], request)
            created = self.assertOneRefused(
                outcomes,
                UserError,
                "retention_borrowing",
                lambda index: self._chinese(BORROWING_TAKEN, user=borrower[1], customer=customer[1]),
            )
            with self._committed() as env:
                borrowings = env["retention.borrowing"].search([("partner_id", "=", customer[0])])
                self.assertEqual(borrowings.ids, created)
                self.assertEqual(borrowings.state, "requested")
                logs = env["retention.access.log"].search([("partner_id", "=", customer[0])])
                self.assertEqual(logs.mapped("action"), ["request"])
                self.assertEqual(len(borrowings.activity_ids), 1)

    def test_two_plans_at_the_same_moment(self):
        """The account manager and their supervisor write a plan for the same customer at once: one plan, with
        its own action only."""
        with self._world() as world:
            customer, salesman, supervisor = world.customer, world.salesman, world.supervisor
            periods = {salesman[0]: ("2027-01-01", "2027-06-30"), supervisor[0]: ("2027-03-01", "2027-12-31")}

            def write_plan(env):
                start, end = periods[env.uid]
                return env["retention.care.plan"].create(
                    {
                        "partner_id": customer[0],
                        "user_id": salesman[0],
                        "date_start": start,
                        "date_end": end,
                        "action_ids": [Command.create({"name": f"Visit by {env.user.name}", "date": start})],
                    }
                )

            uids = [salesman[0], supervisor[0]]
            outcomes = self._race(uids, write_plan)
            created = self.assertOneRefused(
                outcomes,
                ValidationError,
                "retention_care_plan",
                lambda index: self._chinese(
                    PLAN_OVERLAP, customer=customer[1], start=periods[uids[index]][0], end=periods[uids[index]][1]
                ),
            )
            with self._committed() as env:
                plans = env["retention.care.plan"].search([("partner_id", "=", customer[0])])
                self.assertEqual(plans.ids, created)
                winner = plans.create_uid
                self.assertEqual(plans.action_ids.mapped("name"), [f"Visit by {winner.name}"])
                self.assertEqual((plans.date_start.isoformat(), plans.date_end.isoformat()), periods[winner.id])

    def test_period_and_line_moved_at_the_same_moment(self):
        """The account manager shortens a plan while her supervisor moves one of its actions past the new end:
        each check sees the other's old value, so the line also updates its plan's row and PostgreSQL lets one
        of the two commit; Odoo's retry of the other meets the check. The action stays inside the period."""
        with self._world() as world:
            customer, salesman, supervisor = world.customer, world.salesman, world.supervisor
            with self._committed() as env:
                plan = env["retention.care.plan"].create(
                    {
                        "partner_id": customer[0],
                        "user_id": salesman[0],
                        "date_start": "2029-05-01",
                        "date_end": "2029-05-31",
                        "action_ids": [Command.create({"name": "Visit", "date": "2029-05-10"})],
                    }
                )
                plan_id, action_id = plan.id, plan.action_ids.id

            def move(env):
                if env.uid == salesman[0]:
                    records = env["retention.care.plan"].browse(plan_id)
                    records.write({"date_end": "2029-05-15"})
                else:
                    records = env["retention.care.plan.action"].browse(action_id)
                    records.write({"date": "2029-05-28"})
                records.env.flush_all()
                return records

            outcomes = self._race([salesman[0], supervisor[0]], move)
            refused = [outcome for outcome in outcomes if outcome.error]
            self.assertEqual(len(refused), 1, outcomes)
            self.assertIsInstance(refused[0].error, ValidationError)
            self.assertTrue(refused[0].failures, "stopped by PostgreSQL, refused on Odoo's retry")
            self.assertIsInstance(refused[0].failures[0], errors.SerializationFailure)
            with self._committed() as env:
                plan = env["retention.care.plan"].browse(plan_id)
                self.assertTrue(plan.date_start <= plan.action_ids.date <= plan.date_end)

    def test_two_reviews_at_the_same_moment(self):
        """The supervisor and a manager review the same salesperson's cards at once: one review this week."""
        with self._world() as world:
            salesman = world.salesman

            def review(env):
                return env["retention.card.review"].create(
                    {"salesperson_id": salesman[0], "comment": f"Reviewed by {env.user.name}"}
                )

            outcomes = self._race([world.supervisor[0], world.manager[0]], review)
            with self._committed() as env:
                reviews = env["retention.card.review"].search([("salesperson_id", "=", salesman[0])])
                week = reviews.week
            created = self.assertOneRefused(
                outcomes,
                ValidationError,
                "retention_card_review",
                lambda index: self._chinese(REVIEW_TAKEN, salesperson=salesman[1], week=week.isoformat()),
            )
            self.assertEqual(reviews.ids, created)

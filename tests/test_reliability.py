import threading
import time
from datetime import date, timedelta
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models import retention_recompute
from .common import RetentionCommon

BUSY = "being recomputed"


@tagged("post_install", "-at_install")
class TestRunLocks(TransactionCase):
    """Two runs of one company's cards never overlap, whoever starts them (the nightly job, Recompute now, a
    script): each test works in cursors of its own on committed data, as two server workers would, and rolls
    them back (the only thing committed is the company's lock stamp)."""

    def setUp(self):
        super().setUp()
        self.company_id = self.env.ref("base.main_company").id

    def _worker(self):
        """A cursor and an environment of its own, as a second server worker has."""
        cr = self.registry.cursor()
        self.addCleanup(cr.close)  # closing rolls back what was not committed
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env["retention.recompute"], env["res.company"].browse(self.company_id)

    def test_a_second_run_is_refused_at_once(self):
        first, company_1 = self._worker()
        second, company_2 = self._worker()
        first._retention_lock_cards(company_1)  # e.g. Recompute now, still running
        started = time.monotonic()
        with self.assertRaisesRegex(UserError, BUSY):
            second._recompute(company_2)
        with self.assertRaisesRegex(UserError, BUSY):
            second._daily_reminders(company_2, date.today())
        self.assertLess(time.monotonic() - started, 5, "refused, not kept waiting")

    def test_two_runs_started_together(self):
        """Two recomputes started at the same moment from two threads: exactly one runs."""
        workers = [self._worker(), self._worker()]
        barrier = threading.Barrier(2)
        outcomes = []

        def run(recompute, company):
            barrier.wait()
            try:
                recompute._recompute(company)
                outcomes.append("ran")
            except UserError as error:
                outcomes.append(str(error))

        threads = [threading.Thread(target=run, args=worker) for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(len(outcomes), 2)
        self.assertEqual(outcomes.count("ran"), 1, outcomes)
        self.assertIn(BUSY, next(outcome for outcome in outcomes if outcome != "ran"))

    def test_a_run_on_an_old_snapshot_is_refused(self):
        """A run whose transaction began before another run committed would work on cards it cannot see:
        PostgreSQL refuses its lock, and Odoo retries the request in a fresh transaction."""
        first, company_1 = self._worker()
        second, company_2 = self._worker()
        second.env.cr.execute("SELECT 1 FROM res_partner LIMIT 1")  # its snapshot is taken
        first._retention_lock_cards(company_1)
        first.env.cr.commit()  # the first run is over
        with self.assertRaises(pg_errors.SerializationFailure):
            second._retention_lock_cards(company_2)

    def test_the_nightly_run_waits_for_the_other_run(self):
        first, company_1 = self._worker()
        night, company_2 = self._worker()
        first._retention_lock_cards(company_1)
        result = {}

        def run_night():
            started = time.monotonic()
            result["run"] = night._retention_night(company_2, auto_commit=True)
            result["seconds"] = time.monotonic() - started

        with patch.object(retention_recompute, "NIGHT_LOCK_PAUSE", 0.2):
            thread = threading.Thread(target=run_night)
            thread.start()
            time.sleep(1)
            first.env.cr.commit()  # the other run ends
            thread.join(120)
        self.assertFalse(result["run"]["retention_last_run_error"], "it waited, then ran")
        self.assertGreaterEqual(result["seconds"], 1)

    def test_a_refresh_waits_for_a_recompute_not_for_another_refresh(self):
        partner_id = self.env.ref("base.partner_admin").id
        first, company_1 = self._worker()
        second, company_2 = self._worker()
        # two refreshes (two salespeople marking checks done) share the cards
        first._retention_lock_cards(company_1, exclusive=False)
        started = time.monotonic()
        second._refresh_customers(company_2, second.env["res.partner"].browse(partner_id))
        self.assertLess(time.monotonic() - started, 5)
        first.env.cr.rollback()
        second.env.cr.rollback()
        # a refresh while a recompute runs waits for it (here a short wait, then a clear message)
        first._retention_lock_cards(company_1)
        with patch.object(retention_recompute, "REFRESH_LOCK_WAIT", "300ms"):
            started = time.monotonic()
            with self.assertRaisesRegex(UserError, BUSY):
                second._refresh_customers(company_2, second.env["res.partner"].browse(partner_id))
        self.assertGreaterEqual(time.monotonic() - started, 0.3)


class TestNightlyRun(RetentionCommon):
    """Each company's night on its own: one company's failure does not undo another's, the day's reminders still
    go out, and the retention managers are told."""

    @mute_logger("odoo.addons.customer_retention.models.retention_recompute")
    def test_one_failing_company(self):
        company_1 = self.env.company
        company_2 = self.env["res.company"].create({"name": "Failing Night Co"})
        self.manager.company_ids = [Command.link(company_2.id)]
        outsider_1 = self._customer("Overdue In One", user=self.salesman_a)
        overdue_2 = self._customer("Overdue In Two", user=self.salesman_b)
        self.Partner._retention_sql_set(company_1, {"retention_next_contact_date": date(2026, 1, 5)}, outsider_1.ids)
        self.Partner._retention_sql_set(company_2, {"retention_next_contact_date": date(2026, 1, 5)}, overdue_2.ids)
        original = type(self.Recompute)._retention_stage

        def stage(recompute, company, *args, **kwargs):
            if company == company_2:
                raise RuntimeError("disk full on the second company")
            return original(recompute, company, *args, **kwargs)

        with patch.object(type(self.Recompute), "_retention_stage", stage):
            self.Recompute._cron_recompute()
        first, second = company_1.sudo(), company_2.sudo()
        self.assertTrue(first.retention_last_run_start)
        self.assertFalse(first.retention_last_run_error, "the first company's night is kept")
        self.assertIn("disk full on the second company", second.retention_last_run_error)
        # the day's reminders of the failing company still went out, from its cards as they were
        due = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", overdue_2.id),
                ("activity_type_id", "=", self.env.ref("customer_retention.mail_activity_type_contact_due").id),
            ]
        )
        self.assertEqual(due.user_id, self.salesman_b)
        # and its retention managers are told, with the error
        notice = self.env["mail.message"].search([("model", "=", "res.company"), ("res_id", "=", company_2.id)])
        self.assertEqual(len(notice), 1)
        self.assertIn(self.manager.partner_id, notice.partner_ids)
        self.assertIn("disk full on the second company", str(notice.body))
        self.assertFalse(
            self.env["mail.message"].search([("model", "=", "res.company"), ("res_id", "=", company_1.id)]),
            "a good night sends nothing",
        )


class Killed(BaseException):
    """The worker killed in the middle of a step (no ``except Exception`` catches it): nothing of the step is
    committed, as the test's savepoint rolled back shows."""


class TestNightInSteps(RetentionCommon):
    """The nightly run goes in steps that each commit (the facts, batches of cards, the pool, reminders and
    playbooks), tells Odoo's cron its progress after each call, and goes on after a killed worker from the step it
    was on, without doing the finished batches again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.Partner.create(
            [{"name": f"Night Step {n} Co", "is_company": True, "user_id": cls.salesman_a.id} for n in range(8)]
        )
        today = cls.env.company._retention_today()
        for n, customer in enumerate(cls.customers):
            cls._order(customer, 100.0 * (n + 1), today - timedelta(days=20 + 40 * n))

    def _call(self):
        """One call of the cron by Odoo's runner: (done, remaining) it reported, and the commits it made."""
        cron = self.env.ref("customer_retention.ir_cron_retention_recompute")
        cron, progress = cron._add_progress()
        commits = []
        with patch.object(self.env.cr, "commit", lambda: commits.append(self.env.cr.flush())):
            self.Recompute.with_context(ir_cron_progress_id=progress.id)._cron_recompute()
        return progress.done, progress.remaining, len(commits)

    def _night_at(self, company, step):
        """The company's night of today, its cards done, at ``step``."""
        company.retention_night = {
            "step": step,
            "day": str(company._retention_today()),
            "start": "2026-11-30 00:00:00",
            "seconds": 0.0,
            "customers": len(self.customers),
            "left": 0,
            "changes": 0,
            "errors": [],
        }

    def _spy(self, seen, kill_at=None):
        """``examine`` recording the cards it examines; the worker killed at the ``kill_at``-th one."""
        original = retention_recompute.examine

        def examine(row, settings, today):
            seen.append(row["id"])
            if len(seen) == kill_at:
                raise Killed()
            return original(row, settings, today)

        return patch.object(retention_recompute, "examine", examine)

    def test_the_night_reports_progress_and_resumes_after_a_kill(self):
        company = self.env.company.sudo()
        seen, calls = [], []
        with (
            patch.object(retention_recompute, "NIGHT_BATCH", 3),
            patch.object(retention_recompute, "CRON_CALL_SECONDS", 0),
            patch.object(type(self.Recompute), "_retention_commits", lambda recompute: True),
        ):
            # the first call starts the night: every company's facts staged, each step committed on its own
            with self._spy(seen):
                calls.append(self._call())
            self.assertEqual(company.retention_night["step"], "cards")
            staged = company.retention_night["left"]
            self.assertGreaterEqual(staged, len(self.customers))
            self.assertEqual(seen, [], "the first step only reads the facts")
            self.assertEqual(calls[0][2], 1, "one step, one commit")
            # the first batch of cards
            with self._spy(seen):
                calls.append(self._call())
            self.assertEqual(len(seen), 3)
            self.assertEqual(company.retention_night["left"], staged - 3)
            # the worker is killed in the middle of the second batch: nothing of it is kept
            killed = []
            with self.assertRaises(Killed), self.env.cr.savepoint(), self._spy(killed, kill_at=2):
                self._call()
            self.env.invalidate_all()
            self.assertEqual(company.retention_night["left"], staged - 3, "the killed batch is still to do")
            # the next calls go on from there, to the end of the night
            with self._spy(seen):
                while calls[-1][1] and len(calls) < 100:
                    calls.append(self._call())
        self.assertFalse(company.retention_night, "the night is over")
        self.assertTrue(company.retention_last_run_start)
        self.assertFalse(company.retention_last_run_error)
        self.assertGreaterEqual(company.retention_last_run_customers, len(self.customers))
        # every staged card examined once: the first batch not again, the killed one again
        self.assertEqual(len(seen), staged)
        self.assertEqual(len(set(seen)), staged)
        self.assertEqual(killed[0], seen[3], "the killed batch examined again from its first card")
        self.assertTrue(set(self.customers.ids) <= set(seen))
        # Odoo's cron was told the progress after each call: some done, less and less left, none at the end
        self.assertTrue(all(done >= 1 and commits == 1 for done, _left, commits in calls), calls)
        lefts = [left for _done, left, _commits in calls]
        self.assertEqual(lefts, sorted(lefts, reverse=True))
        self.assertEqual(lefts[-1], 0)
        self.assertGreaterEqual(len(calls), 2 + (staged + 2) // 3)
        # the cards the night wrote are those of a recompute in one go: nothing left to examine, values right
        self.assertEqual(self.Recompute._recompute(company)["examined"], 0)
        self.assertEqual(self.card(self.customers[-1]).retention_revenue_total, 800.0)

    def test_a_card_refreshed_during_the_night_is_kept(self):
        """A customer whose card a refresh wrote between two steps of the night (a confirmed order) keeps the
        refresh's values: the night's facts of it are older."""
        company = self.env.company.sudo()
        customer = self.customers[-1]
        with patch.object(retention_recompute, "NIGHT_BATCH", 2):
            company.retention_night = {"step": "start"}
            self.Recompute._retention_night_step(company, auto_commit=False)
            self._order(customer, 5000.0, company._retention_today())
            self.Recompute._refresh_customers(company, customer)
            self.assertEqual(self.card(customer).retention_revenue_total, 5800.0)
            seen = []
            with self._spy(seen):
                while company.retention_night:
                    self.Recompute._retention_night_step(company, auto_commit=False)
        self.assertTrue(set(self.customers[:-1].ids) <= set(seen))
        self.assertNotIn(customer.id, seen)
        self.assertEqual(self.card(customer).retention_revenue_total, 5800.0)

    def test_a_night_left_unfinished_on_an_earlier_day_starts_again(self):
        """A night stopped for good (the server down for days) is not finished with that day's facts: the next
        cron call starts the night of today."""
        company = self.env.company.sudo()
        company.retention_night = {"step": "start"}
        self.Recompute._retention_night_step(company, auto_commit=False)
        self.assertEqual(company.retention_night["step"], "cards")
        company.retention_night = dict(company.retention_night, day="2020-01-01")
        seen = []
        with self._spy(seen):
            self.Recompute._cron_recompute()
        self.assertFalse(company.retention_night)
        self.assertFalse(company.retention_last_run_error)
        self.assertTrue(set(self.customers.ids) <= set(seen), "today's facts staged again and examined")
        self.assertEqual(self.Recompute._recompute(company)["examined"], 0)

    def test_recompute_now_between_two_steps(self):
        """A manager's *Recompute now* between two steps of the night examines every card (and drops the night's
        table): the night goes on to its end, without a failure."""
        company = self.env.company.sudo()
        with patch.object(retention_recompute, "NIGHT_BATCH", 3):
            company.retention_night = {"step": "start"}
            self.Recompute._retention_night_step(company, auto_commit=False)
            self.Recompute._retention_night_step(company, auto_commit=False)
            self.assertGreater(company.retention_night["left"], 0)
            self.Recompute.with_user(self.manager).action_recompute_now()
            while company.retention_night:
                self.Recompute._retention_night_step(company, auto_commit=False)
        self.assertFalse(company.retention_last_run_error)
        self.assertEqual(self.Recompute._recompute(company)["examined"], 0)
        self.assertEqual(self.card(self.customers[-1]).retention_revenue_total, 800.0)

    def test_the_day_s_reminders_go_in_batches(self):
        """The first night of a large database reminds of every overdue customer: a batch per step."""
        company = self.env.company.sudo()
        self.Partner._retention_sql_set(company, {"retention_next_contact_date": date(2026, 1, 5)}, self.customers.ids)
        self._night_at(company, "reminders")
        steps = 0
        with patch.object(retention_recompute, "NIGHT_BATCH", 3):
            while company.retention_night and company.retention_night["step"] == "reminders":
                self.Recompute._retention_night_step(company, auto_commit=False)
                steps += 1
        self.assertEqual(steps, 3, "8 customers: 3, 3, then 2")
        due = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", self.customers.ids),
                ("activity_type_id", "=", self.env.ref("customer_retention.mail_activity_type_contact_due").id),
            ]
        )
        self.assertEqual(sorted(due.mapped("res_id")), sorted(self.customers.ids))
        self.assertEqual(company.retention_night["step"], "playbooks")

    def test_the_pool_goes_in_batches(self):
        """The pool's first night may release most of the customers received the day it was switched on: a batch
        per step, a killed batch done again, every customer warned, escalated or released exactly once."""
        company = self.env.company.sudo()
        company.retention_protect_warn_days = 7
        today = company._retention_today()
        ended, soon = self.customers[:6], self.customers[6:]
        Partner = self.Partner.sudo()
        Partner._retention_sql_set(company, {"retention_protection_end": today - timedelta(days=1)}, ended.ids)
        Partner._retention_sql_set(company, {"retention_protection_end": today + timedelta(days=2)}, soon.ids)
        Partner._retention_sql_set(company, {"retention_abc_class": "a"}, ended[:2].ids)
        self._night_at(company, "pool")
        steps = 0
        with patch.object(retention_recompute, "NIGHT_BATCH", 3):
            self.Recompute._retention_night_step(company, auto_commit=False)
            steps += 1
            # the worker killed while it releases the second batch: nothing of the batch is kept
            with (
                self.assertRaises(Killed),
                self.env.cr.savepoint(),
                patch.object(type(self.env["retention.pool"]), "_release", side_effect=Killed),
            ):
                self.Recompute._retention_night_step(company, auto_commit=False)
            self.env.invalidate_all()
            self.assertEqual(self.customers[3:6].user_id, self.salesman_a, "the killed batch is still to do")
            while company.retention_night and company.retention_night["step"] == "pool":
                self.Recompute._retention_night_step(company, auto_commit=False)
                steps += 1
        self.assertEqual(steps, 3, "2 escalated and 1 released, 3 released, 2 warned")
        self.assertFalse(company.retention_night["errors"])
        self.env.invalidate_all()
        history = self.env["retention.owner.history"].search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(sorted(history.mapped("partner_id").ids), sorted(ended.ids), "once each")
        self.assertEqual(set(history.filtered(lambda row: row.kind == "escalate").partner_id.ids), set(ended[:2].ids))
        self.assertEqual(ended[:2].user_id, self.salesman_a, "class A: escalated, kept")
        self.assertFalse(ended[2:].user_id, "back to the pool")
        warned = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", self.customers.ids),
                ("activity_type_id", "=", self.env.ref("customer_retention.mail_activity_type_protection_ending").id),
            ]
        )
        self.assertEqual(sorted(warned.mapped("res_id")), sorted(soon.ids))

    def test_the_night_state_is_the_system_s(self):
        """Nobody but the system reads or forges the night in progress (its step, its cards left)."""
        for user in (self.manager, self.supervisor_a, self.salesman_a):
            company = self.env.company.with_user(user)
            with self.assertRaises(AccessError):
                company.write({"retention_night": {"step": "finish", "day": "2026-01-01"}})
            with self.assertRaises(AccessError):
                company.read(["retention_night"])
        self.assertFalse(self.env.company.sudo().retention_night)

    def test_a_failing_batch_ends_the_recompute_not_the_night(self):
        company = self.env.company.sudo()
        original = retention_recompute.examine

        def examine(row, settings, today):
            if row["id"] == self.customers[4].id:
                raise ValueError("a card the rules cannot read")
            return original(row, settings, today)

        with (
            patch.object(retention_recompute, "NIGHT_BATCH", 3),
            patch.object(retention_recompute, "examine", examine),
            mute_logger("odoo.addons.customer_retention.models.retention_recompute"),
        ):
            run = self.Recompute._retention_night(company, auto_commit=False)
        self.assertIn("a card the rules cannot read", run["retention_last_run_error"])
        self.assertFalse(company.retention_night)
        self.assertFalse(
            self.Recompute._retention_stage_exists(company),
            "the night's table is dropped",
        )
        # the batches before the failing one are kept
        self.assertEqual(self.card(self.customers[0]).retention_revenue_total, 100.0)


class TestRemindersOnce(RetentionCommon):
    """A reminder done or cancelled is not made again for the same occurrence."""

    def _contact_due(self, partner):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", self.env.ref("customer_retention.mail_activity_type_contact_due").id),
            ]
        )

    def test_contact_due_once_per_due_date(self):
        company = self.env.company
        customer = self._customer("Reminded Once Co", user=self.salesman_a)
        self.Partner._retention_sql_set(company, {"retention_next_contact_date": date(2026, 6, 1)}, customer.ids)
        self.Recompute._daily_reminders(company, date(2026, 6, 2))
        first = self._contact_due(customer)
        self.assertEqual(len(first), 1)
        # marked done without logging a contact: not made again for that due date...
        first.with_user(self.salesman_a).action_done()
        self.assertFalse(self._contact_due(customer))
        for day in (date(2026, 6, 2), date(2026, 6, 3), date(2026, 7, 30)):
            self.Recompute._daily_reminders(company, day)
            self.assertFalse(self._contact_due(customer), day)
        # ... and the customer stays overdue where the team looks
        overdue = self.Partner.with_user(self.salesman_a).search(
            [("id", "=", customer.id), ("retention_next_contact_date", "<", "2026-07-30")]
        )
        self.assertEqual(overdue, customer)
        # a logged contact moves the due date: the next one is reminded, once, and cancelling works the same
        self.Partner._retention_sql_set(company, {"retention_next_contact_date": date(2026, 8, 1)}, customer.ids)
        self.Recompute._daily_reminders(company, date(2026, 8, 2))
        second = self._contact_due(customer)
        self.assertEqual(len(second), 1)
        second.with_user(self.salesman_a).unlink()
        self.Recompute._daily_reminders(company, date(2026, 8, 3))
        self.assertFalse(self._contact_due(customer))
        # the bookkeeping is the server's
        with self.assertRaisesRegex(UserError, "can only be set by the application"):
            customer.with_user(self.salesman_a).write({"retention_contact_reminded_date": False})

    def test_key_date_once_per_occurrence(self):
        key_type = self.env.ref("customer_retention.mail_activity_type_key_date")
        customer = self._customer("Key Date Once Co", user=self.salesman_a)
        profile = self.env["retention.profile"].create(
            {
                "partner_id": customer.id,
                "key_date_ids": [Command.create({"name": "Chairman's birthday", "date": date(1968, 7, 5)})],
            }
        )
        KeyDate = self.env["retention.key.date"]

        def reminders():
            return self.env["mail.activity"].search(
                [
                    ("activity_type_id", "=", key_type.id),
                    ("res_model", "=", "retention.profile"),
                    ("res_id", "=", profile.id),
                ]
            )

        KeyDate._remind(self.env.company, date(2026, 6, 30))
        self.assertEqual(reminders().date_deadline, date(2026, 7, 5))
        reminders().with_user(self.salesman_a).action_done()
        for day in (date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 5)):
            KeyDate._remind(self.env.company, day)
            self.assertFalse(reminders(), day)
        # next year's birthday is another occurrence; cancelled, it is not made again either
        KeyDate._remind(self.env.company, date(2027, 6, 30))
        self.assertEqual(reminders().date_deadline, date(2027, 7, 5))
        reminders().with_user(self.salesman_a).unlink()
        KeyDate._remind(self.env.company, date(2027, 7, 1))
        self.assertFalse(reminders())
        with self.assertRaisesRegex(UserError, "can only be set by the application"):
            profile.key_date_ids.with_user(self.salesman_a).write({"reminded_date": False})

import threading
import time
from datetime import date
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
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
        original = type(self.Recompute)._recompute_company

        def recompute_company(recompute, company, *args, **kwargs):
            if company == company_2:
                raise RuntimeError("disk full on the second company")
            return original(recompute, company, *args, **kwargs)

        with patch.object(type(self.Recompute), "_recompute_company", recompute_company):
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

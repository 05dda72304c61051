from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ProfileCommon


@tagged("post_install", "-at_install")
class TestBorrowing(ProfileCommon):
    """借阅: request with a reason and a period, the customer's supervisor decides, access ends by itself."""

    def _logs(self, borrowing):
        return self.Log.search([("borrowing_id", "=", borrowing.id)], order="id").mapped("action")

    def test_request_is_logged_and_asks_the_supervisor(self):
        borrowing = self._borrow(self.salesman_b)
        self.assertEqual(borrowing.state, "requested")
        self.assertEqual(borrowing.user_id, self.salesman_b)
        self.assertEqual(borrowing.supervisor_id, self.supervisor_a)
        self.assertEqual(self._logs(borrowing), ["request"])
        todo = self.env["mail.activity"].search([("res_model", "=", borrowing._name), ("res_id", "=", borrowing.id)])
        self.assertEqual(todo.user_id, self.supervisor_a)
        # the supervisor finds it among their activities and opens the request
        self.assertEqual(todo.with_user(self.supervisor_a).search([("id", "=", todo.id)]), todo)
        self.assertEqual(borrowing.with_user(self.supervisor_a).reason, "Banquet with the chairman next week")
        self.assertFalse(self.Profile.with_user(self.salesman_b).search([]))

    def test_bad_requests(self):
        with self.assertRaisesRegex(UserError, "from 1 to 7 days"):
            self._borrow(self.salesman_b, days=8)
        for days in (0, -2, False):  # never the company's maximum in place of what was asked
            with self.subTest(days=days), self.assertRaisesRegex(UserError, "at least one day: ask for 1 to 7 days"):
                self._borrow(self.salesman_b, days=days)
        for days in ("7", 7.5, float("nan"), None):  # what JSON-RPC may carry
            with self.subTest(days=days), self.assertRaisesRegex(UserError, "whole number from 1 to 7"):
                self._borrow(self.salesman_b, days=days)
        with self.assertRaisesRegex(UserError, "Say why"):
            self._borrow(self.salesman_b, reason="   ")
        with self.assertRaisesRegex(UserError, "already reads"):
            self._borrow(self.salesman_a)
        with self.assertRaisesRegex(UserError, "pending or open"):
            self._borrow(self.borrower_before)
        with self.assertRaisesRegex(UserError, "no confidential profile"):
            self._borrow(self.salesman_b, partner=self._customer("No profile", user=self.salesman_a))
        self.env.company.retention_borrow_max_days = 14
        self.assertEqual(self._borrow(self.salesman_b, days=14).duration_days, 14)

    def test_pending_or_open_until_the_second_it_ends(self):
        """A second request waits for the first to end: refused while it is pending or open, accepted the second
        it ends (no job needed), once rejected or given back. The database holds the same rule at each insert."""
        with freeze_time("2026-12-01 09:00:00"):
            borrowing = self._borrow(self.salesman_b, days=2)
            self.assertEqual(borrowing.date_requested, datetime(2026, 12, 1, 9, 0))
            with self.assertRaisesRegex(UserError, "pending or open"):
                self._borrow(self.salesman_b)
            borrowing.with_user(self.supervisor_a).action_approve()
        with freeze_time("2026-12-03 08:59:59"), self.assertRaisesRegex(UserError, "pending or open"):
            self._borrow(self.salesman_b)
        with freeze_time("2026-12-03 09:00:00"):
            self.assertEqual(borrowing.state, "approved")
            again = self._borrow(self.salesman_b)
            again.with_user(self.supervisor_a).action_reject()
            self._borrow(self.salesman_b)
        # ended a month ago, never expired by the job; given back early
        self.assertEqual(self.ended.state, "approved")
        self.assertEqual(self._borrow(self.borrower_after).state, "requested")
        self.current.with_user(self.borrower_during).action_revoke()
        self.assertEqual(self._borrow(self.borrower_during).state, "requested")

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_only_the_customers_supervisor_decides(self):
        borrowing = self._borrow(self.salesman_b)
        for user in (self.salesman_a, self.salesman_a2, self.supervisor_b, self.salesman_b):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                borrowing.with_user(user).action_approve()
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                borrowing.with_user(user).action_reject()
        self.assertEqual(borrowing.state, "requested")
        borrowing.with_user(self.supervisor_a).action_reject()
        self.assertEqual(borrowing.state, "rejected")
        self.assertEqual(borrowing.decided_by_id, self.supervisor_a)
        self.assertEqual(self._logs(borrowing), ["request", "reject"])
        self.assertFalse(borrowing.activity_ids)
        with self.assertRaisesRegex(UserError, "no longer possible"):
            borrowing.with_user(self.supervisor_a).action_approve()
        self.assertFalse(self.Profile.with_user(self.salesman_b).search([]))

    def test_manager_may_stand_in(self):
        borrowing = self._borrow(self.salesman_b)
        borrowing.with_user(self.manager).action_approve()
        self.assertTrue(borrowing.is_current)

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_access_lasts_exactly_the_period(self):
        with freeze_time("2026-11-02 09:00:00"):
            borrowing = self._borrow(self.salesman_b, days=3)
            self.assertFalse(self.Profile.with_user(self.salesman_b).search([]))
            borrowing.with_user(self.supervisor_a).action_approve()
            self.assertEqual(borrowing.date_end, datetime(2026, 11, 5, 9, 0))
            self.assertEqual(self.Profile.with_user(self.salesman_b).search([]), self.profile)
        with freeze_time("2026-11-05 08:59:59"):
            self.assertEqual(self.profile.with_user(self.salesman_b).read(["taboos"])[0]["taboos"], self.TABOO)
            with self.assertRaises(AccessError):  # borrowers read, never write
                self.profile.with_user(self.salesman_b).write({"taboos": "Changed"})
        with freeze_time("2026-11-05 09:00:00"):
            # no cron has run: the state is still approved, the access is over
            self.assertEqual(borrowing.state, "approved")
            self.profile.invalidate_recordset()
            self.assertFalse(self.Profile.with_user(self.salesman_b).search([]))
            with self.assertRaises(AccessError):
                self.profile.with_user(self.salesman_b).read(["taboos"])
            self.Borrowing._cron_expire()
            self.assertEqual(borrowing.state, "expired")
        self.assertEqual(self._logs(borrowing), ["request", "approve", "open", "expire"])

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_revocation(self):
        borrowing = self._borrow(self.salesman_b)
        borrowing.with_user(self.supervisor_a).action_approve()
        with self.assertRaises(AccessError):
            borrowing.with_user(self.supervisor_b).action_revoke()
        borrowing.with_user(self.supervisor_a).action_revoke()
        self.assertEqual(borrowing.state, "revoked")
        self.assertLessEqual(borrowing.date_end, fields.Datetime.now())
        self.assertFalse(self.Profile.with_user(self.salesman_b).search([]))
        self.assertEqual(self._logs(borrowing), ["request", "approve", "revoke"])
        # the borrower may also give it back early
        self.current.with_user(self.borrower_during).action_revoke()
        self.assertFalse(self.current.is_current)

    def test_every_read_through_a_borrowing_is_logged_once_per_transaction(self):
        before = self.Log.search_count([("action", "=", "open")])
        as_borrower = self.profile.with_user(self.borrower_during)
        as_borrower.read(["taboos"])
        as_borrower.web_read({"taboos": {}, "key_date_ids": {"fields": {"name": {}}}})
        self.key_date.with_user(self.borrower_during).read(["name"])
        logs = self.Log.search([("action", "=", "open")], order="id desc")
        self.assertEqual(len(logs) - before, 1)
        self.assertEqual(logs[0].user_id, self.borrower_during)
        self.assertEqual(logs[0].borrowing_id, self.current)
        self.assertEqual(logs[0].partner_id, self.customer)
        # keepers' own reads are not borrowings
        self.profile.with_user(self.salesman_a).read(["taboos"])
        self.profile.with_user(self.supervisor_a).read(["taboos"])
        self.assertEqual(self.Log.search_count([("action", "=", "open")]) - before, 1)

    def test_group_by_through_a_borrowing_is_logged(self):
        self.Profile.with_user(self.borrower_during).read_group([], ["__count"], ["taboos"])
        self.assertTrue(self.Log.search([("action", "=", "open"), ("user_id", "=", self.borrower_during.id)]))

    def test_supervisor_exporting_a_borrowed_profile_is_logged(self):
        borrowing = self._borrow(self.supervisor_b)
        borrowing.with_user(self.supervisor_a).action_approve()
        self.env.ref("base.group_allow_export").users += self.supervisor_b
        rows = self.profile.with_user(self.supervisor_b).export_data(["taboos"])["datas"]
        self.assertEqual(rows, [[self.TABOO]])
        self.assertIn("export", self._logs(borrowing))

    def test_read_methods_need_a_read_write_cursor(self):
        """Odoo 18 serves reads on read-only cursors; a logged read must not land there."""
        for model in ("retention.profile", "retention.key.date"):
            for method in ("read", "web_read", "search_read", "web_search_read", "read_group", "web_read_group"):
                with self.subTest(model=model, method=method):
                    self.assertFalse(getattr(type(self.env[model]), method)._readonly)

    def test_expiry_cron_leaves_current_ones(self):
        self.Borrowing._cron_expire()
        self.assertEqual(self.current.state, "approved")
        self.assertEqual(self.ended.state, "expired")
        self.assertTrue(self.current.date_end > fields.Datetime.now() + timedelta(days=2))

from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CareCommon


@tagged("post_install", "-at_install")
class TestActionCheck(CareCommon):
    """客户关怀行动检核表: expenses, done → last contact and next step, overlapping service, rules."""

    def _check(self, user=None, when=datetime(2026, 7, 10, 10, 0), **vals):
        return self.Check.with_user(user or self.salesman_a).create(
            {"partner_id": self.customer.id, "action_datetime": when, "channel": "visit", **vals}
        )

    def test_expenses(self):
        check = self._check(expense_travel=1200.5, expense_entertainment=800, expense_other=99.5)
        self.assertEqual(check.expense_total, 2100)
        self.assertEqual(check.currency_id, self.env.company.currency_id)
        check.expense_other = 0
        self.assertEqual(check.expense_total, 2000.5)
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self._check(expense_travel=-1)
        with self.assertRaisesRegex(ValidationError, "not one of its contacts"):
            self._check(partner_id=self.contact.id)

    def test_done_moves_last_contact_and_schedules_the_next_step(self):
        plan = self._plan()
        line = plan.action_ids[0]
        check = self._check(
            plan_id=plan.id,
            plan_action_id=line.id,
            next_step="Send the revised quotation",
            next_step_date=date(2026, 7, 20),
            feedback_satisfaction="4",
        )
        self.assertFalse(self.card(self.customer).retention_last_contact_date)
        check.action_done()
        self.assertEqual(check.state, "done")
        self.assertEqual(line.state, "done")
        self.assertEqual(self.card(self.customer).retention_last_contact_date, date(2026, 7, 10))
        self.assertEqual(self.card(self.contact).retention_last_contact_date, date(2026, 7, 10))
        # the next step is an activity on the check: only those who read the check see it
        self.assertFalse(self._activities(self.customer))
        todo = self._activities(check)
        self.assertEqual(todo.user_id, self.salesman_a)
        self.assertEqual(todo.date_deadline, date(2026, 7, 20))
        self.assertIn("revised quotation", str(todo.note))
        # an older action recorded later does not move the date back
        self._check(when=datetime(2026, 7, 1, 9, 0)).action_done()
        self.assertEqual(self.card(self.customer).retention_last_contact_date, date(2026, 7, 10))
        with self.assertRaisesRegex(UserError, "not in a state"):
            check.action_done()

    def test_link_to_plan_must_match(self):
        plan = self._plan()
        other = self._customer("Other Co", user=self.salesman_a)
        with self.assertRaisesRegex(ValidationError, "another customer"):
            self._check(partner_id=other.id, plan_id=plan.id)
        plan_2 = self._plan(date_start="2027-01-01", date_end="2027-06-30", target_ids=[])
        with self.assertRaisesRegex(ValidationError, "another care plan"):
            self._check(plan_id=plan.id, plan_action_id=plan_2.action_ids[0].id)

    def test_overlapping_service(self):
        with freeze_time("2026-07-08"):
            mine = self._check(when=datetime(2026, 7, 10, 10, 0))
            boss = self._check(user=self.supervisor_a, when=datetime(2026, 7, 12, 15, 0), channel="gift")
            same_person = self._check(when=datetime(2026, 7, 11, 9, 0), channel="phone")
            later = self._check(user=self.supervisor_a, when=datetime(2026, 7, 20, 9, 0))
            self.assertTrue(mine.has_overlap)
            self.assertEqual(mine.overlap_warning, f"{self.supervisor_a.name} 2026-07-12 Gift")
            self.assertTrue(boss.has_overlap)
            self.assertEqual(boss.overlap_warning.count(self.salesman_a.name), 2)
            self.assertFalse(same_person.has_overlap is False and False)
            self.assertFalse(later.has_overlap)
            # another team's salesperson visiting the same customer is flagged too, on both sides
            stranger = self._check(user=self.salesman_b, when=datetime(2026, 7, 21, 9, 0))
            self.assertTrue(stranger.with_user(self.salesman_b).has_overlap)
            self.assertIn(self.supervisor_a.name, stranger.with_user(self.salesman_b).overlap_warning)
            self.Check.invalidate_model(["has_overlap", "overlap_warning"])
            self.assertTrue(later.has_overlap)
            boss.action_cancel()
            self.Check.invalidate_model(["has_overlap", "overlap_warning"])
            self.assertFalse(mine.has_overlap, "a cancelled action overlaps nothing")
            self.env.company.retention_overlap_days = 10
            self.Check.invalidate_model(["has_overlap", "overlap_warning"])
            self.assertIn(self.supervisor_a.name, mine.overlap_warning)

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_record_rules(self):
        check = self._check()
        for user in (self.salesman_a, self.supervisor_a, self.manager):
            with self.subTest(user=user.login):
                self.assertEqual(self.Check.with_user(user).search([("id", "=", check.id)]), check)
        for user in (self.salesman_a2, self.salesman_b, self.supervisor_b):
            with self.subTest(user=user.login):
                self.assertFalse(self.Check.with_user(user).search([("id", "=", check.id)]))
                with self.assertRaises(AccessError):
                    check.with_user(user).write({"notes": "x"})
        # anyone records their own care action on a customer (the account manager then sees it), never in
        # someone else's name
        visit = self._check(user=self.salesman_b)
        self.assertEqual(self.Check.with_user(self.salesman_a).search([("id", "=", visit.id)]), visit)
        with self.assertRaises(AccessError):
            self._check(user=self.salesman_b, user_id=self.salesman_a2.id)

    def test_reassignment_moves_open_plans_and_checks(self):
        plan = self._plan()
        done_plan = self._plan(date_start="2026-01-01", date_end="2026-06-30", target_ids=[])
        done_plan.action_ids.write({"date": "2026-03-01"})
        done_plan.action_submit()
        done_plan.with_user(self.supervisor_a).action_approve()
        done_plan.action_done()
        planned = self._check()
        done = self._check(when=datetime(2026, 7, 1, 9, 0))
        done.action_done()
        plan.action_submit()
        self.customer.with_user(self.supervisor_a)._retention_reassign(self.salesman_a2, "Rebalancing the team")
        plan, done_plan, planned, done = plan.sudo(), done_plan.sudo(), planned.sudo(), done.sudo()
        self.assertEqual(plan.user_id, self.salesman_a2)
        self.assertEqual(
            plan.action_ids.filtered(lambda line: line.owner_id == self.salesman_a).ids,
            [],
        )
        self.assertEqual(done_plan.user_id, self.salesman_a, "history stays with who did it")
        self.assertEqual(planned.user_id, self.salesman_a2)
        self.assertEqual(done.user_id, self.salesman_a)
        self.assertTrue(self.Plan.with_user(self.salesman_a2).search([("id", "=", plan.id)]))
        self.assertEqual(self.Check.browse([]).ids, [])

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import MANAGER, CareCommon


@tagged("post_install", "-at_install")
class TestCarePlan(CareCommon):
    """客户关怀计划: draft → submitted → approved / rejected → done / cancelled, and who may do what."""

    def test_full_workflow(self):
        plan = self._plan()
        self._end_transaction()
        self.assertEqual(plan.state, "draft")
        self.assertTrue(plan.name.startswith("CP/"))
        self.assertEqual(plan.supervisor_id, self.supervisor_a)
        plan.action_submit()
        self._end_transaction()
        self.assertEqual(plan.state, "submitted")
        self.assertEqual(self._activities(plan).user_id, self.supervisor_a)

        plan.with_user(self.supervisor_a).action_approve()
        self._end_transaction()
        self.assertEqual(plan.state, "approved")
        activities = self._activities(plan)
        by_summary = {activity.summary: activity for activity in activities}
        self.assertEqual(by_summary["Visit the chairman"].user_id, self.salesman_a)
        self.assertEqual(by_summary["Visit the chairman"].date_deadline, date(2026, 7, 15))
        self.assertEqual(by_summary["Plant tour"].user_id, self.salesman_a2)
        self.assertEqual(by_summary["Care plan approved: carry it out"].user_id, self.salesman_a)
        self.assertNotIn("Approve the care plan", by_summary, "the supervisor's to-do is done")

        plan.action_done()
        self._end_transaction()
        self.assertEqual(plan.state, "done")
        tracked = plan.sudo().message_ids.tracking_value_ids.filtered(lambda value: value.field_id.name == "state")
        self.assertEqual(
            sorted(tracked.mapped("new_value_char")),
            sorted(["Submitted", "Approved", "Done"]),
            "transitions in the chatter",
        )

        # the supervisor evaluates; the account manager cannot
        with self.assertRaises(AccessError):
            plan.write({"score_strategy": "4"})
        plan.with_user(self.supervisor_a).write(
            {"score_strategy": "4", "score_execution": "3", "score_loyalty": "5", "evaluation_comment": "Good"}
        )
        self.assertEqual(plan.evaluated_by_id, self.supervisor_a)
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            plan.with_user(self.supervisor_a).write({"situation": "rewritten"})
        with self.assertRaises(ValueError):
            plan.with_user(self.supervisor_a).write({"score_strategy": "6"})

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_activities_in_the_recipients_language(self):
        """A Chinese supervisor reads the approval request in Chinese, whoever submitted the plan."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_retention"], ["zh_CN"], overwrite=True)
        self.supervisor_a.lang = "zh_CN"
        plan = self._plan()
        plan.with_user(self.salesman_a).action_submit()
        self.assertEqual(self._activities(plan).summary, "审批关怀计划")
        plan.with_user(self.supervisor_a).with_context(lang="zh_CN").action_approve()
        approved = self._activities(plan).filtered(lambda activity: activity.summary.startswith("Care plan"))
        self.assertEqual(approved.summary, "Care plan approved: carry it out", "the salesperson reads English")

    def test_who_may_do_what(self):
        plan = self._plan()
        with self.assertRaises(AccessError):  # a teammate does not even read it
            plan.with_user(self.salesman_a2).action_submit()
        with self.assertRaises(AccessError):
            plan.with_user(self.salesman_b).read(["situation"])
        with self.assertRaisesRegex(UserError, "not possible now"):
            plan.with_user(self.supervisor_a).action_approve()
        plan.action_submit()
        with self.assertRaises(AccessError):  # the account manager never approves their own plan
            plan.action_approve()
        with self.assertRaises(AccessError):
            plan.with_user(self.supervisor_b).action_approve()
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            plan.write({"situation": "changed while waiting"})
        plan.with_user(self.manager).action_approve()
        self.assertEqual(plan.state, "approved")
        with self.assertRaisesRegex(UserError, "not possible now"):
            plan.action_submit()
        plan.action_cancel()
        self.assertEqual(plan.state, "cancelled")
        self.assertFalse(self._activities(plan))
        plan.action_draft()
        self.assertEqual(plan.state, "draft")
        # done and cancel belong to the plan's people: another team's supervisor is refused
        plan.action_submit()
        plan.with_user(self.supervisor_a).action_approve()
        for method in ("action_done", "action_cancel"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(plan.with_user(self.supervisor_b), method)()
        with self.assertRaisesRegex(UserError, "not possible now"):
            plan.action_draft()
        plan.with_user(self.supervisor_a).action_done()
        with self.assertRaisesRegex(UserError, "not possible now"):
            plan.action_cancel()
        with self.assertRaisesRegex(UserError, "Only draft or cancelled"):
            plan.with_user(self.manager).unlink()
        with self.assertRaisesRegex(UserError, "at least one action"):
            self._plan(date_start="2027-01-01", date_end="2027-06-30", target_ids=[], action_ids=[]).action_submit()

    def test_reject_needs_a_reason(self):
        plan = self._plan()
        plan.action_submit()
        with self.assertRaises(AccessError):  # the account manager has no rejection dialog
            self.env["retention.care.plan.reject"].with_user(self.salesman_a).create(
                {"plan_ids": [Command.set(plan.ids)], "reason": "self-rejection"}
            )
        action = plan.with_user(self.supervisor_a).action_reject()
        self.assertEqual(action["res_model"], "retention.care.plan.reject")
        wizard = (
            self.env["retention.care.plan.reject"]
            .with_user(self.supervisor_a)
            .create({"plan_ids": [Command.set(plan.ids)], "reason": "   "})
        )
        with self.assertRaisesRegex(UserError, "Say why"):
            wizard.action_confirm()
        self.assertEqual(plan.state, "submitted")
        wizard.reason = "Targets too low for an A customer"
        wizard.action_confirm()
        self.assertEqual(plan.state, "rejected")
        self.assertEqual(plan.reject_reason, "Targets too low for an A customer")
        rework = self._activities(plan).filtered(lambda activity: activity.user_id == self.salesman_a)
        self.assertIn("Targets too low", str(rework.note))
        plan.write({"situation": "Reworked"})  # a rejected plan is edited again and resubmitted
        plan.action_submit()
        self.assertFalse(plan.reject_reason)

    def test_approved_plan_is_read_only_but_its_progress(self):
        plan = self._plan()
        plan.action_submit()
        plan.with_user(self.supervisor_a).action_approve()
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            plan.write({"situation": "changed"})
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            plan.target_ids.write({"expected_amount": 1})
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            plan.action_ids[0].write({"name": "Something else"})
        line = plan.action_ids[0]
        plan.write({"action_ids": [Command.update(line.id, {"state": "done"})]})  # what the form saves
        self.assertEqual(line.state, "done")
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            plan.write({"action_ids": [Command.create({"name": "Extra", "date": "2026-09-01"})]})

    def test_constraints(self):
        with self.assertRaisesRegex(ValidationError, "must end after it starts"):
            self._plan(date_start="2026-12-31", date_end="2026-07-01", target_ids=[], action_ids=[])
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self._plan(target_ids=[Command.create({"name": "x", "expected_amount": -1})])
        with self.assertRaisesRegex(ValidationError, "must fall in the plan period"):
            self._plan(target_ids=[Command.create({"name": "x", "expected_date": "2027-02-01"})])
        with self.assertRaisesRegex(ValidationError, "must take place in the plan period"):
            self._plan(action_ids=[Command.create({"name": "x", "date": "2026-06-01"})])
        with self.assertRaisesRegex(ValidationError, "not one of its contacts"):
            self._plan(partner_id=self.contact.id)
        self._plan()
        with self.assertRaisesRegex(ValidationError, "overlapping"):
            self._plan(date_start="2026-10-01", date_end="2027-03-31", target_ids=[], action_ids=[])
        # the next period is fine
        self._plan(date_start="2027-01-01", date_end="2027-06-30", target_ids=[], action_ids=[])

    def test_other_customers_plans_are_not_told(self):
        """Whether another salesperson's customer has a plan, and for when, is not told to a user who may not
        write its plans: who keeps the customer is checked before the period is compared."""
        self._plan()
        for start, end in (("2026-10-30", "2026-10-30"), ("2028-01-01", "2028-01-02")):
            with self.assertRaisesRegex(AccessError, "is not your customer"):
                self._plan(user=self.salesman_b, date_start=start, date_end=end, target_ids=[], action_ids=[])
        other = self._customer("West Co", user=self.salesman_b)
        plan = self._plan(user=self.salesman_b, partner_id=other.id, target_ids=[], action_ids=[], contact_ids=[])
        with self.assertRaisesRegex(AccessError, "is not your customer"):
            plan.with_user(self.salesman_b).write({"partner_id": self.customer.id})

    def test_cancelled_or_rejected_plans_hold_no_period(self):
        plan = self._plan()
        plan.action_cancel()
        again = self._plan()  # the cancelled plan's period is free
        # reopening the cancelled plan would overlap: refused with the same message (the database refuses the
        # write too)
        with self.assertRaisesRegex(ValidationError, "Key Account Co already has a care plan for a period overlapping"):
            plan.action_draft()
        self.assertEqual(plan.state, "cancelled")
        again.action_submit()
        again.with_user(self.supervisor_a).action_reject("Too vague")
        plan.action_draft()
        with self.assertRaisesRegex(ValidationError, "overlapping 2026-07-01 – 2026-12-31"):
            again.action_draft()
        # both days count: next to each other is fine, one day in common is not
        self._plan(date_start="2027-01-01", date_end="2027-01-31", target_ids=[], action_ids=[])
        with self.assertRaisesRegex(ValidationError, "overlapping 2027-01-31 – 2027-02-28"):
            self._plan(date_start="2027-01-31", date_end="2027-02-28", target_ids=[], action_ids=[])
        # another customer, or the same in another company, has periods of its own
        self._plan(partner_id=self._customer("Second Account", user=self.salesman_a).id, target_ids=[], action_ids=[])
        other_company = self.env["res.company"].create({"name": "Sister Company"})
        self.Plan.create(
            {
                "partner_id": self.customer.id,
                "company_id": other_company.id,
                "date_start": "2026-07-01",
                "date_end": "2026-12-31",
            }
        )

    def test_period_keeps_its_lines(self):
        plan = self._plan()  # actions on 15 July and 20 August, a signing expected on 30 September
        with self.assertRaisesRegex(
            ValidationError,
            r"Visit the chairman \(Action Plan, 2026-07-15\) would fall outside the period 2026-08-01 – 2026-12-31",
        ):
            plan.write({"date_start": "2026-08-01"})
        with self.assertRaisesRegex(
            ValidationError, r"Annual maintenance \(Sales Targets, 2026-09-30\) would fall outside the period"
        ):
            plan.write({"date_end": "2026-09-15"})
        self.assertEqual((plan.date_start, plan.date_end), (date(2026, 7, 1), date(2026, 12, 31)))
        # around its lines, or moved with them, the period changes
        plan.write({"date_start": "2026-07-10", "date_end": "2026-10-31"})
        chairman = plan.action_ids.filtered(lambda line: line.name == "Visit the chairman")
        plan.write({"date_start": "2026-08-01", "action_ids": [Command.update(chairman.id, {"date": "2026-08-05"})]})
        self.assertEqual((plan.date_start, chairman.date), (date(2026, 8, 1), date(2026, 8, 5)))

    def test_merge_keeps_plans_apart(self):
        """Merging customers whose plans overlap is refused (Odoo's merge would delete the plans the database
        refuses to move)."""
        self._plan()
        other = self._customer("Key Account Shanghai", user=self.salesman_a)
        other_plan = self._plan(partner_id=other.id, target_ids=[], action_ids=[])
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.manager)
            .create({"partner_ids": [Command.set((other | self.customer).ids)], "dst_partner_id": self.customer.id})
        )
        with self.assertRaisesRegex(UserError, "the care plans CP/.* would cover overlapping periods"):
            wizard.action_merge()
        self.assertEqual(other_plan.partner_id, other)
        # nor into a contact of a customer company: the plan would sit on the contact, beside the company's own
        into_contact = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.manager)
            .create({"partner_ids": [Command.set((other | self.contact).ids)], "dst_partner_id": self.contact.id})
        )
        with self.assertRaisesRegex(UserError, "merge them into Key Account Co, not into its contact"):
            into_contact.action_merge()
        self.assertEqual(other_plan.partner_id, other)
        other_plan.action_cancel()
        wizard.action_merge()
        self.assertEqual(other_plan.partner_id, self.customer)

    def test_targets_against_real_orders(self):
        plan = self._plan()
        other = self.env["product.product"].create({"name": "Spare parts", "type": "consu", "list_price": 10})
        self._order(self.customer, 300, date(2026, 6, 30))  # before the plan
        self._order(self.customer, 1000, date(2026, 7, 2))
        self._order(self.contact, 500, date(2026, 8, 1))  # a contact's order is the customer's
        self._order(self.customer, 700, date(2026, 8, 2), state="draft")
        self._order(self.customer, 800, date(2026, 8, 3), state="cancel")
        order = self._order(self.customer, 900, date(2026, 8, 4))
        order.order_line.product_id = other
        plan.invalidate_recordset()
        self.assertEqual(plan.target_ids.actual_amount, 1500)
        self.assertEqual(plan.target_actual, 1500)
        self.assertEqual(plan.target_amount, 50000)
        self.assertEqual(len(plan.past_order_ids), 1)
        self.assertEqual(plan.past_order_ids.amount_untaxed, 300)

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_record_rules_per_role(self):
        plan = self._plan()
        other_company = self.env["res.company"].create({"name": "Other Company"})
        outsider = new_test_user(
            self.env,
            "ret_care_c2",
            groups=MANAGER,
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        readers = self.salesman_a | self.supervisor_a | self.manager
        users = readers | self.salesman_a2 | self.salesman_b | self.supervisor_b | outsider
        for model, records in (
            ("retention.care.plan", plan),
            ("retention.care.plan.target", plan.target_ids),
            ("retention.care.plan.obstacle", plan.obstacle_ids),
            ("retention.care.plan.action", plan.action_ids),
            ("retention.care.plan.contact", plan.contact_ids),
        ):
            for user in users:
                with self.subTest(model=model, user=user.login):
                    found = self.env[model].with_user(user).search([("id", "in", records.ids)])
                    if user in readers:
                        self.assertEqual(found, records)
                    else:
                        self.assertFalse(found)
                        with self.assertRaises(AccessError):
                            records.with_user(user).read(["display_name"])
        with self.assertRaises(AccessError):
            self.Plan.with_user(self.salesman_a2).create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.salesman_a.id,
                    "date_start": "2028-01-01",
                    "date_end": "2028-06-30",
                }
            )

    def test_smart_buttons_on_the_customer(self):
        self._plan()
        self.assertEqual(self.customer.with_user(self.salesman_a).retention_care_plan_count, 1)
        self.assertEqual(self.contact.with_user(self.salesman_a).retention_care_plan_count, 1)
        self.assertEqual(self.customer.with_user(self.salesman_b).retention_care_plan_count, 0)
        action = self.contact.action_retention_open_care_plans()
        self.assertEqual(action["domain"], [("partner_id", "=", self.customer.id)])

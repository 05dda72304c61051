from odoo.tests import HttpCase, tagged

from .common import ProfileCommon


@tagged("post_install", "-at_install")
class TestTours(ProfileCommon, HttpCase):
    """The main screens in a real browser (headless Chromium), as the users who click them."""

    def test_other_team_sees_a_locked_profile(self):
        self.start_tour(
            f"/odoo/action-customer_retention.res_partner_action_retention/{self.customer.id}",
            "customer_retention_profile_locked",
            login="ret_sales_b",
        )

    def test_supervisor_opens_the_scorecard(self):
        self.start_tour(
            "/odoo/action-customer_retention.retention_report_scorecard_action",
            "customer_retention_scorecard",
            login="ret_sup_a",
        )

    def test_supervisor_records_the_weekly_review(self):
        self.start_tour(
            "/odoo/action-customer_retention.retention_review_status_action",
            "customer_retention_weekly_review",
            login="ret_sup_a",
        )
        review = self.env["retention.card.review"].search([("salesperson_id", "=", self.salesman_a.id)])
        self.assertEqual(
            (review.supervisor_id, review.partner_ids, review.comment),
            (self.supervisor_a, self.customer, "Cards checked: call Confidential Trading this week"),
        )

    def test_salesperson_records_an_action_check(self):
        self.start_tour(
            "/odoo/action-customer_retention.retention_action_check_action/new",
            "customer_retention_action_check",
            login="ret_sales_a",
        )
        check = self.env["retention.action.check"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            (check.user_id, check.state, check.content, check.expense_travel),
            (self.salesman_a, "done", "Renewal confirmed with the chairman", 320.0),
        )
        self.assertEqual(self.customer.retention_last_contact_date, check.action_datetime.date())

    def test_care_plan_submitted_then_approved(self):
        self.start_tour(
            "/odoo/action-customer_retention.retention_care_plan_action/new",
            "customer_retention_care_plan_submit",
            login="ret_sales_a",
        )
        plan = self.env["retention.care.plan"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            (plan.state, plan.user_id, plan.action_ids.name), ("submitted", self.salesman_a, "Visit the chairman")
        )
        self.start_tour(
            f"/odoo/action-customer_retention.retention_care_plan_action/{plan.id}",
            "customer_retention_care_plan_approve",
            login="ret_sup_a",
        )
        plan.invalidate_recordset()
        self.assertEqual(plan.state, "approved")

    def test_salesperson_fills_the_profile(self):
        fresh = self._customer("Fresh Fittings Co", user=self.salesman_a)
        self.start_tour(
            f"/odoo/action-customer_retention.res_partner_action_retention/{fresh.id}",
            "customer_retention_profile_fill",
            login="ret_sales_a",
        )
        profile = self.env["retention.profile"].search([("partner_id", "=", fresh.id)])
        self.assertEqual(
            (profile.basic_traits, profile.taboos),
            ("General manager, 45, keen angler", "Never seat him facing the door"),
        )

from datetime import date, datetime, timedelta

from odoo.tests import HttpCase, tagged

from .common import CareCommon, ProfileCommon


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


@tagged("post_install", "-at_install")
class TestTodayTours(CareCommon, HttpCase):
    """The today board, the Customers menu and the immediate card refresh in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls._customer("Other Team Co", user=cls.salesman_b)
        today = date.today()
        for partner in (cls.customer, cls.other):
            cls._order(partner, 1000, today - timedelta(days=400))
            cls._order(partner, 1000, today - timedelta(days=180))
        cls.Recompute._recompute(cls.env.company, today)

    def test_today_board(self):
        self.start_tour("/odoo/retention-today", "customer_retention_today_board", login="ret_sales_a")

    def test_customers_open_on_my_customers(self):
        self.start_tour("/odoo/retention-customers", "customer_retention_my_customers", login="ret_sales_a")

    def test_done_check_refreshes_the_card(self):
        check = self.Check.with_user(self.salesman_a).create(
            {"partner_id": self.customer.id, "action_datetime": datetime.now() - timedelta(hours=1), "channel": "phone"}
        )
        self.start_tour(
            f"/odoo/action-customer_retention.retention_action_check_action/{check.id}",
            "customer_retention_check_done_refresh",
            login="ret_sales_a",
        )
        card = self.card(self.customer)
        self.assertEqual(card.retention_last_contact_date, (datetime.now() - timedelta(hours=1)).date())
        self.assertGreater(card.retention_next_contact_date, date.today())
        self.start_tour(
            f"/odoo/retention-customers/{self.customer.id}", "customer_retention_customer_summary", login="ret_sales_a"
        )

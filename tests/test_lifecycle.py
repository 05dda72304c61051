from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import new_test_user

from .common import RetentionCommon


class TestLifecycle(RetentionCommon):
    """Lifecycle stage, time class, history, churn and win-back through the real recompute."""

    def _days_ago(self, days):
        return self.TODAY - timedelta(days=days)

    def test_each_rule(self):
        acquisition = self._customer("Acquisition")
        self._order(acquisition, 100, self._days_ago(3), state="draft")
        growth_new = self._customer("New customer")
        self._order(growth_new, 100, self._days_ago(40))
        growth_trend = self._customer("Growing")
        for days, amount in ((600, 100), (500, 100), (300, 150), (200, 150), (100, 150)):
            self._order(growth_trend, amount, self._days_ago(days))
        maturity = self._customer("Mature")
        for days in (650, 560, 470, 380, 290, 200, 110, 20):
            self._order(maturity, 100, self._days_ago(days))
        decline_trend = self._customer("Declining")
        for days, amount in ((650, 400), (500, 400), (300, 100), (60, 100)):
            self._order(decline_trend, amount, self._days_ago(days))
        decline_silent = self._customer("Silent")
        for days in (700, 640, 580, 520, 460, 400, 340, 200):
            self._order(decline_silent, 100, self._days_ago(days))
        churned = self._customer("Churned")
        self._order(churned, 100, self._days_ago(800))
        self._order(churned, 100, self._days_ago(365))
        nothing = self._customer("Nothing yet")

        self.recompute()
        stages = {
            p.name: (self.card(p).retention_lifecycle_stage, self.card(p).retention_time_class)
            for p in (acquisition, growth_new, growth_trend, maturity, decline_trend, decline_silent, churned, nothing)
        }
        self.assertEqual(
            stages,
            {
                "Acquisition": ("acquisition", "prospect"),
                "New customer": ("growth", "new"),
                "Growing": ("growth", "old"),
                "Mature": ("maturity", "old"),
                "Declining": ("decline", "old"),
                "Silent": ("decline", "old"),
                "Churned": ("churned", "old"),
                "Nothing yet": (False, "potential"),
            },
        )
        self.assertEqual(self.card(maturity).retention_stage_date, self.TODAY)

    def test_lifecycle_settings(self):
        customer = self._customer("Quiet for 200 days")
        self._order(customer, 100, self._days_ago(500))
        self._order(customer, 100, self._days_ago(200))
        self.recompute()
        self.assertEqual(self.card(customer).retention_lifecycle_stage, "maturity")
        self.env.company.retention_churn_days = 180
        self.recompute()
        self.assertEqual(self.card(customer).retention_lifecycle_stage, "churned")

    def test_churn_and_win_back_with_history(self):
        customer = self._customer("Lost and found", user=self.salesman_a)
        self._order(customer, 100, date(2024, 1, 10))
        self._order(customer, 200, date(2024, 3, 10))
        cron = self.env.ref("customer_retention.ir_cron_retention_recompute")

        with freeze_time("2024-06-01"):
            cron.method_direct_trigger()
        self.assertEqual(self.card(customer).retention_lifecycle_stage, "growth")  # first order < 365 days
        with freeze_time("2025-03-15"):  # 370 days after the last order
            cron.method_direct_trigger()
        self.assertEqual(self.card(customer).retention_lifecycle_stage, "churned")
        self.assertEqual(self.card(customer).retention_stage_date, date(2025, 3, 15))

        self._order(customer, 400, date(2025, 4, 1))
        with freeze_time("2025-04-05"):
            cron.method_direct_trigger()
        self.assertEqual(self.card(customer).retention_lifecycle_stage, "growth")  # 400 against 300 before

        history = self.History.search([("partner_id", "=", customer.id), ("kind", "=", "stage")], order="date, id")
        self.assertEqual(
            [(h.old_value, h.new_value, h.is_churn, h.is_win_back, h.origin) for h in history],
            [
                (False, "growth", False, False, "auto"),
                ("growth", "churned", True, False, "auto"),
                ("churned", "growth", False, True, "auto"),
            ],
        )
        self.assertEqual(history[1].date.date(), date(2025, 3, 15))
        self.assertEqual(history[2].new_label, "Growth")
        # the chatter of the customer tells the same story, as tracked changes of the stage
        tracked = customer.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "retention_lifecycle_stage"
        )
        self.assertIn(("Churned", "Growth"), [(value.old_value_char, value.new_value_char) for value in tracked])
        # which Odoo shows only to those who may read the stage: not to a user outside the retention groups
        outsider = new_test_user(self.env, "ret_outsider_chatter", groups="base.group_user")
        self.assertFalse(tracked._filter_has_field_access(self.env(user=outsider)))
        self.assertTrue(tracked._filter_has_field_access(self.env(user=self.salesman_a)))

    def test_recompute_twice_changes_nothing(self):
        customer = self._customer("Stable")
        self._order(customer, 100, self._days_ago(10))
        self.recompute()
        rows = self.History.search_count([("partner_id", "=", customer.id)])
        messages = len(customer.message_ids)
        self.assertEqual(self.recompute()["changes"], 0)
        self.assertEqual(self.History.search_count([("partner_id", "=", customer.id)]), rows)
        customer.invalidate_recordset()
        self.assertEqual(len(customer.message_ids), messages)

    def test_cancelled_orders_reset_the_card(self):
        customer = self._customer("Cancelled later")
        order = self._order(customer, 100, self._days_ago(10))
        self.recompute()
        self.assertEqual(self.card(customer).retention_abc_class, "a")
        order.write({"state": "cancel"})
        self.recompute()
        card = self.card(customer)
        self.assertFalse(card.retention_abc_class)
        self.assertFalse(card.retention_lifecycle_stage)
        self.assertEqual(card.retention_order_count, 0)
        self.assertFalse(card.retention_last_order_date)
        self.assertEqual(card.retention_time_class, "potential")

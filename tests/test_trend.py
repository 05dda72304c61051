from datetime import date
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tools.discuss import Store

from .common import RetentionCommon


@tagged("post_install", "-at_install")
class TestTrend(RetentionCommon):
    """The customer's trend: a monthly risk snapshot per customer and company, the revenue of the 12 months up
    to each month, the chart of the form, and the reasons and chatter lines in each reader's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(["customer_retention"], ["zh_CN"], overwrite=True)
        cls.Trend = cls.env["retention.card.trend"]
        # ordered every 30 days until 1 April: on 10 June the risk is low (38), on 30 June medium (50)
        cls.fading = cls._customer("Fading Co", user=cls.salesman_a)
        for day in (date(2026, 1, 1), date(2026, 1, 31), date(2026, 3, 2), date(2026, 4, 1)):
            cls._order(cls.fading, 1000, day)
        # known orders for the monthly revenue (boundaries: 31 March 2025 counts up to February 2026)
        cls.steady = cls._customer("Steady Co", user=cls.salesman_a)
        for day, amount in (
            (date(2024, 5, 20), 9000),
            (date(2025, 3, 31), 1000),
            (date(2025, 8, 20), 2000),
            (date(2026, 1, 15), 500),
            (date(2026, 5, 5), 700),
        ):
            cls._order(cls.steady, amount, day)
        cls._order(cls.steady, 5000, date(2026, 6, 1), state="draft")  # a quotation is no revenue
        cls.of_b = cls._customer("West Co", user=cls.salesman_b)
        cls._order(cls.of_b, 300, date(2026, 6, 1))
        cls.plain = new_test_user(cls.env, "ret_trend_plain", groups="base.group_user")

    def _points(self, partner):
        return self.Trend.search([("partner_id", "=", partner.id), ("company_id", "=", self.env.company.id)])

    def test_one_point_per_month_with_the_latest_value(self):
        self.recompute(today=date(2026, 6, 10))
        june_10 = self.card(self.fading).retention_risk_score
        self.assertEqual([(p.month, p.risk_score) for p in self._points(self.fading)], [(date(2026, 6, 1), june_10)])
        self.recompute(today=date(2026, 6, 30))
        june_30 = self.card(self.fading).retention_risk_score
        self.assertNotEqual(june_10, june_30, "the score must change within the month for this test to mean much")
        points = self._points(self.fading)
        self.assertEqual([(p.month, p.risk_score, p.risk_level) for p in points], [(date(2026, 6, 1), 50, "medium")])
        self.assertEqual(june_30, 50)
        # a new month, a new point; every customer with a risk level gets it, examined that night or not
        snapshot = type(self.Trend)._retention_snapshot
        with patch.object(type(self.Trend), "_retention_snapshot", autospec=True, side_effect=snapshot) as spy:
            self.recompute(today=date(2026, 7, 1))
        examined = set(spy.call_args.args[3])
        self.assertEqual(self._points(self.fading).mapped("month"), [date(2026, 7, 1), date(2026, 6, 1)])
        with_level = self.Partner.search(
            [("id", "in", (self.fading | self.steady | self.of_b).ids), ("retention_risk_level", "!=", False)]
        )
        self.assertEqual(len(with_level), 3)
        july = self.Trend.search([("month", "=", date(2026, 7, 1)), ("partner_id", "in", with_level.ids)])
        self.assertEqual(july.partner_id, with_level)
        self.assertIn(self.steady.id, july.partner_id.ids)
        self.assertNotIn(self.steady.id, examined, "a card left as it was still has the month's point")
        for point in july:
            self.assertEqual(point.risk_score, self.card(point.partner_id).retention_risk_score)
        # prospects without a risk level have no point
        self.assertFalse(self.Trend.search([("risk_level", "=", False)]))

    def test_refresh_of_a_few_cards(self):
        """A card refreshed at once (an order, a done action check) updates its month's point; before the
        month's first full run it writes none, and that run records every card as it is."""
        self.recompute(today=date(2026, 6, 30))
        with freeze_time("2026-07-01 09:00"):
            order = self._order(self.fading, 1000, date(2026, 7, 1))
            self.Recompute._refresh_customers(self.env.company, self.fading)
        self.assertEqual(self.card(self.fading).retention_risk_score, 0)
        self.assertFalse(self.Trend.search([("month", "=", date(2026, 7, 1))]))
        self.recompute(today=date(2026, 7, 1))
        july = self.Trend.search([("month", "=", date(2026, 7, 1))])
        self.assertEqual(july.partner_id, self.fading | self.steady | self.of_b)
        self.assertEqual(july.filtered(lambda point: point.partner_id == self.fading).risk_score, 0)
        # the order is cancelled: the refresh brings the risk back, and the month's point with it
        with freeze_time("2026-07-20 09:00"):
            order._action_cancel()
            self.Recompute._refresh_customers(self.env.company, self.fading)
        score = self.card(self.fading).retention_risk_score
        self.assertGreater(score, 0)
        self.assertEqual(
            [(p.month, p.risk_score) for p in self._points(self.fading)],
            [(date(2026, 7, 1), score), (date(2026, 6, 1), 50)],
        )

    def test_snapshot_query_count_is_flat(self):
        def count(size, tag, today):
            partners = self.Partner.create(
                [{"name": f"{tag} {i}", "is_company": True, "user_id": self.salesman_a.id} for i in range(size)]
            )
            self.env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "date_order": date(2026, 5, 1),
                        "state": "sale",
                        "order_line": [
                            Command.create({"product_id": self.product.id, "price_unit": 100, "tax_id": False})
                        ],
                    }
                    for partner in partners
                ]
            )
            self.recompute(today=today)
            self.Trend.search([("month", "=", date(2026, 9, 1))]).unlink()
            self.env.flush_all()
            self.env.invalidate_all()
            # the first snapshot of a month (every card with a risk level), then a night's (the examined cards)
            with self.assertQueryCount(__system__=1):
                self.Trend._retention_snapshot(self.env.company, date(2026, 9, 1), partners.ids)
            with self.assertQueryCount(__system__=1):
                self.Trend._retention_snapshot(self.env.company, date(2026, 9, 2), partners.ids)
            self.assertEqual(len(self.Trend.search([("partner_id", "in", partners.ids)])), 2 * size)
            self.assertEqual(
                self.Trend.search_count([("month", "=", date(2026, 9, 1))]),
                self.Partner.search_count([("retention_risk_level", "!=", False), ("parent_id", "=", False)]),
            )

        count(5, "Five", date(2026, 7, 1))
        count(50, "Fifty", date(2026, 8, 1))

    def test_monthly_revenue_of_12_months(self):
        months = [date(2025, 7, 1) + relativedelta(months=n) for n in range(12)]
        revenue = self.Trend._retention_monthly_revenue(self.steady, self.env.company, months, self.TODAY)
        # by hand: the orders of the 12 months ending on the month's last day (30 June for June 2026)
        expected = {
            date(2025, 7, 1): 1000,  # 31 Mar 2025
            date(2025, 8, 1): 3000,  # + 20 Aug 2025
            date(2025, 9, 1): 3000,
            date(2025, 10, 1): 3000,
            date(2025, 11, 1): 3000,
            date(2025, 12, 1): 3000,
            date(2026, 1, 1): 3500,  # + 15 Jan 2026
            date(2026, 2, 1): 3500,  # window from 1 Mar 2025: 31 Mar 2025 still in
            date(2026, 3, 1): 2500,  # window from 1 Apr 2025: 31 Mar 2025 out
            date(2026, 4, 1): 2500,
            date(2026, 5, 1): 3200,  # + 5 May 2026
            date(2026, 6, 1): 3200,  # the draft of 1 June is no revenue
        }
        self.assertEqual(revenue, expected)
        # the current month is the card's revenue of the last 12 months
        self.recompute()
        self.assertEqual(self.card(self.steady).retention_revenue_12m, revenue[date(2026, 6, 1)])

    @freeze_time("2026-06-30 12:00")
    def test_chart_for_retention_users_only(self):
        self.recompute()
        chart = self.steady.with_user(self.salesman_a).retention_trend_chart
        self.assertIn("<svg", chart)
        self.assertIn("viewBox", chart)
        self.assertIn("3,200", chart)  # June's revenue in a bar's title
        self.assertIn("Risk scores are recorded monthly since June 2026.", chart)
        # the supervisor of the team too, in Chinese
        chart = self.steady.with_user(self.supervisor_a).with_context(lang="zh_CN").retention_trend_chart
        self.assertIn("2026年6月", chart)
        # another salesperson reads the card, not the trend; a user outside the retention groups not even that
        chart = self.steady.with_user(self.salesman_b).retention_trend_chart
        self.assertNotIn("<svg", chart)
        self.assertIn("is for its account manager", chart)
        point = self._points(self.steady)
        self.assertEqual(len(point), 1)
        with mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule"):
            with self.assertRaises(AccessError):
                point.with_user(self.salesman_b).read(["risk_score"])
            with self.assertRaises(AccessError):
                self.Trend.with_user(self.plain).search([])
            with self.assertRaises(AccessError):
                self.steady.with_user(self.plain).read(["retention_trend_chart"])
            # nobody writes the trend, not even a manager
            with self.assertRaises(AccessError):
                point.with_user(self.manager).write({"risk_score": 1})
            with self.assertRaises(AccessError):
                self.Trend.with_user(self.manager).create(
                    {"partner_id": self.of_b.id, "company_id": self.env.company.id, "month": date(2026, 1, 1)}
                )
        self.assertEqual(point.with_user(self.salesman_a).risk_score, point.risk_score)
        self.assertEqual(point.with_user(self.manager).risk_score, point.risk_score)

    def test_reasons_and_chatter_in_the_readers_language(self):
        """The same history rows and chatter lines read in Chinese by a Chinese reader and in English by an
        English one, whoever ran the recompute (here in Chinese)."""
        customer = self.fading
        with freeze_time("2026-06-10 12:00"):
            self.recompute(today=date(2026, 6, 10))
        with freeze_time("2026-06-30 12:00"):
            self.Recompute.with_context(lang="zh_CN")._recompute(self.env.company, date(2026, 6, 30))
        row = self.History.search(
            [("partner_id", "=", customer.id), ("kind", "=", "risk"), ("new_value", "=", "medium")]
        )
        self.assertEqual(len(row), 1)
        self.assertFalse(row.reason)
        english = row.with_context(lang="en_US", tz="Asia/Shanghai").reason_label.splitlines()
        chinese = row.with_context(lang="zh_CN", tz="Asia/Shanghai").reason_label.splitlines()
        # days counted to the day of the change, not to the reader's day
        self.assertEqual(english[0], "No order for 90 days, usual interval 30 days: +35")
        self.assertEqual(chinese[0], "已 90 天未成交，平均成交间隔 30 天：+35")
        self.assertEqual(len(english), 2)
        # the chatter line of the change, stored in Chinese, read in each reader's language
        message = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", customer.id), ("tracking_value_ids", "!=", False)]
        )
        self.assertEqual(len(message), 1)
        risk_value = message.sudo().tracking_value_ids.filtered(
            lambda value: value.field_id.name == "retention_risk_level"
        )
        self.assertEqual((risk_value.old_value_char, risk_value.new_value_char), ("低", "中"))

        def tracking(lang):
            formatted = Store(
                message.with_user(self.salesman_a).with_context(lang=lang), for_current_user=True
            ).get_result()["mail.message"][0]["trackingValues"]
            return {
                value["fieldName"]: (value["changedField"], value["oldValue"]["value"], value["newValue"]["value"])
                for value in formatted
            }

        self.assertEqual(tracking("en_US")["retention_risk_level"], ("Risk Level", "Low", "Medium"))
        self.assertEqual(tracking("zh_CN")["retention_risk_level"][1:], ("低", "中"))
        # a reason typed by a person (or kept as text by earlier versions) reads as it was written
        customer.with_user(self.supervisor_a).write(
            {"retention_abc_override": "c", "retention_abc_override_reason": "Group headquarters buys for it"}
        )
        manual = self.History.search([("partner_id", "=", customer.id), ("origin", "=", "manual")])
        for lang in ("en_US", "zh_CN"):
            self.assertEqual(manual.with_context(lang=lang).reason_label, "Group headquarters buys for it")
        manual_abc = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", customer.id), ("tracking_value_ids", "!=", False)],
            limit=1,
        )
        self.assertEqual(
            Store(manual_abc.with_user(self.salesman_a).with_context(lang="zh_CN"), for_current_user=True).get_result()[
                "mail.message"
            ][0]["trackingValues"][0]["newValue"]["value"],
            "C 小客户",
        )
        # the changes under the chart, in the reader's language
        chart = customer.with_user(self.salesman_a).with_context(lang="zh_CN").retention_trend_chart
        self.assertIn("已 90 天未成交", chart)
        self.assertIn("Group headquarters buys for it", chart)

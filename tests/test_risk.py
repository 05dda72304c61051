import json
from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RetentionCommon


@tagged("post_install", "-at_install")
class TestRisk(RetentionCommon):
    """流失风险 early warning, contact cadence, key-date reminders and referrals, with fixed dates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Check = cls.env["retention.action.check"]
        # silent: ordered every 30 days, then nothing for 212 days
        cls.silent = cls._customer("Silent Co", user=cls.salesman_a)
        for day in (date(2025, 10, 1), date(2025, 10, 31), date(2025, 11, 30)):
            cls._order(cls.silent, 1000, day)
        # shrinking: revenue 800 in the last 12 months against 2,000 before; contacted last week
        cls.shrinking = cls._customer("Shrinking Co", user=cls.salesman_a)
        for day, amount in (
            (date(2024, 8, 1), 1000),
            (date(2025, 1, 1), 1000),
            (date(2025, 8, 1), 400),
            (date(2026, 6, 1), 400),
        ):
            cls._order(cls.shrinking, amount, day)
        cls._done_check(cls.shrinking, datetime(2026, 6, 25, 10, 0))
        # at risk: trend down, silent, strategic tier, a complaint with a low score
        cls.at_risk = cls._customer("At Risk Co", user=cls.salesman_a, retention_closeness="strategic")
        for day, amount in ((date(2024, 7, 15), 1000), (date(2024, 12, 15), 1000), (date(2025, 7, 15), 300)):
            cls._order(cls.at_risk, amount, day)
        cls._done_check(cls.at_risk, datetime(2026, 5, 1, 10, 0), complaint=True, feedback_satisfaction="1")
        cls.prospect = cls._customer("Never Bought", user=cls.salesman_a)

    @classmethod
    def _done_check(cls, partner, when, **vals):
        check = cls.Check.create(
            {"partner_id": partner.id, "user_id": partner.user_id.id, "action_datetime": when, **vals}
        )
        # marked done on the day it happened: the card it refreshes at once is that day's
        with freeze_time(when):
            check.action_done()
        return check

    def _card(self, partner):
        return self.card(partner)

    @freeze_time("2026-06-30")
    def test_each_factor_explained(self):
        self.recompute()
        silent = self._card(self.silent)
        # A class (cadence 14): next contact 14 days after the last order, overdue since
        self.assertEqual(silent.retention_abc_class, "a")
        self.assertEqual(silent.retention_next_contact_date, date(2025, 12, 14))
        self.assertEqual(
            silent.retention_risk_reasons.splitlines(),
            [
                "No order for 212 days, usual interval 30 days: +35",
                "Contact overdue by 198 days (every 14 days): +15",
            ],
        )
        self.assertEqual((silent.retention_risk_score, silent.retention_risk_level), (50, "medium"))

        shrinking = self._card(self.shrinking)
        self.assertEqual(shrinking.retention_last_contact_date, date(2026, 6, 25))
        self.assertEqual(shrinking.retention_risk_reasons, "Revenue -60 % against the previous 12 months: +25")
        self.assertEqual((shrinking.retention_risk_score, shrinking.retention_risk_level), (25, "low"))

        at_risk = self._card(self.at_risk)
        # strategic: every 7 days from the last contact (1 May), whatever its class
        self.assertEqual(at_risk.retention_next_contact_date, date(2026, 5, 8))
        self.assertEqual(
            at_risk.retention_risk_reasons.splitlines(),
            [
                "Revenue -85 % against the previous 12 months: +25",
                "No order for 350 days, usual interval 182 days: +16",
                "Contact overdue by 53 days (every 7 days): +15",
                "1 complaints and 1 low satisfaction scores in action checks: +15",
            ],
        )
        self.assertEqual((at_risk.retention_risk_score, at_risk.retention_risk_level), (71, "high"))
        self.assertEqual(at_risk.retention_lifecycle_stage, "decline")

        prospect = self._card(self.prospect)
        self.assertFalse(prospect.retention_risk_level)
        self.assertFalse(prospect.retention_risk_reasons)

    @freeze_time("2026-06-30")
    def test_reasons_in_each_readers_language(self):
        """The card stores the factors, not sentences: each user reads them in their own language, whoever ran
        the recompute."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_retention"], ["zh_CN"], overwrite=True)
        self.supervisor_a.lang = "zh_CN"
        self.recompute()
        # the supervisor's notice of customers turning high is in Chinese, the account manager's activity not
        notice = self.env["mail.message"].search([("partner_ids", "in", self.supervisor_a.partner_id.ids)])
        self.assertEqual(notice.mapped("subject"), ["高流失风险客户"])
        risk_type = self.env.ref("customer_retention.mail_activity_type_risk_high")
        activity = self.env["mail.activity"].search(
            [("res_id", "=", self.at_risk.id), ("activity_type_id", "=", risk_type.id)]
        )
        self.assertEqual(activity.summary, "High churn risk: contact the customer")
        silent = self._card(self.silent)
        self.assertEqual(
            json.loads(silent.retention_risk_factors),
            [["recency", 35, ["2025-11-30", 30.0]], ["contact", 15, ["2025-12-14", 14.0]]],
        )
        self.assertEqual(
            silent.with_context(lang="zh_CN").retention_risk_reasons.splitlines()[1],
            "联系已逾期 198 天（每 14 天联系一次）：+15",
        )
        self.assertEqual(
            silent.retention_risk_reasons.splitlines()[1], "Contact overdue by 198 days (every 14 days): +15"
        )
        # days count to the reader's day: a week later the card reads a week more, without being rewritten
        with freeze_time("2026-07-07"):
            silent.invalidate_recordset(["retention_risk_reasons"])
            self.assertEqual(
                silent.retention_risk_reasons.splitlines()[1], "Contact overdue by 205 days (every 14 days): +15"
            )

    def test_weights_and_thresholds_are_settings(self):
        self.env.company.write({"retention_risk_weight_recency": 0, "retention_risk_high": 90})
        self.recompute()
        silent = self._card(self.silent)
        self.assertEqual((silent.retention_risk_score, silent.retention_risk_level), (15, "low"))
        self.assertEqual(self._card(self.at_risk).retention_risk_level, "medium")

    @freeze_time("2026-06-30 12:00")
    def test_level_history_and_one_activity(self):
        risk_type = self.env.ref("customer_retention.mail_activity_type_risk_high")
        self.recompute()
        # first classified when its check was marked done (1 May: medium), high at the recompute of 30 June
        rows = self.History.search([("partner_id", "=", self.at_risk.id), ("kind", "=", "risk")])
        self.assertEqual([(row.old_value, row.new_value) for row in rows], [("medium", "high"), (False, "medium")])
        history = rows[0]
        self.assertIn("No order for 350 days", history.reason_label)

        def risk_activities():
            return self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.at_risk.id),
                    ("activity_type_id", "=", risk_type.id),
                ]
            )

        self.assertEqual(risk_activities().user_id, self.salesman_a)
        notice = self.env["mail.message"].search(
            [("partner_ids", "in", self.supervisor_a.partner_id.ids), ("subject", "=", "Customers at high churn risk")]
        )
        self.assertEqual(len(notice), 1)
        self.assertIn("At Risk Co: 71/100", notice.body)
        # still high the next day: nothing new
        self.recompute(today=date(2026, 7, 1))
        self.assertEqual(len(risk_activities()), 1)
        self.assertEqual(len(self.History.search([("partner_id", "=", self.at_risk.id), ("kind", "=", "risk")])), 2)
        # back to medium after an order, then high again while the first activity is open: still one
        self._order(self.at_risk, 5000, date(2026, 7, 2))
        self.recompute(today=date(2026, 7, 3))
        self.assertNotEqual(self._card(self.at_risk).retention_risk_level, "high")
        self.assertEqual(len(risk_activities()), 1)

    def test_contact_due_activities_once(self):
        """The nightly job reminds the account managers once their cards are recomputed."""
        due_type = self.env.ref("customer_retention.mail_activity_type_contact_due")
        self.recompute()
        self.assertFalse(self.env["mail.activity"].search([("activity_type_id", "=", due_type.id)]))
        self.Recompute._daily_reminders(self.env.company, self.TODAY)
        overdue = self.Partner.with_user(self.salesman_a).search(
            [("retention_next_contact_date", "<", "2026-06-30"), ("id", "in", (self.silent | self.shrinking).ids)]
        )
        self.assertEqual(overdue, self.silent)
        activities = self.env["mail.activity"].search([("activity_type_id", "=", due_type.id)])
        self.assertEqual(set(activities.mapped("res_id")), {self.silent.id, self.at_risk.id})
        self.assertEqual(set(activities.user_id.ids), {self.salesman_a.id})
        self.recompute(today=date(2026, 7, 1))
        self.Recompute._daily_reminders(self.env.company, date(2026, 7, 1))
        self.assertEqual(len(self.env["mail.activity"].search([("activity_type_id", "=", due_type.id)])), 2)

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_key_date_reminders_stay_confidential(self):
        key_type = self.env.ref("customer_retention.mail_activity_type_key_date")
        profile = self.env["retention.profile"].create(
            {
                "partner_id": self.silent.id,
                "key_date_ids": [
                    Command.create({"name": "Chairman's birthday", "date": date(1968, 7, 5)}),
                    Command.create({"name": "Founding day", "date": date(2001, 9, 18)}),
                ],
            }
        )
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_retention"], ["zh_CN"], overwrite=True)
        self.salesman_a.lang = "zh_CN"
        KeyDate = self.env["retention.key.date"]
        KeyDate._remind(self.env.company, date(2026, 6, 30))
        KeyDate._remind(self.env.company, date(2026, 7, 1))  # the next day: not again
        reminders = self.env["mail.activity"].search([("activity_type_id", "=", key_type.id)])
        self.assertEqual(len(reminders), 1)
        self.assertEqual(reminders.summary, "重要日期：Chairman's birthday", "in the account manager's language")
        self.assertEqual((reminders.res_model, reminders.res_id), ("retention.profile", profile.id))
        self.assertEqual(reminders.date_deadline, date(2026, 7, 5))
        self.assertEqual(reminders.user_id, self.salesman_a)
        self.assertIn("Chairman's birthday", reminders.summary)
        # nobody else learns of it: not on the customer, not in another salesperson's searches
        Activity = self.env["mail.activity"]
        self.assertFalse(Activity.with_user(self.salesman_b).search([("id", "=", reminders.id)]))
        self.assertFalse(Activity.search([("res_model", "=", "res.partner"), ("summary", "ilike", "birthday")]))
        self.assertEqual(Activity.with_user(self.salesman_a).search([("id", "=", reminders.id)]), reminders)

    def test_referrals(self):
        referred = self._customer("Referred Co", user=self.salesman_a, retention_referred_by_id=self.silent.id)
        self._order(referred, 100, date(2026, 6, 1))
        self.recompute()
        silent = self._card(self.silent)
        self.assertEqual(silent.retention_referral_count, 1)
        self.assertEqual(silent.retention_advocacy, "advocate")
        action = self.silent.action_retention_open_referrals()
        self.assertEqual(self.Partner.search(action["domain"]), referred)

    def test_warnings_cost_no_query_per_customer(self):
        """Customers turning high risk together: activities and supervisor notices in a fixed number of queries."""

        def at_risk(count, tag):
            customers = self.Partner.create(
                [
                    {
                        "name": f"{tag} {i}",
                        "is_company": True,
                        "user_id": self.salesman_a.id,
                        "retention_closeness": "strategic",
                    }
                    for i in range(count)
                ]
            )
            for customer in customers:
                for day, amount in ((date(2024, 7, 15), 1000), (date(2024, 12, 15), 1000), (date(2025, 7, 15), 300)):
                    self._order(customer, amount, day)
                self._done_check(customer, datetime(2026, 5, 1, 10, 0), complaint=True, feedback_satisfaction="1")
            return customers

        def queries():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.recompute()
            return self.env.cr.sql_log_count - before

        self.recompute()
        at_risk(3, "Few")
        few = queries()
        at_risk(30, "Many")
        with patch("odoo.addons.customer_retention.models.retention_warning.NOTICE_LINES", 10):
            many = queries()
        notice = self.env["mail.message"].search(
            [("partner_ids", "in", self.supervisor_a.partner_id.ids), ("subject", "=", "Customers at high churn risk")],
            order="id desc",
            limit=1,
        )
        self.assertEqual(notice.body.count("<li>"), 11)
        self.assertIn("and 20 more", notice.body)
        self.assertEqual(
            len(self.History.search([("kind", "=", "risk"), ("new_value", "=", "high")])), 34, "all of them rose"
        )
        self.assertLessEqual(many, few + 5, f"{few} queries for 3 customers, {many} for 30")

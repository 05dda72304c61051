import math
import re
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user

from odoo.addons.customer_retention.models.res_company import SETTING_BOUNDS
from odoo.addons.customer_retention.models.retention_input_mixin import quoted_number

from .common import MANAGER, RetentionCommon

# what the settings of the issue were once saved with, and broke every recompute after
MEASURED = {
    "retention_churn_days": 3_650_000,
    "retention_interval_factor": 100_000,
    "retention_window_months": 2_000_000_000,
    "retention_new_window_days": 2_000_000_000,
}


class TestSettings(RetentionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.settings_admin = new_test_user(cls.env, "ret_settings_admin", groups="base.group_system," + MANAGER)

    def _save(self, vals):
        """Save ``vals`` in the settings as their administrator does (the settings form)."""
        self.env["res.config.settings"].with_user(self.settings_admin).create(vals).execute()

    def _settings(self):
        company = self.env.company
        company.invalidate_recordset()
        return {fname: company[fname] for fname in SETTING_BOUNDS}

    def test_defaults(self):
        company = self.env.company
        self.assertEqual(company.retention_revenue_source, "sale")
        self.assertEqual(
            (company.retention_window_months, company.retention_abc_a_cut, company.retention_abc_b_cut),
            (12, 80.0, 95.0),
        )
        self.assertEqual((company.retention_new_window_days, company.retention_churn_days), (365, 365))

    def test_every_setting_has_bounds(self):
        """Every number of the settings has its bounds: a new one without fails here."""
        company = self.env.company
        numbers = {
            fname
            for fname, field in company._fields.items()
            if "customer_retention" in (field._modules or ())
            and field.type in ("integer", "float", "monetary")
            and not field.readonly
        }
        self.assertEqual(numbers, set(SETTING_BOUNDS))
        # the defaults are inside them
        for fname, bound in SETTING_BOUNDS.items():
            default = company._fields[fname].default(company)
            self.assertTrue(bound.low <= default <= bound.high, fname)

    def test_out_of_bounds_refused(self):
        """Just below and just above every bound, the values measured in the issue and what is no number: each
        refused with the setting's name and range, and nothing saved."""
        before = self._settings()
        for fname, bound in SETTING_BOUNDS.items():
            field = self.env.company._fields[fname]
            step = 1 if field.type == "integer" else 0.01
            label = re.escape(field._description_string(self.env))
            low, high = quoted_number(bound.low), quoted_number(bound.high)
            if bound.above:
                in_range = rf"{label} must be above {low} and at most {high} \(company .*: "
            else:
                in_range = rf"{label} must be between {low} and {high} \(company .*: "
            cases = [
                (bound.low if bound.above else bound.low - step, in_range),
                (bound.high + step, in_range),
                (math.nan, rf"{label} \(.+\) must be a number, not NaN"),
                (math.inf, rf"{label} \(.+\) must be a number, not Infinity"),
                (-math.inf, rf"{label} \(.+\) must be a number, not -Infinity"),
            ]
            if fname in MEASURED:
                cases.append((MEASURED[fname], in_range + quoted_number(MEASURED[fname])))
            for value, message in cases:
                with self.subTest(setting=fname, value=value), self.assertRaisesRegex(ValidationError, message):
                    self._save({fname: value})
                self.assertEqual(self._settings(), before)

    def test_written_settings_are_checked_too(self):
        """A settings record written over RPC (not only created) reaches the company through its checks."""
        settings = self.env["res.config.settings"].with_user(self.settings_admin).create({})
        before = self.env.company.retention_churn_days
        for value in (float("nan"), "nan", float("inf"), 3650000):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                settings.write({"retention_churn_days": value})
            self.env.company.invalidate_recordset()
            self.assertEqual(self.env.company.retention_churn_days, before)
        settings.write({"retention_churn_days": 400})
        self.assertEqual(self.env.company.retention_churn_days, 400)

    def test_order_of_cut_offs_and_levels(self):
        for vals, message in (
            ({"retention_abc_a_cut": 96}, "0 < A < B"),
            ({"retention_abc_a_cut": 80, "retention_abc_b_cut": 80}, "0 < A < B"),
            ({"retention_risk_medium": 70}, "0 < medium < high"),
            ({"retention_risk_medium": 80, "retention_risk_high": 75}, "0 < medium < high"),
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(ValidationError, message):
                self._save(vals)
        self.assertEqual((self.env.company.retention_abc_a_cut, self.env.company.retention_risk_high), (80, 70))
        # both move past each other in one save (Odoo would write them one by one: A 96 above B 95 first)
        for vals in (
            {
                "retention_abc_a_cut": 96,
                "retention_abc_b_cut": 99,
                "retention_risk_medium": 75,
                "retention_risk_high": 85,
            },
            {
                "retention_abc_a_cut": 10,
                "retention_abc_b_cut": 20,
                "retention_risk_medium": 30,
                "retention_risk_high": 50,
            },
        ):
            self._save(vals)
            self.assertEqual({fname: self.env.company[fname] for fname in vals}, vals)

    def test_settings_form(self):
        with Form(self.env["res.config.settings"]) as settings:
            settings.retention_revenue_source = "invoice"
            settings.retention_abc_a_cut = 70
        settings.save().execute()
        self.assertEqual(self.env.company.retention_revenue_source, "invoice")
        self.assertEqual(self.env.company.retention_abc_a_cut, 70)
        with self.assertRaisesRegex(ValidationError, "0 < A < B"), self.env.cr.savepoint():
            self.env["res.config.settings"].create({"retention_abc_b_cut": 60}).execute()
        self.assertEqual(self.env.company.retention_abc_b_cut, 95)

    def _extreme_settings(self, end):
        """Every setting at its lowest (``low``) or highest (``high``) value, cut-offs and levels in order."""
        vals = {}
        for fname, bound in SETTING_BOUNDS.items():
            vals[fname] = bound.high if end == "high" else bound.low + (0.01 if bound.above else 0)
        if end == "high":
            vals.update(retention_abc_a_cut=99.99, retention_risk_medium=99.99)
        else:
            vals.update(retention_abc_b_cut=0.02, retention_risk_high=0.02)
        return vals

    def test_recompute_at_every_bound(self):
        """With every setting at its maximum at once (and at its minimum): the recompute, the day's reminders,
        the nightly run, the overlap warning and the trend chart all work, also for customers whose dates reach
        the ends of the calendar (an order typed in 1900, one in 9999)."""
        today = self.TODAY
        since_1900 = self._customer("Since 1900", user=self.salesman_a)
        self._order(since_1900, 100, date(1900, 1, 1))
        self._order(since_1900, 100, today - timedelta(days=10))
        regular = self._customer("Regular", user=self.salesman_a)
        for days in (150, 120, 90, 60, 30):
            self._order(regular, 100, today - timedelta(days=days))
        self._order(regular, 100, today, state="draft")
        far_future = self._customer("Ordered for 9999", user=self.salesman_a)
        self._order(far_future, 100, today - timedelta(days=400))
        self._order(far_future, 100, date(9999, 12, 1))
        prospect = self._customer("Prospect", user=self.salesman_a)
        self._order(prospect, 100, today, state="draft")
        self.env["retention.profile"].create(
            {
                "partner_id": regular.id,
                "key_date_ids": [Command.create({"name": "Founding day", "date": today + timedelta(days=30)})],
            }
        )
        Check = self.env["retention.action.check"]
        checks = Check.create(
            [
                {"partner_id": regular.id, "user_id": user.id, "action_datetime": datetime(2026, 6, day, 10, 0)}
                for user, day in ((self.salesman_a, 1), (self.salesman_a2, 20))
            ]
        )
        cards = since_1900 | regular | far_future | prospect
        for end in ("low", "high"):
            with self.subTest(end=end):
                self._save(self._extreme_settings(end))
                stats = self.Recompute._recompute(self.env.company, today, examine_all=True)
                self.assertGreaterEqual(stats["customers"], 4)
                self.Recompute._daily_reminders(self.env.company, today)
                with freeze_time(today):
                    self.Recompute._cron_recompute()
                self.assertFalse(self.env.company.retention_last_run_error)
                for customer in cards:
                    card = self.card(customer)
                    self.assertTrue(card.retention_time_class, card.name)
                    if customer != prospect:
                        self.assertTrue(card.retention_lifecycle_stage and card.retention_risk_level, card.name)
                        self.assertTrue(card.retention_next_contact_date, card.name)
                reminders = self.env["mail.activity"].search_count([("res_model", "=", "retention.profile")])
                self.assertEqual(bool(reminders), end == "high")  # 30 days ahead: within 60 days, not 0 days
                checks.invalidate_recordset()
                self.assertEqual(checks.mapped("has_overlap"), [end == "high"] * 2)
                chart = self.env["retention.card.trend"]._retention_chart_values(regular, self.env.company, today)
                self.assertFalse(chart["restricted"])
        # at the maximum, a day beyond the calendar (100 × an interval of 46,000 days, a contact due 3,650 days
        # after an order of 9999) is its last day instead of an error; the nearer days still count
        self._save(self._extreme_settings("high"))
        self.Recompute._recompute(self.env.company, today, examine_all=True)
        self.assertEqual(self.card(far_future).retention_next_contact_date, date.max)
        self.assertEqual(self.card(since_1900).retention_recheck_date, today + timedelta(days=3640))  # churn

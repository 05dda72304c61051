from odoo.exceptions import ValidationError
from odoo.tests import Form

from .common import RetentionCommon


class TestSettings(RetentionCommon):
    def test_defaults(self):
        company = self.env.company
        self.assertEqual(company.retention_revenue_source, "sale")
        self.assertEqual(
            (company.retention_window_months, company.retention_abc_a_cut, company.retention_abc_b_cut),
            (12, 80.0, 95.0),
        )
        self.assertEqual((company.retention_new_window_days, company.retention_churn_days), (365, 365))

    def test_invalid_values_are_refused(self):
        company = self.env.company
        cases = [
            ({"retention_abc_a_cut": 0}, "0 < A < B"),
            ({"retention_abc_a_cut": 96}, "0 < A < B"),
            ({"retention_abc_a_cut": 80, "retention_abc_b_cut": 80}, "0 < A < B"),
            ({"retention_abc_b_cut": 100.5}, "0 < A < B"),
            ({"retention_window_months": 0}, "between 1 and 120"),
            ({"retention_churn_days": -1}, "positive numbers of days"),
            ({"retention_new_window_days": 0}, "positive numbers of days"),
            ({"retention_growth_pct": 0}, "growth threshold"),
            ({"retention_decline_pct": 120}, "decline threshold"),
            ({"retention_interval_factor": 0.5}, "silence factor"),
        ]
        for vals, message in cases:
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                company.write(vals)
        # nothing half-written: the defaults are still there
        company.invalidate_recordset()
        self.assertEqual((company.retention_abc_a_cut, company.retention_abc_b_cut), (80.0, 95.0))

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

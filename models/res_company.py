from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .scoring import LifecycleRules, RiskRules

RUN_GROUPS = "base.group_system,customer_retention.group_retention_manager"


class ResCompany(models.Model):
    _inherit = "res.company"

    retention_revenue_source = fields.Selection(
        [("sale", "Confirmed sales orders"), ("invoice", "Posted customer invoices")],
        string="Revenue Source",
        default="sale",
        required=True,
        help="Where the customer data card takes revenue from: confirmed sales orders, or posted customer "
        "invoices net of credit notes. Amounts are converted to the company currency at the document date.",
    )
    retention_window_months = fields.Integer(
        string="ABC Window (months)", default=12, help="Revenue of this many months ranks customers A, B and C."
    )
    retention_abc_a_cut = fields.Float(
        string="A Cut-off (%)", default=80.0, help="Top customers are A until their revenue share reaches this."
    )
    retention_abc_b_cut = fields.Float(
        string="B Cut-off (%)", default=95.0, help="Then B until the cumulative revenue share reaches this."
    )
    retention_new_window_days = fields.Integer(
        string="New Customer Window (days)",
        default=365,
        help="A customer whose first order is this recent is new and in growth.",
    )
    retention_growth_pct = fields.Float(
        string="Growth Trend (%)", default=20.0, help="Revenue up more than this against the previous 12 months."
    )
    retention_decline_pct = fields.Float(
        string="Decline Trend (%)",
        default=30.0,
        help="Revenue down more than this against the previous 12 months means decline.",
    )
    retention_interval_factor = fields.Float(
        string="Silence Factor",
        default=2.0,
        help="No order for more than this many times the customer's usual interval means decline.",
    )
    retention_churn_days = fields.Integer(
        string="Churn After (days)", default=365, help="A customer without an order for this long is churned."
    )

    retention_borrow_max_days = fields.Integer(
        string="Longest Borrowing (days)",
        default=7,
        help="A confidential profile can be borrowed for at most this many days.",
    )

    # early warning 流失风险: points of each factor at full strength, and the level thresholds
    retention_risk_weight_recency = fields.Float(string="Silence Points", default=35.0)
    retention_risk_weight_trend = fields.Float(string="Revenue Decline Points", default=25.0)
    retention_risk_weight_contact = fields.Float(string="Overdue Contact Points", default=15.0)
    retention_risk_weight_complaint = fields.Float(string="Complaint Points", default=15.0)
    retention_risk_weight_receivable = fields.Float(string="Overdue Receivable Points", default=10.0)
    retention_risk_medium = fields.Float(string="Medium Risk From", default=40.0)
    retention_risk_high = fields.Float(string="High Risk From", default=70.0)
    # contact cadence 联系频率 (days between contacts; the shortest applies)
    retention_cadence_a = fields.Integer(string="Class A Every (days)", default=14)
    retention_cadence_b = fields.Integer(string="Class B Every (days)", default=30)
    retention_cadence_c = fields.Integer(string="Class C Every (days)", default=90)
    retention_cadence_strategic = fields.Integer(string="Strategic Every (days)", default=7)
    retention_key_date_lead_days = fields.Integer(
        string="Key Date Reminder (days ahead)",
        default=7,
        help="The account manager gets a care activity this many days before a customer's key date.",
    )
    retention_overlap_days = fields.Integer(
        string="Overlapping Service Window (days)",
        default=3,
        help="Two care actions on one customer by different people within this many days are flagged.",
    )

    # the last nightly run of the card recompute, for the retention managers' today board (its failure text is
    # for them and the administrators only)
    retention_last_run_start = fields.Datetime(string="Last Nightly Run", readonly=True, copy=False, groups=RUN_GROUPS)
    retention_last_run_seconds = fields.Float(
        string="Last Run Duration (s)", readonly=True, copy=False, groups=RUN_GROUPS
    )
    retention_last_run_customers = fields.Integer(
        string="Last Run Customers", readonly=True, copy=False, groups=RUN_GROUPS
    )
    retention_last_run_changes = fields.Integer(string="Last Run Changes", readonly=True, copy=False, groups=RUN_GROUPS)
    retention_last_run_error = fields.Text(string="Last Run Failure", readonly=True, copy=False, groups=RUN_GROUPS)
    # stamped by every run that writes the company's cards (see retention.recompute._retention_lock_cards)
    retention_cards_locked_at = fields.Datetime(
        string="Cards Last Locked", readonly=True, copy=False, groups="base.group_system"
    )

    @api.constrains(
        "retention_window_months",
        "retention_abc_a_cut",
        "retention_abc_b_cut",
        "retention_new_window_days",
        "retention_growth_pct",
        "retention_decline_pct",
        "retention_interval_factor",
        "retention_churn_days",
        "retention_borrow_max_days",
        "retention_overlap_days",
        "retention_risk_weight_recency",
        "retention_risk_weight_trend",
        "retention_risk_weight_contact",
        "retention_risk_weight_complaint",
        "retention_risk_weight_receivable",
        "retention_risk_medium",
        "retention_risk_high",
        "retention_cadence_a",
        "retention_cadence_b",
        "retention_cadence_c",
        "retention_cadence_strategic",
        "retention_key_date_lead_days",
    )
    def _check_retention_settings(self):
        for company in self:
            if not 1 <= company.retention_window_months <= 120:
                raise ValidationError(
                    self.env._(
                        "The ABC window must be between 1 and 120 months (company %(company)s).", company=company.name
                    )
                )
            if not 0 < company.retention_abc_a_cut < company.retention_abc_b_cut <= 100:
                raise ValidationError(
                    self.env._(
                        "ABC cut-offs must satisfy 0 < A < B <= 100 %% (company %(company)s: A %(a)s, B %(b)s).",
                        company=company.name,
                        a=company.retention_abc_a_cut,
                        b=company.retention_abc_b_cut,
                    )
                )
            if company.retention_new_window_days <= 0 or company.retention_churn_days <= 0:
                raise ValidationError(
                    self.env._("The new-customer window and the churn delay must be positive numbers of days.")
                )
            if company.retention_growth_pct <= 0 or not 0 < company.retention_decline_pct <= 100:
                raise ValidationError(
                    self.env._("The growth threshold must be positive and the decline threshold between 0 and 100 %%.")
                )
            if company.retention_interval_factor < 1:
                raise ValidationError(self.env._("The silence factor must be at least 1."))
            if not 1 <= company.retention_borrow_max_days <= 366:
                raise ValidationError(self.env._("The longest borrowing must be between 1 and 366 days."))
            weights = company._retention_risk_rules()
            if (
                min(
                    weights.weight_recency,
                    weights.weight_trend,
                    weights.weight_contact,
                    weights.weight_complaint,
                    weights.weight_receivable,
                )
                < 0
            ):
                raise ValidationError(self.env._("Risk points cannot be negative."))
            if not 0 < company.retention_risk_medium < company.retention_risk_high <= 100:
                raise ValidationError(self.env._("Risk thresholds must satisfy 0 < medium < high <= 100."))
            cadences = (
                company.retention_cadence_a,
                company.retention_cadence_b,
                company.retention_cadence_c,
                company.retention_cadence_strategic,
            )
            if min(cadences) <= 0 or not 0 <= company.retention_key_date_lead_days <= 60:
                raise ValidationError(
                    self.env._("Contact cadences must be positive and the key date reminder between 0 and 60 days.")
                )
            if not 0 <= company.retention_overlap_days <= 90:
                raise ValidationError(self.env._("The overlapping service window must be between 0 and 90 days."))

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["res.partner"]._retention_create_card_indexes(companies)
        return companies

    def _retention_last_run_summary(self):
        """The last nightly run of this company, for the today board (False before the first)."""
        self.ensure_one()
        company = self.sudo()
        if not company.retention_last_run_start:
            return False
        return {
            "start": fields.Datetime.to_string(
                fields.Datetime.context_timestamp(self, company.retention_last_run_start)
            )[:16],
            "seconds": round(company.retention_last_run_seconds, 1),
            "customers": company.retention_last_run_customers,
            "changes": company.retention_last_run_changes,
            "error": company.retention_last_run_error or False,
        }

    def _retention_risk_rules(self):
        self.ensure_one()
        return RiskRules(
            weight_recency=self.retention_risk_weight_recency,
            weight_trend=self.retention_risk_weight_trend,
            weight_contact=self.retention_risk_weight_contact,
            weight_complaint=self.retention_risk_weight_complaint,
            weight_receivable=self.retention_risk_weight_receivable,
            medium=self.retention_risk_medium,
            high=self.retention_risk_high,
        )

    def _retention_cadences(self):
        """({ABC class: days}, strategic days)"""
        self.ensure_one()
        return (
            {"a": self.retention_cadence_a, "b": self.retention_cadence_b, "c": self.retention_cadence_c},
            self.retention_cadence_strategic,
        )

    def _retention_lifecycle_rules(self):
        self.ensure_one()
        return LifecycleRules(
            new_window_days=self.retention_new_window_days,
            growth_pct=self.retention_growth_pct,
            decline_pct=self.retention_decline_pct,
            interval_factor=self.retention_interval_factor,
            churn_days=self.retention_churn_days,
        )

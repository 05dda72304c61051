from datetime import datetime, time
from typing import NamedTuple

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .card_rules import CardSettings
from .duplicate_keys import SKIP, SKIP_KEY
from .retention_input_mixin import quoted_number
from .scoring import LifecycleRules, ProtectionRules, RiskRules

RUN_GROUPS = "base.group_system,customer_retention.group_retention_manager"
WEIGHT_HELP = "Points this factor adds to the risk score at full strength (0 to 100)."
CADENCE_HELP = "Days between two contacts with these customers (1 to 3650); the shortest cadence applies."
PROTECT_HELP = (
    "Days a salesperson keeps these customers without a follow-up (a done action check or a confirmed order), "
    "counted from the latest follow-up or the day they received the customer (0 to 3650; 0: no countdown)."
)


class SettingBound(NamedTuple):
    """The values a numeric setting takes: from ``low`` (excluded when ``above``) to ``high``."""

    low: float
    high: float
    above: bool = False


# Every numeric setting of the retention rules and its bounds: generous for a sales director, and narrow enough
# that every day the rules count to (churn, silence, new-customer window, next contact, recheck) stays within
# the calendar: the recompute runs with all of them at their maximum at once (tests/test_settings.py). The
# cut-offs and the risk levels also come in order (A < B, medium < high). The help texts and the README say the
# same ranges.
SETTING_BOUNDS = {
    "retention_window_months": SettingBound(1, 120),
    "retention_abc_a_cut": SettingBound(0, 100, above=True),
    "retention_abc_b_cut": SettingBound(0, 100, above=True),
    "retention_new_window_days": SettingBound(1, 3650),
    "retention_growth_pct": SettingBound(0, 1000, above=True),
    "retention_decline_pct": SettingBound(0, 100, above=True),
    "retention_interval_factor": SettingBound(1, 100),
    "retention_churn_days": SettingBound(1, 3650),
    "retention_borrow_max_days": SettingBound(1, 366),
    "retention_risk_weight_recency": SettingBound(0, 100),
    "retention_risk_weight_trend": SettingBound(0, 100),
    "retention_risk_weight_contact": SettingBound(0, 100),
    "retention_risk_weight_complaint": SettingBound(0, 100),
    "retention_risk_weight_receivable": SettingBound(0, 100),
    "retention_risk_medium": SettingBound(0, 100, above=True),
    "retention_risk_high": SettingBound(0, 100, above=True),
    "retention_cadence_a": SettingBound(1, 3650),
    "retention_cadence_b": SettingBound(1, 3650),
    "retention_cadence_c": SettingBound(1, 3650),
    "retention_cadence_strategic": SettingBound(1, 3650),
    "retention_key_date_lead_days": SettingBound(0, 60),
    "retention_overlap_days": SettingBound(0, 90),
    "retention_protect_days_a": SettingBound(0, 3650),
    "retention_protect_days_b": SettingBound(0, 3650),
    "retention_protect_days_c": SettingBound(0, 3650),
    "retention_protect_days_other": SettingBound(0, 3650),
    "retention_protect_days_strategic": SettingBound(0, 3650),
    "retention_protect_warn_days": SettingBound(0, 60),
    "retention_claim_daily_cap": SettingBound(0, 1000),
    "retention_holding_cap": SettingBound(0, 1000000),
    "retention_lock_cap": SettingBound(0, 100000),
    "retention_reclaim_cooldown_days": SettingBound(0, 3650),
}


class ResCompany(models.Model):
    _name = "res.company"
    # the input check first: before Odoo's own create writes anything (a new company's partner)
    _inherit = ["retention.input.mixin", "res.company"]

    retention_revenue_source = fields.Selection(
        [("sale", "Confirmed sales orders"), ("invoice", "Posted customer invoices")],
        string="Revenue Source",
        default="sale",
        required=True,
        help="Where the customer data card takes revenue from: confirmed sales orders, or posted customer "
        "invoices net of credit notes. Amounts are converted to the company currency at the document date.",
    )
    retention_window_months = fields.Integer(
        string="ABC Window (months)",
        default=12,
        help="Revenue of this many months ranks customers A, B and C (1 to 120 months).",
    )
    retention_abc_a_cut = fields.Float(
        string="A Cut-off (%)",
        default=80.0,
        help="Top customers are A until their revenue share reaches this (above 0, below the B cut-off).",
    )
    retention_abc_b_cut = fields.Float(
        string="B Cut-off (%)",
        default=95.0,
        help="Then B until the cumulative revenue share reaches this (above the A cut-off, at most 100).",
    )
    # group customers (集团客户)
    retention_abc_by_group = fields.Boolean(
        string="ABC by Group",
        default=False,
        help="Rank each group of companies (a parent company and all its subsidiaries) as one customer, by their "
        "revenue together: every company of the group gets the group's class.",
    )
    retention_new_window_days = fields.Integer(
        string="New Customer Window (days)",
        default=365,
        help="A customer whose first order is this recent is new and in growth (1 to 3650 days).",
    )
    retention_growth_pct = fields.Float(
        string="Growth Trend (%)",
        default=20.0,
        help="Revenue up more than this against the previous 12 months (above 0, at most 1000).",
    )
    retention_decline_pct = fields.Float(
        string="Decline Trend (%)",
        default=30.0,
        help="Revenue down more than this against the previous 12 months means decline (above 0, at most 100).",
    )
    retention_interval_factor = fields.Float(
        string="Silence Factor",
        default=2.0,
        help="No order for more than this many times the customer's usual interval means decline (1 to 100).",
    )
    retention_churn_days = fields.Integer(
        string="Churn After (days)",
        default=365,
        help="A customer without an order for this long is churned (1 to 3650 days).",
    )

    retention_borrow_max_days = fields.Integer(
        string="Longest Borrowing (days)",
        default=7,
        help="A confidential profile can be borrowed for at most this many days.",
    )

    # early warning 流失风险: points of each factor at full strength, and the level thresholds
    retention_risk_weight_recency = fields.Float(string="Silence Points", default=35.0, help=WEIGHT_HELP)
    retention_risk_weight_trend = fields.Float(string="Revenue Decline Points", default=25.0, help=WEIGHT_HELP)
    retention_risk_weight_contact = fields.Float(string="Overdue Contact Points", default=15.0, help=WEIGHT_HELP)
    retention_risk_weight_complaint = fields.Float(string="Complaint Points", default=15.0, help=WEIGHT_HELP)
    retention_risk_weight_receivable = fields.Float(string="Overdue Receivable Points", default=10.0, help=WEIGHT_HELP)
    retention_risk_medium = fields.Float(
        string="Medium Risk From", default=40.0, help="Risk score from which a customer is at medium risk (above 0)."
    )
    retention_risk_high = fields.Float(
        string="High Risk From",
        default=70.0,
        help="Risk score from which a customer is at high risk (above the medium level, at most 100).",
    )
    # contact cadence 联系频率 (days between contacts; the shortest applies)
    retention_cadence_a = fields.Integer(string="Class A Every (days)", default=14, help=CADENCE_HELP)
    retention_cadence_b = fields.Integer(string="Class B Every (days)", default=30, help=CADENCE_HELP)
    retention_cadence_c = fields.Integer(string="Class C Every (days)", default=90, help=CADENCE_HELP)
    retention_cadence_strategic = fields.Integer(string="Strategic Every (days)", default=7, help=CADENCE_HELP)
    retention_key_date_lead_days = fields.Integer(
        string="Key Date Reminder (days ahead)",
        default=7,
        help="The account manager gets a care activity this many days before a customer's key date (0 to 60).",
    )
    retention_overlap_days = fields.Integer(
        string="Overlapping Service Window (days)",
        default=3,
        help="Two care actions on one customer by different people within this many days are flagged (0 to 90).",
    )

    # ownership and the public pool 公海: protection period 保护期 and caps
    retention_protect_days_a = fields.Integer(
        string="Class A Protected (days)",
        default=90,
        help=PROTECT_HELP + " At the end a class A customer is escalated to the supervisor, never released.",
    )
    retention_protect_days_b = fields.Integer(string="Class B Protected (days)", default=60, help=PROTECT_HELP)
    retention_protect_days_c = fields.Integer(string="Class C Protected (days)", default=30, help=PROTECT_HELP)
    retention_protect_days_other = fields.Integer(
        string="Unclassified Protected (days)",
        default=30,
        help=PROTECT_HELP + " For customers without an ABC class yet (prospects, no revenue in the window).",
    )
    retention_protect_days_strategic = fields.Integer(
        string="Strategic Protected (days)",
        default=90,
        help=PROTECT_HELP + " Strategic customers are escalated to the supervisor at the end, never released.",
    )
    retention_protect_warn_days = fields.Integer(
        string="Warn Before Release (days)",
        default=7,
        help="The salesperson gets an activity this many days before a protection ends, and the days left show "
        "in red from then on (0 to 60).",
    )
    retention_claim_daily_cap = fields.Integer(
        string="Claims per Day",
        default=5,
        help="Most customers a salesperson may claim from the pool in one day (0 to 1000; 0: no claims). A sales "
        "team may set its own.",
    )
    retention_holding_cap = fields.Integer(
        string="Customers Held at Most",
        default=300,
        help="Most customers one salesperson may hold (私海上限), counted when they claim or are given customers "
        "(0 to 1000000; 0: no cap). A sales team may set its own.",
    )
    retention_lock_cap = fields.Integer(
        string="Locked Customers at Most",
        default=10,
        help="Most customers of one salesperson locked against release (0 to 100000).",
    )
    retention_reclaim_cooldown_days = fields.Integer(
        string="Claim Back After (days)",
        default=30,
        help="A salesperson who returned or lost a customer may claim it back from the pool only after this many "
        "days (0 to 3650).",
    )
    retention_pool_show_revenue = fields.Boolean(
        string="Show Revenue in the Pool",
        help="Salespeople see the revenue of pool customers in the pool list.",
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
    # the night in progress (retention.recompute._retention_night_step): its step, day, counts and failures so far;
    # empty between nights
    retention_night = fields.Json(
        string="Nightly Run in Progress", readonly=True, copy=False, groups="base.group_system"
    )
    # stamped by every run that writes the company's cards (see retention.recompute._retention_lock_cards)
    retention_cards_locked_at = fields.Datetime(
        string="Cards Last Locked", readonly=True, copy=False, groups="base.group_system"
    )

    @api.constrains(*SETTING_BOUNDS)
    def _check_retention_settings(self):
        for company in self:
            for fname, bound in SETTING_BOUNDS.items():
                value = company[fname]
                if bound.low < value <= bound.high if bound.above else bound.low <= value <= bound.high:
                    continue
                params = {
                    "setting": self._fields[fname]._description_string(self.env),
                    "low": quoted_number(bound.low),
                    "high": quoted_number(bound.high),
                    "company": company.name,
                    "value": quoted_number(value),
                }
                if bound.above:
                    message = self.env._(
                        "%(setting)s must be above %(low)s and at most %(high)s (company %(company)s: %(value)s).",
                        **params,
                    )
                else:
                    message = self.env._(
                        "%(setting)s must be between %(low)s and %(high)s (company %(company)s: %(value)s).", **params
                    )
                raise ValidationError(message)
            if not company.retention_abc_a_cut < company.retention_abc_b_cut:
                raise ValidationError(
                    self.env._(
                        "ABC cut-offs must satisfy 0 < A < B <= 100 %% (company %(company)s: A %(a)s, B %(b)s).",
                        company=company.name,
                        a=quoted_number(company.retention_abc_a_cut),
                        b=quoted_number(company.retention_abc_b_cut),
                    )
                )
            if not company.retention_risk_medium < company.retention_risk_high:
                raise ValidationError(
                    self.env._(
                        "Risk thresholds must satisfy 0 < medium < high <= 100 (company %(company)s: medium "
                        "%(medium)s, high %(high)s).",
                        company=company.name,
                        medium=quoted_number(company.retention_risk_medium),
                        high=quoted_number(company.retention_risk_high),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # duplicate check: the company's own partner is no customer's second card
        companies = super(ResCompany, self.with_context(**{SKIP_KEY: SKIP})).create(vals_list).with_env(self.env)
        self.env["res.partner"]._retention_create_card_indexes(companies)
        # --- playbooks (应对预案): a new company starts with the default ones ---
        self.env["retention.playbook"]._retention_create_defaults(companies)
        # the card completeness of the customers it shares with the other companies, in the new company
        self.env["res.partner"]._retention_store_completeness_of(companies=companies)
        return companies

    def _retention_today(self):
        """The company's day: the date at its address's time zone (a company in Shanghai starts its day eight
        hours before UTC). The nightly run, the refresh and the pool count days to it, whoever runs them (the
        cron's system user is in Brussels); without a time zone, the running user's day."""
        self.ensure_one()
        tz = self.sudo().partner_id.tz
        return fields.Date.context_today(self.with_context(tz=tz) if tz else self)

    def _retention_day_start(self):
        """The start of the company's day (its address's time zone, else UTC) as a naive UTC datetime: what
        "today" means for a daily cap, whatever time zone a user gives themselves."""
        self.ensure_one()
        tz = pytz.timezone(self.sudo().partner_id.tz or "UTC")
        now = pytz.utc.localize(fields.Datetime.now()).astimezone(tz)
        return tz.localize(datetime.combine(now.date(), time.min)).astimezone(pytz.utc).replace(tzinfo=None)

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

    def _retention_card_settings(self):
        """What the company's settings tell the card's rules, read once for a whole run."""
        self.ensure_one()
        cadences, strategic_days = self._retention_cadences()
        return CardSettings(
            lifecycle=self._retention_lifecycle_rules(),
            risk=self._retention_risk_rules(),
            cadence_by_class=tuple(cadences.items()),
            strategic_days=strategic_days,
            digits=self.currency_id.decimal_places,
            abc_a_cut=self.retention_abc_a_cut,
            abc_b_cut=self.retention_abc_b_cut,
            protection=ProtectionRules(
                days_a=self.retention_protect_days_a,
                days_b=self.retention_protect_days_b,
                days_c=self.retention_protect_days_c,
                days_other=self.retention_protect_days_other,
                days_strategic=self.retention_protect_days_strategic,
            ),
            abc_by_group=self.retention_abc_by_group,
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

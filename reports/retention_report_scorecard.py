from odoo import api, fields, models
from odoo.tools import SQL

from ..models.res_partner import ABC_SELECTION, STAGE_SELECTION

# row kinds of the scorecard and the offset of their ids (customer rows keep the customer analysis id)
KIND_OFFSETS = {"customer": 0, "plan_submitted": 1, "plan_approved": 2, "plan_done": 3, "check": 4, "review": 5}
ID_SPACE = 10**15

# measures of the scorecard in the order of the PDF and Excel scorecard: the customers as they are today, then
# what happened in the period
CUSTOMER_MEASURES = (
    "customer_count",
    "class_a",
    "class_b",
    "class_c",
    "stage_acquisition",
    "stage_growth",
    "stage_maturity",
    "stage_decline",
    "stage_churned",
    "at_risk",
    "contact_overdue",
    "completeness",
)
PERIOD_MEASURES = (
    "plans_submitted",
    "plans_approved",
    "plans_done",
    "checks_done",
    "expense_travel",
    "expense_entertainment",
    "expense_other",
    "expense_total",
    "reviews_received",
)
SCORECARD_MEASURES = CUSTOMER_MEASURES + PERIOD_MEASURES
# the measures that are no counts: amounts, and the card completeness (an average, never summed)
AMOUNT_MEASURES = ("expense_travel", "expense_entertainment", "expense_other", "expense_total")
AVERAGE_MEASURES = ("completeness",)


class RetentionReportScorecard(models.Model):
    """Salesperson scorecard 业务员考核: the customers as they stand today (dated today) and what happened in the
    period: plans submitted / approved / done, action checks done with their expenses, card reviews received."""

    _name = "retention.report.scorecard"
    _inherit = ["retention.analysis.mixin"]
    _description = "Salesperson Scorecard"
    _auto = False
    _order = "date desc, id"
    _depends = {
        "retention.report.customer": [],  # and, through it, what the customer analysis reads
        "retention.care.plan": ["company_id", "user_id", "partner_id", "date_submitted", "date_approved", "date_done"],
        "retention.action.check": [
            "company_id",
            "user_id",
            "partner_id",
            "state",
            "action_datetime",
            "expense_travel",
            "expense_entertainment",
            "expense_other",
        ],
        "retention.card.review": ["company_id", "salesperson_id", "week"],
        "res.users": ["sale_team_id"],
        "crm.team": ["user_id"],
    }

    kind = fields.Selection(
        [
            ("customer", "Customer"),
            ("plan_submitted", "Plan Submitted"),
            ("plan_approved", "Plan Approved"),
            ("plan_done", "Plan Done"),
            ("check", "Action Check Done"),
            ("review", "Card Review"),
        ],
        readonly=True,
    )
    date = fields.Date(readonly=True, help="Customer rows are dated today: they describe the cards as they are now.")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    abc_class = fields.Selection(ABC_SELECTION, string="ABC Class", readonly=True)
    lifecycle_stage = fields.Selection(STAGE_SELECTION, readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True)
    class_a = fields.Integer(readonly=True)
    class_b = fields.Integer(readonly=True)
    class_c = fields.Integer(readonly=True)
    stage_acquisition = fields.Integer(string="Acquisition", readonly=True)
    stage_growth = fields.Integer(string="Growth", readonly=True)
    stage_maturity = fields.Integer(string="Maturity", readonly=True)
    stage_decline = fields.Integer(string="Decline", readonly=True)
    stage_churned = fields.Integer(string="Churned", readonly=True)
    at_risk = fields.Integer(readonly=True)
    contact_overdue = fields.Integer(string="Contacts Overdue", readonly=True)
    plans_submitted = fields.Integer(
        readonly=True, help="Care plans submitted for approval in the period, whatever their state now."
    )
    plans_approved = fields.Integer(readonly=True, help="Care plans approved in the period.")
    plans_done = fields.Integer(readonly=True, help="Care plans marked done in the period.")
    checks_done = fields.Integer(string="Action Checks Done", readonly=True)
    expense_travel = fields.Float(string="Travel Expenses", readonly=True)
    expense_entertainment = fields.Float(string="Entertainment Expenses", readonly=True)
    expense_other = fields.Float(string="Other Expenses", readonly=True)
    expense_total = fields.Float(string="Total Expenses", readonly=True)
    completeness = fields.Float(string="Card Completeness (%)", readonly=True, aggregator="avg")
    reviews_received = fields.Integer(readonly=True)

    @api.model
    def _query(self):
        measures = [name for name in SCORECARD_MEASURES if name not in AVERAGE_MEASURES]

        def part(kind, date_sql, source, values, where=None):
            columns = [SQL("%s AS %s", values.get(name, SQL("0")), SQL.identifier(name)) for name in measures]
            return SQL(
                """SELECT %(id)s AS id, %(kind)s AS kind, %(date)s AS date, src.company_id, src.salesperson_id,
                          src.partner_id, %(abc)s AS abc_class, %(stage)s AS lifecycle_stage,
                          %(completeness)s AS completeness, %(columns)s
                     FROM (%(source)s) src %(where)s""",
                id=SQL("%s::bigint * %s + src.id", KIND_OFFSETS[kind], ID_SPACE),
                kind=SQL("%s", kind),
                date=date_sql,
                abc=values.get("abc_class", SQL("NULL::varchar")),
                stage=values.get("lifecycle_stage", SQL("NULL::varchar")),
                completeness=values.get("completeness", SQL("NULL::numeric")),
                columns=SQL(", ").join(columns),
                source=source,
                where=where or SQL(),
            )

        def plan_part(kind, date_column, measure):
            return part(
                kind,
                SQL.identifier("src", date_column),
                SQL(
                    "SELECT id, company_id, user_id AS salesperson_id, partner_id, %s FROM retention_care_plan",
                    SQL.identifier(date_column),
                ),
                {measure: SQL("1")},
                SQL("WHERE %s IS NOT NULL", SQL.identifier("src", date_column)),
            )

        customers = part(
            "customer",
            SQL("CURRENT_DATE"),
            # only what the scorecard counts: the analysis's other columns are not computed for its rows
            SQL(
                """SELECT id, company_id, salesperson_id, partner_id, abc_class, lifecycle_stage, completeness, at_risk,
                          contact_overdue
                     FROM retention_report_customer"""
            ),
            {
                "abc_class": SQL("src.abc_class"),
                "lifecycle_stage": SQL("src.lifecycle_stage"),
                "completeness": SQL("src.completeness"),
                "customer_count": SQL("1"),
                **{f"class_{code}": SQL("(src.abc_class = %s)::int", code) for code, _label in ABC_SELECTION},
                **{f"stage_{code}": SQL("(src.lifecycle_stage = %s)::int", code) for code, _label in STAGE_SELECTION},
                "at_risk": SQL("src.at_risk"),
                "contact_overdue": SQL("src.contact_overdue"),
            },
        )
        checks = part(
            "check",
            SQL("src.action_datetime::date"),
            SQL(
                """SELECT id, company_id, user_id AS salesperson_id, partner_id, action_datetime,
                          COALESCE(expense_travel, 0) AS travel, COALESCE(expense_entertainment, 0) AS entertainment,
                          COALESCE(expense_other, 0) AS other
                     FROM retention_action_check WHERE state = 'done'"""
            ),
            {
                "checks_done": SQL("1"),
                "expense_travel": SQL("src.travel"),
                "expense_entertainment": SQL("src.entertainment"),
                "expense_other": SQL("src.other"),
                "expense_total": SQL("src.travel + src.entertainment + src.other"),
            },
        )
        reviews = part(
            "review",
            SQL("src.week"),
            SQL("SELECT id, company_id, salesperson_id, NULL::int AS partner_id, week FROM retention_card_review"),
            {"reviews_received": SQL("1")},
        )
        events = SQL(" UNION ALL ").join(
            [
                customers,
                plan_part("plan_submitted", "date_submitted", "plans_submitted"),
                plan_part("plan_approved", "date_approved", "plans_approved"),
                plan_part("plan_done", "date_done", "plans_done"),
                checks,
                reviews,
            ]
        )
        return SQL(
            "SELECT e.*, team.id AS team_id, team.user_id AS supervisor_id FROM (%s) e %s",
            events,
            self._team_joins(SQL("e.salesperson_id")),
        )

    # --- the scorecard of the printed and exported reports, read with the user's rights ------------------
    @api.model
    def _period_domain(self, domain, date_from, date_to):
        """The rows of ``domain`` a scorecard of the period counts: the customers today, the period's events."""
        return [*domain, "|", ("kind", "=", "customer"), "&", ("date", ">=", date_from), ("date", "<=", date_to)]

    @api.model
    def _aggregates(self):
        return [f"{name}:avg" if name in AVERAGE_MEASURES else f"{name}:sum" for name in SCORECARD_MEASURES]

    @api.model
    def _salesperson_rows(self, domain, date_from, date_to):
        """One dict per salesperson: the customers today and the period's plans, checks, expenses and reviews."""
        groups = self._read_group(
            self._period_domain(domain, date_from, date_to),
            ["salesperson_id"],
            self._aggregates(),
            order="salesperson_id",
        )
        rows = []
        for salesperson, *values in groups:
            row = dict(zip(SCORECARD_MEASURES, values, strict=True))
            row["completeness"] = round(row["completeness"] or 0.0, 1)
            row["salesperson"] = salesperson
            rows.append(row)
        return rows

    @api.model
    def _totals(self, domain, date_from, date_to):
        """The scorecard's totals: sums, and the card completeness averaged over all the customers."""
        [values] = self._read_group(self._period_domain(domain, date_from, date_to), [], self._aggregates())
        totals = dict(zip(SCORECARD_MEASURES, values, strict=True))
        totals["completeness"] = round(totals["completeness"] or 0.0, 1)
        return totals

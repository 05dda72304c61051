from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

from ..models.res_partner import ABC_SELECTION, RISK_SELECTION, STAGE_SELECTION

# shares (field: the additive column it is a share of)
SHARES = {"revenue_share": "revenue_window", "customer_share": "customer_count"}


class RetentionReportCustomer(models.Model):
    """One row per customer and company: the data card as it stands today. Serves the ABC Pareto, the lifecycle
    funnel, the risk list and the receivables check."""

    _name = "retention.report.customer"
    _inherit = ["retention.analysis.mixin"]
    _description = "Customer Analysis"
    _auto = False
    _rec_name = "partner_id"
    _order = "risk_score desc, revenue_window desc, id"
    _depends = {
        "res.partner": [
            "active",
            "commercial_partner_id",
            "company_id",
            "parent_id",
            "user_id",
            "retention_abc_class",
            "retention_lifecycle_stage",
            "retention_risk_level",
            "retention_risk_score",
            "retention_risk_factors",
            "retention_revenue_window",
            "retention_revenue_12m",
            "retention_order_count",
            "retention_last_order_date",
            "retention_last_contact_date",
            "retention_next_contact_date",
            "retention_overdue_amount",
            "retention_completeness",
        ],
        "res.users": ["sale_team_id"],
        "crm.team": ["user_id"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    abc_class = fields.Selection(ABC_SELECTION, string="ABC Class", readonly=True)
    lifecycle_stage = fields.Selection(STAGE_SELECTION, readonly=True)
    risk_level = fields.Selection(RISK_SELECTION, readonly=True)
    risk_score = fields.Integer(readonly=True, aggregator="avg")
    risk_factors = fields.Text(readonly=True)
    risk_reasons = fields.Text(string="Why This Risk", compute="_compute_risk_reasons")
    revenue_window = fields.Float(string="Revenue (ABC Window)", readonly=True)
    revenue_12m = fields.Float(string="Revenue Last 12 Months", readonly=True)
    # shares of what the reader may see, never of the whole company (a salesperson would derive its total)
    revenue_share = fields.Float(
        string="Revenue Share (%)",
        compute="_compute_shares",
        aggregator="sum",
        help="Share of the revenue in the ABC window of the customers you see: in a pivot or graph, of the rows "
        "of the current search; on one customer, of all the customers you see in its company.",
    )
    customer_share = fields.Float(
        string="Customer Share (%)",
        compute="_compute_shares",
        aggregator="sum",
        help="Share of the number of customers you see: in a pivot or graph, of the rows of the current search; "
        "on one customer, of all the customers you see in its company.",
    )
    order_count = fields.Integer(readonly=True)
    last_order_date = fields.Date(readonly=True, aggregator="max")
    last_contact_date = fields.Date(readonly=True, aggregator="max")
    next_contact_date = fields.Date(string="Next Contact Due", readonly=True, aggregator="min")
    customer_count = fields.Integer(string="Customers", readonly=True)
    at_risk = fields.Integer(readonly=True, help="Customers whose risk level is high.")
    contact_overdue = fields.Integer(string="Contacts Overdue", readonly=True)
    overdue_amount = fields.Float(string="Overdue Receivables", readonly=True)
    completeness = fields.Float(string="Card Completeness (%)", readonly=True, aggregator="avg")

    @api.depends("risk_factors")
    @api.depends_context("lang")
    def _compute_risk_reasons(self):
        for company, lines in self.grouped("company_id").items():
            explain = self.env["res.partner"].with_company(company)._retention_risk_explainer()
            for line in lines:
                line.risk_reasons = explain(line.risk_factors)

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_shares(self):
        """Of the rows the current user may read in the customer's company (one grouped query)."""
        totals = {
            company: (revenue, count)
            for company, revenue, count in self._read_group(
                [("company_id", "in", self.company_id.ids)],
                ["company_id"],
                ["revenue_window:sum", "customer_count:sum"],
            )
        }
        for line in self:
            revenue, count = totals.get(line.company_id, (0.0, 0))
            line.revenue_share = round(line.revenue_window * 100.0 / revenue, 2) if revenue else 0.0
            line.customer_share = round(100.0 / count, 4) if count else 0.0

    def _read_group_select(self, aggregate_spec, query):
        """A share is the group's part of the total of all groups of the same search, which the record rules
        have already cut to what the user may see: shares of a salesperson's customers, of a supervisor's
        teams, of the company only for a retention manager."""
        fname, _property, _func = parse_read_group_spec(aggregate_spec)
        if fname not in SHARES:
            return super()._read_group_select(aggregate_spec, query)
        part = self._field_to_sql(self._table, SHARES[fname], query)
        return SQL("ROUND(SUM(%s) * 100.0 / NULLIF(SUM(SUM(%s)) OVER (), 0), 2)", part, part)

    @api.model
    def _measures(self, partner, company):
        """The per-customer measures the analyses count (SQL expressions of the alias of ``res_partner`` and of an
        SQL expression of the company id): at risk, contact overdue and the card completeness. Shared with the
        review status, which sums them per salesperson."""
        next_contact = SQL("(%s ->> %s::text)::date", SQL.identifier(partner, "retention_next_contact_date"), company)
        return {
            "at_risk": SQL(
                "COALESCE((%s ->> %s::text) = 'high', FALSE)::int",
                SQL.identifier(partner, "retention_risk_level"),
                company,
            ),
            "contact_overdue": SQL("COALESCE(%s < CURRENT_DATE, FALSE)::int", next_contact),
            # stored on the card whenever what it counts changes: not evaluated per row
            "completeness": SQL(
                "COALESCE((%s ->> %s::text)::numeric, 0)", SQL.identifier(partner, "retention_completeness"), company
            ),
        }

    @api.model
    def _customer_of(self, partner, company):
        """The condition of a customer row: a commercial partner, active, of the company or shared."""
        return SQL(
            """%(p)s.id = %(p)s.commercial_partner_id AND %(p)s.active
               AND (%(p)s.company_id IS NULL OR %(p)s.company_id = %(c)s)""",
            p=SQL.identifier(partner),
            c=company,
        )

    @api.model
    def _query(self):
        def card(column, cast="varchar"):
            return SQL("(p.%s ->> c.id::text)::%s", SQL.identifier(column), SQL(cast))

        measures = self._measures("p", SQL("c.id"))
        return SQL(
            """
            SELECT c.id::bigint * 10000000000 + p.id AS id,
                   p.id AS partner_id, c.id AS company_id, p.user_id AS salesperson_id,
                   team.id AS team_id, team.user_id AS supervisor_id,
                   %(abc)s AS abc_class, %(stage)s AS lifecycle_stage, %(risk)s AS risk_level,
                   COALESCE(%(risk_score)s, 0) AS risk_score, %(risk_factors)s AS risk_factors,
                   COALESCE(%(revenue_window)s, 0) AS revenue_window, COALESCE(%(revenue_12m)s, 0) AS revenue_12m,
                   COALESCE(%(order_count)s, 0) AS order_count,
                   %(last_order)s AS last_order_date, %(last_contact)s AS last_contact_date,
                   %(next_contact)s AS next_contact_date,
                   1 AS customer_count,
                   %(at_risk)s AS at_risk,
                   %(contact_overdue)s AS contact_overdue,
                   COALESCE(%(overdue)s, 0) AS overdue_amount,
                   %(completeness)s AS completeness
              FROM res_partner p
              JOIN res_company c ON p.company_id IS NULL OR p.company_id = c.id
              %(team_joins)s
             WHERE %(customer)s
               AND (p.user_id IS NOT NULL OR %(stage)s IS NOT NULL OR %(abc)s IS NOT NULL)
            """,
            abc=card("retention_abc_class"),
            stage=card("retention_lifecycle_stage"),
            risk=card("retention_risk_level"),
            risk_score=card("retention_risk_score", "int"),
            risk_factors=card("retention_risk_factors", "text"),
            revenue_window=card("retention_revenue_window", "numeric"),
            revenue_12m=card("retention_revenue_12m", "numeric"),
            order_count=card("retention_order_count", "int"),
            last_order=card("retention_last_order_date", "date"),
            last_contact=card("retention_last_contact_date", "date"),
            next_contact=card("retention_next_contact_date", "date"),
            overdue=card("retention_overdue_amount", "numeric"),
            at_risk=measures["at_risk"],
            contact_overdue=measures["contact_overdue"],
            completeness=measures["completeness"],
            customer=self._customer_of("p", SQL("c.id")),
            team_joins=self._team_joins(SQL("p.user_id")),
        )

    # --- rows of the exported reports, read with the user's rights --------------------------------------
    @api.model
    def _pareto_rows(self, domain):
        """Per ABC class: customers and revenue, their shares of the rows the user sees and the cumulative
        shares."""
        groups = self._read_group(
            [*domain, ("abc_class", "!=", False)],
            ["abc_class"],
            ["customer_count:sum", "customer_share:sum", "revenue_window:sum", "revenue_share:sum"],
            order="abc_class",
        )
        customers_total = sum(group[1] for group in groups) or 1
        revenue_total = sum(group[3] for group in groups) or 1.0
        labels = dict(self._fields["abc_class"]._description_selection(self.env))
        rows, cumulative_customers, cumulative_revenue = [], 0, 0.0
        for abc_class, count, customer_share, revenue, revenue_share in groups:
            cumulative_customers += count
            cumulative_revenue += revenue
            rows.append(
                {
                    "abc_class": labels[abc_class],
                    "customers": count,
                    "customer_share": customer_share or 0.0,
                    "cumulative_customer_share": round(cumulative_customers * 100.0 / customers_total, 2),
                    "revenue": revenue,
                    "revenue_share": revenue_share or 0.0,
                    "cumulative_revenue_share": round(cumulative_revenue * 100.0 / revenue_total, 2),
                }
            )
        return rows

    @api.model
    def _funnel_rows(self, domain, date_from, date_to):
        """Per lifecycle stage, in the order of the lifecycle: the customers today with their share of the
        customers the user sees, and the stage entries and win-backs of the period."""
        stages = self._read_group(
            [*domain, ("lifecycle_stage", "!=", False)],
            ["lifecycle_stage"],
            ["customer_count:sum", "customer_share:sum", "revenue_12m:sum", "at_risk:sum"],
        )
        entries = self.env["retention.report.lifecycle"]._stage_entries(domain, date_from, date_to)
        customers = {stage: values for stage, *values in stages}
        labels = dict(self._fields["lifecycle_stage"]._description_selection(self.env))
        rows = []
        for stage, _label in STAGE_SELECTION:
            count, share, revenue, at_risk = customers.get(stage, (0, 0.0, 0.0, 0))
            entered, won_back = entries.get(stage, (0, 0))
            rows.append(
                {
                    "stage": labels[stage],
                    "customers": count,
                    "customer_share": share or 0.0,
                    "revenue_12m": revenue,
                    "at_risk": at_risk,
                    "entries": entered,
                    "win_backs": won_back,
                }
            )
        return rows

    @api.model
    def _risk_lines(self, domain):
        """The customers of ``domain`` at high or medium risk, the riskiest first."""
        return self.search([*domain, ("risk_level", "in", ("high", "medium"))], order="risk_score desc, id")

    @api.model
    def _receivable_lines(self, domain):
        """The customers of ``domain`` with overdue receivables, the largest amount first."""
        return self.search([*domain, ("overdue_amount", ">", 0)], order="overdue_amount desc, id")

    @api.model
    def _receivables_by_salesperson(self, domain):
        """Per account manager: (salesperson, customers, overdue amount) of the customers of ``domain`` with
        overdue receivables, the largest amount first."""
        return self._read_group(
            [*domain, ("overdue_amount", ">", 0)],
            ["salesperson_id"],
            ["customer_count:sum", "overdue_amount:sum"],
            order="overdue_amount:sum desc",
        )

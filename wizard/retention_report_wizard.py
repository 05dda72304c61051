import base64
from urllib.parse import quote as url_quote

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.retention_report_scorecard import SCORECARD_MEASURES
from ..reports.xlsx import Column, Sheet, build_workbook

REPORTS = [
    ("scorecard", "Salesperson Scorecard"),
    ("pareto", "ABC Pareto"),
    ("risk", "Risk List"),
    ("receivables", "Receivables Check"),
]
# Excel column kind of each scorecard measure
MEASURE_KINDS = {
    "expense_travel": "amount",
    "expense_entertainment": "amount",
    "expense_other": "amount",
    "expense_total": "amount",
    "completeness": "percent",
}


class RetentionReportWizard(models.TransientModel):
    """Supervisor reports for a period, a team or a salesperson: the scorecard in PDF, and the scorecard, ABC
    Pareto, risk list and receivables check in Excel. Every figure is read with the user's own rights on the
    analyses, so a report never holds a customer the user may not see."""

    _name = "retention.report.wizard"
    _description = "Supervisor Reports"

    report = fields.Selection(REPORTS, required=True, default="scorecard")
    date_from = fields.Date(
        string="Period From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(string="Period To", required=True, default=fields.Date.context_today)
    team_id = fields.Many2one("crm.team", string="Sales Team")
    salesperson_id = fields.Many2one("res.users", string="Account Manager", domain=[("share", "=", False)])
    file = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(self.env._("The period must start before it ends."))

    # --- data, with the user's rights ---------------------------------------------------------------
    def _domain(self):
        domain = [("company_id", "in", self.env.companies.ids)]
        if self.team_id:
            domain.append(("team_id", "=", self.team_id.id))
        if self.salesperson_id:
            domain.append(("salesperson_id", "=", self.salesperson_id.id))
        return domain

    def _period_label(self):
        return self.env._(
            "%(date_from)s to %(date_to)s",
            date_from=fields.Date.to_string(self.date_from),
            date_to=fields.Date.to_string(self.date_to),
        )

    def _scorecard_rows(self):
        """One dict per salesperson: the customers today and the period's plans, checks, expenses and reviews."""
        self.ensure_one()
        domain = [
            *self._domain(),
            "|",
            ("kind", "=", "customer"),
            "&",
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
        ]
        aggregates = [f"{name}:avg" if name == "completeness" else f"{name}:sum" for name in SCORECARD_MEASURES]
        groups = self.env["retention.report.scorecard"]._read_group(
            domain, ["salesperson_id"], aggregates, order="salesperson_id"
        )
        rows = []
        for salesperson, *values in groups:
            row = dict(zip(SCORECARD_MEASURES, values, strict=True))
            row["completeness"] = round(row["completeness"] or 0.0, 1)
            row["salesperson"] = salesperson
            rows.append(row)
        return rows

    def _pareto_rows(self):
        """Per ABC class: customers and revenue, their shares and the cumulative shares."""
        groups = self.env["retention.report.customer"]._read_group(
            [*self._domain(), ("abc_class", "!=", False)],
            ["abc_class"],
            ["customer_count:sum", "revenue_window:sum"],
            order="abc_class",
        )
        customers_total = sum(count for _cls, count, _revenue in groups) or 1
        revenue_total = sum(revenue for _cls, _count, revenue in groups) or 1.0
        labels = dict(self.env["retention.report.customer"]._fields["abc_class"]._description_selection(self.env))
        rows, cumulative_customers, cumulative_revenue = [], 0.0, 0.0
        for abc_class, count, revenue in groups:
            customer_share = count * 100.0 / customers_total
            revenue_share = revenue * 100.0 / revenue_total
            cumulative_customers += customer_share
            cumulative_revenue += revenue_share
            rows.append(
                {
                    "abc_class": labels[abc_class],
                    "customers": count,
                    "customer_share": round(customer_share, 2),
                    "cumulative_customer_share": round(cumulative_customers, 2),
                    "revenue": revenue,
                    "revenue_share": round(revenue_share, 2),
                    "cumulative_revenue_share": round(cumulative_revenue, 2),
                }
            )
        return rows

    def _customer_rows(self, domain, order):
        return self.env["retention.report.customer"].search([*self._domain(), *domain], order=order)

    # --- Excel ----------------------------------------------------------------------------------------
    def _scorecard_sheet(self):
        fields_ = self.env["retention.report.scorecard"]._fields
        columns = [Column(self.env._("Account Manager"), width=22)] + [
            Column(fields_[name]._description_string(self.env), MEASURE_KINDS.get(name, "integer"), 12)
            for name in SCORECARD_MEASURES
        ]
        rows = [
            [row["salesperson"].name or self.env._("No account manager")] + [row[name] for name in SCORECARD_MEASURES]
            for row in self._scorecard_rows()
        ]
        return Sheet(self.env._("Scorecard"), self.env._("Salesperson Scorecard"), columns, rows)

    def _pareto_sheet(self):
        columns = [
            Column(self.env._("ABC Class"), width=22),
            Column(self.env._("Customers"), "integer"),
            Column(self.env._("Customer Share (%)"), "share"),
            Column(self.env._("Cumulative Customers (%)"), "percent"),
            Column(self.env._("Revenue (ABC Window)"), "amount", 18),
            Column(self.env._("Revenue Share (%)"), "share"),
            Column(self.env._("Cumulative Revenue (%)"), "percent"),
        ]
        keys = (
            "abc_class",
            "customers",
            "customer_share",
            "cumulative_customer_share",
            "revenue",
            "revenue_share",
            "cumulative_revenue_share",
        )
        rows = [[row[key] for key in keys] for row in self._pareto_rows()]
        return Sheet(self.env._("ABC Pareto"), self.env._("ABC Pareto"), columns, rows)

    def _risk_sheet(self):
        columns = [
            Column(self.env._("Customer"), width=30),
            Column(self.env._("Account Manager"), width=20),
            Column(self.env._("Sales Team"), width=18),
            Column(self.env._("Risk Level")),
            Column(self.env._("Risk Score"), "integer"),
            Column(self.env._("Why This Risk"), width=60),
            Column(self.env._("ABC Class")),
            Column(self.env._("Last Order Date"), "date"),
            Column(self.env._("Next Contact Due"), "date"),
            Column(self.env._("Revenue Last 12 Months"), "amount", 18),
        ]
        report = self.env["retention.report.customer"]
        risk_labels = dict(report._fields["risk_level"]._description_selection(self.env))
        abc_labels = dict(report._fields["abc_class"]._description_selection(self.env))
        rows = [
            [
                line.partner_id.display_name,
                line.salesperson_id.name or "",
                line.team_id.name or "",
                risk_labels.get(line.risk_level, ""),
                line.risk_score,
                line.risk_reasons or "",
                abc_labels.get(line.abc_class, ""),
                line.last_order_date,
                line.next_contact_date,
                line.revenue_12m,
            ]
            for line in self._customer_rows([("risk_level", "in", ("high", "medium"))], "risk_score desc, id")
        ]
        return Sheet(self.env._("Risk List"), self.env._("Risk List"), columns, rows)

    def _receivables_sheets(self):
        by_customer = [
            [line.partner_id.display_name, line.salesperson_id.name or "", line.team_id.name or "", line.overdue_amount]
            for line in self._customer_rows([("overdue_amount", ">", 0)], "overdue_amount desc, id")
        ]
        groups = self.env["retention.report.customer"]._read_group(
            [*self._domain(), ("overdue_amount", ">", 0)],
            ["salesperson_id"],
            ["customer_count:sum", "overdue_amount:sum"],
            order="overdue_amount:sum desc",
        )
        by_salesperson = [
            [salesperson.name or self.env._("No account manager"), count, amount]
            for salesperson, count, amount in groups
        ]
        customer, manager = self.env._("Customer"), self.env._("Account Manager")
        overdue = self.env._("Overdue Receivables")
        return [
            Sheet(
                self.env._("By Customer"),
                self.env._("Receivables Check"),
                [
                    Column(customer, width=30),
                    Column(manager, width=20),
                    Column(self.env._("Sales Team"), width=18),
                    Column(overdue, "amount", 18),
                ],
                by_customer,
            ),
            Sheet(
                self.env._("By Account Manager"),
                self.env._("Receivables Check"),
                [Column(manager, width=22), Column(self.env._("Customers"), "integer"), Column(overdue, "amount", 18)],
                by_salesperson,
            ),
        ]

    def _sheets(self):
        sheets = {
            "scorecard": lambda: [self._scorecard_sheet()],
            "pareto": lambda: [self._pareto_sheet()],
            "risk": lambda: [self._risk_sheet()],
            "receivables": self._receivables_sheets,
        }[self.report]()
        subtitle = (
            f"{self.env.company.name} · {self._period_label()}"
            if self.report == "scorecard"
            else (f"{self.env.company.name} · {fields.Date.to_string(fields.Date.context_today(self))}")
        )
        for sheet in sheets:
            sheet.subtitle = subtitle
            sheet.totals_label = self.env._("Total")
        return sheets

    def action_export_xlsx(self):
        self.ensure_one()
        name = dict(self._fields["report"]._description_selection(self.env))[self.report]
        self.write(
            {
                "file": base64.b64encode(build_workbook(self._sheets())),
                "file_name": f"{name} {fields.Date.to_string(fields.Date.context_today(self))}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/{url_quote(self.file_name)}?download=true",
            "target": "self",
        }

    def action_print_scorecard(self):
        self.ensure_one()
        return self.env.ref("customer_retention.action_report_scorecard").report_action(self)

import base64
from urllib.parse import quote as url_quote

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount, format_date

from ..models.res_partner import STAGE_SELECTION
from ..reports.retention_report_scorecard import AMOUNT_MEASURES, AVERAGE_MEASURES, SCORECARD_MEASURES
from ..reports.xlsx import Column, Sheet, build_workbook

REPORTS = [
    ("scorecard", "Salesperson Scorecard"),
    ("pareto", "ABC Pareto"),
    ("funnel", "Lifecycle Funnel"),
    ("risk", "Risk List"),
    ("receivables", "Receivables Check"),
]
# reports whose figures depend on the period (the others describe the cards as they are today)
PERIOD_REPORTS = ("scorecard", "funnel")


def measure_kind(name):
    """The Excel column kind of a scorecard measure."""
    if name in AMOUNT_MEASURES:
        return "amount"
    return "percent" if name in AVERAGE_MEASURES else "count"


class RetentionReportWizard(models.TransientModel):
    """Supervisor reports for a period, a team or a salesperson: the scorecard in PDF, and the scorecard, ABC
    Pareto, lifecycle funnel, risk list and receivables check in Excel. Every figure is read with the user's own
    rights on the analyses, so a report never holds a customer the user may not see, and its shares and totals
    are of the rows the user sees."""

    _name = "retention.report.wizard"
    _description = "Supervisor Reports"
    _inherit = ["retention.input.mixin"]

    # rows of the printed scorecard per page: each page is cut by the report itself, as Debian's wkhtmltopdf
    # (unpatched Qt) prints no header or footer
    _scorecard_rows_per_page = 20

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

    def _period_domain(self):
        return [("date", ">=", self.date_from), ("date", "<=", self.date_to)]

    def _period_label(self):
        return self.env._(
            "%(date_from)s to %(date_to)s",
            date_from=fields.Date.to_string(self.date_from),
            date_to=fields.Date.to_string(self.date_to),
        )

    def _scope(self, period):
        """What the report covers, as (label, value) lines: company, sales team or account manager, and the
        period when the report has one."""
        self.ensure_one()
        lines = [(self.env._("Company"), ", ".join(self.env.companies.mapped("name")))]
        if self.team_id:
            lines.append((self.env._("Sales Team"), self.team_id.name))
        if self.salesperson_id:
            lines.append((self.env._("Account Manager"), self.salesperson_id.name))
        if not (self.team_id or self.salesperson_id):
            # what the record rules let the user see
            user = self.env.user
            led = self.env["crm.team"]
            if user.has_group("customer_retention.group_retention_manager"):
                lines.append((self.env._("Sales Team"), self.env._("All sales teams")))
            elif user.has_group("customer_retention.group_retention_supervisor"):
                led = led.search([("user_id", "=", user.id)])
            if led:
                lines.append((self.env._("Sales Team"), ", ".join(led.mapped("name"))))
            elif not user.has_group("customer_retention.group_retention_manager"):
                lines.append((self.env._("Account Manager"), user.name))
        if period:
            lines.append((self.env._("Period"), self._period_label()))
        return lines

    def _scorecard_domain(self):
        return [*self._domain(), "|", ("kind", "=", "customer"), "&", *self._period_domain()]

    def _scorecard_aggregates(self):
        return [f"{name}:avg" if name in AVERAGE_MEASURES else f"{name}:sum" for name in SCORECARD_MEASURES]

    def _scorecard_rows(self):
        """One dict per salesperson: the customers today and the period's plans, checks, expenses and reviews."""
        self.ensure_one()
        groups = self.env["retention.report.scorecard"]._read_group(
            self._scorecard_domain(), ["salesperson_id"], self._scorecard_aggregates(), order="salesperson_id"
        )
        rows = []
        for salesperson, *values in groups:
            row = dict(zip(SCORECARD_MEASURES, values, strict=True))
            row["completeness"] = round(row["completeness"] or 0.0, 1)
            row["salesperson"] = salesperson
            rows.append(row)
        return rows

    def _scorecard_totals(self):
        """The scorecard's totals: sums, and the card completeness averaged over all the customers."""
        self.ensure_one()
        [values] = self.env["retention.report.scorecard"]._read_group(
            self._scorecard_domain(), [], self._scorecard_aggregates()
        )
        totals = dict(zip(SCORECARD_MEASURES, values, strict=True))
        totals["completeness"] = round(totals["completeness"] or 0.0, 1)
        return totals

    def _scorecard_document(self):
        """The printed scorecard: its scope, and its rows cut into pages, each page with its number and the
        last one with the totals."""
        self.ensure_one()
        rows = self._scorecard_rows()
        size = self._scorecard_rows_per_page
        chunks = [rows[start : start + size] for start in range(0, len(rows), size)] or [[]]
        currency = self.env.company.currency_id

        def cell(name, value):
            if name in AMOUNT_MEASURES:
                return format_amount(self.env, value or 0.0, currency)
            return f"{value or 0.0:.1f}" if name in AVERAGE_MEASURES else str(value or 0)

        def cells(row):
            return [cell(name, row[name]) for name in SCORECARD_MEASURES]

        pages = [
            {
                "rows": [(row["salesperson"].name or self.env._("No account manager"), cells(row)) for row in chunk],
                "number": self.env._("Page %(page)s / %(pages)s", page=index, pages=len(chunks)),
                "last": index == len(chunks),
            }
            for index, chunk in enumerate(chunks, start=1)
        ]
        return {
            "scope": self._scope(period=True),
            "as_of": format_date(self.env, fields.Date.context_today(self)),
            "printed": self.env._(
                "Printed by %(user)s on %(date)s",
                user=self.env.user.name,
                date=format_date(self.env, fields.Date.context_today(self)),
            ),
            "pages": pages,
            "totals": cells(self._scorecard_totals()),
        }

    def _pareto_rows(self):
        """Per ABC class: customers and revenue, their shares of the rows the user sees and the cumulative
        shares."""
        groups = self.env["retention.report.customer"]._read_group(
            [*self._domain(), ("abc_class", "!=", False)],
            ["abc_class"],
            ["customer_count:sum", "customer_share:sum", "revenue_window:sum", "revenue_share:sum"],
            order="abc_class",
        )
        customers_total = sum(group[1] for group in groups) or 1
        revenue_total = sum(group[3] for group in groups) or 1.0
        labels = dict(self.env["retention.report.customer"]._fields["abc_class"]._description_selection(self.env))
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

    def _funnel_rows(self):
        """Per lifecycle stage, in the order of the lifecycle: the customers today with their share of the
        customers the user sees, and the stage entries and win-backs of the period."""
        stages = self.env["retention.report.customer"]._read_group(
            [*self._domain(), ("lifecycle_stage", "!=", False)],
            ["lifecycle_stage"],
            ["customer_count:sum", "customer_share:sum", "revenue_12m:sum", "at_risk:sum"],
        )
        moves = self.env["retention.report.lifecycle"]._read_group(
            [*self._domain(), *self._period_domain(), ("stage", "!=", False)],
            ["stage"],
            ["entries:sum", "win_backs:sum"],
        )
        customers = {stage: values for stage, *values in stages}
        entries = {stage: values for stage, *values in moves}
        labels = dict(self.env["retention.report.customer"]._fields["lifecycle_stage"]._description_selection(self.env))
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

    def _customer_rows(self, domain, order):
        return self.env["retention.report.customer"].search([*self._domain(), *domain], order=order)

    # --- Excel ----------------------------------------------------------------------------------------
    def _scorecard_sheet(self):
        fields_ = self.env["retention.report.scorecard"]._fields
        columns = [Column(self.env._("Account Manager"))] + [
            Column(fields_[name]._description_string(self.env), measure_kind(name), 12) for name in SCORECARD_MEASURES
        ]
        rows = [
            [row["salesperson"].name or self.env._("No account manager")] + [row[name] for name in SCORECARD_MEASURES]
            for row in self._scorecard_rows()
        ]
        return Sheet(self.env._("Scorecard"), self.env._("Salesperson Scorecard"), columns, rows)

    def _pareto_sheet(self):
        columns = [
            Column(self.env._("ABC Class")),
            Column(self.env._("Customers"), "count"),
            Column(self.env._("Customer Share (%)"), "share"),
            Column(self.env._("Cumulative Customers (%)"), "share"),
            Column(self.env._("Revenue (ABC Window)"), "amount", 18),
            Column(self.env._("Revenue Share (%)"), "share"),
            Column(self.env._("Cumulative Revenue (%)"), "share"),
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

    def _funnel_sheet(self):
        columns = [
            Column(self.env._("Lifecycle Stage")),
            Column(self.env._("Customers"), "count"),
            Column(self.env._("Customer Share (%)"), "share"),
            Column(self.env._("Revenue Last 12 Months"), "amount", 18),
            Column(self.env._("At Risk"), "count"),
            Column(self.env._("Entered in Period"), "count"),
            Column(self.env._("Won Back in Period"), "count"),
        ]
        keys = ("stage", "customers", "customer_share", "revenue_12m", "at_risk", "entries", "win_backs")
        rows = [[row[key] for key in keys] for row in self._funnel_rows()]
        return Sheet(self.env._("Lifecycle Funnel"), self.env._("Lifecycle Funnel"), columns, rows)

    def _risk_sheet(self):
        columns = [
            Column(self.env._("Customer")),
            Column(self.env._("Account Manager")),
            Column(self.env._("Sales Team")),
            Column(self.env._("Risk Level")),
            Column(self.env._("Risk Score"), "score", 10),
            Column(self.env._("Why This Risk"), width=60, wrap=True),
            Column(self.env._("ABC Class")),
            Column(self.env._("Last Order Date"), "date", 12),
            Column(self.env._("Next Contact Due"), "date", 12),
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
                    Column(customer),
                    Column(manager),
                    Column(self.env._("Sales Team")),
                    Column(overdue, "amount", 18),
                ],
                by_customer,
            ),
            Sheet(
                self.env._("By Account Manager"),
                self.env._("Receivables Check"),
                [Column(manager), Column(self.env._("Customers"), "count"), Column(overdue, "amount", 18)],
                by_salesperson,
            ),
        ]

    def _sheets(self):
        sheets = {
            "scorecard": lambda: [self._scorecard_sheet()],
            "pareto": lambda: [self._pareto_sheet()],
            "funnel": lambda: [self._funnel_sheet()],
            "risk": lambda: [self._risk_sheet()],
            "receivables": self._receivables_sheets,
        }[self.report]()
        scope = [value for _label, value in self._scope(period=self.report in PERIOD_REPORTS)]
        if self.report not in PERIOD_REPORTS:
            scope.append(self.env._("As of %(date)s", date=format_date(self.env, fields.Date.context_today(self))))
        for sheet in sheets:
            sheet.subtitle = " · ".join(scope)
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

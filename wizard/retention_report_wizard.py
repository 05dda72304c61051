import base64
from urllib.parse import quote as url_quote

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

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
    Pareto, lifecycle funnel, risk list and receivables check in Excel. The wizard holds the parameters; the
    reports (reports/) read every figure from the analyses with the user's own rights, so a report never holds a
    customer the user may not see, and its shares and totals are of the rows the user sees."""

    _name = "retention.report.wizard"
    _description = "Supervisor Reports"
    _inherit = ["retention.input.mixin"]

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

    # --- parameters ---------------------------------------------------------------------------------
    def _domain(self):
        """The analyses' rows the report covers: the current companies, the team or the account manager."""
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

    # --- Excel ----------------------------------------------------------------------------------------
    def _scorecard_sheet(self):
        fields_ = self.env["retention.report.scorecard"]._fields
        columns = [Column(self.env._("Account Manager"))] + [
            Column(fields_[name]._description_string(self.env), measure_kind(name), 12) for name in SCORECARD_MEASURES
        ]
        rows = [
            [row["salesperson"].name or self.env._("No account manager")] + [row[name] for name in SCORECARD_MEASURES]
            for row in self.env["retention.report.scorecard"]._salesperson_rows(
                self._domain(), self.date_from, self.date_to
            )
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
        rows = [
            [row[key] for key in keys] for row in self.env["retention.report.customer"]._pareto_rows(self._domain())
        ]
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
        funnel = self.env["retention.report.customer"]._funnel_rows(self._domain(), self.date_from, self.date_to)
        rows = [[row[key] for key in keys] for row in funnel]
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
            for line in report._risk_lines(self._domain())
        ]
        return Sheet(self.env._("Risk List"), self.env._("Risk List"), columns, rows)

    def _receivables_sheets(self):
        report = self.env["retention.report.customer"]
        by_customer = [
            [line.partner_id.display_name, line.salesperson_id.name or "", line.team_id.name or "", line.overdue_amount]
            for line in report._receivable_lines(self._domain())
        ]
        by_salesperson = [
            [salesperson.name or self.env._("No account manager"), count, amount]
            for salesperson, count, amount in report._receivables_by_salesperson(self._domain())
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

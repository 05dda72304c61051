import base64
from urllib.parse import quote as url_quote

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.groups import MANAGER_GROUP, SUPERVISOR_GROUP
from ..reports.retention_report_xlsx import report_workbook

REPORTS = [
    ("scorecard", "Salesperson Scorecard"),
    ("pareto", "ABC Pareto"),
    ("funnel", "Lifecycle Funnel"),
    ("risk", "Risk List"),
    ("receivables", "Receivables Check"),
]


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
            if user.has_group(MANAGER_GROUP):
                lines.append((self.env._("Sales Team"), self.env._("All sales teams")))
            elif user.has_group(SUPERVISOR_GROUP):
                led = led.search([("user_id", "=", user.id)])
            if led:
                lines.append((self.env._("Sales Team"), ", ".join(led.mapped("name"))))
            elif not user.has_group(MANAGER_GROUP):
                lines.append((self.env._("Account Manager"), user.name))
        if period:
            lines.append((self.env._("Period"), self._period_label()))
        return lines

    def action_export_xlsx(self):
        self.ensure_one()
        name = dict(self._fields["report"]._description_selection(self.env))[self.report]
        self.write(
            {
                "file": base64.b64encode(report_workbook(self)),
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

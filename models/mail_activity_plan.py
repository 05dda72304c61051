from odoo import api, fields, models

from .retention_input_mixin import RetentionInputMixin


class MailActivityPlan(models.Model):
    """Activity plans a playbook (应对预案) starts on customers: their names are translated, like their steps'
    summaries and notes (``mail.activity.plan.template``), so that each account manager reads them in their own
    language; Odoo keeps one text. A plan a playbook starts stays a customer plan (res.partner) of the
    playbook's company, or shared."""

    _name = "mail.activity.plan"
    _inherit = [RetentionInputMixin._name, "mail.activity.plan"]

    name = fields.Char(translate=True)

    @api.constrains("res_model", "company_id")
    def _check_retention_playbooks(self):
        # sudo: the check holds whoever edits the plan, whatever playbooks they may read
        playbooks = (
            self.env["retention.playbook"].sudo().with_context(active_test=False).search([("plan_id", "in", self.ids)])
        )
        playbooks._check_retention_plan()

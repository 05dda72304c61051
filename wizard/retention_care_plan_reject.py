from odoo import fields, models


class RetentionCarePlanReject(models.TransientModel):
    """Asks the supervisor why a care plan is rejected."""

    _name = "retention.care.plan.reject"
    _description = "Reject Care Plan"
    _inherit = ["retention.input.mixin"]

    plan_ids = fields.Many2many("retention.care.plan", string="Care Plans", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.plan_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}

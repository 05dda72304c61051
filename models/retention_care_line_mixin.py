from odoo import api, fields, models


class RetentionCarePlanLineMixin(models.AbstractModel):
    """A line of a care plan: it lives and dies with its plan, and is edited while the plan is."""

    _name = "retention.care.plan.line.mixin"
    _inherit = ["retention.input.mixin", "retention.server.fields.mixin"]
    _description = "Care Plan Line"
    _fixed_fields = ("plan_id",)  # a line never moves to another plan

    plan_id = fields.Many2one("retention.care.plan", string="Care Plan", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")

    # fields of a line that may change once its plan is approved
    _progress_fields = ()
    # the date of a line that falls in its plan's period, if it has one (the plan keeps it there when its
    # period moves)
    _plan_date_field = None

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(self._server_create_vals(vals_list))
        if not self.env.su:
            lines.plan_id._check_editable({"line_ids"})
        return lines

    def write(self, vals):
        self._server_check_write(vals)
        if not self.env.su:
            self._check_plan_editable(set(vals))
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            self.plan_id._check_editable({"line_ids"})
        return super().unlink()

    def _check_plan_editable(self, fnames):
        progress_only = fnames <= set(self._progress_fields)
        self.plan_id.filtered(lambda plan: not (progress_only and plan.state == "approved"))._check_editable(
            {"line_ids"}
        )

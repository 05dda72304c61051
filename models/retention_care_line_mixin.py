from odoo import api, fields, models
from odoo.tools import SQL


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
        if self._plan_date_field and any(vals.get(self._plan_date_field) for vals in vals_list):
            lines._touch_plans()
        return lines

    def write(self, vals):
        self._server_check_write(vals)
        if not self.env.su:
            self._check_plan_editable(set(vals))
        res = super().write(vals)
        if self._plan_date_field in vals:
            self._touch_plans()
        return res

    def _touch_plans(self):
        """A line's date and its plan's period checked at the same moment by two transactions would each pass
        against the other's old value: the line also updates its plan's row, so PostgreSQL lets only one of the
        two commit (the other is retried, and meets the check)."""
        self.env.cr.execute(
            SQL("UPDATE retention_care_plan SET write_date = write_date WHERE id IN %s", tuple(self.plan_id.ids))
        )

    def unlink(self):
        if not self.env.su:
            self.plan_id._check_editable({"line_ids"})
        return super().unlink()

    def _check_plan_editable(self, fnames):
        progress_only = fnames <= set(self._progress_fields)
        self.plan_id.filtered(lambda plan: not (progress_only and plan.state == "approved"))._check_editable(
            {"line_ids"}
        )

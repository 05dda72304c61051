from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RetentionCarePlanAction(models.Model):
    """扩大客户关系行动计划: one planned action; an approved plan turns each into an activity of its owner,
    a done action check marks it done."""

    _name = "retention.care.plan.action"
    _description = "Care Plan Action"
    _inherit = ["retention.care.plan.line.mixin"]
    _order = "plan_id, date, id"
    _progress_fields = ("state",)
    _plan_date_field = "date"

    name = fields.Char(string="Action", required=True)
    date = fields.Date(required=True)
    owner_id = fields.Many2one("res.users", domain=[("share", "=", False)])
    resources = fields.Text(string="Resources Needed")
    deliverable = fields.Text()
    state = fields.Selection(
        [("todo", "To Do"), ("done", "Done"), ("cancelled", "Cancelled")], default="todo", required=True
    )
    check_ids = fields.One2many("retention.action.check", "plan_action_id", string="Action Checks")

    @api.constrains("date")
    def _check_date(self):
        for action in self:
            plan = action.plan_id
            if not plan.date_start <= action.date <= plan.date_end:
                raise ValidationError(
                    self.env._(
                        "The action %(action)s must take place in the plan period (%(start)s – %(end)s).",
                        action=action.name,
                        start=plan.date_start,
                        end=plan.date_end,
                    )
                )

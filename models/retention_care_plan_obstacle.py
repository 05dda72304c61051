from odoo import fields, models


class RetentionCarePlanObstacle(models.Model):
    """主要问题和障碍分析: what stands in the way, and what we do about it."""

    _name = "retention.care.plan.obstacle"
    _description = "Care Plan Obstacle"
    _inherit = ["retention.care.plan.line.mixin"]
    _order = "plan_id, importance, id"

    name = fields.Char(string="Obstacle", required=True)
    importance = fields.Selection([("1", "High"), ("2", "Medium"), ("3", "Low")], default="2", required=True)
    department = fields.Char(string="Originating Department")
    measures = fields.Text(string="Main Measures")
    decision_attitude = fields.Text()

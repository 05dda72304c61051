from odoo import fields, models

from .res_partner import SATISFACTION_SELECTION


class RetentionCarePlanContact(models.Model):
    """与客户关系: one person of the customer in the relationship map."""

    _name = "retention.care.plan.contact"
    _description = "Care Plan Relationship Map"
    _inherit = ["retention.care.plan.line.mixin"]
    _order = "plan_id, influence, id"

    contact_id = fields.Many2one("res.partner", string="Contact Person", required=True)
    function = fields.Char(related="contact_id.function", string="Job Position")
    support = fields.Selection(
        [("supporter", "Supports Us"), ("neutral", "Neutral"), ("opponent", "Against Us")],
        string="Supports Us?",
        default="neutral",
        required=True,
    )
    influence = fields.Selection([("1", "High"), ("2", "Medium"), ("3", "Low")], default="2", required=True)
    approach = fields.Text(string="How to Build the Relationship")
    progress = fields.Text(string="Relationship Progress")
    top_attitude = fields.Text(string="Top-management Attitude")
    satisfaction = fields.Selection(SATISFACTION_SELECTION)
    complaints = fields.Text(string="Main Complaints")

from odoo import fields, models
from odoo.exceptions import AccessError


class RetentionOwnerHistory(models.Model):
    """Each change of a customer's account manager, from the form, an import or a reassignment (who, from, to,
    when, why)."""

    _name = "retention.owner.history"
    _description = "Account Manager History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    from_user_id = fields.Many2one("res.users", string="From", readonly=True)
    to_user_id = fields.Many2one("res.users", string="To", readonly=True)
    user_id = fields.Many2one("res.users", string="Moved By", required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    reason = fields.Text(required=True, readonly=True)

    def write(self, vals):
        if self:
            raise AccessError(self.env._("The account manager history cannot be changed."))
        return super().write(vals)

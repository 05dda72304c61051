from odoo import fields, models

from ..models.res_partner import CUSTOMER_DOMAIN


class RetentionPoolReturn(models.TransientModel):
    """退回: a holder (or their supervisor, or a manager) gives customers back to the public pool, saying why."""

    _name = "retention.pool.return"
    _description = "Return Customers to the Pool"
    _inherit = ["retention.input.mixin"]

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True, domain=CUSTOMER_DOMAIN)
    reason = fields.Text(required=True, help="Kept in each customer's chatter and account manager history.")

    def action_return(self):
        self.ensure_one()
        returned = self.env["retention.pool"]._return(self.partner_ids, self.reason)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(count)s customers are back in the pool.", count=len(returned)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

from odoo import Command, api, fields, models


class RetentionAdoptionWizard(models.TransientModel):
    """Reassign customers (and orphans 孤儿客户) to a new account manager in one step."""

    _name = "retention.adoption.wizard"
    _description = "Reassign Customers"

    from_user_ids = fields.Many2many(
        "res.users",
        string="Leaving Account Managers",
        context={"active_test": False},
        help="Their customers are listed below.",
    )
    partner_ids = fields.Many2many("res.partner", string="Customers", required=True, domain=[("parent_id", "=", False)])
    to_user_id = fields.Many2one(
        "res.users", string="New Account Manager", required=True, domain=[("share", "=", False)]
    )
    reason = fields.Text(required=True, help="Kept in each customer's chatter and account manager history.")
    warning = fields.Char(compute="_compute_warning")

    @api.model
    def default_get(self, fields):
        values = super().default_get(fields)
        context = self.env.context
        if "partner_ids" in fields and not values.get("partner_ids") and context.get("active_model") == "res.partner":
            customers = self.env["res.partner"].browse(context.get("active_ids") or []).commercial_partner_id
            values["partner_ids"] = [Command.set(customers.ids)]
        return values

    @api.depends("from_user_ids")
    def _compute_warning(self):
        for wizard in self:
            archived = wizard.from_user_ids.filtered(lambda user: not user.active)
            wizard.warning = archived and self.env._(
                "%(users)s left and still manage %(count)s customers: they are orphans until you reassign them.",
                users=", ".join(archived.mapped("name")),
                count=len(wizard.partner_ids),
            )

    @api.onchange("from_user_ids")
    def _onchange_from_user_ids(self):
        if self.from_user_ids:
            self.partner_ids = self.env["res.partner"].search(
                [("user_id", "in", self.from_user_ids.ids), ("parent_id", "=", False)]
            )

    def action_reassign(self):
        self.ensure_one()
        moved = self.partner_ids._retention_reassign(self.to_user_id, self.reason)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s customers now managed by %(user)s.", count=len(moved), user=self.to_user_id.name
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

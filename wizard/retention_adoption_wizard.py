from odoo import Command, api, fields, models

from ..models.res_partner import CUSTOMER_DOMAIN


class RetentionAdoptionWizard(models.TransientModel):
    """Reassign customers (and orphans 孤儿客户) to a new account manager in one step."""

    _name = "retention.adoption.wizard"
    _description = "Reassign Customers"
    _inherit = ["retention.input.mixin"]

    from_user_ids = fields.Many2many(
        "res.users",
        string="Current Account Managers",
        context={"active_test": False},
        help="The account managers the customers move from: choosing one lists their customers below.",
    )
    # whose customers the list already holds: choosing a current account manager adds theirs, removing one
    # takes them out again, and a selection made in the customer list is never widened behind the user's back
    listed_user_ids = fields.Many2many(
        "res.users",
        "retention_adoption_wizard_listed_user_rel",
        string="Listed Account Managers",
        context={"active_test": False},
    )
    partner_ids = fields.Many2many("res.partner", string="Customers", required=True, domain=CUSTOMER_DOMAIN)
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
            # the customers selected that have an account manager share one (orphans of one leaver, with or
            # without customers nobody holds): the customers move from them
            owners = customers.user_id
            if "from_user_ids" in fields and not values.get("from_user_ids") and len(owners) == 1:
                values["from_user_ids"] = [Command.set(owners.ids)]
        if values.get("partner_ids") and values.get("from_user_ids") and "listed_user_ids" in fields:
            from_ids = self._fields["from_user_ids"].convert_to_cache(values["from_user_ids"], self, validate=False)
            values["listed_user_ids"] = [Command.set(list(from_ids))]
        return values

    # in the form the users and customers are new records: compare the records they stand for (_origin)
    @api.depends("from_user_ids", "partner_ids")
    def _compute_warning(self):
        for wizard in self:
            archived = wizard.from_user_ids._origin.filtered(lambda user: not user.active)
            orphans = wizard.partner_ids._origin.filtered(
                lambda customer, archived=archived: customer.user_id in archived
            )
            wizard.warning = (
                self.env._(
                    "%(users)s left and still manage %(count)s customers: they are orphans until you reassign them.",
                    users=", ".join(archived.mapped("name")),
                    count=len(orphans),
                )
                if orphans
                else False
            )

    @api.onchange("from_user_ids")
    def _onchange_from_user_ids(self):
        users = self.from_user_ids._origin
        listed = self.listed_user_ids._origin
        added, removed = users - listed, listed - users
        customers = self.partner_ids._origin.filtered(lambda customer: customer.user_id not in removed)
        if added:
            customers |= self.env["res.partner"].search([("user_id", "in", added.ids), *CUSTOMER_DOMAIN])
        self.partner_ids = customers
        self.listed_user_ids = users

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

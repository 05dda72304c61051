from odoo import api, fields, models

from .duplicate_keys import SKIP, SKIP_KEY
from .res_partner import CUSTOMER_DOMAIN


class ResUsers(models.Model):
    _inherit = "res.users"

    # stamped by each claim, assignment or lock for this salesperson: two at once are serialized, so the pool's
    # caps count both (see retention.pool._lock_user)
    retention_pool_moved_at = fields.Datetime(
        string="Last Pool Move", readonly=True, copy=False, groups="base.group_system"
    )

    @api.model_create_multi
    def create(self, vals_list):
        # duplicate check: a user's own partner is no customer's second card
        return super(ResUsers, self.with_context(**{SKIP_KEY: SKIP})).create(vals_list).with_env(self.env)

    def _retention_led_members(self):
        """The members of the sales teams this user leads: whom a supervisor acts for."""
        self.ensure_one()
        return self.env["crm.team"].sudo().search([("user_id", "=", self.id)]).member_ids

    def action_archive(self):
        """Archiving an account manager leaves their customers orphaned: their open activities on those
        customers are parked with the supervisor (Odoo would delete them) and the reassignment is offered."""
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        customers = Partner.search([("user_id", "in", self.ids), *CUSTOMER_DOMAIN])
        for user in self:
            owned = customers.filtered(lambda customer, user=user: customer.user_id == user)
            if owned:
                leader = user.sale_team_id.user_id
                holder = leader if leader.active and leader not in self else self.env.user
                documents = Partner.search([("id", "child_of", owned.ids)])._retention_documents()
                self.env["mail.activity"]._retention_park(documents, user, holder)
        result = super().action_archive()
        if not customers:
            return result
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reassign Their Customers"),
            "res_model": "retention.adoption.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_from_user_ids": self.ids,
                "default_partner_ids": customers.ids,
            },
        }

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError

# every move of a customer between holders (领取 / 分配 / 退回 / 回收 / 升级 / 锁定 / 转移 / 认养)
OWNER_MOVES = [
    ("transfer", "Transfer"),
    ("adopt", "Adoption"),
    ("claim", "Claim"),
    ("assign", "Assignment"),
    ("return", "Return to Pool"),
    ("release", "Release to Pool"),
    ("escalate", "Escalation"),
    ("lock", "Lock"),
    ("unlock", "Unlock"),
]


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
    kind = fields.Selection(OWNER_MOVES, string="Move", required=True, default="transfer", readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="Moved By", required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    reason = fields.Text(required=True, readonly=True)

    def write(self, vals):
        if self:
            raise AccessError(self.env._("The account manager history cannot be changed."))
        return super().write(vals)

    @api.model
    def _record(self, old_owners, new_user, reason, kinds, to_users=None):
        """Moves of customers (``old_owners``: {customer: holder before}) as rows of this history and lines in
        the customers' chatter: who, from whom, to whom (``new_user``; per customer in ``to_users``; when both
        are None, the holder, unchanged: a lock), what kind of move (``kinds``: one kind, or {customer: kind}),
        why."""
        kind_of = kinds if isinstance(kinds, dict) else dict.fromkeys(old_owners, kinds)
        to_of = {
            customer: (to_users or {}).get(customer.id) or (new_user if new_user is not None else old_user)
            for customer, old_user in old_owners.items()
        }
        self.sudo().create(
            [
                {
                    "partner_id": customer.id,
                    "company_id": self.env.company.id,
                    "from_user_id": old_user.id,
                    "to_user_id": to_of[customer].id,
                    "kind": str(kind_of[customer]),
                    "user_id": self.env.uid,
                    "reason": reason,
                }
                for customer, old_user in old_owners.items()
            ]
        )
        none = self.env._("nobody")
        labels = dict(self._fields["kind"]._description_selection(self.env))
        customers = self.env["res.partner"].sudo().browse([customer.id for customer in old_owners])
        customers._message_log_batch(
            {
                customer.id: Markup("<p>%s</p>")
                % self.env._(
                    "%(move)s: %(old)s → %(new)s, by %(user)s: %(reason)s",
                    move=labels[str(kind_of[customer])],
                    old=old_user.name or none,
                    new=to_of[customer].name or none,
                    user=self.env.user.name,
                    reason=reason,
                )
                for customer, old_user in old_owners.items()
            }
        )

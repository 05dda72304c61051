from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

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
        # one INSERT each for the rows and the chatter lines: a night may release tens of thousands
        self.env.execute_query(
            SQL(
                """INSERT INTO retention_owner_history (partner_id, company_id, from_user_id, to_user_id, kind, user_id,
                                                        reason, date, create_uid, write_uid, create_date, write_date)
                   SELECT r.partner_id, %(company)s, r.from_user_id, r.to_user_id, r.kind, %(uid)s, %(reason)s,
                          %(now)s, %(uid)s, %(uid)s, %(now)s, %(now)s
                     FROM unnest(%(partner_ids)s::int[], %(from_ids)s::int[], %(to_ids)s::int[], %(kinds)s::varchar[])
                          AS r(partner_id, from_user_id, to_user_id, kind)""",
                company=self.env.company.id,
                uid=self.env.uid,
                reason=reason,
                now=fields.Datetime.now(),
                partner_ids=[customer.id for customer in old_owners],
                from_ids=[old_user.id or None for old_user in old_owners.values()],
                to_ids=[to_of[customer].id or None for customer in old_owners],
                kinds=[str(kind_of[customer]) for customer in old_owners],
            )
        )
        self.invalidate_model()
        none = self.env._("nobody")
        labels = dict(self._fields["kind"]._description_selection(self.env))
        self.env["mail.message"].sudo()._retention_log_batch(
            "res.partner",
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
            },
        )

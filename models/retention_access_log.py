from odoo import api, fields, models
from odoo.exceptions import AccessError


class RetentionAccessLog(models.Model):
    """Who did what with a confidential profile, when and how: borrowing requests and decisions, and every
    read or export of a profile through a borrowing. Written by the system only; nobody edits or deletes it.
    """

    _name = "retention.access.log"
    _description = "Confidential Profile Access Log"
    _order = "date desc, id desc"
    _rec_name = "action"

    date = fields.Datetime(required=True, readonly=True, default=lambda self: self.env.cr.now(), index=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True, default=lambda self: self.env.user)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, ondelete="restrict"
    )
    profile_id = fields.Many2one("retention.profile", readonly=True, ondelete="set null")
    borrowing_id = fields.Many2one("retention.borrowing", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    action = fields.Selection(
        [
            ("request", "Borrowing requested"),
            ("approve", "Borrowing approved"),
            ("reject", "Borrowing rejected"),
            ("revoke", "Borrowing revoked"),
            ("expire", "Borrowing expired"),
            ("open", "Profile read through a borrowing"),
            ("export", "Profile exported through a borrowing"),
        ],
        string="What",
        required=True,
        readonly=True,
    )
    note = fields.Text(readonly=True)

    @api.model
    def _log(self, vals_list):
        """Append rows as the current user (users have no right on this model: written with sudo)."""
        return self.sudo().create([{**vals, "user_id": self.env.uid} for vals in vals_list])

    def write(self, vals):
        if self:
            raise AccessError(self.env._("The access log of confidential profiles cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=True)
    def _unlink_never(self):
        raise AccessError(self.env._("The access log of confidential profiles cannot be deleted."))

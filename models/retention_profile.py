from odoo import api, fields, models
from odoo.exceptions import UserError


class RetentionProfile(models.Model):
    """Confidential customer profile 客户档案 (the "five items", key dates, private notes).

    Who reads it is decided by record rules on this model only (never on res.partner): the account manager,
    the supervisor of the account manager's team and retention managers read and write; a user holding an
    approved, unexpired borrowing reads. Every read through a borrowing is logged; exports are for
    supervisors and managers.
    """

    _name = "retention.profile"
    _inherit = ["retention.confidential.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Confidential Customer Profile"
    _rec_name = "partner_id"
    _order = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("parent_id", "=", False)],
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    user_id = fields.Many2one(related="partner_id.user_id", string="Account Manager")
    supervisor_id = fields.Many2one("res.users", compute="_compute_supervisor_id")
    basic_traits = fields.Text(help="Age, education, career path, family, health, character, hobbies.")
    taboos = fields.Text(help="Words, topics, colours, numbers, gifts and habits to avoid with this customer.")
    preferences = fields.Text(help="What the customer likes: food, drinks, sports, brands, ways of working.")
    beliefs = fields.Text(string="Beliefs and Customs", help="Religion, superstitions, customs and festivals kept.")
    life_background = fields.Text(help="Hometown, schools, former employers, circles.")
    private_notes = fields.Text()
    key_date_ids = fields.One2many("retention.key.date", "profile_id", string="Key Dates")
    borrowing_ids = fields.One2many("retention.borrowing", "profile_id", string="Borrowings")

    _sql_constraints = [
        (
            "partner_company_unique",
            "UNIQUE(partner_id, company_id)",
            "A customer has one confidential profile per company.",
        ),
    ]

    @api.depends("partner_id.user_id")
    def _compute_supervisor_id(self):
        for profile in self:
            profile.supervisor_id = profile.partner_id.sudo()._retention_supervisor()

    @api.model_create_multi
    def create(self, vals_list):
        Partner = self.env["res.partner"]
        for vals in vals_list:
            partner = Partner.browse(vals.get("partner_id"))
            if partner.parent_id:
                raise UserError(
                    self.env._(
                        "%(contact)s is a contact of %(company)s: keep the profile on the company.",
                        contact=partner.name,
                        company=partner.commercial_partner_id.name,
                    )
                )
        return super().create(vals_list)

    def _confidential_profiles(self):
        return self

    def _borrowed_only(self):
        """The profiles of ``self`` the current user reads through a borrowing only (not as a keeper)."""
        if self.env.su:
            return self.browse()
        kept = self.sudo().partner_id._retention_kept_by(self.env.user)
        return self.filtered(lambda profile: profile.sudo().partner_id not in kept)

    def _log_borrowed_use(self, action):
        """One access-log row per profile, user and kind of use, per transaction (request)."""
        borrowed = self._borrowed_only()
        if not borrowed:
            return
        # rows of this transaction carry its timestamp: a form that reads the profile and its key dates
        # logs one use, and a rolled back transaction takes its rows with it
        Log = self.env["retention.access.log"].sudo()
        logged = Log.search(
            [
                ("profile_id", "in", borrowed.ids),
                ("user_id", "=", self.env.uid),
                ("action", "=", action),
                ("date", "=", self.env.cr.now()),
            ]
        ).profile_id
        fresh = borrowed - logged.with_env(self.env)
        if not fresh:
            return
        borrowings = (
            self.env["retention.borrowing"]
            .sudo()
            .search([("profile_id", "in", fresh.ids), ("user_id", "=", self.env.uid), ("is_current", "=", True)])
        )
        by_profile = {borrowing.profile_id.id: borrowing for borrowing in borrowings}
        self.env["retention.access.log"]._log(
            [
                {
                    "profile_id": profile.id,
                    "partner_id": profile.sudo().partner_id.id,
                    "company_id": profile.sudo().company_id.id,
                    "borrowing_id": by_profile.get(profile.id, borrowings.browse()).id,
                    "action": action,
                }
                for profile in fresh
            ]
        )

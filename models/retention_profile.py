from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .card_completeness import COMPLETENESS_PROFILE
from .res_partner import CUSTOMER_DOMAIN


class RetentionProfile(models.Model):
    """Confidential customer profile 客户档案 (the "five items", key dates, private notes).

    Who reads it is decided by record rules on this model only (never on res.partner): the account manager,
    the supervisor of the account manager's team and retention managers read and write; a user holding an
    approved, unexpired borrowing reads. Every read through a borrowing is logged; exports are for
    supervisors and managers.
    """

    _name = "retention.profile"
    _inherit = [
        "retention.input.mixin",
        "retention.confidential.mixin",
        "retention.server.fields.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _description = "Confidential Customer Profile"
    _rec_name = "partner_id"
    _order = "partner_id"
    _check_company_auto = True
    # a profile stays with its customer and company: moving it would hand the content to another customer's
    # keepers
    _fixed_fields = ("partner_id", "company_id")
    _confidential_fields = (
        "basic_traits",
        "taboos",
        "preferences",
        "beliefs",
        "life_background",
        "private_notes",
        "key_date_ids",
    )
    # its chatter, attachments and activities are for its keepers (who write it): a borrower reads the five
    # items and the key dates, each read logged, not the notes and files around them
    _mail_post_access = "write"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain=CUSTOMER_DOMAIN,
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    active = fields.Boolean(default=True, help="A profile with a borrowing history is archived, never deleted.")
    user_id = fields.Many2one(related="partner_id.user_id", string="Account Manager")
    supervisor_id = fields.Many2one("res.users", compute="_compute_supervisor_id")
    # the chatter (notes, files, activities such as the key-date reminders) is for the keepers: a borrower
    # reads the five items and key dates, not what is around them
    is_keeper = fields.Boolean(compute="_compute_is_keeper")
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

    @api.depends("partner_id")  # also computed, not left empty, on the new record of the form's first onchange
    @api.depends_context("uid")
    def _compute_is_keeper(self):
        saved = self._origin.filtered("id")
        kept = saved._filtered_access("write")
        for profile in self:
            # a profile being created is its creator's (only keepers create one)
            profile.is_keeper = not profile._origin.id or profile._origin in kept

    @api.model_create_multi
    def create(self, vals_list):
        Partner = self.env["res.partner"]
        vals_list = self._server_create_vals(vals_list)
        for vals in vals_list:
            partner = Partner.browse(vals.get("partner_id"))
            if partner.commercial_partner_id != partner:
                raise UserError(
                    self.env._(
                        "%(contact)s is a contact of %(company)s: keep the profile on the company.",
                        contact=partner.name,
                        company=partner.commercial_partner_id.name,
                    )
                )
        profiles = super().create(vals_list)
        # the account manager follows their customer's profile, also when their supervisor wrote it
        profiles._retention_prune_followers()
        profiles.sudo().partner_id._retention_store_completeness()
        return profiles

    def write(self, vals):
        self._server_check_write(vals)
        res = super().write(vals)
        if set(COMPLETENESS_PROFILE).intersection(vals):
            self.sudo().partner_id._retention_store_completeness()
        return res

    def unlink(self):
        customers = self.sudo().partner_id
        res = super().unlink()
        customers.exists()._retention_store_completeness()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        """The access log and the borrowings keep what happened to a profile: such a profile is archived."""
        Borrowing = self.env["retention.borrowing"].sudo().with_context(active_test=False)
        Log = self.env["retention.access.log"].sudo()
        for profile in self:
            if Borrowing.search_count([("profile_id", "=", profile.id)], limit=1) or Log.search_count(
                [("profile_id", "=", profile.id)], limit=1
            ):
                raise UserError(
                    self.env._(
                        "The confidential profile of %(customer)s has been borrowed: its history is kept. "
                        "Archive it instead of deleting it.",
                        customer=profile.sudo().partner_id.display_name,
                    )
                )

    # --- followers: only the keepers of the profile --------------------------------------------------
    def _retention_keeper_partners(self, partners):
        """The partners of ``partners`` whose internal user keeps every profile of ``self`` (the account
        manager, the supervisor of their team, a retention manager). Borrowers read, they never follow: a
        follower keeps the notifications, and with them the content, after the borrowing ends."""
        keepers = self.env["res.partner"]
        customers = self.sudo().partner_id
        companies = self.sudo().company_id
        for partner in partners.sudo():
            users = partner.with_context(active_test=False).user_ids.filtered(lambda user: not user.share)
            if any(
                user.active and companies <= user.company_ids and customers._retention_kept_by(user) == customers
                for user in users
            ):
                keepers |= partner
        return keepers

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        if not self.env.su and partner_ids:
            partners = self.env["res.partner"].browse(partner_ids)
            strangers = partners - self._retention_keeper_partners(partners)
            if strangers:
                raise AccessError(
                    self.env._(
                        "Only the account manager, their supervisor and retention managers follow a confidential "
                        "profile: %(names)s cannot.",
                        names=", ".join(strangers.sudo().mapped("display_name")),
                    )
                )
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    def _get_mail_message_access(self, res_ids, operation, model_name=None):
        operation = super()._get_mail_message_access(res_ids, operation, model_name)
        return "write" if operation == "read" else operation

    def _get_mail_thread_data_attachments(self):
        attachments = super()._get_mail_thread_data_attachments()
        return attachments - attachments._retention_profiles_not_kept()

    def message_post(self, **kwargs):
        """A note on a profile reaches its keepers only: a recipient would keep the content for good."""
        recipients = self.env["res.partner"].browse(kwargs.get("partner_ids") or [])
        strangers = recipients - self._retention_keeper_partners(recipients)
        if strangers and not self.env.su:
            raise AccessError(
                self.env._(
                    "%(names)s may not read this confidential profile: write to its keepers only.",
                    names=", ".join(strangers.sudo().mapped("display_name")),
                )
            )
        return super().message_post(**kwargs)

    def _message_subscribe(self, partner_ids=None, subtype_ids=None, customer_ids=None):
        if partner_ids:
            partners = self.env["res.partner"].browse(partner_ids)
            partner_ids = self._retention_keeper_partners(partners).ids
        return super()._message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids, customer_ids=customer_ids)

    def _retention_prune_followers(self):
        """Unsubscribe the followers who no longer keep the profile (after a reassignment or a change of
        team), and hand the activities of users who lost access to the customer's account manager."""
        for profile in self.sudo():
            followers = profile.message_partner_ids
            strangers = followers - profile._retention_keeper_partners(followers)
            if strangers:
                profile.message_unsubscribe(partner_ids=strangers.ids)
            owner = profile.partner_id.user_id
            if owner and owner.partner_id not in profile.message_partner_ids:
                profile.message_subscribe(partner_ids=owner.partner_id.ids)
            lost = profile.activity_ids.filtered(
                lambda activity, profile=profile: not profile.partner_id._retention_kept_by(activity.user_id)
            )
            holder = owner or profile.partner_id._retention_supervisor()
            if lost and holder:
                lost.write({"user_id": holder.id})
            elif lost:
                lost.unlink()

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
        # a profile being created is nobody's borrowed read; one edited in a form is read as itself
        borrowed = self._origin._borrowed_only()
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

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .database_rules import ensure_constraint, ensure_extension, refuse_conflicts
from .groups import MANAGER_GROUP
from .res_partner import CUSTOMER_DOMAIN

# One pending or open borrowing per borrower and profile, held by PostgreSQL: a request holds the time from the
# moment it was made (until decided), an approved borrowing its period; two of them may not overlap. A new
# request thus clashes with a pending one and with an approved one that has not ended, exactly what the Python
# check in ``create`` searches. Rejected, revoked and expired ones hold nothing.
OPEN_CONSTRAINT = "one_open"
OPEN_DEFINITION = (
    "EXCLUDE USING gist (profile_id WITH =, user_id WITH =, tsrange(COALESCE(date_start, date_requested), date_end)"
    " WITH &&) WHERE (state IN ('requested', 'approved'))"
)


class RetentionBorrowing(models.Model):
    """Borrowing 借阅 of one customer's confidential profile: asked with a reason and a period, decided by
    the customer's supervisor, ended by its end date or a revocation. Read access lasts exactly while
    ``is_current`` is true, which the record rules of the profile ask at each query (no cron involved).

    Nobody writes a borrowing directly: the state changes through the action methods, which check who
    acts and log it.
    """

    _name = "retention.borrowing"
    _description = "Profile Borrowing"
    _inherit = ["retention.input.mixin", "retention.server.fields.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _server_fields = ("state", "date_requested", "date_start", "date_end", "decided_by_id", "profile_id")
    _fixed_fields = ("partner_id", "user_id", "reason", "duration_days")

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain=CUSTOMER_DOMAIN,
    )
    profile_id = fields.Many2one("retention.profile", index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="profile_id.company_id", store=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="Borrower", required=True, index=True, readonly=True, default=lambda self: self.env.user
    )
    reason = fields.Text(required=True, help="What the profile is needed for: visit, banquet, negotiation…")
    duration_days = fields.Integer(
        string="Days", required=True, default=lambda self: self.env.company.retention_borrow_max_days
    )
    state = fields.Selection(
        [
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("revoked", "Revoked"),
            ("expired", "Expired"),
        ],
        default="requested",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    date_requested = fields.Datetime(string="Requested On", readonly=True, copy=False)
    date_start = fields.Datetime(string="From", readonly=True, copy=False)
    date_end = fields.Datetime(string="Until", readonly=True, index=True, copy=False)
    decided_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    is_current = fields.Boolean(
        string="Open Now",
        compute="_compute_is_current",
        search="_search_is_current",
        help="Approved, started and not past its end: the borrower can read the profile.",
    )
    supervisor_id = fields.Many2one("res.users", compute="_compute_supervisor_id")

    _sql_constraints = [
        ("duration_positive", "CHECK (duration_days >= 1)", "A borrowing lasts at least one day."),
    ]

    def init(self):
        if ensure_extension(self.env.cr, "btree_gist"):
            ensure_constraint(self, OPEN_CONSTRAINT, OPEN_DEFINITION)

    @api.depends("state", "date_start", "date_end")
    def _compute_is_current(self):
        now = fields.Datetime.now()
        for borrowing in self:
            borrowing.is_current = borrowing.state == "approved" and borrowing.date_start <= now < borrowing.date_end

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Open Now'."))
        now = fields.Datetime.now()
        domain = [("state", "=", "approved"), ("date_start", "<=", now), ("date_end", ">", now)]
        return domain if (operator == "=") == value else ["!", *domain]

    @api.depends("partner_id.user_id")
    def _compute_supervisor_id(self):
        for borrowing in self:
            borrowing.supervisor_id = borrowing.partner_id.sudo()._retention_supervisor()

    @api.depends("partner_id", "user_id")
    def _compute_display_name(self):
        for borrowing in self:
            borrowing.display_name = self.env._(
                "%(customer)s for %(borrower)s",
                customer=borrowing.partner_id.sudo().display_name,
                borrower=borrowing.user_id.sudo().name,
            )

    # --- request -----------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        Profile = self.env["retention.profile"].sudo()
        # the company only chooses the profile (the borrowing's company is the profile's)
        vals_list = [dict(vals) for vals in vals_list]
        companies = [vals.pop("company_id", None) for vals in vals_list]
        vals_list = self._server_create_vals(vals_list)
        now = fields.Datetime.now()
        for vals, company_id in zip(vals_list, companies, strict=True):
            if not self.env.su:
                vals["user_id"] = self.env.uid
            partner = self.env["res.partner"].browse(vals.get("partner_id")).commercial_partner_id
            company = self.env["res.company"].browse(company_id) or self.env.company
            profile = Profile.search([("partner_id", "=", partner.id), ("company_id", "=", company.id)])
            if not profile:
                raise UserError(
                    self.env._("%(customer)s has no confidential profile to borrow.", customer=partner.name)
                )
            vals.update(partner_id=partner.id, profile_id=profile.id)
            borrower = self.env["res.users"].browse(vals["user_id"])
            if partner._retention_kept_by(borrower):
                raise UserError(
                    self.env._(
                        "%(user)s already reads the profile of %(customer)s: no borrowing is needed.",
                        user=borrower.name,
                        customer=partner.name,
                    )
                )
            max_days = profile.company_id.retention_borrow_max_days
            days = vals.get("duration_days", max_days)
            if days is not False and (isinstance(days, bool) or not isinstance(days, int)):  # "7", 7.5, NaN
                raise UserError(
                    self.env._("Give the number of days as a whole number from 1 to %(max)s.", max=max_days)
                )
            if not days or days < 1:  # 0, emptied or negative: never the company's maximum in its place
                raise UserError(
                    self.env._("A borrowing lasts at least one day: ask for 1 to %(max)s days.", max=max_days)
                )
            if days > max_days:
                raise UserError(self.env._("A borrowing lasts from 1 to %(max)s days.", max=max_days))
            if not (vals.get("reason") or "").strip():
                raise UserError(self.env._("Say why you need the profile."))
            # what was checked is what is stored: no default from the context fills it in afterwards
            vals.update(duration_days=days, reason=vals["reason"], date_requested=now)
            # the rule of OPEN_DEFINITION, which PostgreSQL holds against concurrent requests (approved
            # borrowings start when approved: not ended is open)
            pending = self.sudo().search_count(
                [
                    ("profile_id", "=", profile.id),
                    ("user_id", "=", borrower.id),
                    "|",
                    ("state", "=", "requested"),
                    "&",
                    ("state", "=", "approved"),
                    ("date_end", ">", now),
                ],
                limit=1,
            )
            if pending:
                raise self._open_borrowing_error(borrower, partner)
        borrowings = refuse_conflicts(
            self.env.cr,
            super().create,
            vals_list,
            {f"{self._table}_{OPEN_CONSTRAINT}": self._open_borrowing_refusal},
        )
        for borrowing in borrowings.sudo():
            borrowing._log("request", borrowing.reason)
            supervisor = borrowing.supervisor_id or self.env["res.users"]
            if supervisor:
                borrowing.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=supervisor.id,
                    summary=borrowing.with_context(lang=supervisor.lang).env._("Approve or reject a profile borrowing"),
                    note=borrowing.reason,
                )
        return borrowings

    def write(self, vals):
        self._server_check_write(vals)
        return super().write(vals)

    def _open_borrowing_error(self, borrower, partner):
        return UserError(
            self.env._(
                "%(user)s already has a pending or open borrowing of %(customer)s.",
                user=borrower.name,
                customer=partner.name,
            )
        )

    def _open_borrowing_refusal(self, vals_list):
        """The same error when PostgreSQL refuses the request (another one committed a moment before)."""
        vals = vals_list[0]
        return self._open_borrowing_error(
            self.env["res.users"].browse(vals["user_id"]), self.env["res.partner"].browse(vals["partner_id"])
        )

    def action_request_sent(self):
        """The dialog's button: the request is saved (created) by then; say who decides, and show it on the
        customer."""
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Borrowing requested"),
                "message": self.env._(
                    "%(approver)s decides on your request; you are notified of the decision.",
                    approver=self.supervisor_id.name or self.env._("A retention manager"),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # --- decisions ---------------------------------------------------------------------------------
    def _check_decider(self):
        """The customer's supervisor decides; a retention manager may stand in. Never the borrower."""
        user = self.env.user
        is_manager = self.env.su or user.has_group(MANAGER_GROUP)
        for borrowing in self:
            if borrowing.user_id == user and not self.env.su:
                raise AccessError(self.env._("You cannot decide on your own borrowing."))
            if not is_manager and borrowing.supervisor_id != user:
                raise AccessError(
                    self.env._(
                        "Only the supervisor of %(customer)s (%(supervisor)s) decides on this borrowing.",
                        customer=borrowing.partner_id.sudo().name,
                        supervisor=borrowing.supervisor_id.name or self.env._("none"),
                    )
                )

    def _check_state(self, *states):
        for borrowing in self:
            if borrowing.state not in states:
                raise UserError(
                    self.env._(
                        "The borrowing %(name)s is %(state)s: this is no longer possible.",
                        name=borrowing.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[borrowing.state],
                    )
                )

    def action_approve(self):
        self._check_state("requested")
        self._check_decider()
        now = fields.Datetime.now()
        for borrowing in self.sudo():
            borrowing.write(
                {
                    "state": "approved",
                    "date_start": now,
                    "date_end": now + timedelta(days=borrowing.duration_days),
                    "decided_by_id": self.env.uid,
                }
            )
            borrowing._log("approve")
            borrowing._close_activities()
            borrowing.message_post(
                body=self.env._("Approved until %(end)s.", end=fields.Datetime.to_string(borrowing.date_end)),
                partner_ids=borrowing.user_id.partner_id.ids,
            )
        return True

    def action_reject(self):
        self._check_state("requested")
        self._check_decider()
        for borrowing in self.sudo():
            borrowing.write({"state": "rejected", "decided_by_id": self.env.uid})
            borrowing._log("reject")
            borrowing._close_activities()
            borrowing.message_post(body=self.env._("Rejected."), partner_ids=borrowing.user_id.partner_id.ids)
        return True

    def action_revoke(self):
        """End an approved borrowing now: the supervisor or a manager takes it back, the borrower returns it."""
        self._check_state("approved")
        for borrowing in self:
            if borrowing.user_id != self.env.user:
                borrowing._check_decider()
        for borrowing in self.sudo():
            borrowing.write({"state": "revoked", "date_end": min(borrowing.date_end, fields.Datetime.now())})
            borrowing._log("revoke")
        self.profile_id._retention_prune_followers()
        return True

    @api.model
    def _cron_expire(self):
        """Show borrowings past their end as expired (access already ended with the end date)."""
        expired = self.sudo().search([("state", "=", "approved"), ("date_end", "<=", fields.Datetime.now())])
        expired.write({"state": "expired"})
        expired._log("expire")
        expired.profile_id._retention_prune_followers()

    def _close_activities(self):
        self.activity_ids.action_feedback(feedback=self.env._("Decided."))

    def _log(self, action, note=False):
        self.env["retention.access.log"]._log(
            [
                {
                    "profile_id": borrowing.profile_id.id,
                    "partner_id": borrowing.partner_id.id,
                    "company_id": borrowing.company_id.id,
                    "borrowing_id": borrowing.id,
                    "action": action,
                    "note": note,
                }
                for borrowing in self
            ]
        )

    def action_open_profile(self):
        self.ensure_one()
        return self.partner_id.action_retention_open_profile()

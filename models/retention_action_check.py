from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .groups import MANAGER_GROUP
from .res_partner import CUSTOMER_DOMAIN, SATISFACTION_SELECTION

# what the chatter writes on a record, whatever its state
MAIL_FIELDS = {"message_follower_ids", "activity_ids", "message_main_attachment_id"}

CHANNELS = [
    ("visit", "Visit"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("im", "Instant Message"),
    ("meeting", "Customer Meeting"),
    ("gift", "Gift"),
    ("event", "Event"),
    ("other", "Other"),
]


class RetentionActionCheck(models.Model):
    """Customer care action check sheet 客户关怀行动检核表 (as on the paper sheet): one care action, what was
    confirmed, the next step, the competitors, the expenses and the customer's feedback."""

    _name = "retention.action.check"
    _description = "Care Action Check"
    _inherit = ["retention.input.mixin", "retention.server.fields.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "action_datetime desc, id desc"
    _check_company_auto = True
    _server_fields = ("state",)  # Mark as Done / Cancel / Reset only

    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        required=True,
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, domain=CUSTOMER_DOMAIN)
    partner_ref = fields.Char(related="partner_id.ref", string="Customer Code")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    action_datetime = fields.Datetime(string="Action Time", required=True, default=fields.Datetime.now, index=True)
    channel = fields.Selection(CHANNELS, required=True, default="visit")
    content = fields.Text(string="Action Content Reconfirmed")
    next_step = fields.Text()
    next_step_date = fields.Date(help="Becomes an activity of the account manager.")
    resources_status = fields.Text(string="Materials, Resources and Assistance")
    competitor_situation = fields.Text()
    competitor_strategy = fields.Text()
    response_effective = fields.Selection(
        [("yes", "Effective"), ("partly", "Partly Effective"), ("no", "Not Effective")],
        string="Is Our Response Effective?",
    )
    expense_travel = fields.Monetary(string="Travel Expenses")
    expense_entertainment = fields.Monetary(string="Entertainment Expenses")
    expense_other = fields.Monetary(string="Other Expenses")
    expense_total = fields.Monetary(string="Total Expenses", compute="_compute_expense_total", store=True)
    notes = fields.Text()
    feedback_satisfaction = fields.Selection(
        SATISFACTION_SELECTION,
        string="Customer Satisfaction",
    )
    complaint = fields.Boolean(help="The customer complained.")
    plan_id = fields.Many2one("retention.care.plan", string="Care Plan", index="btree_not_null", check_company=True)
    plan_action_id = fields.Many2one(
        "retention.care.plan.action",
        index="btree_not_null",
        domain="[('plan_id', '=', plan_id)]",
    )
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="planned",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    has_overlap = fields.Boolean(
        string="Overlapping Service",
        compute="_compute_overlap",
        help="Care actions on the same customer by someone else within the overlap window (Settings).",
    )
    overlap_warning = fields.Char(string="Overlaps With", compute="_compute_overlap")

    @api.depends("expense_travel", "expense_entertainment", "expense_other")
    def _compute_expense_total(self):
        for check in self:
            check.expense_total = check.expense_travel + check.expense_entertainment + check.expense_other

    @api.depends("partner_id", "user_id", "action_datetime", "state")
    def _compute_overlap(self):
        """One search for all the checks shown: same customer, another person, within N days (重叠服务).
        The warning names who and when, even when the other check is not readable by the user."""
        checks = self.filtered(lambda check: check.partner_id and check.action_datetime and check.state != "cancelled")
        (self - checks).update({"has_overlap": False, "overlap_warning": False})
        if not checks:
            return
        channels = dict(self._fields["channel"]._description_selection(self.env))
        days = timedelta(days=max(checks.company_id.mapped("retention_overlap_days") or [0]))
        candidates = self.sudo().search(
            [
                ("partner_id", "in", checks.partner_id.ids),
                ("state", "!=", "cancelled"),
                ("action_datetime", ">=", min(checks.mapped("action_datetime")) - days),
                ("action_datetime", "<=", max(checks.mapped("action_datetime")) + days),
            ]
        )
        for check in checks:
            window = timedelta(days=check.company_id.retention_overlap_days)
            others = candidates.filtered(
                lambda other, check=check, window=window: (
                    other.partner_id == check.partner_id
                    and other.company_id == check.company_id
                    and other.user_id != check.user_id
                    and abs(other.action_datetime - check.action_datetime) <= window
                )
            )
            check.has_overlap = bool(others)
            check.overlap_warning = "; ".join(
                f"{other.user_id.name} {fields.Date.to_string(other.action_datetime.date())} {channels[other.channel]}"
                for other in others
            )

    @api.onchange("plan_id")
    def _onchange_plan_id(self):
        if self.plan_id:
            self.partner_id = self.plan_id.partner_id
        if self.plan_action_id.plan_id != self.plan_id:
            self.plan_action_id = False

    @api.constrains(
        "expense_travel", "expense_entertainment", "expense_other", "plan_id", "plan_action_id", "partner_id"
    )
    def _check_check(self):
        for check in self:
            if min(check.expense_travel, check.expense_entertainment, check.expense_other) < 0:
                raise ValidationError(self.env._("Expenses cannot be negative."))
            if check.partner_id.commercial_partner_id != check.partner_id:
                raise ValidationError(
                    self.env._("An action check is for the customer company, not one of its contacts.")
                )
            if check.plan_id and check.plan_id.partner_id != check.partner_id:
                raise ValidationError(self.env._("The care plan belongs to another customer."))
            if check.plan_action_id and check.plan_action_id.plan_id != check.plan_id:
                raise ValidationError(self.env._("The plan action belongs to another care plan."))

    @api.model_create_multi
    def create(self, vals_list):
        checks = super().create(self._server_create_vals(vals_list))
        checks._check_people()
        checks._check_plan_links()
        return checks

    def write(self, vals):
        self._server_check_write(vals)
        if not self.env.su and set(vals) - MAIL_FIELDS:
            done = self.filtered(lambda check: check.state == "done")
            if done:
                # what was done is on the customer's card and the scorecard: it stays as recorded
                raise UserError(
                    self.env._(
                        "%(check)s is done: it can no longer be changed.", check=", ".join(done.mapped("display_name"))
                    )
                )
        res = super().write(vals)
        if "user_id" in vals:
            self._check_people()
        if {"plan_id", "plan_action_id"} & set(vals):
            self._check_plan_links()
        return res

    def _check_people(self):
        """A check is recorded by the person who acts, or for a member of a team the user leads; a manager
        records for anyone. Its expenses count on that person's scorecard."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        user = self.env.user
        led_members = user._retention_led_members()
        for check in self.sudo():
            if check.user_id not in user | led_members:
                raise AccessError(
                    self.env._("You record your own action checks: %(user)s records theirs.", user=check.user_id.name)
                )

    def _check_plan_links(self):
        """A check links only to a care plan and a plan action the user may write: done, it marks the
        action done."""
        if self.env.su:
            return
        for check in self:
            for linked in (check.plan_id, check.plan_action_id):
                if linked and not linked.has_access("write"):
                    raise AccessError(
                        self.env._(
                            "You cannot link an action check to %(record)s: it is not a care plan you may write.",
                            record=linked.sudo().display_name,
                        )
                    )

    @api.depends("partner_id", "action_datetime", "channel")
    def _compute_display_name(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for check in self:
            check.display_name = " · ".join(
                filter(
                    None,
                    [
                        check.partner_id.name,
                        check.action_datetime and fields.Date.to_string(check.action_datetime.date()),
                        channels.get(check.channel),
                    ],
                )
            )

    # --- workflow ---------------------------------------------------------------------------------
    def _check_state(self, *states):
        if any(check.state not in states for check in self):
            raise UserError(self.env._("This action check is not in a state that allows this."))

    def _set_state(self, state):
        """The buttons change the state once the user may write the checks."""
        self.check_access("write")
        self.sudo().write({"state": state})

    def action_done(self):
        """Done: the customer's last contact date moves and its card is refreshed at once (next contact, risk),
        its open *Contact Due* reminder is closed, a line goes to the customer's chatter (what and when, never
        the content), the plan action is done and the next step is scheduled on the check (only those who read
        the check see it). Tells the user what changed on the card."""
        self._check_state("planned")
        now = fields.Datetime.now()
        for check in self:
            if check.action_datetime > now:
                raise UserError(
                    self.env._(
                        "%(check)s is planned for later: mark it done once it has happened.",
                        check=check.display_name,
                    )
                )
        self._set_state("done")
        self.plan_action_id.sudo().write({"state": "done"})
        Partner = self.env["res.partner"]
        before = {}
        for company, checks in self.grouped("company_id").items():
            customers = checks.partner_id.commercial_partner_id.with_company(company)
            before.update({(company, customer): customer._retention_card_snapshot() for customer in customers})
            latest = {}
            for check in checks:
                day = fields.Date.context_today(check, check.action_datetime)
                latest[check.partner_id] = max(latest.get(check.partner_id, day), day)
            current = {partner: partner.with_company(company).retention_last_contact_date for partner in latest}
            by_day = {}
            for partner, day in latest.items():
                if not current[partner] or current[partner] < day:
                    by_day.setdefault(day, []).append(partner.id)
            for day, partner_ids in by_day.items():
                Partner._retention_sql_set(company, {"retention_last_contact_date": day}, partner_ids)
            self.env["retention.recompute"]._refresh_customers(company, customers)
            self.env["retention.warning"]._close_contact_due(customers.sudo(), company)
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for check in self.sudo():
            check.partner_id.commercial_partner_id._message_log(
                body=self.env._(
                    "Care action done: %(channel)s on %(day)s by %(user)s (action check %(check)s)",
                    channel=channels[check.channel],
                    day=fields.Date.context_today(check, check.action_datetime),
                    user=check.user_id.name,
                    check=check.display_name,
                )
            )
        for check in self.filtered("next_step_date"):
            check.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=check.next_step_date,
                user_id=check.user_id.id,
                summary=check.with_context(lang=check.user_id.lang).env._(
                    "Next step after %(check)s", check=check.display_name
                ),
                note=check.next_step or "",
            )
        lines = [
            customer.with_company(company)._retention_card_changes(old) for (company, customer), old in before.items()
        ]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Action check done: customer card updated"),
                "message": " ".join(lines),
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_cancel(self):
        self._check_state("planned")
        self._set_state("cancelled")
        return True

    def action_reset(self):
        self._check_state("cancelled")
        self._set_state("planned")
        return True

    @api.model
    def _hand_over(self, customers, old_user, new_user):
        """A change of account manager: the planned action checks of ``customers`` that were ``old_user``'s go to
        ``new_user``."""
        self.sudo().search(
            [("partner_id", "in", customers.ids), ("user_id", "=", old_user.id), ("state", "=", "planned")]
        ).write({"user_id": new_user.id})

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .database_rules import ensure_constraint, ensure_extension, refuse_conflicts
from .groups import MANAGER_GROUP
from .res_partner import CUSTOMER_DOMAIN
from .retention_server_fields_mixin import refuse_server_values

STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
EDITABLE_STATES = ("draft", "rejected")
SCORE_FIELDS = ("score_strategy", "score_execution", "score_awareness", "score_satisfaction", "score_loyalty")
EVALUATION_FIELDS = (*SCORE_FIELDS, "evaluation_comment")
SCORES = [("1", "1 - Poor"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 - Excellent")]
# No two plans of a customer in a company for overlapping periods (both days included), held by PostgreSQL as
# the Python check in _check_period searches it: rejected and cancelled plans hold no period, and a period that
# ends before it starts is refused by that check (daterange would fail on it).
OVERLAP_CONSTRAINT = "no_overlap"
OVERLAP_DEFINITION = (
    "EXCLUDE USING gist (partner_id WITH =, company_id WITH =, daterange(date_start, date_end, '[]') WITH &&)"
    " WHERE (state NOT IN ('rejected', 'cancelled') AND date_start <= date_end)"
)
OVERLAP_FIELDS = {"partner_id", "company_id", "state", "date_start", "date_end"}


class RetentionCarePlan(models.Model):
    """Customer care plan 客户关怀计划 (as on the paper form): one per customer and period, written by the
    account manager, approved by the supervisor of the customer's team, then carried out with action checks
    and evaluated by the supervisor when done."""

    _name = "retention.care.plan"
    _description = "Customer Care Plan"
    _inherit = ["retention.input.mixin", "retention.server.fields.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    # set by the workflow buttons only (who submitted, approved, rejected, evaluated, and when)
    _server_fields = (
        "name",
        "state",
        "reject_reason",
        "date_submitted",
        "date_approved",
        "date_done",
        "evaluated_by_id",
    )

    # "New" until saved, then the next number of the sequence
    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default=lambda self: self.env._("New")
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain=CUSTOMER_DOMAIN,
    )
    partner_ref = fields.Char(related="partner_id.ref", string="Customer Code")
    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        required=True,
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    supervisor_id = fields.Many2one("res.users", compute="_compute_supervisor_id")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    date_start = fields.Date(string="Period From", required=True)
    date_end = fields.Date(string="Period To", required=True)
    state = fields.Selection(
        STATES, default="draft", required=True, readonly=True, tracking=True, index=True, copy=False
    )
    reject_reason = fields.Text(readonly=True, tracking=True, copy=False)
    # when the plan last reached each milestone: the supervisor scorecard counts plans by these dates
    date_submitted = fields.Date(string="Submitted On", readonly=True, copy=False)
    date_approved = fields.Date(string="Approved On", readonly=True, copy=False)
    date_done = fields.Date(string="Done On", readonly=True, copy=False)
    # (一) the customer
    situation = fields.Text(string="Customer Situation")
    last_period_summary = fields.Text()
    major_events = fields.Text(string="Major Decisions or Events")
    our_value = fields.Text(string="Our Greatest Value to the Customer")
    # (二) goals, targets, obstacles
    long_term_goal = fields.Text(string="Long-term Goal")
    relationship_goal = fields.Text(string="Relationship Expansion Goal")
    target_ids = fields.One2many("retention.care.plan.target", "plan_id", string="Sales Targets")
    main_strategies = fields.Text()
    obstacle_ids = fields.One2many("retention.care.plan.obstacle", "plan_id", string="Obstacles")
    # (三) relationship actions
    action_ids = fields.One2many("retention.care.plan.action", "plan_id", string="Action Plan")
    main_problems = fields.Text()
    measures = fields.Text()
    memo = fields.Text(string="Important Memo")
    contact_ids = fields.One2many("retention.care.plan.contact", "plan_id", string="Relationship Map")
    past_order_ids = fields.Many2many("sale.order", string="Past Contracts", compute="_compute_past_order_ids")
    contract_period = fields.Char()
    strengths = fields.Text()
    weaknesses = fields.Text()
    # evaluation 客户关怀的评估
    score_strategy = fields.Selection(SCORES, string="Strategy", copy=False)
    score_execution = fields.Selection(SCORES, string="Execution", copy=False)
    score_awareness = fields.Selection(SCORES, string="Awareness", copy=False)
    score_satisfaction = fields.Selection(SCORES, string="Satisfaction", copy=False)
    score_loyalty = fields.Selection(SCORES, string="Loyalty", copy=False)
    evaluation_comment = fields.Text(string="Evaluation", copy=False)
    evaluated_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    check_ids = fields.One2many("retention.action.check", "plan_id", string="Action Checks")
    check_count = fields.Integer(compute="_compute_check_count")
    target_amount = fields.Monetary(string="Expected Amount", compute="_compute_target_totals")
    target_actual = fields.Monetary(string="Ordered Amount", compute="_compute_target_totals")

    def init(self):
        if ensure_extension(self.env.cr, "btree_gist"):
            ensure_constraint(self, OVERLAP_CONSTRAINT, OVERLAP_DEFINITION)

    @api.depends("partner_id.user_id", "user_id")
    def _compute_supervisor_id(self):
        for plan in self:
            plan.supervisor_id = (
                plan.partner_id.sudo()._retention_supervisor() or plan.user_id.sudo().sale_team_id.user_id
            )

    @api.depends("partner_id", "date_start", "company_id")
    def _compute_past_order_ids(self):
        for plan in self:
            domain = [
                ("partner_id", "child_of", plan.partner_id.ids),
                ("state", "=", "sale"),
                ("company_id", "=", plan.company_id.id),
            ]
            if plan.date_start:
                domain.append(("date_order", "<", plan.date_start))
            plan.past_order_ids = self.env["sale.order"].search(domain, limit=20) if plan.partner_id else False

    def _compute_check_count(self):
        counts = dict(
            self.env["retention.action.check"]._read_group([("plan_id", "in", self.ids)], ["plan_id"], ["__count"])
        )
        for plan in self:
            plan.check_count = counts.get(plan, 0)

    @api.depends("target_ids.expected_amount", "target_ids.actual_amount")
    @api.depends_context("uid")
    def _compute_target_totals(self):
        for plan in self:
            plan.target_amount = sum(plan.target_ids.mapped("expected_amount"))
            plan.target_actual = sum(plan.target_ids.mapped("actual_amount"))

    @api.constrains("date_start", "date_end", "partner_id", "state")
    def _check_period(self):
        for plan in self:
            if plan.date_end < plan.date_start:
                raise ValidationError(self.env._("The plan period must end after it starts."))
            if plan.partner_id.commercial_partner_id != plan.partner_id:
                raise ValidationError(self.env._("A care plan is for the customer company, not one of its contacts."))
            if plan.state in ("rejected", "cancelled"):
                continue
            overlapping = self.sudo().search_count(
                [
                    ("id", "!=", plan.id),
                    ("partner_id", "=", plan.partner_id.id),
                    ("company_id", "=", plan.company_id.id),
                    ("state", "not in", ("rejected", "cancelled")),
                    ("date_start", "<=", plan.date_end),
                    ("date_end", ">=", plan.date_start),
                ],
                limit=1,
            )
            if overlapping:
                raise self._overlap_error(plan.partner_id, plan.date_start, plan.date_end)

    @api.constrains("date_start", "date_end")
    def _check_period_holds_lines(self):
        """A period moved or shortened keeps every dated line (an action, a target's signing date) inside it."""
        dated = [
            (fname, field, self.env[field.comodel_name]._plan_date_field)
            for fname, field in self._fields.items()
            if field.type == "one2many" and getattr(self.env[field.comodel_name], "_plan_date_field", None)
        ]
        for plan in self:
            if plan.date_end < plan.date_start:
                continue  # _check_period says so
            for fname, field, date_fname in dated:
                for line in plan[fname]:
                    day = line[date_fname]
                    if day and not plan.date_start <= day <= plan.date_end:
                        raise ValidationError(
                            self.env._(
                                "%(line)s (%(section)s, %(date)s) would fall outside the period %(start)s – %(end)s: "
                                "change its date first, or keep it in the period.",
                                line=line.display_name,
                                section=field._description_string(self.env),
                                date=day,
                                start=plan.date_start,
                                end=plan.date_end,
                            )
                        )

    @api.model_create_multi
    def create(self, vals_list):
        # a plan starts as a draft: its evaluation comes from the supervisor once it is done
        vals_list = [
            refuse_server_values(self, vals, EVALUATION_FIELDS, create=True)
            for vals in self._server_create_vals(vals_list)
        ]
        # whose customer first: the overlap rule would otherwise tell anyone the plans of any customer
        self._check_kept(
            self.env["res.partner"].browse([vals["partner_id"] for vals in vals_list if vals.get("partner_id")])
        )
        new = self.env._("New")
        for vals in vals_list:
            if vals.get("name", new) == new:
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code("retention.care.plan") or new
        plans = refuse_conflicts(
            self.env.cr,
            super().create,
            vals_list,
            {f"{self._table}_{OVERLAP_CONSTRAINT}": self._overlap_refusal},
        )
        plans._check_people()
        return plans

    def write(self, vals):
        self._server_check_write(vals)
        if not self.env.su and set(vals) & set(EVALUATION_FIELDS):
            # the evaluation is the supervisor's, once the plan is done
            for plan in self:
                if plan.state != "done":
                    raise UserError(self.env._("The care plan %(name)s is evaluated once it is done.", name=plan.name))
            self._check_supervisor()
        if not self.env.su and not self._is_progress_only(vals):
            self._check_editable(set(vals))
            if set(vals) & set(EVALUATION_FIELDS):
                vals = {**vals, "evaluated_by_id": self.env.uid}
        if vals.get("partner_id"):
            self._check_kept(self.env["res.partner"].browse(vals["partner_id"]))
        if OVERLAP_FIELDS & set(vals):
            res = refuse_conflicts(
                self.env.cr,
                lambda plans: super(RetentionCarePlan, plans).write(vals),  # noqa: UP008 (on plans, not self)
                self,
                {f"{self._table}_{OVERLAP_CONSTRAINT}": lambda plans: plans._overlap_refusal([vals])},
            )
        else:
            res = super().write(vals)
        if {"partner_id", "user_id"} & set(vals):
            self._check_people()
        return res

    def _overlap_error(self, partner, date_start, date_end):
        return ValidationError(
            self.env._(
                "%(customer)s already has a care plan for a period overlapping %(start)s – %(end)s.",
                customer=partner.name,
                start=date_start,
                end=date_end,
            )
        )

    def _overlap_refusal(self, vals_list):
        """The same error when PostgreSQL refuses the period (another plan committed a moment before): for the
        values created, or those written on the plan ``self``."""
        vals = vals_list[0]
        partner = self.env["res.partner"].browse(vals["partner_id"]) if "partner_id" in vals else self.partner_id
        return self._overlap_error(
            partner,
            fields.Date.to_date(vals["date_start"]) if "date_start" in vals else self.date_start,
            fields.Date.to_date(vals["date_end"]) if "date_end" in vals else self.date_end,
        )

    @api.model
    def _check_kept(self, partners):
        """The user keeps these customers (account manager, supervisor of the team, manager)."""
        if self.env.su or self._is_manager():
            return
        for partner in partners.sudo().exists():
            if not partner._retention_kept_by(self.env.user):
                raise AccessError(
                    self.env._(
                        "%(customer)s is not your customer: its account manager or their supervisor writes its "
                        "care plans.",
                        customer=partner.display_name,
                    )
                )

    def _check_people(self):
        """A user writes plans for the customers they keep (account manager, supervisor of the team, manager),
        with themselves, the customer's account manager or a member of a team they lead as the plan's
        account manager."""
        if self.env.su or self._is_manager():
            return
        user = self.env.user
        led_members = user._retention_led_members()
        for plan in self.sudo():
            self._check_kept(plan.partner_id)
            if plan.user_id not in user | plan.partner_id.user_id | led_members:
                raise AccessError(
                    self.env._(
                        "%(user)s cannot be the account manager of this care plan: choose yourself or the "
                        "customer's account manager.",
                        user=plan.user_id.name,
                    )
                )

    def _is_progress_only(self, vals):
        """The form of an approved plan saves only the progress of its action lines (checked by the lines)."""
        commands = vals.get("action_ids")
        return (
            set(vals) == {"action_ids"}
            and all(plan.state == "approved" for plan in self)
            and all(command[0] == Command.UPDATE for command in commands)
        )

    def _check_editable(self, fnames):
        """Draft and rejected plans are edited freely (by those the record rules allow); a done plan takes
        its evaluation from the supervisor; otherwise a plan is read-only."""
        followers = {"message_follower_ids", "activity_ids", "message_main_attachment_id"}
        fnames = fnames - followers
        if not fnames:
            return
        for plan in self:
            if plan.state in EDITABLE_STATES:
                continue
            if plan.state == "done" and fnames <= set(EVALUATION_FIELDS):
                plan._check_supervisor()
                continue
            raise UserError(
                self.env._(
                    "The care plan %(name)s is %(state)s: it can no longer be changed.",
                    name=plan.name,
                    state=dict(STATES)[plan.state],
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(plan.state not in ("draft", "cancelled") for plan in self):
            raise UserError(self.env._("Only draft or cancelled care plans can be deleted."))

    # --- who may do what --------------------------------------------------------------------------
    def _is_manager(self):
        return self.env.su or self.env.user.has_group(MANAGER_GROUP)

    def _check_owner(self):
        """The account manager of the plan, the supervisor or a manager."""
        for plan in self:
            if self.env.user not in plan.user_id | plan.supervisor_id and not self._is_manager():
                raise AccessError(
                    self.env._(
                        "Only %(user)s or their supervisor can do this on %(name)s.",
                        user=plan.user_id.name,
                        name=plan.name,
                    )
                )

    def _check_supervisor(self):
        """The supervisor of the customer's team (never on their own plan) or a manager."""
        for plan in self:
            if self._is_manager():
                continue
            if plan.supervisor_id != self.env.user or plan.user_id == self.env.user:
                raise AccessError(
                    self.env._(
                        "Only the supervisor of %(customer)s (%(supervisor)s) approves or evaluates %(name)s.",
                        customer=plan.partner_id.name,
                        supervisor=plan.supervisor_id.name or self.env._("none"),
                        name=plan.name,
                    )
                )

    def _check_state(self, *states):
        for plan in self:
            if plan.state not in states:
                raise UserError(
                    self.env._(
                        "The care plan %(name)s is %(state)s: this is not possible now.",
                        name=plan.name,
                        state=dict(STATES)[plan.state],
                    )
                )

    def _set_state(self, values):
        """The workflow writes the state and its dates once the action method checked who acts and when."""
        self.check_access("write")
        self.sudo().write(values)

    # --- workflow ---------------------------------------------------------------------------------
    def action_submit(self):
        self._check_state(*EDITABLE_STATES)
        self._check_owner()
        for plan in self:
            if not plan.action_ids:
                raise UserError(self.env._("Plan at least one action before submitting %(name)s.", name=plan.name))
        self._set_state(
            {"state": "submitted", "reject_reason": False, "date_submitted": fields.Date.context_today(self)}
        )
        for plan in self.sudo():
            if plan.supervisor_id:
                plan.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=plan.supervisor_id.id,
                    summary=plan.with_context(lang=plan.supervisor_id.lang).env._("Approve the care plan"),
                )
        return True

    def action_approve(self):
        self._check_state("submitted")
        self._check_supervisor()
        self._set_state({"state": "approved", "date_approved": fields.Date.context_today(self)})
        for plan in self.sudo():
            plan.activity_ids.action_feedback(feedback=self.env._("Approved"))
            plan.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=plan.user_id.id,
                summary=plan.with_context(lang=plan.user_id.lang).env._("Care plan approved: carry it out"),
            )
            for line in plan.action_ids.filtered(lambda line: line.state == "todo"):
                plan.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=line.date,
                    user_id=(line.owner_id or plan.user_id).id,
                    summary=line.name,
                    note=line.deliverable or "",
                )
        return True

    def action_reject(self, reason=None):
        """Reject with a reason; the button opens a dialog that asks for it."""
        self._check_state("submitted")
        self._check_supervisor()
        if not reason:
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Reject Care Plan"),
                "res_model": "retention.care.plan.reject",
                "view_mode": "form",
                "target": "new",
                "context": {"default_plan_ids": self.ids},
            }
        if not reason.strip():
            raise UserError(self.env._("Say why the care plan is rejected."))
        self._set_state({"state": "rejected", "reject_reason": reason})
        for plan in self.sudo():
            plan.activity_ids.action_feedback(feedback=self.env._("Rejected"))
            plan.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=plan.user_id.id,
                summary=plan.with_context(lang=plan.user_id.lang).env._("Care plan rejected: rework it"),
                note=reason,
            )
        return True

    def action_done(self):
        self._check_state("approved")
        self._check_owner()
        self._set_state({"state": "done", "date_done": fields.Date.context_today(self)})
        return True

    def action_cancel(self):
        self._check_state("draft", "submitted", "approved", "rejected")
        self._check_owner()
        self._set_state({"state": "cancelled"})
        self.sudo().activity_ids.unlink()
        return True

    def action_draft(self):
        self._check_state("rejected", "cancelled")
        self._check_owner()
        self._set_state({"state": "draft"})
        return True

    def action_open_checks(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Action Checks"),
            "res_model": "retention.action.check",
            "view_mode": "list,form,calendar",
            "domain": [("plan_id", "=", self.id)],
            "context": {"default_plan_id": self.id, "default_partner_id": self.partner_id.id},
        }

    # --- sales targets against real orders --------------------------------------------------------
    def _ordered_amounts(self, targets):
        """{target id: untaxed amount in company currency of the customer's confirmed orders of the target's
        product since the plan started} — one query for all targets."""
        rows = [t for t in targets if t.product_id and t.plan_id.partner_id and t.plan_id.date_start]
        Order = self.env["sale.order"]
        if not rows or not Order.has_access("read"):
            return {}
        # the orders the reader may see, by the record rules of sales orders (a salesperson with "own
        # documents only" counts their own orders): a plan never reveals amounts its reader cannot open
        visible = Order._search([("state", "=", "sale")])
        Order.flush_model(["company_id", "state", "date_order", "partner_id", "currency_rate"])
        self.env["sale.order.line"].flush_model(["order_id", "product_id", "price_subtotal"])
        result = self.env.execute_query(
            SQL(
                """SELECT t.target_id, SUM(l.price_subtotal / COALESCE(NULLIF(o.currency_rate, 0), 1))
                     FROM unnest(%(targets)s::int[], %(partners)s::int[], %(products)s::int[],
                                  %(companies)s::int[], %(starts)s::date[])
                          AS t(target_id, partner_id, product_id, company_id, date_start)
                     JOIN sale_order o ON o.company_id = t.company_id AND o.state = 'sale'
                                      AND o.date_order >= t.date_start AND o.id IN %(visible)s
                     JOIN res_partner p ON p.id = o.partner_id AND p.commercial_partner_id = t.partner_id
                     JOIN sale_order_line l ON l.order_id = o.id AND l.product_id = t.product_id
                    GROUP BY t.target_id""",
                targets=[t.id for t in rows],
                partners=[t.plan_id.partner_id.id for t in rows],
                products=[t.product_id.id for t in rows],
                companies=[t.plan_id.company_id.id for t in rows],
                starts=[t.plan_id.date_start for t in rows],
                visible=visible.subselect(),
            )
        )
        return dict(result)

    @api.model
    def _hand_over(self, customers, old_user, new_user):
        """A change of account manager: the open care plans of ``customers`` that ``old_user`` runs, and their
        action lines still to do that were theirs, go to ``new_user``."""
        plans = self.sudo().search(
            [
                ("partner_id", "in", customers.ids),
                ("user_id", "=", old_user.id),
                ("state", "not in", ("done", "cancelled")),
            ]
        )
        plans.write({"user_id": new_user.id})
        plans.action_ids.filtered(lambda line: line.state == "todo" and line.owner_id == old_user).write(
            {"owner_id": new_user.id}
        )

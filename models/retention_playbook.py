from datetime import timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .retention_server_fields_mixin import RetentionServerFieldsMixin

# what starts a playbook (应对预案): a change of the card (a row of the class history) or a move of the customer
# between holders (a row of the account manager history)
TRIGGERS = [
    ("entered_decline", "Entered Decline"),
    ("became_high_risk", "Became High Risk"),
    ("churned", "Churned"),
    ("became_a", "Became A"),
    ("released", "Returned to the Pool"),
    ("won_back", "Won Back"),
    ("escalated", "Escalated"),
]
# the class history rows that are occurrences of a trigger: (kind, new value), or a flag of the row
CLASS_TRIGGERS = {
    "entered_decline": ("stage", "decline"),
    "became_high_risk": ("risk", "high"),
    "churned": "is_churn",
    "became_a": ("abc", "a"),
    "won_back": "is_win_back",
}
# the account manager history rows that are occurrences of a trigger: their kinds (退回 / 回收, 升级)
OWNER_TRIGGERS = {"released": ("return", "release"), "escalated": ("escalate",)}
# triggers whose customer may be held by nobody: their steps go to the supervisor then
POOL_TRIGGERS = ("released", "escalated")
# the playbooks every company starts with
DEFAULT_PLANS = {
    "became_high_risk": "customer_retention.mail_activity_plan_win_back",
    "became_a": "customer_retention.mail_activity_plan_key_customer",
}
# each night reads the occurrences from the previous night's start minus this: a row written (stamped) before
# that night started but committed after it read is still seen; the unique index keeps it to one launch
SCAN_OVERLAP = timedelta(days=1)


class RetentionPlaybook(models.Model):
    """A playbook (应对预案): when something happens to a customer (a trigger: entered decline, became high
    risk, churned, became A, returned to the pool, won back, escalated), an Odoo activity plan starts on it.

    The nightly run launches every playbook of a company at once (``_retention_launch_batch``): the trigger
    occurrences since the last night, each launched once (``retention.playbook.run``, unique per playbook and
    history row), the plan's steps as activities of the customer's account manager (or the step's own
    responsible, or the supervisor), due from the day of the occurrence, in the responsible's language. A
    customer who still has open activities of the plan does not get them twice. A fixed number of queries,
    whatever the number of customers."""

    _name = "retention.playbook"
    _inherit = [RetentionServerFieldsMixin._name]
    _description = "Playbook"
    _order = "company_id, trigger"
    _check_company_auto = True
    _server_fields = ("scan_from",)
    _fixed_fields = ("company_id",)

    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, readonly=True
    )
    trigger = fields.Selection(TRIGGERS, required=True, help="What happens to a customer that starts the plan.")
    plan_id = fields.Many2one(
        "mail.activity.plan",
        string="Activity Plan",
        required=True,
        ondelete="cascade",
        check_company=True,
        domain="[('res_model', '=', 'res.partner')]",
        help="The customer activity plan whose steps become the customer's activities.",
    )
    scan_from = fields.Datetime(
        string="Occurrences From",
        default=fields.Datetime.now,
        readonly=True,
        help="The nightly run launches the plan for what happened since this moment: when the playbook was "
        "created or started again, then the previous night.",
    )
    run_count = fields.Integer(string="Launches", compute="_compute_run_count")

    _sql_constraints = [
        ("company_trigger_uniq", "UNIQUE(company_id, trigger)", "A company has one playbook per trigger."),
    ]

    def _compute_run_count(self):
        counts = dict(
            self.env["retention.playbook.run"]._read_group(
                [("playbook_id", "in", self.ids)], ["playbook_id"], ["__count"]
            )
        )
        for playbook in self:
            playbook.run_count = counts.get(playbook, 0)

    @api.depends("trigger", "plan_id.name")
    @api.depends_context("lang")
    def _compute_display_name(self):
        triggers = dict(self._fields["trigger"]._description_selection(self.env))
        for playbook in self:
            playbook.display_name = f"{triggers.get(playbook.trigger, '')} → {playbook.plan_id.name or ''}"

    @api.constrains("plan_id", "company_id")
    def _check_retention_plan(self):
        for playbook in self:
            if playbook.plan_id.res_model != "res.partner":
                raise ValidationError(
                    self.env._(
                        "The plan %(plan)s of a playbook must be a customer plan (Contact), not one of %(model)s.",
                        plan=playbook.plan_id.name,
                        model=playbook.plan_id.sudo().res_model_id.name or playbook.plan_id.res_model,
                    )
                )
            if playbook.plan_id.company_id not in (playbook.company_id, self.env["res.company"]):
                raise ValidationError(
                    self.env._(
                        "The plan %(plan)s belongs to %(plan_company)s: a playbook of %(company)s starts a plan of "
                        "its company or a shared one.",
                        plan=playbook.plan_id.name,
                        plan_company=playbook.plan_id.company_id.name,
                        company=playbook.company_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create(self._server_create_vals(vals_list))

    def write(self, vals):
        self._server_check_write(vals)
        # started again, or on another trigger: from now on, not for what happened meanwhile
        restarted = self.filtered(
            lambda playbook: (
                (vals.get("active") and not playbook.active)
                or (vals.get("trigger") and vals["trigger"] != playbook.trigger)
            )
        )
        result = super().write(vals)
        if restarted:
            super(RetentionPlaybook, restarted).write({"scan_from": fields.Datetime.now()})
        return result

    def action_open_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_retention.retention_playbook_run_action")
        action["domain"] = [("playbook_id", "=", self.id)]
        return action

    @api.model
    def _retention_create_defaults(self, companies=None):
        """The playbooks a company starts with: a customer that becomes high risk gets the win-back plan
        (高危客户挽回), one that becomes A the key customer plan (A类客户维护). At install for every company,
        then for each new company; a company that already has a playbook for the trigger keeps it."""
        Playbook = self.sudo().with_context(active_test=False)
        if companies is None:
            companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        plans = {trigger: self.env.ref(xmlid, raise_if_not_found=False) for trigger, xmlid in DEFAULT_PLANS.items()}
        existing = {
            (playbook.company_id.id, playbook.trigger)
            for playbook in Playbook.search([("company_id", "in", companies.ids)])
        }
        Playbook.create(
            [
                {"company_id": company.id, "trigger": trigger, "plan_id": plan.id}
                for company in companies
                for trigger, plan in plans.items()
                if plan and (company.id, trigger) not in existing
            ]
        )

    # --- the nightly launch --------------------------------------------------------------------------
    @api.model
    def _retention_launch_batch(self, company, limit=None):
        """The nightly step of the playbooks of ``company``: every trigger occurrence since the last night
        recorded once (``retention.playbook.run``), the plans of the new ones made activities (one INSERT per
        activity type), a line in each customer's chatter, and the night remembered. With ``limit``, the first
        ``limit`` occurrences only (the first night of a large database has one per new class of every
        customer); the night is remembered once a call finds fewer. Returns (launches, whether more are left)."""
        self.env["retention.recompute"]._retention_lock_cards(company)  # never two runs at once
        started = fields.Datetime.now()
        playbooks = (
            self.sudo()
            .search([("company_id", "=", company.id), ("plan_id.active", "=", True)])
            .filtered("plan_id.template_ids")
        )
        if not playbooks:
            return 0, False
        Run = self.env["retention.playbook.run"]
        rows = Run._retention_record(company, playbooks, limit)
        more = bool(limit) and len(rows) >= limit
        launched = [row for row in rows if row["state"] == "launched"]
        by_type, assigned = self._retention_plan_activities(company, launched)
        Activity = self.env["mail.activity"].sudo()
        for activity_type, vals_list in by_type.items():
            Activity._retention_insert("res.partner", activity_type, vals_list)
        Run._retention_set_unassigned([row["id"] for row in launched if row["id"] not in assigned])
        self._retention_post_launches([row for row in launched if row["id"] in assigned], assigned)
        if more:
            return len(launched), True  # the night is remembered once every occurrence is recorded
        # the next night reads from this one's start, less the overlap
        self.flush_model(["scan_from"])
        self.env.execute_query(
            SQL(
                "UPDATE retention_playbook SET scan_from = GREATEST(scan_from, %s) WHERE id = ANY(%s)",
                started - SCAN_OVERLAP,
                playbooks.ids,
            )
        )
        self.invalidate_model(["scan_from"])
        return len(launched), False

    @api.model
    def _retention_plan_activities(self, company, rows):
        """The activities of the plans launched by ``rows`` (runs from ``_retention_record``), grouped by
        activity type, and {run id: language of its first activity} of the runs that got any. Who does each
        step: the step's own responsible if it has one (Default user), the supervisor for a supervisor's step,
        else the account manager; a customer nobody holds after a release or an escalation goes to the
        supervisor. Due on the day of the occurrence (company time zone) plus the step's delay. Reads the
        customers, people and steps in a fixed number of queries."""
        if not rows:
            return {}, {}
        env = self.sudo().env
        Users = env["res.users"]
        partners = env["res.partner"].browse({row["partner_id"] for row in rows})
        moves = env["retention.owner.history"].browse({row["owner_history_id"] for row in rows} - {None})
        plans = env["mail.activity.plan"].browse({row["plan_id"] for row in rows})
        templates = plans.template_ids
        steps = {plan.id: plan.template_ids for plan in plans}
        # read at once what the loop reads record by record
        people = partners.user_id | moves.from_user_id | moves.to_user_id | templates.responsible_id
        (people | people.sale_team_id.user_id).mapped("lang")
        partners.mapped("display_name")

        def available(user):
            return user if user and user.active and not user.share else Users

        tz = pytz.timezone(company.partner_id.tz or "UTC")
        texts = {}  # (template id, language): (summary, note)
        by_type = {}
        assigned = {}
        for row in rows:
            partner = partners.browse(row["partner_id"])
            holder = available(partner.user_id)
            supervisor = available(holder.sale_team_id.user_id)
            move = moves.browse(row["owner_history_id"]) if row["owner_history_id"] else None
            if not supervisor and move:
                supervisor = available(move.to_user_id) if move.kind == "escalate" else Users
                supervisor = supervisor or available(move.from_user_id.sale_team_id.user_id)
            account_manager = holder or (supervisor if row["trigger"] in POOL_TRIGGERS else Users)
            day = pytz.utc.localize(row["date"]).astimezone(tz).date()
            for template in steps[row["plan_id"]]:
                if template.responsible_type == "other":
                    user = available(template.responsible_id) or account_manager
                elif template.responsible_type == "retention_supervisor":
                    user = supervisor or account_manager
                else:  # the account manager's step, or one Odoo would ask for at launch
                    user = account_manager
                if not user:
                    continue
                lang = user.lang or "en_US"
                if (template.id, lang) not in texts:
                    texts.update(self._retention_template_texts(templates, lang))
                summary, note = texts[template.id, lang]
                by_type.setdefault(template.activity_type_id, []).append(
                    {
                        "res_id": partner.id,
                        "res_name": partner.display_name,
                        "user_id": user.id,
                        "summary": summary,
                        "note": note,
                        "date_deadline": template._get_date_deadline(day),
                        "retention_playbook_run_id": row["id"],
                    }
                )
                assigned.setdefault(row["id"], lang)
        return by_type, assigned

    @api.model
    def _retention_template_texts(self, templates, lang):
        """{(template id, lang): (summary, note)} of the steps in ``lang`` (a step without a summary says its
        activity type's)."""
        texts = {}
        for template in templates.with_context(lang=lang):
            activity_type = template.activity_type_id
            summary = template.summary or activity_type.summary or activity_type.name
            texts[template.id, lang] = (summary, template.note or False)
        return texts

    @api.model
    def _retention_post_launches(self, rows, langs):
        """One line in each customer's chatter naming the plans started and why, in the language of the first
        responsible (one batch of messages)."""
        if not rows:
            return
        plans = self.env["mail.activity.plan"].sudo().browse({row["plan_id"] for row in rows})
        bodies = {}
        for row in rows:
            lang = langs[row["id"]]
            env = self.with_context(lang=lang).env
            triggers = dict(self._fields["trigger"]._description_selection(env))
            line = env._(
                "Playbook started (%(trigger)s): %(plan)s.",
                trigger=triggers[row["trigger"]],
                plan=plans.browse(row["plan_id"]).with_context(lang=lang).name,
            )
            bodies.setdefault(row["partner_id"], []).append(Markup("<p>%s</p>") % line)
        self.env["mail.message"].sudo()._retention_log_batch(
            "res.partner", {partner_id: Markup("").join(lines) for partner_id, lines in bodies.items()}
        )

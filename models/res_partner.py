import json
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index, index_exists

from . import scoring
from .card_catalogue import (
    BY_NAME,
    CARD_FIELDS,
    INDEXED_DATES,
    INDEXED_VALUES,
    SYSTEM_FIELDS,
    to_stored,
)
from .card_completeness import COMPLETENESS_CLASSES, COMPLETENESS_COLUMNS, COMPLETENESS_PROFILE, completeness_sql
from .groups import MANAGER_GROUP, SUPERVISOR_GROUP, USER_GROUP
from .retention_pool import CAPS_APPLY, OwnerMove
from .retention_server_fields_mixin import refuse_server_values

# every retention field of the partner is for the retention groups: portal users and internal users outside
# them (accounting, warehouse) read no class, strategy or profile holder, and Odoo's partner views still work

ABC_SELECTION = [("a", "A - Key Customer"), ("b", "B - Regular Customer"), ("c", "C - Small Customer")]

SATISFACTION_SELECTION = [
    ("1", "1 - Very Dissatisfied"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 - Very Satisfied"),
]
RISK_SELECTION = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
STAGE_SELECTION = [
    ("acquisition", "Acquisition"),
    ("growth", "Growth"),
    ("maturity", "Maturity"),
    ("decline", "Decline"),
    ("churned", "Churned"),
]

# How a card field the system writes is declared: per company, for the retention groups, never typed, copied
# or imported (see SYSTEM_FIELDS).
SYSTEM_CARD_FIELD = {"company_dependent": True, "index": False, "readonly": True, "groups": USER_GROUP, "copy": False}


# Every field only the server writes: the card's, and who holds the customer since when, locked or not (the
# moves of retention.pool).
SERVER_FIELDS = (*SYSTEM_FIELDS, "retention_held_since", "retention_locked")
# what a customer's card completeness counts on the partner, and what moves a contact in or out of a customer
COMPLETENESS_INPUTS = frozenset(
    (*COMPLETENESS_COLUMNS, *COMPLETENESS_CLASSES, "parent_id", "active", "is_company", "company_id")
)

# A customer is a commercial partner: a company, the subsidiaries of a group (集团客户) included, or a person on
# their own; not a contact of a company.
CUSTOMER_DOMAIN = ["|", ("parent_id", "=", False), ("is_company", "=", True)]

# What makes the groups of companies (集团客户): a change refreshes the groups of the companies concerned.
GROUP_STRUCTURE = frozenset(("parent_id", "is_company", "active"))

# Marks the values Merge Contacts copies onto the partner it keeps: the card and the overrides are left out.
# An object, not a flag: no context sent over RPC can hold it.
MERGE_MARK = object()

# Manual overrides of the computed classes, with the reason each needs while it holds.
OVERRIDE_FIELDS = {
    "retention_abc_override": "retention_abc_override_reason",
    "retention_stage_override": "retention_stage_override_reason",
}

# Classifications typed by people; kept on the commercial partner and copied to its contacts by Odoo (not to a
# duplicate: another customer, whose classes are typed anew — and a user outside the retention groups duplicates).
MANUAL_FIELDS = (
    "retention_closeness",
    "retention_value_type",
    "retention_key_influence",
    "retention_personality",
    "retention_relationship_level",
    "retention_product_attitude",
    "retention_satisfaction",
    "retention_referred_by_id",
)


# Company-dependent card fields are JSONB columns keyed by company. Odoo would give each an "IS NOT NULL" index:
# 34 indexes that every recompute UPDATE must maintain and no list uses. The card is filtered and grouped by
# the catalogue's indexed values instead, one expression index per company on exactly what Odoo's domain compiles
# to. The card dates the lists and the today board compare compile to a comparison of the stored ISO text (the
# same order as the dates), which an index accepts: one index per company on (account manager, date) covers what
# the board's counts and the company rule read, so that counting a salesperson's, a team's or even most of the
# company's customers ("contacts overdue") is an index-only scan.
CARD_DATE_INDEX_INCLUDE = ("active", "partner_share", "company_id")
CARD_DATE_OPERATORS = ("<", "<=", ">", ">=", "=")
# percent of each page of res_partner filled by new rows: the rest is for the next version of the card's rows
CARD_FILLFACTOR = 70


class ResPartner(models.Model):
    _name = "res.partner"
    # the input check first: before the create and write of Odoo and the other apps
    _inherit = ["retention.input.mixin", "res.partner"]

    # every list, rule and board of the addon asks "whose customers": Odoo does not index the salesperson
    user_id = fields.Many2one(index=True)

    # --- metrics (computed by retention.recompute, never typed) -------------------------------------
    retention_currency_id = fields.Many2one("res.currency", compute="_compute_retention_currency_id", groups=USER_GROUP)
    retention_first_order_date = fields.Date(string="First Order Date", **SYSTEM_CARD_FIELD)
    retention_last_order_date = fields.Date(string="Last Order Date", **SYSTEM_CARD_FIELD)
    retention_order_count = fields.Integer(string="Order Count", **SYSTEM_CARD_FIELD)
    retention_revenue_total = fields.Float(string="Lifetime Revenue", digits="Account", **SYSTEM_CARD_FIELD)
    retention_revenue_12m = fields.Float(string="Revenue Last 12 Months", digits="Account", **SYSTEM_CARD_FIELD)
    retention_revenue_prev_12m = fields.Float(
        string="Revenue Previous 12 Months", digits="Account", **SYSTEM_CARD_FIELD
    )
    retention_revenue_window = fields.Float(
        string="Revenue in ABC Window",
        digits="Account",
        help="Revenue of the ABC window (Settings) that ranks the customer.",
        **SYSTEM_CARD_FIELD,
    )
    retention_revenue_trend = fields.Float(
        string="Revenue Trend (%)",
        compute="_compute_retention_revenue_trend",
        help="Last 12 months against the 12 months before.",
        groups=USER_GROUP,
    )
    retention_last_contact_date = fields.Date(
        string="Last Contact Date", help="Date of the last done action check.", **SYSTEM_CARD_FIELD
    )
    retention_next_contact_date = fields.Date(
        string="Next Contact Due",
        help="Last contact (or last order) plus the contact cadence of the customer's class and tier.",
        **SYSTEM_CARD_FIELD,
    )
    retention_overdue_amount = fields.Float(
        string="Overdue Receivables",
        digits="Account",
        help="Posted customer invoices past their due date and not paid, in company currency.",
        **SYSTEM_CARD_FIELD,
    )
    retention_risk_score = fields.Integer(string="Risk Score", **SYSTEM_CARD_FIELD)
    retention_risk_level = fields.Selection(RISK_SELECTION, string="Risk Level", **SYSTEM_CARD_FIELD)
    # the risk factors as language-neutral data (JSON: [[factor, points, [values…]], …]); shown in each user's
    # language by ``retention_risk_reasons``
    retention_risk_factors = fields.Text(string="Risk Factors", **SYSTEM_CARD_FIELD)
    retention_risk_reasons = fields.Text(
        string="Why This Risk", compute="_compute_retention_risk_reasons", groups=USER_GROUP
    )
    # bookkeeping of the recompute: a card is examined again when what its rules read changes (fingerprint) or on
    # the day its rules may give another result (``scoring.recheck_date``)
    retention_inputs_key = fields.Char(string="Card Inputs Fingerprint", **SYSTEM_CARD_FIELD)
    retention_recheck_date = fields.Date(string="Card Recheck Date", **SYSTEM_CARD_FIELD)
    # the next contact date the last *Contact Due* reminder was for: one reminder per due date
    retention_contact_reminded_date = fields.Date(string="Contact Reminded For", **SYSTEM_CARD_FIELD)
    retention_avg_order_interval = fields.Float(
        string="Average Order Interval (days)", digits=(16, 1), **SYSTEM_CARD_FIELD
    )

    # --- automatic classes, with manual override ----------------------------------------------------
    retention_abc_class = fields.Selection(
        ABC_SELECTION,
        string="ABC Class",
        help="Customers ranked by revenue in the ABC window: A until the A cut-off of the cumulative revenue, "
        "B until the B cut-off, C for the rest. A manual override wins until it is cleared.",
        **SYSTEM_CARD_FIELD,
    )
    retention_abc_class_auto = fields.Selection(ABC_SELECTION, string="Computed ABC Class", **SYSTEM_CARD_FIELD)
    retention_abc_override = fields.Selection(
        ABC_SELECTION, string="ABC Class Override", company_dependent=True, index=False, groups=USER_GROUP, copy=False
    )
    retention_abc_override_reason = fields.Char(
        string="ABC Override Reason", company_dependent=True, index=False, groups=USER_GROUP, copy=False
    )
    retention_lifecycle_stage = fields.Selection(
        STAGE_SELECTION, string="Lifecycle Stage", group_expand="_group_expand_retention_stage", **SYSTEM_CARD_FIELD
    )
    retention_lifecycle_stage_auto = fields.Selection(
        STAGE_SELECTION, string="Computed Lifecycle Stage", **SYSTEM_CARD_FIELD
    )
    retention_stage_override = fields.Selection(
        STAGE_SELECTION,
        string="Lifecycle Stage Override",
        company_dependent=True,
        index=False,
        groups=USER_GROUP,
        copy=False,
    )
    retention_stage_override_reason = fields.Char(
        string="Stage Override Reason", company_dependent=True, index=False, groups=USER_GROUP, copy=False
    )
    retention_stage_date = fields.Date(
        string="In Stage Since", help="Date the customer entered its stage.", **SYSTEM_CARD_FIELD
    )
    retention_time_class = fields.Selection(
        [("potential", "Potential"), ("prospect", "Prospect"), ("new", "New Customer"), ("old", "Old Customer")],
        string="Time Class",
        **SYSTEM_CARD_FIELD,
    )

    # --- manual classifications (tracked) -----------------------------------------------------------
    retention_closeness = fields.Selection(
        [
            ("strategic", "Strategic (must keep)"),
            ("loyal", "Loyal (responsive service)"),
            ("close", "Close"),
            ("loose", "Loose (opportunistic)"),
        ],
        string="Closeness Tier",
        company_dependent=True,
        index=False,
        tracking=True,
        groups=USER_GROUP,
        copy=False,
    )
    retention_value_type = fields.Selection(
        [("high_value", "High Value"), ("key_influence", "Key Influence"), ("double", "Double Key Customer")],
        string="Value Type",
        company_dependent=True,
        index=False,
        tracking=True,
        groups=USER_GROUP,
        copy=False,
    )
    retention_value_type_suggested = fields.Selection(
        [("high_value", "High Value"), ("key_influence", "Key Influence"), ("double", "Double Key Customer")],
        string="Suggested Value Type",
        compute="_compute_retention_value_type_suggested",
        groups=USER_GROUP,
    )
    retention_key_influence = fields.Boolean(
        string="Key Influence",
        company_dependent=True,
        index=False,
        tracking=True,
        help="Small volume but large influence (reference customer, industry leader, opinion maker).",
        groups=USER_GROUP,
        copy=False,
    )
    retention_personality = fields.Selection(
        [
            ("friendly", "Friendly"),
            ("dominant", "Dominant"),
            ("analytical", "Analytical"),
            ("self_centred", "Self-centred"),
        ],
        string="Personality",
        company_dependent=True,
        index=False,
        tracking=True,
        groups=USER_GROUP,
        copy=False,
    )
    retention_personality_strategy = fields.Text(
        string="Service Strategy", compute="_compute_retention_personality_strategy", groups=USER_GROUP
    )
    retention_relationship_level = fields.Selection(
        [("trust", "Trust"), ("value", "Value"), ("emotion", "Emotion"), ("vision", "Vision")],
        string="Relationship Level",
        company_dependent=True,
        index=False,
        tracking=True,
        groups=USER_GROUP,
        copy=False,
    )
    retention_product_attitude = fields.Selection(
        [("loyal", "Loyal Customer"), ("switcher", "Brand Switcher"), ("no_loyalty", "No Brand Loyalty")],
        string="Product Attitude",
        company_dependent=True,
        index=False,
        tracking=True,
        groups=USER_GROUP,
        copy=False,
    )
    retention_satisfaction = fields.Selection(
        SATISFACTION_SELECTION,
        string="Satisfaction",
        company_dependent=True,
        index=False,
        tracking=True,
        groups=USER_GROUP,
        copy=False,
    )

    # --- derived classifications (recompute) --------------------------------------------------------
    retention_loyalty_quadrant = fields.Selection(
        [("apostle", "Apostle"), ("prisoner", "Prisoner"), ("witch", "Witch"), ("flea", "Flea")],
        string="Loyalty Quadrant",
        help="Apostle: loyal and satisfied; prisoner: loyal, not satisfied; witch: neither; flea: satisfied, "
        "never loyal. From the satisfaction (4 or 5 is satisfied) and repeat purchases.",
        **SYSTEM_CARD_FIELD,
    )
    retention_advocacy = fields.Selection(
        [("satisfied", "Satisfied"), ("loyal", "Loyal"), ("advocate", "Advocate")],
        string="Advocacy",
        **SYSTEM_CARD_FIELD,
    )
    retention_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        help="Customer who brought this customer.",
        groups=USER_GROUP,
        copy=False,
    )
    retention_referral_count = fields.Integer(string="Customers Referred", **SYSTEM_CARD_FIELD)
    retention_history_ids = fields.One2many(
        "retention.class.history", "partner_id", string="Class History", groups=USER_GROUP
    )
    retention_trend_chart = fields.Html(
        string="Trend", compute="_compute_retention_trend_chart", sanitize=False, groups=USER_GROUP
    )

    # --- confidential profile and account manager -------------------------------------------------
    retention_profile_access = fields.Selection(
        [("none", "No Profile"), ("read", "Borrowed (read only)"), ("write", "Editable"), ("locked", "Confidential")],
        string="Confidential Profile",
        compute="_compute_retention_profile",
        groups=USER_GROUP,
    )
    retention_profile_ids = fields.Many2many(
        "retention.profile",
        string="Profile",
        compute="_compute_retention_profile",
        search="_search_retention_profile_ids",
        groups=USER_GROUP,
    )
    retention_profile_keepers = fields.Char(string="Ask", compute="_compute_retention_profile", groups=USER_GROUP)
    retention_key_date_ids = fields.Many2many(
        "retention.key.date",
        string="Key Dates",
        compute="_compute_retention_profile",
        groups=USER_GROUP,
        help="The key dates of the profile, soonest first: only for those who read the profile.",
    )
    retention_next_key_date = fields.Char(
        string="Next Key Date",
        compute="_compute_retention_profile",
        groups=USER_GROUP,
        help="The next key date of the profile (shown to those who read it).",
    )
    retention_borrowing_status = fields.Char(
        string="My Borrowing",
        compute="_compute_retention_profile",
        groups=USER_GROUP,
        help="Your request waiting for its approver, or until when you read the profile.",
    )
    retention_care_plan_count = fields.Integer(
        string="Care Plans", compute="_compute_retention_care_counts", groups=USER_GROUP
    )
    retention_action_check_count = fields.Integer(
        string="Action Checks", compute="_compute_retention_care_counts", groups=USER_GROUP
    )
    retention_completeness = fields.Float(
        string="Card Completeness (%)",
        help="Share of the data card and the confidential profile that is filled: contact details, the "
        "classifications typed by people, the contacts, the five items and the key dates.",
        **SYSTEM_CARD_FIELD,
    )
    retention_key_date_soon = fields.Boolean(
        string="Key Date This Week",
        compute="_compute_retention_key_date_soon",
        search="_search_retention_key_date_soon",
        help="A key date of the profile falls within the next 7 days (only where you read the profile).",
        groups=USER_GROUP,
    )
    # --- ownership and the public pool 公海 (see retention.pool) -----------------------------------------
    retention_held_since = fields.Date(
        string="Held Since",
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="Day the customer last changed hands: received by its account manager, or back in the pool.",
    )
    retention_locked = fields.Boolean(
        string="Locked",
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="Locked by its account manager or their supervisor: never released to the pool (within a lock cap).",
    )
    retention_protection_end = fields.Date(
        string="Protected Until",
        help="Last day of the protection period: the latest follow-up (done action check, confirmed order) or "
        "the day the account manager received the customer, plus the days of its class (Settings). Then a class "
        "B or C customer returns to the pool; a class A or strategic one is escalated to the supervisor.",
        **SYSTEM_CARD_FIELD,
    )
    retention_protection_warned_date = fields.Date(string="Protection End Warned", **SYSTEM_CARD_FIELD)
    retention_escalated_date = fields.Date(string="Escalated For", **SYSTEM_CARD_FIELD)
    retention_protection_days_left = fields.Integer(
        string="Days Left",
        compute="_compute_retention_protection_days_left",
        help="Days of protection left before the customer returns to the pool (or is escalated).",
        groups=USER_GROUP,
    )
    retention_protection_ending = fields.Boolean(
        string="Protection Ending",
        compute="_compute_retention_protection_days_left",
        search="_search_retention_protection_ending",
        help="Protection ends within the warning days of the settings, or has ended.",
        groups=USER_GROUP,
    )
    retention_in_pool = fields.Boolean(
        string="In the Pool",
        compute="_compute_retention_in_pool",
        search="_search_retention_in_pool",
        help="A customer nobody holds: salespeople claim it, supervisors assign it.",
        groups=USER_GROUP,
    )
    retention_is_orphan = fields.Boolean(
        string="Orphan",
        compute="_compute_retention_is_orphan",
        search="_search_retention_is_orphan",
        help="A customer with orders whose account manager left (archived user) and was not reassigned yet. A customer "
        "nobody holds is in the public pool.",
        groups=USER_GROUP,
    )

    # --- group customers (集团客户): the group and, on its head, the roll-up (retention.recompute) -----
    retention_group_id = fields.Many2one(
        "res.partner",
        string="Group",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The head of the group this company belongs to: the top parent company of its subsidiaries.",
        groups=USER_GROUP,
        copy=False,
    )
    retention_group_subsidiary_count = fields.Integer(
        string="Subsidiaries",
        help="Subsidiaries of the group at every level (companies whose parent company is in the group).",
        **SYSTEM_CARD_FIELD,
    )
    retention_group_revenue_12m = fields.Float(
        string="Group Revenue Last 12 Months",
        digits="Account",
        help="Revenue of the last 12 months of the head and all its subsidiaries.",
        **SYSTEM_CARD_FIELD,
    )
    retention_group_revenue_total = fields.Float(
        string="Group Lifetime Revenue",
        digits="Account",
        help="Lifetime revenue of the head and all its subsidiaries.",
        **SYSTEM_CARD_FIELD,
    )
    retention_group_abc_class = fields.Selection(
        ABC_SELECTION,
        string="Group Best Class",
        help="The best ABC class among the head and its subsidiaries.",
        **SYSTEM_CARD_FIELD,
    )
    retention_group_risk_level = fields.Selection(
        RISK_SELECTION,
        string="Group Worst Risk",
        help="The highest risk level among the head and its subsidiaries.",
        **SYSTEM_CARD_FIELD,
    )

    # --- database: the card's indexes per company -------------------------------------------------
    def init(self):
        result = super().init()
        # on every install and update: the per-company card indexes, of fields indexed since included (what earlier
        # versions left to drop is in migrations/)
        self._retention_create_card_indexes(self.env["res.company"].sudo().search([]))  # pylint: disable=no-search-all
        self._retention_leave_room_for_cards()
        # group customers (集团客户): the recompute walks the companies whose parent is a company, a few of all
        create_index(
            self.env.cr,
            "res_partner__retention_subsidiary_index",
            self._table,
            ["parent_id"],
            where="is_company AND parent_id IS NOT NULL",
        )
        # the card completeness asks of each customer whether it has an active contact: answered from this index
        # alone (an index-only scan), the analyses count it for thousands of customers at once
        create_index(
            self.env.cr,
            "res_partner__retention_contact_index",
            self._table,
            ["parent_id"],
            where="active AND parent_id IS NOT NULL",
        )
        # a salesperson's customers without their contacts (which follow the holder too): what the supervisors'
        # analyses read per salesperson
        create_index(
            self.env.cr,
            "res_partner__retention_customer_user_index",
            self._table,
            ["user_id"],
            where="active AND id = commercial_partner_id",
        )
        return result

    def _retention_leave_room_for_cards(self):
        """Leave room on each page of the partners' table (``fillfactor``, ``CARD_FILLFACTOR`` %) for the next
        version of the rows written there. A normal night rewrites about a tenth of the cards (a risk point that
        grows with time), each on the customer and its contacts: with room beside the old version PostgreSQL
        writes the new one on the same page without touching the table's 50 indexes (a HOT update, as long as
        no indexed column changes). At 100,000 customers, the 23,132 rows of 11,566 cards: 0.8 s instead of
        3.5 s. Only pages written from then on keep the room (a night's cards move to such pages as they are
        written); set once, left as it is after (the uninstall hook resets it)."""
        [(options,)] = self.env.execute_query(
            SQL("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", self._table)
        )
        if f"fillfactor={CARD_FILLFACTOR}" not in (options or []):
            self.env.cr.execute(
                SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(self._table), CARD_FILLFACTOR)
            )

    @api.model
    def _retention_create_card_indexes(self, companies):
        """One expression index per company and filtered card field, matching Odoo's compiled domain
        ``(col -> '<company id>' ->> 0)::<type>`` so that filters and group-bys on the card read a few rows; and
        for the card dates one covering index per company on the stored text (see ``_condition_to_sql``). (A
        partial index has no statistics for the planner: the Group Customers filter (集团客户) on a partial index of
        the heads was planned as a third of the partners, a scan of the table.)"""
        for company in companies:
            for fname in INDEXED_VALUES:
                column_type = self._fields[fname]._column_type[1]
                create_index(
                    self.env.cr,
                    f"res_partner__{fname}_company_{int(company.id)}_index",
                    self._table,
                    [f"((({fname} -> '{int(company.id)}') ->> 0)::{column_type})"],
                )
            for fname in INDEXED_DATES:
                name = f"res_partner__{fname}_company_{int(company.id)}_index"
                if index_exists(self.env.cr, name):
                    continue
                self.env.cr.execute(
                    SQL(
                        "CREATE INDEX %s ON res_partner (user_id, ((%s -> %s) ->> 0)) INCLUDE (%s)"
                        " WHERE parent_id IS NULL",
                        SQL.identifier(name),
                        SQL.identifier(fname),
                        str(int(company.id)),
                        SQL(", ").join(SQL.identifier(column) for column in (*CARD_DATE_INDEX_INCLUDE, fname)),
                    )
                )

    # --- computes and searches ---------------------------------------------------------------------
    def _compute_retention_currency_id(self):
        self.retention_currency_id = self.env.company.currency_id

    @api.depends("retention_revenue_12m", "retention_revenue_prev_12m")
    @api.depends_context("company")
    def _compute_retention_revenue_trend(self):
        for partner in self:
            trend = scoring.revenue_trend(partner.retention_revenue_12m, partner.retention_revenue_prev_12m)
            partner.retention_revenue_trend = trend or 0.0

    @api.depends("retention_abc_class", "retention_key_influence")
    @api.depends_context("company")
    def _compute_retention_value_type_suggested(self):
        for partner in self:
            partner.retention_value_type_suggested = scoring.suggested_value_type(
                partner.retention_abc_class, partner.retention_key_influence
            )

    @api.depends("retention_personality")
    @api.depends_context("company", "lang")
    def _compute_retention_personality_strategy(self):
        strategies = {
            "friendly": self.env._(
                "Easy-going, understanding and trusting; usually a loyal customer. Give the best service and "
                "never relax because of their tolerance."
            ),
            "dominant": self.env._(
                "Very self-confident and decisive, expects a return for everything and cannot stand being "
                "doubted or slighted; often complains. Handle with care, meet their requests as far as "
                "possible and make them feel respected."
            ),
            "analytical": self.env._(
                "Sensitive and logical; accepts fair treatment and reasonable explanations, never unfair "
                "treatment. Be sincere, explain reasonably and win their understanding."
            ),
            "self_centred": self.env._(
                "Self-centred, suspicious and unforgiving when their interests are hurt. Keep your temper, be "
                "courteous and apologise sincerely for your own mistakes."
            ),
        }
        for partner in self:
            partner.retention_personality_strategy = strategies.get(partner.retention_personality, False)

    @api.depends_context("uid", "company", "lang", "tz")
    def _compute_retention_trend_chart(self):
        """Risk score and revenue month by month, with the changes and their reasons (form only: a chart per
        customer); rendered by the trend, which checks who may read it. Not sanitized: QWeb escapes every value."""
        for partner in self:
            partner.retention_trend_chart = self.env["retention.card.trend"]._retention_chart(
                partner.commercial_partner_id
            )

    @api.depends_context("uid", "company")
    def _compute_retention_profile(self):
        Profile = self.env["retention.profile"]
        commercial = self.commercial_partner_id
        profiles = Profile.sudo().search(
            [("partner_id", "in", commercial.ids), ("company_id", "=", self.env.company.id)]
        )
        profile_of = {profile.partner_id.id: profile.id for profile in profiles}
        readable = Profile.search([("id", "in", profiles.ids)]) if Profile.has_access("read") else Profile
        kept = commercial._retention_kept_by(self.env.user)
        # key dates are profile content: searched as the user, so only readable profiles' dates come back
        key_dates = self.env["retention.key.date"]
        if readable and key_dates.has_access("read"):
            key_dates = key_dates.search([("profile_id", "in", readable.ids)]).sorted(
                lambda key_date: (key_date.next_date or date.max, key_date.id)
            )
        key_dates_of = key_dates.grouped("profile_id")
        borrowing_of = {
            borrowing.profile_id.id: borrowing
            for borrowing in self.env["retention.borrowing"]
            .sudo()
            .search(
                [
                    ("profile_id", "in", profiles.ids),
                    ("user_id", "=", self.env.uid),
                    "|",
                    ("state", "=", "requested"),
                    ("is_current", "=", True),
                ],
                order="id",
            )
        }
        for partner in self:
            customer = partner.commercial_partner_id
            profile = Profile.browse(profile_of.get(customer.id))
            partner.retention_profile_ids = profile & readable
            if not profile:
                partner.retention_profile_access = "none"
            elif customer in kept:
                partner.retention_profile_access = "write"
            else:
                partner.retention_profile_access = "read" if profile in readable else "locked"
            owner = customer.sudo().user_id
            supervisor = customer.sudo()._retention_supervisor()
            names = [self.env._("%(name)s (account manager)", name=owner.name)] if owner else []
            if supervisor and supervisor != owner:
                names.append(self.env._("%(name)s (supervisor)", name=supervisor.name))
            partner.retention_profile_keepers = self.env._(" or ").join(names) or self.env._("a retention manager")
            partner.retention_borrowing_status = self._retention_borrowing_status(borrowing_of.get(profile.id))
            dates = (
                key_dates_of.get(profile, key_dates.browse()) if profile and profile in readable else key_dates.browse()
            )
            partner.retention_key_date_ids = dates
            partner.retention_next_key_date = (
                self.env._("%(day)s %(occasion)s", day=dates[0].next_date.strftime("%m-%d"), occasion=dates[0].name)
                if dates and dates[0].next_date
                else False
            )

    def _retention_borrowing_status(self, borrowing):
        """The user's own borrowing of the profile, in a sentence: waiting for whom since when, or until when."""
        if not borrowing:
            return False
        if borrowing.state == "requested":
            return self.env._(
                "Your borrowing request of %(date)s is waiting for %(approver)s.",
                date=fields.Date.context_today(self, borrowing.create_date),
                approver=borrowing.supervisor_id.name or self.env._("a retention manager"),
            )
        return self.env._(
            "You read this profile through a borrowing until %(end)s: this is logged.",
            end=fields.Datetime.context_timestamp(self, borrowing.date_end).strftime("%Y-%m-%d %H:%M"),
        )

    def _search_retention_profile_ids(self, operator, value):
        """Customers by their profile, among the profiles the user may read (the record rules apply)."""
        if operator not in ("any", "in"):
            raise UserError(self.env._("Customers can only be searched by what their readable profile holds."))
        domain = value if operator == "any" else [("id", "in", value)]
        Profile = self.env["retention.profile"]
        profiles = Profile.search([("company_id", "=", self.env.company.id), *domain])
        return [("id", "in", profiles.partner_id.ids)]

    @api.depends_context("uid", "company")
    def _compute_retention_care_counts(self):
        """Counts on the customer (its commercial partner), with the user's rights: one grouped query each."""
        commercial = self.commercial_partner_id
        counts = {}
        for model in ("retention.care.plan", "retention.action.check"):
            Model = self.env[model]
            counts[model] = (
                dict(Model._read_group([("partner_id", "in", commercial.ids)], ["partner_id"], ["__count"]))
                if Model.has_access("read")
                else {}
            )
        for partner in self:
            customer = partner.commercial_partner_id
            partner.retention_care_plan_count = counts["retention.care.plan"].get(customer, 0)
            partner.retention_action_check_count = counts["retention.action.check"].get(customer, 0)

    @api.depends("retention_risk_factors")
    @api.depends_context("company", "lang")
    def _compute_retention_risk_reasons(self):
        explain = self._retention_risk_explainer()
        for partner in self:
            partner.retention_risk_reasons = explain(partner.retention_risk_factors)

    @api.model
    def _retention_risk_explainer(self, today=None):
        """A function turning the stored risk factors (``scoring.risk_factors_data``) into one sentence per
        factor, in the language and currency of the environment, days counted to ``today`` (the reader's day by
        default); built once for many cards."""
        today = today or fields.Date.context_today(self)
        templates = {
            "recency": self.env._("No order for %(days)s days, usual interval %(interval)s days: +%(points)s"),
            "trend": self.env._("Revenue %(trend)s %% against the previous 12 months: +%(points)s"),
            "contact": self.env._("Contact overdue by %(days)s days (every %(cadence)s days): +%(points)s"),
            "complaint": self.env._(
                "%(complaints)s complaints and %(low)s low satisfaction scores in action checks: +%(points)s"
            ),
            "receivable": self.env._("%(amount)s %(currency)s overdue for up to %(days)s days: +%(points)s"),
        }

        def explain(factors):
            if not factors:
                return False
            lines = []
            for factor, points, values in json.loads(factors):
                params = scoring.factor_params(factor, values, today)
                if factor == "receivable":
                    # read only when needed: most cards have no overdue receivable
                    params["amount"], params["currency"] = f"{params['amount']:,.2f}", self.env.company.currency_id.name
                lines.append(templates[factor] % {**params, "points": points})
            return "\n".join(lines)

        return explain

    @api.depends_context("uid", "company", "tz")
    def _compute_retention_key_date_soon(self):
        soon = self.search([("id", "in", self.ids), ("retention_key_date_soon", "=", True)])
        for partner in self:
            partner.retention_key_date_soon = partner in soon

    def _search_retention_key_date_soon(self, operator, value):
        """Customers with a key date in the next 7 days, among the profiles the user reads: the key dates are
        searched as the user, so the record rules of the confidential profile decide."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Key Date This Week'."))
        KeyDate = self.env["retention.key.date"]
        partner_ids = []
        if KeyDate.has_access("read"):
            today = fields.Date.context_today(self)
            partner_ids = (
                KeyDate.search([("company_id", "=", self.env.company.id)])
                .filtered(lambda key_date: key_date.next_date and 0 <= (key_date.next_date - today).days < 7)
                .partner_id.ids
            )
        return [("id", "in" if (operator == "=") == value else "not in", partner_ids)]

    @api.depends_context("company")
    def _compute_retention_is_orphan(self):
        for partner in self:
            owner = partner.sudo().user_id
            partner.retention_is_orphan = bool(
                partner.commercial_partner_id == partner
                and partner.retention_order_count
                and owner
                and not owner.active
            )

    def _search_retention_is_orphan(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Orphan'."))
        # the archived users first (a few): "salesperson is one of them" then reads the salesperson index instead
        # of scanning every partner's card. (A customer nobody holds is no orphan: it is in the public pool.)
        gone = self.env["res.users"].with_context(active_test=False).sudo().search([("active", "=", False)]).ids
        orphans = self.with_context(active_test=False)._search(
            [*CUSTOMER_DOMAIN, ("user_id", "in", gone), ("retention_order_count", ">", 0)]
        )
        return [("id", "in" if (operator == "=") == value else "not in", orphans)]

    @api.depends("retention_protection_end")
    @api.depends_context("company")
    def _compute_retention_protection_days_left(self):
        today = fields.Date.context_today(self)
        warn = self.env.company.retention_protect_warn_days
        for partner in self:
            end = partner.commercial_partner_id.retention_protection_end
            partner.retention_protection_days_left = (end - today).days if end else 0
            partner.retention_protection_ending = bool(end) and (end - today).days <= warn

    def _search_retention_protection_ending(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'Protection Ending'."))
        horizon = fields.Date.context_today(self) + timedelta(days=self.env.company.retention_protect_warn_days)
        domain = [("retention_protection_end", "<=", horizon)]
        return domain if (operator == "=") == value else ["|", ("retention_protection_end", "=", False), "!", *domain]

    @api.depends("user_id", "parent_id", "is_company", "retention_time_class")
    @api.depends_context("company")
    def _compute_retention_in_pool(self):
        for partner in self:
            partner.retention_in_pool = (
                (partner.is_company or not partner.parent_id)
                and not partner.sudo().user_id
                and partner.retention_time_class in ("prospect", "new", "old")
            )

    def _search_retention_in_pool(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on 'In the Pool'."))
        domain = self.env["retention.pool"]._pool_domain()
        return domain if (operator == "=") == value else ["!", "&", "&", *domain]

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        """Days left sort as the protection end they count to (no end: last)."""
        if field_name == "retention_protection_days_left":
            return super()._order_field_to_sql(alias, "retention_protection_end", direction, nulls, query)
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    @api.model
    def _group_expand_retention_stage(self, values, domain):
        return [key for key, _label in STAGE_SELECTION]

    # --- constraints ------------------------------------------------------------------------------
    @api.constrains("retention_referred_by_id")
    def _check_retention_referred_by(self):
        for partner in self:
            if partner.retention_referred_by_id and (
                partner.retention_referred_by_id.commercial_partner_id == partner.commercial_partner_id
            ):
                raise ValidationError(self.env._("A customer cannot refer itself."))

    # --- CRUD and ORM: who may write what --------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        context = self.env.context
        if not self.env.su:
            # neither a default_<field> in the context nor a user default chooses a protected field
            protected = self._retention_protected_on_create()
            context = {
                key: value
                for key, value in context.items()
                if not (key.startswith("default_") and key.removeprefix("default_") in protected)
            }
            vals_list = [self._retention_refuse_system_values(vals, protected) for vals in vals_list]
            if self.env.user.has_group(USER_GROUP):
                # a salesperson adds contacts to the customers she keeps only, as she moves them (their card, the
                # completeness her supervisor reviews); users outside retention (accounting) still add addresses
                parents = {vals["parent_id"] for vals in vals_list if vals.get("parent_id")}
                if context.get("default_parent_id") and any("parent_id" not in vals for vals in vals_list):
                    parents.add(context["default_parent_id"])
                if parents:
                    customers = self.sudo().browse(parents).commercial_partner_id.with_env(self.env)
                    self._retention_check_holder(customers)
                    self._retention_check_not_pool(customers)
                # a salesperson creates customers for herself; a supervisor for her teams (as on a change)
                given = {vals["user_id"] for vals in vals_list if vals.get("user_id")}
                given |= {context["default_user_id"]} if context.get("default_user_id") else set()
                given -= {self.env.uid}
                for user_id in given:
                    self.browse()._retention_check_owner_change(self.browse(), self.env["res.users"].browse(user_id))
        overridden = [bool(OVERRIDE_FIELDS.keys() & {f for f, v in vals.items() if v}) for vals in vals_list]
        for vals, override in zip(vals_list, overridden, strict=True):
            if override or any(vals.get(reason) for reason in OVERRIDE_FIELDS.values()):
                self.browse()._retention_check_override(vals)
        # the context without the defaults it may not give (a dict replaces it: kwargs could only add keys)
        partners = super(ResPartner, self.with_context(context)).create(vals_list)  # pylint: disable=context-overridden
        partners = partners.with_env(self.env)
        for partner, vals, override in zip(partners, vals_list, overridden, strict=True):
            if override:  # an override given at creation (form, import) is history like any other
                partner._retention_apply_overrides(vals)
        partners.filtered("parent_id")._retention_copy_card_from_commercial()
        partners.filtered(lambda partner: partner.is_company and partner.parent_id)._retention_queue_group_refresh()
        partners._retention_store_completeness()
        return partners

    def write(self, vals):
        if self.env.context.get("retention_merge") is MERGE_MARK:
            skipped = {*SERVER_FIELDS, *OVERRIDE_FIELDS, *OVERRIDE_FIELDS.values()}
            vals = {fname: value for fname, value in vals.items() if fname not in skipped}
        if not self.env.su:
            refuse_server_values(self, vals, [fname for fname in SERVER_FIELDS if fname in vals])
        vals = dict(vals)
        overrides = OVERRIDE_FIELDS.keys() & set(vals)
        if overrides or set(OVERRIDE_FIELDS.values()) & set(vals):
            self._retention_check_override(vals)
            for field in overrides:
                if not vals[field]:
                    vals[OVERRIDE_FIELDS[field]] = False  # a cleared override leaves no stale reason behind
        if (
            not self.env.su
            and set(MANUAL_FIELDS) & set(vals)
            and self.env.context.get("retention_merge") is not MERGE_MARK
        ):
            # the relationship classes of a customer are its keepers' judgement: not another team's
            self._retention_check_holder(self.commercial_partner_id)
        old_owners = self._retention_owner_changes(vals)
        moved = self._retention_parent_changes(vals)
        # companies that may join, leave or move in a group (集团客户)
        regrouped = self.filtered("is_company") if GROUP_STRUCTURE.intersection(vals) else self.browse()
        # the customers whose card completeness may change, as they were before (a contact may leave one)
        completed = self.commercial_partner_id if COMPLETENESS_INPUTS.intersection(vals) else self.browse()
        res = super().write(vals)
        if overrides:
            self._retention_apply_overrides(vals)
        if old_owners:
            self._retention_record_owner_changes(old_owners)
        if "parent_id" in vals:
            self._retention_copy_card_from_commercial()
        # a contact that becomes a company of its own starts without the card it showed
        moved.filtered(lambda partner: partner.commercial_partner_id == partner)._retention_clear_card()
        if GROUP_STRUCTURE.intersection(vals):
            (regrouped | self.filtered("is_company"))._retention_queue_group_refresh()
        if completed:
            (completed | self)._retention_store_completeness()
        return res

    def unlink(self):
        # the customers that lose a contact
        customers = self.commercial_partner_id - self
        res = super().unlink()
        customers.exists()._retention_store_completeness()
        return res

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + list(MANUAL_FIELDS)

    def _condition_to_sql(self, alias, fname, operator, value, query):
        """A comparison of a card date with a date compiles to a comparison of the stored ISO text instead of
        Odoo's ``(col -> company ->> 0)::date``: the same rows (ISO dates sort as text), but PostgreSQL can index
        text and not the text-to-date cast (it depends on the session's DateStyle)."""
        if fname in INDEXED_DATES and operator in CARD_DATE_OPERATORS and isinstance(value, (date, str)):
            field = self._fields[fname]
            try:
                day = fields.Date.to_date(value)
            except ValueError:
                day = None
            if day and not field.get_company_dependent_fallback(self):
                self.check_field_access_rights("read", [fname])
                return SQL(
                    "((%s -> %s) ->> 0) %s %s",
                    SQL.identifier(alias, fname, to_flush=field),
                    str(self.env.company.id),
                    SQL(operator),
                    fields.Date.to_string(day),
                )
        return super()._condition_to_sql(alias, fname, operator, value, query)

    @api.model
    def _retention_protected_on_create(self):
        """Fields a user's create never sets: the system's card and the overrides (given explicitly, with their
        rules); for users outside the retention groups, every retention field."""
        protected = {*SERVER_FIELDS, *OVERRIDE_FIELDS, *OVERRIDE_FIELDS.values()}
        if not self.env.user.has_group(USER_GROUP):
            # (not the computed ones: the duplicate check's keys are computed for every partner)
            protected |= {
                fname
                for fname, field in self._fields.items()
                if fname.startswith("retention_") and field.store and not field.compute
            }
        return protected

    def _retention_refuse_system_values(self, vals, protected):
        """Users, imports included, never write the card's metrics, classes, risk and contact dates (the
        recompute's, and a done action check's), and users outside the retention groups set no retention
        field. An empty value (an imported column left blank) is dropped; a missing one is empty."""
        vals = {fname: value for fname, value in vals.items() if fname not in protected or value}
        if self.env.user.has_group(USER_GROUP):
            refused = [fname for fname in SERVER_FIELDS if fname in vals]
        else:
            refused = [fname for fname in protected if fname in vals]
        refuse_server_values(self, vals, refused)
        return {**dict.fromkeys(protected, False), **vals}

    def _retention_check_override(self, vals):
        """Overrides and their reasons are for supervisors and managers; an override holds only with a
        reason (given with it, or kept from before), on a company, never on a contact."""
        if not self.env.su and not self.env.user.has_group(SUPERVISOR_GROUP):
            raise AccessError(self.env._("Only retention supervisors and managers may override a customer's class."))
        if vals.get("parent_id") or any(partner.commercial_partner_id != partner for partner in self):
            raise UserError(self.env._("Override the class on the company, not on one of its contacts."))
        for field, reason_field in OVERRIDE_FIELDS.items():
            label = self._fields[field]._description_string(self.env)
            for partner in self or [self.browse()]:
                override = vals[field] if field in vals else partner[field]
                reason = vals[reason_field] if reason_field in vals else partner[reason_field]
                if override and not (reason or "").strip():
                    raise ValidationError(self.env._("%(field)s needs a reason.", field=label))

    def _retention_parent_changes(self, vals):
        """Moving a customer under another company, a contact to another one, or making a contact a company
        changes who holds it: its account manager, their supervisor or a manager does it; and for users of the
        retention groups, archiving or restoring one as well. Returns the moved partners that showed another
        company's card."""
        if "active" in vals and not self.env.su and self.env.user.has_group(USER_GROUP):
            archived = self.filtered(lambda partner: partner.active != bool(vals["active"]))
            self._retention_check_holder(archived.commercial_partner_id)
        if "parent_id" not in vals and "is_company" not in vals:
            return self.browse()
        moved = self.filtered(
            lambda partner: (
                ("parent_id" in vals and partner.parent_id.id != (vals["parent_id"] or False))
                or ("is_company" in vals and partner.is_company != bool(vals["is_company"]))
            )
        )
        if moved and not self.env.su:
            self._retention_check_holder(moved)
            self._retention_check_not_pool(moved)
            if vals.get("parent_id"):
                # and into a customer the user holds (or may act for): not into another team's customer
                new_parent = self.browse(vals["parent_id"]).commercial_partner_id
                self._retention_check_holder(new_parent)
                self._retention_check_not_pool(new_parent)
        # those that showed another company's card
        return moved.filtered(lambda partner: partner.commercial_partner_id != partner)

    def _retention_owner_changes(self, vals):
        """{customer: old account manager} for the customers whose account manager ``vals`` changes, once
        the current user was found allowed to make the change."""
        if "user_id" not in vals:
            return {}
        new_user = self.env["res.users"].sudo().browse(vals["user_id"] or [])
        company_partners = self.env["res.company"].sudo().search([]).partner_id  # pylint: disable=no-search-all
        changed = (
            self.sudo()
            .with_context(active_test=False)
            .filtered(
                lambda partner: (
                    partner.user_id != new_user
                    # an employee's own partner is no customer; a customer with a portal login is one
                    and not partner.user_ids.filtered(lambda login: not login.share)
                    and partner not in company_partners
                )
            )
        )
        # customers, and contacts this write makes customers (no parent any more)
        becomes_customer = "parent_id" in vals and not vals["parent_id"]
        if changed and not self.env.su:
            # a contact too: a customer made a contact for a moment is no way round
            self._retention_check_owner_change(changed, new_user)
            # nor is a contact of a pool customer taken without its company: that is a claim of the company
            contacts = changed.filtered(lambda partner: partner.parent_id and not partner.is_company)
            if new_user and contacts and not becomes_customer:
                self._retention_check_not_pool(contacts.commercial_partner_id)
        old_owners = {
            customer: customer.user_id
            for customer in changed.filtered(
                lambda partner: partner.is_company or not partner.parent_id or becomes_customer
            )
        }
        if old_owners and (not self.env.su or self.env.context.get("retention_pool_caps") is CAPS_APPLY):
            # a claim or an assignment from the pool, by a user or an action of the pool: its caps
            kinds = self._retention_owner_moves(old_owners, new_user)
            Pool = self.env["retention.pool"]
            Customers = self.browse()
            claimed = Customers.union(*(customer for customer, kind in kinds.items() if kind == "claim"))
            assigned = Customers.union(*(customer for customer, kind in kinds.items() if kind == "assign"))
            if claimed:
                Pool._check_claims(claimed, new_user)
            if assigned:
                Pool._lock_user(new_user)
                Pool._check_holding(assigned, new_user)
        return old_owners

    def _retention_owner_moves(self, old_owners, new_user):
        """{customer: kind of move} of a change of account manager to ``new_user`` (``retention.owner.history``
        kinds): the one a pool action decided, else a return to the pool, a claim (for oneself) or an assignment
        from it, an adoption of an orphan, or a transfer."""
        move = self.env.context.get("retention_owner_move")
        if isinstance(move, OwnerMove):
            return dict.fromkeys(old_owners, str(move))
        kinds = {}
        for customer, old_user in old_owners.items():
            if not new_user:
                kinds[customer] = "return"
            elif not old_user:
                kinds[customer] = "claim" if new_user == self.env.user else "assign"
            else:
                kinds[customer] = "transfer" if old_user.active else "adopt"
        return kinds

    # --- actions ----------------------------------------------------------------------------------
    @api.model
    def _retention_customers_action(self):
        """The Customers menu: a salesperson lands on her own customers, a supervisor on his team's, a retention
        manager on every customer and prospect (filters the user may remove)."""
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_retention.res_partner_action_retention")
        context = {"search_default_retention_customers": 1, "default_is_company": True}
        user = self.env.user
        if user.has_group(MANAGER_GROUP):
            pass
        elif user.has_group(SUPERVISOR_GROUP):
            context["search_default_retention_my_team"] = 1
        else:
            context["search_default_retention_my_customers"] = 1
        action["context"] = context
        return action

    @api.model
    def _retention_pool_action(self):
        """The Public Pool menu: revenue shows to supervisors and managers, to salespeople when the settings
        allow it."""
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_retention.res_partner_action_retention_pool")
        action["context"] = {
            "default_is_company": True,
            "retention_pool_revenue": self.env.company.retention_pool_show_revenue
            or self.env.user.has_group(SUPERVISOR_GROUP),
        }
        return action

    def action_retention_apply_value_type(self):
        """One click: the customer's value type becomes the suggested one (a normal write, with its checks)."""
        for partner in self:
            if partner.retention_value_type_suggested and not partner.retention_value_type:
                partner.write({"retention_value_type": partner.retention_value_type_suggested})
        return True

    def action_retention_open_referrals(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Referred Customers"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(self.env.ref("customer_retention.res_partner_view_list_retention").id, "list"), (False, "form")],
            "domain": [("retention_referred_by_id.commercial_partner_id", "=", self.commercial_partner_id.id)],
            "context": {"default_retention_referred_by_id": self.commercial_partner_id.id},
        }

    def action_retention_open_subsidiaries(self):
        """The subsidiaries of a group's head (集团客户), every level, each with its own class and risk."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Subsidiaries of %(group)s", group=self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(self.env.ref("customer_retention.res_partner_view_list_retention").id, "list"), (False, "form")],
            "domain": [("retention_group_id", "=", self.id), ("id", "!=", self.id)],
            "context": {"default_parent_id": self.id, "default_is_company": True},
        }

    def action_retention_open_care_plans(self):
        return self._retention_open_care("retention.care.plan", self.env._("Care Plans"))

    def action_retention_open_action_checks(self):
        return self._retention_open_care("retention.action.check", self.env._("Action Checks"))

    def _retention_open_care(self, model, name):
        self.ensure_one()
        customer = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": [("partner_id", "=", customer.id)],
            "context": {"default_partner_id": customer.id},
        }

    def action_retention_open_profile(self):
        """Open the customer's confidential profile; a keeper without one gets a new one to fill in."""
        self.ensure_one()
        customer = self.commercial_partner_id
        if customer.retention_profile_ids:
            return self._retention_profile_action(res_id=customer.retention_profile_ids.id)
        if customer.retention_profile_access == "none" and customer._retention_kept_by(self.env.user):
            return self._retention_profile_action(context={"default_partner_id": customer.id})
        raise AccessError(
            self.env._(
                "The profile of %(customer)s is confidential: ask %(keepers)s, or request a borrowing.",
                customer=customer.name,
                keepers=customer.retention_profile_keepers,
            )
        )

    def _retention_profile_action(self, res_id=False, context=None):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Confidential Profile"),
            "res_model": "retention.profile",
            "view_mode": "form",
            "res_id": res_id,
            "context": context or {},
        }

    def action_retention_request_borrowing(self):
        self.ensure_one()
        if self.retention_borrowing_status:
            raise UserError(self.retention_borrowing_status)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Request a Borrowing"),
            "res_model": "retention.borrowing",
            "view_mode": "form",
            "target": "new",
            "views": [(self.env.ref("customer_retention.retention_borrowing_view_form_request").id, "form")],
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_retention_open_history(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Class History"),
            "res_model": "retention.class.history",
            "view_mode": "list,form",
            "domain": [("partner_id", "=", self.commercial_partner_id.id)],
            "context": {"search_default_group_kind": 0},
        }

    def action_retention_claim(self):
        """领取: the current salesperson takes these pool customers (daily claim cap, holding cap, cool-down)."""
        claimed = self.env["retention.pool"]._claim(self)
        return self._retention_notify(
            self.env._("%(count)s customers claimed: protected until their first follow-up is due.", count=len(claimed))
        )

    def action_retention_return(self):
        """退回: give these customers back to the pool, with a reason (a wizard)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Return to the Pool"),
            "res_model": "retention.pool.return",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.commercial_partner_id.ids},
        }

    def action_retention_lock(self):
        """锁定: never released to the pool while locked (within the holder's lock cap)."""
        self.env["retention.pool"]._set_lock(self, True)
        return self._retention_notify(self.env._("Locked: these customers are not released to the pool."))

    def action_retention_unlock(self):
        self.env["retention.pool"]._set_lock(self, False)
        return self._retention_notify(self.env._("Unlocked: the protection countdown runs again."))

    def _retention_notify(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_retention_recompute(self):
        return self.env["retention.recompute"].action_recompute_now()

    # --- the card: overrides and set-based writes of the recompute, action checks and reminders ------
    def _retention_apply_overrides(self, vals):
        """Make an override (or its removal) effective at once, with history and chatter."""
        company = self.env.company
        pairs = []
        if "retention_abc_override" in vals:
            pairs.append(("abc", "retention_abc_class", "retention_abc_class_auto", "retention_abc_override"))
        if "retention_stage_override" in vals:
            pairs.append(
                ("stage", "retention_lifecycle_stage", "retention_lifecycle_stage_auto", "retention_stage_override")
            )
        changes = []
        for kind, effective, auto, override in pairs:
            reason_field = override + "_reason"
            by_value = {}
            for partner in self:
                new = partner[override] or partner[auto] or False
                old = partner[effective] or False
                if new != old:
                    by_value.setdefault(new, []).append(partner.id)
                    reason = partner[reason_field] if partner[override] else self.env._("Override cleared")
                    changes.append(
                        {
                            "partner_id": partner.id,
                            "kind": kind,
                            "old": old,
                            "new": new,
                            "origin": "manual",
                            "reason": reason,
                        }
                    )
            for value, ids in by_value.items():
                values = {effective: value}
                if kind == "stage":
                    values["retention_stage_date"] = fields.Date.context_today(self)
                self._retention_sql_set(company, values, ids)
        self.env["retention.class.history"]._log_changes(company, changes)

    @api.model
    def _retention_sql_set(self, company, values, commercial_ids):
        """Set company-dependent card fields to the same ``values`` on commercial partners and their contacts."""
        self._retention_sql_patch(company, dict.fromkeys(commercial_ids, values))

    @api.model
    def _retention_sql_patch(self, company, patches):
        """Set company-dependent card fields per commercial partner (and its contacts) in one UPDATE:
        ``patches`` is {commercial partner id: {field name: new value}}. Each row is written once whatever
        the number of fields that change, so a first run does not leave a dead tuple per field and row."""
        if not patches:
            return
        fnames = sorted({fname for patch in patches.values() for fname in patch})
        self.flush_model([*fnames, "commercial_partner_id"])

        kinds = {fname: BY_NAME[fname].kind for fname in fnames}
        document = {
            str(pid): {fname: to_stored(kinds[fname], value) for fname, value in patch.items()}
            for pid, patch in patches.items()
        }
        key = str(company.id)
        self.env.execute_query(
            SQL(
                """UPDATE res_partner p SET %(assignments)s
                     FROM jsonb_each(%(document)s::jsonb) AS v(id, patch)
                    WHERE p.commercial_partner_id = v.id::int""",
                assignments=SQL(", ").join(
                    SQL(
                        """%(col)s = CASE WHEN v.patch ? %(fname)s
                                     THEN COALESCE(p.%(col)s, '{}'::jsonb) || jsonb_build_object(%(key)s::text,
                                                                                                v.patch -> %(fname)s)
                                     ELSE p.%(col)s END""",
                        col=SQL.identifier(fname),
                        fname=fname,
                        key=key,
                    )
                    for fname in fnames
                ),
                document=json.dumps(document),
            )
        )
        self.invalidate_model(fnames)

    def _retention_store_completeness(self):
        """Store the card completeness (``card_completeness``) of these partners' customers (their commercial
        partners) in every company they belong to, on each customer and its contacts, in one UPDATE that writes
        only the rows whose value changes. Called whenever what it counts may change: a customer's details and
        classifications, its contacts, its confidential profile's five items and key dates."""
        customer_ids = [pid for pid in self.commercial_partner_id.ids if isinstance(pid, int)]
        if customer_ids:
            self.env["res.partner"]._retention_store_completeness_of(customer_ids)

    @api.model
    def _retention_store_completeness_of(self, customer_ids=None, companies=None):
        """``_retention_store_completeness`` of the customers ``customer_ids`` (None: every customer), in
        ``companies`` (None: every company)."""
        self.flush_model(
            [*COMPLETENESS_COLUMNS, *COMPLETENESS_CLASSES, "parent_id", "active", "commercial_partner_id", "company_id"]
        )
        self.env["retention.profile"].flush_model(["partner_id", "company_id", *COMPLETENESS_PROFILE])
        self.env["retention.key.date"].flush_model(["profile_id"])
        self.env.execute_query(
            SQL(
                """UPDATE res_partner p
                      SET retention_completeness = COALESCE(p.retention_completeness, '{}'::jsonb) || v.completeness
                     FROM (SELECT c.id, jsonb_object_agg(co.id::text, %(completeness)s) AS completeness
                             FROM res_partner c
                             JOIN res_company co ON c.company_id IS NULL OR c.company_id = co.id
                             LEFT JOIN retention_profile pr ON pr.partner_id = c.id AND pr.company_id = co.id
                            WHERE c.id = c.commercial_partner_id %(only)s %(in_companies)s
                            GROUP BY c.id) v
                    WHERE p.commercial_partner_id = v.id
                      AND NOT COALESCE(p.retention_completeness, '{}'::jsonb) @> v.completeness""",
                completeness=completeness_sql("c", "pr", SQL("co.id")),
                only=SQL() if customer_ids is None else SQL("AND c.id = ANY(%s)", list(customer_ids)),
                in_companies=SQL() if companies is None else SQL("AND co.id = ANY(%s)", companies.ids),
            )
        )
        self.invalidate_model(["retention_completeness"])

    def _retention_clear_card(self):
        """Forget the card values of these partners in every company: the next recompute examines them anew."""
        if not self:
            return
        self.flush_recordset(list(SYSTEM_FIELDS))
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET %s WHERE id = ANY(%s)",
                SQL(", ").join(SQL("%s = NULL", SQL.identifier(fname)) for fname in SYSTEM_FIELDS),
                self.ids,
            )
        )
        self.invalidate_recordset(list(SYSTEM_FIELDS))

    def _retention_copy_card_from_commercial(self):
        """A contact shows its company's data card at once (all companies), not only after the next recompute."""
        if not self:
            return
        self.flush_recordset(["commercial_partner_id"])
        self.env.execute_query(
            SQL(
                "UPDATE res_partner c SET %s FROM res_partner p WHERE c.id = ANY(%s) AND p.id = c.commercial_partner_id"
                " AND p.id != c.id",
                SQL(", ").join(SQL("%s = p.%s", SQL.identifier(f), SQL.identifier(f)) for f in CARD_FIELDS),
                self.ids,
            )
        )
        self.invalidate_recordset(list(CARD_FIELDS))

    def _retention_queue_group_refresh(self):
        """These companies joined, left or moved in a group (集团客户): their cards and their groups' roll-up (the
        group they are in now and the one they were in) are refreshed within the minute in every company, by the
        refresh queue's cron job, instead of the next night."""
        if not self:
            return
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        self.env["retention.refresh.queue"].sudo()._enqueue(
            [(company.id, partner_id) for company in companies for partner_id in self.ids]
        )

    def _retention_card_snapshot(self):
        """What a user watches on the card, to tell them what an action of theirs changed."""
        self.ensure_one()
        card = self.sudo()
        return {
            "last_contact": card.retention_last_contact_date,
            "next_contact": card.retention_next_contact_date,
            "risk_level": card.retention_risk_level,
            "risk_score": card.retention_risk_score,
        }

    def _retention_card_changes(self, old):
        """One sentence, in the user's language: the card now, and the risk before when it moved."""
        self.ensure_one()
        new = self._retention_card_snapshot()
        risks = dict(self._fields["retention_risk_level"]._description_selection(self.env))
        sentence = self.env._(
            "%(customer)s: last contact %(last)s, next contact %(next)s, risk %(risk)s (%(score)s/100).",
            customer=self.name,
            last=new["last_contact"] or "-",
            next=new["next_contact"] or "-",
            risk=risks.get(new["risk_level"], "-"),
            score=new["risk_score"],
        )
        if (old["risk_level"], old["risk_score"]) != (new["risk_level"], new["risk_score"]):
            sentence += " " + self.env._(
                "Risk was %(risk)s (%(score)s/100).", risk=risks.get(old["risk_level"], "-"), score=old["risk_score"]
            )
        return sentence

    # --- who holds a customer ---------------------------------------------------------------------
    @api.model
    def _retention_customers_domain(self, salesperson):
        """The customers (commercial partners) a salesperson manages."""
        return [("user_id", "=", salesperson.id), *CUSTOMER_DOMAIN]

    def _retention_holder(self):
        """Who holds this partner: its account manager, or for a contact without one, its company's (for a
        customer, its account manager)."""
        self.ensure_one()
        partner = self.sudo()
        return partner.user_id or partner.commercial_partner_id.user_id

    def _retention_supervisor(self):
        """The supervisor of the customer: leader of its account manager's sales team."""
        return self.commercial_partner_id.user_id.sale_team_id.user_id

    def _retention_kept_by(self, user):
        """The customers of ``self`` that ``user`` keeps (reads and writes their confidential data): their
        account manager, a supervisor leading the account manager's team, or any retention manager.
        Mirrors the record rules of the confidential models."""
        if user._is_superuser() or user.has_group(MANAGER_GROUP):
            return self
        is_supervisor = user.has_group(SUPERVISOR_GROUP)
        return self.filtered(
            lambda partner: (
                (owner := partner._retention_holder()) == user or (is_supervisor and owner.sale_team_id.user_id == user)
            )
        )

    def _retention_check_not_pool(self, partners):
        """Customers in the public pool are claimed or assigned, not taken another way (moved under a customer,
        merged): a supervisor or a manager may."""
        if self.env.su or self.env.user.has_group(SUPERVISOR_GROUP):
            return
        pooled = partners.sudo().filtered_domain(self.env["retention.pool"]._pool_domain())
        if pooled:
            raise UserError(
                self.env._(
                    "%(customers)s are in the public pool: claim them first.",
                    customers=", ".join(pooled.mapped("display_name")),
                )
            )

    def _retention_check_holder(self, partners):
        """The current user acts for ``partners`` as their holder (``_retention_kept_by``); a partner nobody
        holds is anyone's."""
        held = partners.sudo().filtered(lambda partner: partner._retention_holder())
        foreign = held - held._retention_kept_by(self.env.user)
        if foreign:
            raise AccessError(
                self.env._(
                    "%(partners)s are held by %(users)s: only they, their supervisor or a retention manager may "
                    "do this.",
                    partners=", ".join(foreign.mapped("display_name")),
                    users=", ".join({partner._retention_holder().name for partner in foreign}),
                )
            )

    # --- changes of account manager: checked here, each document moved by its model --------------
    def _retention_check_owner_change(self, customers, new_user):
        """Who changes a customer's account manager: a retention manager, anyone; a supervisor, for the
        customers of the teams they lead and orphans, to themselves or a member of those teams (or to
        nobody); anyone else only takes a customer nobody holds, for themselves."""
        user = self.env.user
        if new_user and (not new_user.active or new_user.share):
            raise UserError(self.env._("The new account manager must be an active internal user."))
        if self.env.su or user.has_group(MANAGER_GROUP):
            return
        customers = customers.sudo()
        if not user.has_group(USER_GROUP):
            raise AccessError(
                self.env._("Only the retention groups change account managers: ask a supervisor of the customers.")
            )
        if not user.has_group(SUPERVISOR_GROUP):
            held = customers.filtered(lambda partner: partner._retention_holder() not in (user, user.browse()))
            if new_user != user or held:
                raise AccessError(
                    self.env._(
                        "You cannot change the account manager of %(customers)s: ask their supervisor.",
                        customers=", ".join((held or customers).mapped("display_name")),
                    )
                )
            return
        if new_user and new_user != user and new_user not in user._retention_led_members():
            raise AccessError(self.env._("%(user)s is not in a sales team you lead.", user=new_user.name))
        foreign = customers.filtered(
            lambda customer: (
                customer._retention_holder().active and customer._retention_holder().sale_team_id.user_id != user
            )
        )
        if foreign:
            raise AccessError(
                self.env._(
                    "You may only reassign customers of the teams you lead, or orphans: %(customers)s.",
                    customers=", ".join(foreign.mapped("name")),
                )
            )

    def _retention_move_holder(self, new_user):
        """A change of account manager that the pool (claim, assignment, return, release) or the reassignment
        wizard decided, set-based: the same checks and records as a write of ``user_id`` (caps, history, chatter,
        contacts, hand-over or parking, countdown), with the column set by one UPDATE. Odoo's write syncs and
        tracks partner by partner, and a night may return tens of thousands of customers to the pool; the
        history's line in the chatter says what Odoo's tracking message would. ``self``: customers, with the
        context of the move (``retention_owner_move``, ``retention_owner_reason``)."""
        old_owners = self._retention_owner_changes({"user_id": new_user.id})
        moving = self.filtered(lambda partner: partner.user_id != new_user)
        if not moving:
            return
        self.flush_model(["user_id"])
        moving.modified(["user_id"], before=True)
        self.env.execute_query(
            SQL(
                """UPDATE res_partner SET user_id = %s, write_uid = %s, write_date = %s
                    WHERE id = ANY(%s) AND user_id IS DISTINCT FROM %s""",
                new_user.id or None,
                self.env.uid,
                fields.Datetime.now(),
                moving.ids,
                new_user.id or None,
            )
        )
        moving.invalidate_recordset(["user_id", "write_uid", "write_date"])
        moving.modified(["user_id"])
        if old_owners:
            moving._retention_record_owner_changes(old_owners)

    def _retention_record_owner_changes(self, old_owners):
        """After a change of account manager: contacts that followed the old one, open care plans and
        checks, activities and follower subscriptions move to the new one; the confidential profiles keep
        only their keepers as followers; the account manager history and the chatter say who, when and why.
        Set-based but for the hand-over, which runs once per old holder."""
        # the reason a pool action, the reassignment wizard or the system gives; not one a client sends
        trusted = self.env.su or self.env.context.get("retention_pool_caps") is CAPS_APPLY
        reason = (trusted and self.env.context.get("retention_owner_reason")) or self.env._("Changed on the customer")
        Partner = self.sudo().with_context(active_test=False)
        new_user = next(iter(old_owners)).user_id
        kinds = self._retention_owner_moves(old_owners, new_user)
        Pool = self.env["retention.pool"]
        customers = Partner.browse([customer.id for customer in old_owners])
        # a customer from the pool: what its last holder left there goes to the new one
        previous = (
            Pool._previous_holders(customers.filtered(lambda customer: not old_owners[customer])) if new_user else {}
        )
        holder_of = {
            customer.id: old_user or previous.get(customer, old_user) for customer, old_user in old_owners.items()
        }
        contacts_of = self._retention_move_contacts(holder_of, new_user)
        by_owner = {}
        for customer_id, holder in holder_of.items():
            by_owner.setdefault(holder, []).append(customer_id)
        for old_user, owned_ids in by_owner.items():
            # (a subsidiary is a customer of its own: it keeps its account manager)
            moved = Partner.browse(owned_ids + contacts_of.get(old_user.id, []))
            if old_user and new_user:
                moved._retention_hand_over(old_user, new_user)
            elif old_user:
                Pool._park_left(moved, old_user)
        # the countdown starts again with the new holder (or the pool); a lock was the old holder's
        customers.flush_recordset(["retention_held_since", "retention_locked"])
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET retention_held_since = %s, retention_locked = FALSE WHERE id = ANY(%s)",
                self.env.company._retention_today(),
                customers.ids,
            )
        )
        customers.invalidate_recordset(["retention_held_since", "retention_locked"])
        self.env["retention.profile"].sudo().with_context(active_test=False).search(
            [("partner_id", "in", customers.ids)]
        )._retention_prune_followers()
        self.env["retention.owner.history"]._record(old_owners, new_user, reason, kinds)
        self.env["retention.refresh.queue"].sudo()._enqueue([(self.env.company.id, pid) for pid in customers.ids])

    @api.model
    def _retention_move_contacts(self, holder_of, new_user):
        """The contacts of customers ({customer id: holder}) that followed the holder follow ``new_user``, in one
        UPDATE. Returns {holder id: ids of the contacts moved}."""
        holders = {str(customer_id): holder.id for customer_id, holder in holder_of.items() if holder}
        if not holders:
            return {}
        self.flush_model(["user_id", "commercial_partner_id", "is_company"])
        rows = self.env.execute_query(
            SQL(
                """UPDATE res_partner c SET user_id = %(new)s, write_uid = %(uid)s, write_date = %(now)s
                     FROM jsonb_each_text(%(holders)s::jsonb) AS h(customer, holder)
                    WHERE c.commercial_partner_id = h.customer::int AND c.id != h.customer::int
                      AND NOT COALESCE(c.is_company, FALSE) AND c.user_id = h.holder::int
                RETURNING c.id, h.holder::int""",
                new=new_user.id or None,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                holders=json.dumps(holders),
            )
        )
        contacts = self.browse([contact_id for contact_id, _holder in rows])
        contacts.invalidate_recordset(["user_id", "write_uid", "write_date"])
        contacts.modified(["user_id"])
        moved = {}
        for contact_id, holder_id in rows:
            moved.setdefault(holder_id, []).append(contact_id)
        return moved

    def _retention_documents(self):
        """What concerns these partners besides themselves: [(model, ids)] of the partners, and of the care plans
        and action checks of the customers among them."""
        customers = self.filtered(lambda partner: partner.commercial_partner_id == partner)
        return [("res.partner", self.ids)] + [
            (model, self.env[model].sudo().search([("partner_id", "in", customers.ids)]).ids)
            for model in ("retention.care.plan", "retention.action.check")
        ]

    def _retention_hand_over(self, old_user, new_user):
        """What ``old_user`` was doing for these partners goes to ``new_user``: open care plans and planned
        checks, activities (parked ones included) and follower subscriptions, each moved by its model."""
        customers = self.filtered(lambda partner: partner.commercial_partner_id == partner)
        self.env["retention.care.plan"]._hand_over(customers, old_user, new_user)
        self.env["retention.action.check"]._hand_over(customers, old_user, new_user)
        self.env["mail.activity"]._retention_hand_over(self._retention_documents(), old_user, new_user)
        self.env["mail.followers"]._retention_replace("res.partner", self.ids, old_user.partner_id, new_user.partner_id)

    def _retention_check_reassign(self, customers, new_user, reason):
        """The reassignment wizard: customers, a reason and a new account manager, by a supervisor (their
        teams and orphans) or a manager."""
        if not customers:
            raise UserError(self.env._("Select the customers to reassign."))
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the customers change account manager."))
        if not new_user:
            raise UserError(self.env._("The new account manager must be an active internal user."))
        user = self.env.user
        if not (self.env.su or user.has_group(SUPERVISOR_GROUP)):
            raise AccessError(self.env._("Only supervisors and retention managers reassign customers."))
        self._retention_check_owner_change(customers, new_user)

    def _retention_reassign(self, new_user, reason):
        """Give these customers to ``new_user`` in one step (孤儿客户 adoption), with the reason
        kept in each customer's chatter and the account manager history. All of it or nothing."""
        customers = self.commercial_partner_id
        self._retention_check_reassign(customers, new_user, reason)
        with self.env.cr.savepoint():
            # checked above: the write records the change like any other change of account manager
            customers.sudo().with_context(
                retention_owner_reason=reason, retention_pool_caps=CAPS_APPLY
            )._retention_move_holder(new_user)
        return customers.filtered(lambda customer: customer.user_id == new_user)

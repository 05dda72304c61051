"""Duplicate check 客户查重 on the partner: the normalized keys of each customer card, stored and indexed; the refusal
of a second card for an existing customer when a salesperson creates one (form, quick create, import) or turns a
card into one; the warning of the partner form while typing.

Who is checked: a user of the retention groups (salespeople, supervisors, managers; administrators included)
creating or changing a customer — a partner without a parent company. Not checked: contacts (a parent company),
the partner Odoo creates for a new user or company (marked by their ``create``, see ``SKIP``), the partners of
internal users and of the companies, Merge Contacts, users outside the retention groups (accounting, warehouse:
their partners are vendors and addresses), and code running as superuser (``sudo()``: portal sign-up, website,
scheduled jobs). No context key turns the check off: a context comes over RPC as the client wrote it.
"""

from dataclasses import replace

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from .duplicate_keys import (
    CODE,
    KINDS,
    NAME,
    PHONE,
    SKIP,
    SKIP_KEY,
    Card,
    best_match,
    code_key,
    mask_name,
    name_key,
    phone_key,
)
from .groups import MANAGER_GROUP, USER_GROUP
from .res_partner import MERGE_MARK

# ``create_company``: the person who becomes the new company's contact is not its duplicate
EXCEPT_KEY = "retention_duplicate_except"

KEY_FIELDS = (
    "retention_name_key",
    "retention_phone_key",
    "retention_mobile_key",
    "retention_vat_key",
    "retention_registry_key",
)
# the fields whose change may make a customer the duplicate of another
WATCHED_FIELDS = {
    "name",
    "phone",
    "mobile",
    "vat",
    "company_registry",
    "parent_id",
    "is_company",
    "active",
    "company_id",
}
# the screen lists at most this many customers whose name starts with what was typed
PREFIX_LIMIT = 20
NAME_INDEX = "res_partner_retention_name_key_index"


class _Except:
    """Partners that a creation is not a duplicate of (an object: no RPC context can hold it)."""

    def __init__(self, ids):
        self.ids = frozenset(ids)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # --- the keys: computed from the card, stored, indexed (only customers, i.e. commercial partners, have them) ---
    # the name key has its own index (``init``): by code point, for "starts with" on the duplicate check screen
    retention_name_key = fields.Char(
        string="Name Key", compute="_compute_retention_duplicate_keys", store=True, groups=USER_GROUP
    )
    retention_phone_key = fields.Char(
        string="Phone Key",
        compute="_compute_retention_duplicate_keys",
        store=True,
        index="btree_not_null",
        groups=USER_GROUP,
    )
    retention_mobile_key = fields.Char(
        string="Mobile Key",
        compute="_compute_retention_duplicate_keys",
        store=True,
        index="btree_not_null",
        groups=USER_GROUP,
    )
    retention_vat_key = fields.Char(
        string="Tax ID Key",
        compute="_compute_retention_duplicate_keys",
        store=True,
        index="btree_not_null",
        groups=USER_GROUP,
    )
    retention_registry_key = fields.Char(
        string="Company ID Key",
        compute="_compute_retention_duplicate_keys",
        store=True,
        index="btree_not_null",
        groups=USER_GROUP,
    )
    # --- what the duplicate check shows the current user about an existing customer ---
    retention_duplicate_state = fields.Selection(
        [
            ("pool", "Public Pool"),
            ("free", "Nobody"),
            ("own", "Yours"),
            ("named", "Held"),
            ("masked", "Held by Another Team"),
        ],
        string="Holder Status",
        compute="_compute_retention_duplicate_holder",
        groups=USER_GROUP,
    )
    retention_duplicate_holder = fields.Char(
        string="Held By",
        compute="_compute_retention_duplicate_holder",
        help="The account manager, named for their own team, their supervisor and retention managers; masked for "
        "the other teams.",
        groups=USER_GROUP,
    )
    retention_duplicate_warning = fields.Text(
        string="Possible Duplicate",
        compute="_compute_retention_duplicate_warning",
        help="Existing customers with the same name, phone or credit code (统一社会信用代码 / tax ID).",
        groups=USER_GROUP,
    )

    def init(self):
        result = super().init()
        create_index(
            self.env.cr,
            NAME_INDEX,
            self._table,
            ['(retention_name_key COLLATE "C")'],
            where="retention_name_key IS NOT NULL",
        )
        return result

    # --- computes ----------------------------------------------------------------------------------
    @api.depends("name", "phone", "mobile", "vat", "company_registry", "commercial_partner_id")
    def _compute_retention_duplicate_keys(self):
        for partner in self:
            customer = partner.commercial_partner_id == partner
            partner.retention_name_key = (name_key(partner.name) if customer else None) or False
            partner.retention_phone_key = (phone_key(partner.phone) if customer else None) or False
            partner.retention_mobile_key = (phone_key(partner.mobile) if customer else None) or False
            partner.retention_vat_key = (code_key(partner.vat) if customer else None) or False
            partner.retention_registry_key = (code_key(partner.company_registry) if customer else None) or False

    @api.depends("user_id")
    @api.depends_context("uid")
    def _compute_retention_duplicate_holder(self):
        holders = self._retention_duplicate_holders(self.env.user)
        for partner in self:
            partner.retention_duplicate_state, partner.retention_duplicate_holder = holders[partner.id]

    @api.depends("name", "phone", "mobile", "vat", "company_registry", "is_company", "parent_id", "company_id")
    @api.depends_context("uid")
    def _compute_retention_duplicate_warning(self):
        """While the card is typed (the form's onchange, on new records): the existing customers it would
        duplicate, each with who holds it as the user may know it (one query for all the records). A saved card
        read as it is warns of nothing: opening a form costs no query."""
        cards = {
            partner: partner._retention_card()
            for partner in self
            if not partner.parent_id and not isinstance(partner.id, int)
        }
        cards = {partner: card for partner, card in cards.items() if card}
        existing = self._retention_duplicate_cards(cards.values(), exclude=[card.id for card in cards.values()])
        for partner in self:
            card = cards.get(partner)
            found = [(other, kinds) for other in existing if card and (kinds := card.matches(other))]
            found.sort(key=lambda item: (-len(item[1]), KINDS.index(item[1][0]), item[0].id))
            partner.retention_duplicate_warning = (
                "\n".join(
                    self.browse(other.id)._retention_duplicate_sentence(kinds, warning=True)
                    for other, kinds in found[:3]
                )
                or False
            )

    # --- CRUD: no second card for an existing customer ---------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._retention_without_keys(vals) for vals in vals_list]
        if self._retention_duplicate_guarded():
            self._retention_check_new_customers(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        vals = self._retention_without_keys(vals)
        guarded = bool(WATCHED_FIELDS & set(vals)) and self._retention_duplicate_guarded()
        before = self._retention_current_cards() if guarded else {}
        result = super().write(vals)
        if guarded:
            self._retention_check_changed_customers(before, rescoped=bool({"is_company", "company_id"} & set(vals)))
        return result

    def create_company(self):
        # the person whose company this creates becomes its contact: not a customer the new company duplicates
        return super(ResPartner, self.with_context(**{EXCEPT_KEY: _Except(self.ids)})).create_company()

    @api.model
    def _retention_without_keys(self, vals):
        """The keys are always computed: never taken from a form, an import or an RPC call."""
        if not set(KEY_FIELDS).isdisjoint(vals):
            vals = {fname: value for fname, value in vals.items() if fname not in KEY_FIELDS}
        return vals

    @api.model
    def _retention_duplicate_guarded(self):
        """Whether this environment's creations and changes of customers are checked (see the module docstring)."""
        context = self.env.context
        return (
            not self.env.su
            and context.get(SKIP_KEY) is not SKIP
            and context.get("retention_merge") is not MERGE_MARK
            and self.env.user.has_group(USER_GROUP)
        )

    @api.model
    def _retention_check_new_customers(self, vals_list):
        """Refuse the creation of a customer that exists: before anything is written."""
        checked = ("parent_id", "is_company", "company_type", "company_id", "active")
        defaults = self.default_get([fname for fname in checked if any(fname not in vals for vals in vals_list)])
        items = []
        for vals in vals_list:
            values = {**defaults, **vals}
            if values.get("parent_id") or not values.get("active", True):
                continue
            card = Card.of(
                values.get("name"),
                [values.get("phone"), values.get("mobile")],
                [values.get("vat"), values.get("company_registry")],
                is_company=values.get("is_company") or values.get("company_type") == "company",
                company_id=values.get("company_id"),
            )
            items.append((card, values.get("name") or ""))
        self._retention_refuse_duplicates(items)

    def _retention_current_cards(self):
        """{partner id: its card as stored} for the active customers among these partners (before a change)."""
        cards = {}
        for partner in self.sudo():
            if partner.active and not partner.parent_id:
                cards[partner.id] = Card(
                    partner.id,
                    partner.retention_name_key or None,
                    frozenset(filter(None, (partner.retention_phone_key, partner.retention_mobile_key))),
                    frozenset(filter(None, (partner.retention_vat_key, partner.retention_registry_key))),
                    partner.is_company,
                    partner.company_id.id or None,
                )
        return cards

    def _retention_check_changed_customers(self, before, rescoped):
        """After a change: refuse it when it gives a customer the name, phone or code of another one (only what the
        change added is checked: duplicates older than the check stay editable)."""
        partners = self.sudo().with_context(active_test=False)
        ours = (
            partners.filtered("user_ids")
            | self.env["res.company"].sudo().search([("partner_id", "in", self.ids)]).partner_id
        )
        items = []
        for partner in partners - ours:
            if not partner.active or partner.parent_id:
                continue
            card = partner._retention_card()
            old = before.get(partner.id)
            if old and not rescoped:
                card = replace(
                    card,
                    name=card.name if card.name != old.name else None,
                    phones=card.phones - old.phones,
                    codes=card.codes - old.codes,
                )
            items.append((card, partner.name or ""))
        self._retention_refuse_duplicates(items, exclude=self.ids)

    def _retention_card(self):
        """The card of this partner's current values (in a form, those typed so far)."""
        self.ensure_one()
        return Card.of(
            self.name,
            [self.phone, self.mobile],
            [self.vat, self.company_registry],
            is_company=self.is_company,
            company_id=self.company_id.id,
            id=self._origin.id or None,
        )

    @api.model
    def _retention_refuse_duplicates(self, items, exclude=()):
        """``items``: [(card, name as typed)] about to exist. Raise the duplicate check's message for the first one
        that is an existing customer, or the same customer as an earlier item of the call (an import's rows)."""
        items = [(card, label) for card, label in items if card]
        if not items:
            return
        # first the keys' rows, then the search: a creation of the same customer at the same moment is seen
        self.env["retention.duplicate.key"].sudo()._lock(set().union(*(card.lock_keys() for card, _label in items)))
        for index, (card, label) in enumerate(items):
            for earlier, _earlier_label in items[:index]:
                if kinds := card.matches(earlier):
                    raise UserError(
                        self.env._(
                            "%(customer)s is given twice (same %(match)s): a customer has one card.",
                            customer=label,
                            match=self._retention_match_label(kinds),
                        )
                    )
        excluded = {*exclude, *(getattr(self.env.context.get(EXCEPT_KEY), "ids", ()))}
        existing = self._retention_duplicate_cards([card for card, _label in items], exclude=excluded)
        for card, _label in items:
            other, kinds = best_match(card, existing)
            if other:
                raise UserError(self.browse(other.id)._retention_duplicate_sentence(kinds))

    # --- the search: index look-ups ----------------------------------------------------------------
    @api.model
    def _retention_duplicate_cards(self, cards, exclude=(), prefix=None, companies=None):
        """The existing customers that have a key of ``cards`` (or, with ``prefix``, whose name key starts with it:
        the first few in key order), as cards: active commercial partners, not those of internal users nor of the
        companies; with ``companies``, only those the user reads (shared, or of these companies)."""
        names = {card.name for card in cards if card.name}
        phones = set().union(*(card.phones for card in cards))
        codes = set().union(*(card.codes for card in cards))
        hits = []
        if names:
            hits.append(
                SQL(
                    'SELECT id FROM res_partner WHERE retention_name_key IS NOT NULL AND retention_name_key COLLATE "C"'
                    " = ANY(%s)",
                    sorted(names),
                )
            )
        for keys, columns in ((phones, KEY_FIELDS[1:3]), (codes, KEY_FIELDS[3:5])):
            hits.extend(
                SQL("SELECT id FROM res_partner WHERE %s = ANY(%s)", SQL.identifier(column), sorted(keys))
                for column in columns
                if keys
            )
        if prefix:
            hits.append(
                SQL(
                    "(SELECT id FROM res_partner WHERE retention_name_key IS NOT NULL"
                    ' AND retention_name_key COLLATE "C" LIKE %s ORDER BY retention_name_key COLLATE "C" LIMIT %s)',
                    prefix + "%",  # a key has letters and digits only: no LIKE wildcard
                    PREFIX_LIMIT,
                )
            )
        if not hits:
            return []
        self.flush_model([*KEY_FIELDS, "active", "is_company", "company_id", "user_id"])
        rows = self.env.execute_query(
            SQL(
                """SELECT p.id, p.retention_name_key, p.retention_phone_key, p.retention_mobile_key,
                          p.retention_vat_key, p.retention_registry_key, p.is_company, p.company_id
                     FROM res_partner p
                    WHERE p.id IN (%(hits)s)
                      AND p.active
                      AND p.id != ALL(%(exclude)s)
                      AND NOT EXISTS (SELECT FROM res_users u WHERE u.partner_id = p.id AND NOT u.share)
                      AND NOT EXISTS (SELECT FROM res_company c WHERE c.partner_id = p.id)
                      %(companies)s
                    ORDER BY p.id""",
                hits=SQL(" UNION ").join(hits),
                exclude=sorted(pid for pid in exclude if pid),
                companies=SQL("AND (p.company_id IS NULL OR p.company_id = ANY(%s))", companies)
                if companies is not None
                else SQL(),
            )
        )
        return [
            Card(
                pid,
                name,
                frozenset(filter(None, (phone, mobile))),
                frozenset(filter(None, (vat, registry))),
                bool(is_company),
                company_id,
            )
            for pid, name, phone, mobile, vat, registry, is_company, company_id in rows
        ]

    # --- who holds an existing customer, as the current user may know it ----------------------------------
    def _retention_duplicate_holders(self, user):
        """{partner id: (state, holder)} of these customers for ``user``: ``pool`` (nobody holds it and it is in the
        public pool: a company or prospect that bought or was quoted), ``free`` (nobody holds it, never quoted: not
        in the pool, whoever finds it takes it as its salesperson), ``own``,
        ``named`` (the holder's name: ``user`` is a retention manager, or the supervisor or a member of the holder's
        sales team) or ``masked`` ("张** (another sales team)": never named outside the team). Read as superuser
        in a few batched queries; only these strings leave this method."""
        # only the columns needed (a partner row is wide: the card's company-dependent columns), of the saved
        # records (in a form's onchange the customers listed are new records of them)
        saved = self._origin.sudo()
        saved.fetch(["commercial_partner_id"])
        saved.commercial_partner_id.fetch(["user_id"])
        holders = saved.commercial_partner_id.user_id
        holders.fetch(["partner_id", "sale_team_id"])
        holders.partner_id.fetch(["name", "active"])
        holders.sale_team_id.fetch(["user_id"])
        sees_all = user._is_superuser() or user.has_group(MANAGER_GROUP)
        my_teams = user.sudo().crm_team_ids
        result = {}
        for partner in self:
            holder = partner._origin.sudo().commercial_partner_id.user_id
            team = holder.sale_team_id
            if not holder and partner._origin.sudo().commercial_partner_id.retention_in_pool:
                result[partner.id] = ("pool", self.env._("Public pool"))
            elif not holder:
                result[partner.id] = ("free", self.env._("Nobody"))
            elif holder == user:
                result[partner.id] = ("own", holder.name)
            elif sees_all or (team and (team.user_id == user or team in my_teams)):
                result[partner.id] = ("named", holder.name)
            else:
                result[partner.id] = (
                    "masked",
                    self.env._("%(holder)s (another sales team)", holder=mask_name(holder.name)),
                )
        return result

    def _retention_duplicate_holder_of(self, user):
        """(state, holder) of this customer for ``user`` (``_retention_duplicate_holders``)."""
        self.ensure_one()
        return self._retention_duplicate_holders(user)[self.id]

    def _retention_match_label(self, kinds):
        labels = {
            CODE: self.env._("credit code / tax ID"),
            PHONE: self.env._("phone"),
            NAME: self.env._("name"),
        }
        return ", ".join(labels[kind] for kind in kinds)

    def _retention_duplicate_sentence(self, kinds, warning=False):
        """What the user is told about this existing customer: the refusal of a second card, or (``warning``) the
        line of the form's warning."""
        self.ensure_one()
        state, holder = self._retention_duplicate_holder_of(self.env.user)
        params = {"customer": self.sudo().display_name, "match": self._retention_match_label(kinds), "holder": holder}
        if warning and state == "pool":
            sentence = self.env._("%(customer)s (same %(match)s) is in the public pool: claim it.", **params)
        elif warning and state == "free":
            sentence = self.env._("%(customer)s (same %(match)s) exists and nobody holds it.", **params)
        elif warning and state == "own":
            sentence = self.env._("%(customer)s (same %(match)s) is already yours.", **params)
        elif warning:
            sentence = self.env._("%(customer)s (same %(match)s) is held by %(holder)s.", **params)
        elif state == "pool":
            sentence = self.env._(
                "%(customer)s already exists (same %(match)s) and is in the public pool: claim it (Customer "
                "Retention ▸ Duplicate Check) instead of creating a second card.",
                **params,
            )
        elif state == "free":
            sentence = self.env._(
                "%(customer)s already exists (same %(match)s) and nobody holds it: open it (Customer Retention ▸ "
                "Duplicate Check) and make yourself its salesperson instead of creating a second card.",
                **params,
            )
        elif state == "own":
            sentence = self.env._(
                "%(customer)s already exists (same %(match)s) and is yours: open it instead of creating a second card.",
                **params,
            )
        elif state == "named":
            sentence = self.env._(
                "%(customer)s already exists (same %(match)s): %(holder)s holds it. Ask them instead of creating a "
                "second card.",
                **params,
            )
        else:
            sentence = self.env._(
                "%(customer)s already exists (same %(match)s): %(holder)s holds it. Ask your supervisor instead of "
                "creating a second card.",
                **params,
            )
        return sentence

    # --- actions of the duplicate check screen -----------------------------------------------------------
    def action_retention_duplicate_claim(self):
        """Claim a customer of the public pool found by the duplicate check: the claim of the pool
        (``action_retention_claim``), with its rights and caps."""
        self.ensure_one()
        if self.retention_duplicate_state == "free":
            raise UserError(
                self.env._(
                    "%(customer)s is not in the public pool (never quoted): open it and make yourself its salesperson.",
                    customer=self.display_name,
                )
            )
        if self.retention_duplicate_state != "pool":
            raise UserError(
                self.env._(
                    "%(customer)s is no longer in the public pool: %(holder)s holds it.",
                    customer=self.display_name,
                    holder=self.retention_duplicate_holder,
                )
            )
        return self.action_retention_claim()

    def action_retention_duplicate_open(self):
        """Open an existing customer from the duplicate check: one's own, one nobody holds, or one whose holder the
        user may know."""
        self.ensure_one()
        if self.retention_duplicate_state not in ("own", "named", "free"):
            raise UserError(self.env._("This customer is held by another sales team: ask your supervisor."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "view_mode": "form",
            "res_id": self.id,
            "target": "current",
        }

    # --- partners inserted behind the ORM's back (the benchmark's data) --------------------------------
    @api.model
    def _retention_fill_duplicate_keys(self, batch=20000):
        """Compute the keys of every partner in SQL batches (what the ORM does on install, without the ORM); rows
        whose keys are right are not rewritten."""
        self.flush_model()
        last = 0
        while True:
            rows = self.env.execute_query(
                SQL(
                    """SELECT id, name, phone, mobile, vat, company_registry, COALESCE(commercial_partner_id, id) = id
                         FROM res_partner WHERE id > %s ORDER BY id LIMIT %s""",
                    last,
                    batch,
                )
            )
            if not rows:
                break
            last = rows[-1][0]
            values = {fname: [] for fname in ("id", *KEY_FIELDS)}
            for pid, name, phone, mobile, vat, registry, customer in rows:
                keys = (name_key(name), phone_key(phone), phone_key(mobile), code_key(vat), code_key(registry))
                values["id"].append(pid)
                for fname, key in zip(KEY_FIELDS, keys, strict=True):
                    values[fname].append(key if customer else None)
            self.env.execute_query(
                SQL(
                    """UPDATE res_partner p
                          SET retention_name_key = v.n, retention_phone_key = v.ph, retention_mobile_key = v.mo,
                              retention_vat_key = v.vat, retention_registry_key = v.reg
                         FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[],
                                     %s::varchar[]) AS v(id, n, ph, mo, vat, reg)
                        WHERE p.id = v.id
                          AND (p.retention_name_key, p.retention_phone_key, p.retention_mobile_key, p.retention_vat_key,
                               p.retention_registry_key) IS DISTINCT FROM (v.n, v.ph, v.mo, v.vat, v.reg)""",
                    *values.values(),
                )
            )
        self.invalidate_model(list(KEY_FIELDS))

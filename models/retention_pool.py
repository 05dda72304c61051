from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .groups import USER_GROUP


class OwnerMove(str):
    """A kind of move decided by the server (``retention.owner.history`` kinds), passed in the context of the
    partner's write: a string a client sends over RPC is a plain ``str``, never one of these."""


CLAIM, ASSIGN, RETURN, RELEASE, LOCK, UNLOCK = (
    OwnerMove(kind) for kind in ("claim", "assign", "return", "release", "lock", "unlock")
)
# in the context of the partner's write by a pool action or the reassignment wizard (which write as the system
# once they checked who may): the caps of the pool apply all the same. An object: no RPC context holds it.
CAPS_APPLY = object()
# the moves after which a salesperson waits before claiming the customer back: he gave it back or lost it
LEFT_MOVES = ("return", "release", "transfer", "adopt")


class RetentionPool(models.AbstractModel):
    """The public pool 公海 of each company and the rules of holding customers: a held customer's protection
    period 保护期 counts down (``retention_protection_end`` on the card, computed by the recompute); before its
    end the holder is warned, at its end a class B or C customer returns to the pool and a class A or strategic
    one is escalated to the supervisor. Salespeople claim 领取 pool customers within a daily cap and a holding cap
    私海上限, not one they gave back or lost in the last days; supervisors assign 分配 them; a holder returns 退回 a
    customer with a reason, or locks 锁定 it against release within a lock cap. Every move is a row of
    ``retention.owner.history`` and a chatter line (written by the partner's change of account manager)."""

    _name = "retention.pool"
    _description = "Public Customer Pool"

    # --- who may: caps and cool-down, checked under a lock on the salesperson ---------------------------------
    @api.model
    def _pool_domain(self):
        """The pool of the current company: customers nobody holds (the record rules add the company)."""
        return [
            *self._customer_domain(),
            ("active", "=", True),
            ("user_id", "=", False),
            ("retention_time_class", "in", ("prospect", "new", "old")),
        ]

    @api.model
    def _customer_domain(self):
        """Customers: commercial partners (companies, subsidiaries of a group included, and persons on their own)."""
        from .res_partner import CUSTOMER_DOMAIN  # noqa: PLC0415 (res_partner imports this module)

        return CUSTOMER_DOMAIN

    @api.model
    def _lock_user(self, user):
        """Serialize the caps of one salesperson: two claims (or assignments, or locks) for the same person at
        the same moment both write this row; PostgreSQL makes the second wait, then refuses it with a
        serialization failure (Odoo's transactions are REPEATABLE READ) and Odoo retries it on a snapshot that
        sees the first: its counts include the first one's customers."""
        self.env.cr.execute(
            SQL(
                "UPDATE res_users SET retention_pool_moved_at = NOW() AT TIME ZONE 'UTC' WHERE id = %s",
                user.id,
            )
        )
        user.invalidate_recordset(["retention_pool_moved_at"])

    @api.model
    def _cap(self, user, fname, company):
        return user.sudo().sale_team_id._retention_cap(fname, company)

    @api.model
    def _check_claims(self, customers, user):
        """``user`` claims ``customers`` from the pool today: the daily claim cap, the holding cap and the
        cool-down after giving a customer back or losing it."""
        company = self.env.company
        self._lock_user(user)
        cap = self._cap(user, "retention_claim_daily_cap", company)
        # the company's day: not the salesperson's own time zone, which she may change to start a new day
        since = company._retention_day_start()
        History = self.env["retention.owner.history"].sudo()
        claimed = History.search_count([("kind", "=", "claim"), ("to_user_id", "=", user.id), ("date", ">=", since)])
        if claimed + len(customers) > cap:
            raise UserError(
                self.env._(
                    "%(user)s may claim %(cap)s customers a day from the pool and claimed %(claimed)s today: "
                    "%(count)s more is too many.",
                    user=user.name,
                    cap=cap,
                    claimed=claimed,
                    count=len(customers),
                )
            )
        days = company.retention_reclaim_cooldown_days
        if days:
            recent = History.search(
                [
                    ("partner_id", "in", customers.ids),
                    ("from_user_id", "=", user.id),
                    ("kind", "in", LEFT_MOVES),
                    ("date", ">=", fields.Datetime.now() - timedelta(days=days)),
                ]
            )
            if recent:
                raise UserError(
                    self.env._(
                        "%(user)s gave back or lost %(customers)s less than %(days)s days ago: someone else may "
                        "claim them, or ask a supervisor to assign them.",
                        user=user.name,
                        customers=", ".join(recent.partner_id.mapped("display_name")),
                        days=days,
                    )
                )
        self._check_holding(customers, user)

    @api.model
    def _check_holding(self, customers, user):
        """``user`` would hold ``customers`` more: the holding cap 私海上限 of their team or company."""
        cap = self._cap(user, "retention_holding_cap", self.env.company)
        if not cap:
            return
        held = (
            self.env["res.partner"]
            .sudo()
            .search_count([*self._customer_domain(), ("user_id", "=", user.id), ("id", "not in", customers.ids)])
        )
        if held + len(customers) > cap:
            raise UserError(
                self.env._(
                    "%(user)s holds %(held)s customers and may hold %(cap)s at most: return customers to the pool "
                    "first.",
                    user=user.name,
                    held=held,
                    cap=cap,
                )
            )

    @api.model
    def _check_locks(self, customers):
        """Locking ``customers``: their holders' lock cap."""
        cap = self.env.company.retention_lock_cap
        Partner = self.env["res.partner"].sudo()
        for holder, held in customers.sudo().grouped("user_id").items():
            self._lock_user(holder)
            locked = Partner.search_count(
                [
                    *self._customer_domain(),
                    ("user_id", "=", holder.id),
                    ("retention_locked", "=", True),
                    ("id", "not in", held.ids),
                ]
            )
            if locked + len(held) > cap:
                raise UserError(
                    self.env._(
                        "%(user)s has %(locked)s locked customers and may lock %(cap)s at most.",
                        user=holder.name,
                        locked=locked,
                        cap=cap,
                    )
                )

    # --- the user's moves --------------------------------------------------------------------------------
    @api.model
    def _claim(self, customers):
        """The current salesperson claims ``customers`` from the pool."""
        user = self.env.user
        if not user.has_group(USER_GROUP) or user.share:
            raise AccessError(self.env._("Only salespeople of the retention groups claim customers from the pool."))
        customers = customers.commercial_partner_id
        if not customers:
            raise UserError(self.env._("Select the pool customers to claim."))
        held = customers.sudo().filtered("user_id")
        outside = customers.sudo() - held - customers.sudo().filtered_domain(self._pool_domain())
        if outside:
            raise UserError(
                self.env._(
                    "%(customers)s are not customers of the pool (companies and prospects nobody holds): nothing to "
                    "claim.",
                    customers=", ".join(outside.mapped("display_name")),
                )
            )
        if held:
            raise UserError(
                self.env._(
                    "%(customers)s are no longer in the pool: someone holds them.",
                    customers=", ".join(held.mapped("display_name")),
                )
            )
        # the checks of a change of account manager (caps, cool-down) run in the write
        customers.sudo().with_context(
            retention_owner_move=CLAIM,
            retention_owner_reason=self.env._("Claimed from the pool"),
            retention_pool_caps=CAPS_APPLY,
        )._retention_move_holder(user)
        self._refresh(customers)
        return customers

    @api.model
    def _return(self, customers, reason):
        """Their holder (or the holder's supervisor, or a manager) returns ``customers`` to the pool."""
        customers = customers.commercial_partner_id
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the customers go back to the pool."))
        if not customers or customers.sudo().filtered(lambda customer: not customer.user_id):
            raise UserError(self.env._("Only customers someone holds can be returned to the pool."))
        customers._retention_check_holder(customers)
        customers.sudo().with_context(
            retention_owner_move=RETURN, retention_owner_reason=reason
        )._retention_move_holder(self.env["res.users"])
        self._refresh(customers)
        return customers

    @api.model
    def _set_lock(self, customers, locked):
        """Lock ``customers`` against release, or unlock them: their holder, supervisor or a manager."""
        customers = customers.commercial_partner_id
        if not customers or customers.sudo().filtered(lambda customer: not customer.user_id):
            raise UserError(self.env._("Only customers someone holds can be locked or unlocked."))
        customers._retention_check_holder(customers)
        changed = customers.sudo().filtered(lambda customer: customer.retention_locked != locked)
        if not changed:
            return customers
        if locked:
            self._check_locks(changed)
        changed.write({"retention_locked": locked})
        self.env["retention.owner.history"]._record(
            {customer: customer.user_id for customer in changed},
            None,
            self.env._("Locked against release") if locked else self.env._("Unlocked"),
            LOCK if locked else UNLOCK,
        )
        self._refresh(changed)
        return customers

    @api.model
    def _refresh(self, customers):
        """The card of ``customers`` (its protection countdown) now, not after the next night."""
        self.env["retention.recompute"]._refresh_customers(self.env.company, customers)

    # --- the night: warnings, release and escalation, set-based ---------------------------------------------
    @api.model
    def _nightly(self, company, today, limit=None, after=0):
        """Held customers whose protection ends soon: their holder is warned once; whose protection ended: class
        B and C customers (and those without a class) return to the pool, class A and strategic ones are
        escalated to the supervisor once. One query finds the first ``limit`` of those still to do (None: all)
        by id, after the id ``after``; the writes are one per kind of step (and one per holder for the chatter
        and the activities they leave). The night calls again from the ``last`` id while ``more`` says some are
        left, each call committed: a killed call is done again, and each call goes further whatever happened
        to the one before."""
        self.env["retention.recompute"]._retention_lock_cards(company)
        Partner = self.env["res.partner"].sudo().with_company(company)
        Partner.flush_model()
        key = str(company.id)
        horizon = today + timedelta(days=company.retention_protect_warn_days)
        rows = self.env.execute_query_dict(
            SQL(
                """SELECT * FROM (
                       SELECT p.id, p.name, p.user_id, (p.retention_protection_end -> %(key)s ->> 0)::date AS end_date,
                              COALESCE(p.retention_abc_class ->> %(key)s, '') = 'a'
                                OR COALESCE(p.retention_closeness ->> %(key)s, '') = 'strategic' AS escalates,
                              (p.retention_protection_warned_date ->> %(key)s)::date AS warned,
                              (p.retention_escalated_date ->> %(key)s)::date AS escalated
                         FROM res_partner p
                         JOIN res_users u ON u.id = p.user_id AND u.active
                        WHERE (p.parent_id IS NULL OR p.is_company) AND p.active
                          AND NOT COALESCE(p.retention_locked, FALSE)
                          AND (p.company_id IS NULL OR p.company_id = %(company)s)
                          AND ((p.retention_protection_end -> %(key)s) ->> 0) <= %(horizon)s
                          AND p.id > %(after)s
                   ) held
                    WHERE (end_date > %(today)s AND warned IS DISTINCT FROM end_date)
                       OR (end_date <= %(today)s AND NOT (escalates AND escalated IS NOT DISTINCT FROM end_date))
                    ORDER BY id
                    LIMIT %(limit)s""",
                key=key,
                company=company.id,
                horizon=fields.Date.to_string(horizon),
                today=today,
                after=after,
                limit=None if limit is None else limit + 1,
            )
        )
        more = limit is not None and len(rows) > limit
        rows = rows[:limit]
        warn = [row for row in rows if today < row["end_date"]]
        ended = [row for row in rows if row["end_date"] <= today]
        escalate = [row for row in ended if row["escalates"]]
        release = [row for row in ended if not row["escalates"]]
        self._warn(company, warn)
        self._escalate(company, escalate)
        self._release(company, release)
        return {
            "warned": len(warn),
            "escalated": len(escalate),
            "released": len(release),
            "more": more,
            "last": rows[-1]["id"] if rows else after,
        }

    @api.model
    def _warn(self, company, rows):
        if not rows:
            return
        activity_type = self.env.ref("customer_retention.mail_activity_type_protection_ending")
        langs = self._langs({row["user_id"] for row in rows})
        self.env["mail.activity"]._retention_insert(
            "res.partner",
            activity_type,
            [
                {
                    "res_id": row["id"],
                    "res_name": row["name"],
                    "summary": self.with_context(lang=langs[row["user_id"]]).env._(
                        "Protection ends on %(date)s: follow up, or the customer returns to the pool",
                        date=row["end_date"],
                    ),
                    "user_id": row["user_id"],
                    "date_deadline": row["end_date"],
                }
                for row in rows
            ],
        )
        self.env["res.partner"]._retention_sql_patch(
            company, {row["id"]: {"retention_protection_warned_date": row["end_date"]} for row in rows}
        )

    @api.model
    def _escalate(self, company, rows):
        """Key and strategic customers whose protection ended: never released; their supervisor (else the
        holder) gets an activity to decide (follow up, lock, reassign), once per protection end."""
        if not rows:
            return
        Partner = self.env["res.partner"].sudo().with_company(company)
        customers = Partner.browse([row["id"] for row in rows])
        supervisor_of = {customer.id: customer._retention_supervisor() or customer.user_id for customer in customers}
        langs = self._langs({user.id for user in supervisor_of.values()})
        activity_type = self.env.ref("customer_retention.mail_activity_type_escalated")
        self.env["mail.activity"]._retention_insert(
            "res.partner",
            activity_type,
            [
                {
                    "res_id": row["id"],
                    "res_name": row["name"],
                    "summary": self.with_context(lang=langs[supervisor_of[row["id"]].id]).env._(
                        "Key customer not followed up since its protection ended on %(date)s: decide who keeps it",
                        date=row["end_date"],
                    ),
                    "user_id": supervisor_of[row["id"]].id,
                    "date_deadline": company._retention_today(),
                }
                for row in rows
            ],
        )
        Partner._retention_sql_patch(
            company, {row["id"]: {"retention_escalated_date": row["end_date"]} for row in rows}
        )
        self.env["retention.owner.history"]._record(
            {customer: customer.user_id for customer in customers},
            None,
            self.env._("Protection ended without a follow-up: escalated to the supervisor"),
            OwnerMove("escalate"),
            to_users=supervisor_of,
        )

    @api.model
    def _release(self, company, rows):
        """Customers whose protection ended return to the pool, as a change of account manager to nobody."""
        if not rows:
            return
        customers = self.env["res.partner"].sudo().with_company(company).browse([row["id"] for row in rows])
        customers.with_context(
            retention_owner_move=RELEASE,
            retention_owner_reason=self.env._("Protection ended without a follow-up: back to the pool"),
        )._retention_move_holder(self.env["res.users"])

    @api.model
    def _langs(self, user_ids):
        users = self.env["res.users"].sudo().browse(user_ids)
        return {user.id: user.lang for user in users}

    @api.model
    def _previous_holders(self, customers):
        """{customer: the salesperson who last returned or lost it to the pool}: who hands over to its next
        holder what he left (open plans and checks, parked activities)."""
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT ON (partner_id) partner_id, from_user_id
                     FROM retention_owner_history
                    WHERE partner_id = ANY(%s) AND kind IN ('return', 'release') AND from_user_id IS NOT NULL
                    ORDER BY partner_id, date DESC, id DESC""",
                customers.ids,
            )
        )
        users = self.env["res.users"].sudo().with_context(active_test=False)
        return {customers.browse(pid): users.browse(uid) for pid, uid in rows}

    @api.model
    def _park_left(self, partners, old_user):
        """What a holder leaves on customers returned or released to the pool waits with their supervisor:
        activities are parked for the holder until someone claims or is assigned the customers (then they, and
        the open plans and checks, are handed over to the new holder)."""
        leader = old_user.sale_team_id.user_id
        if leader and leader.active and leader != old_user:
            self.env["mail.activity"]._retention_park(partners._retention_documents(), old_user, leader)

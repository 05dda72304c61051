from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .dates import week_start
from .groups import MANAGER_GROUP, SUPERVISOR_GROUP, USER_GROUP

# "became high risk", "decided": what happened in the last days
RECENT_DAYS = 7
# key dates announced ahead
KEY_DATE_DAYS = 7


class RetentionToday(models.AbstractModel):
    """Today board 今日工作台: the app's landing page. Each figure is a count of records the user may read,
    and opens exactly those records: the figure and its list come from one domain.

    Salesperson: her day (contacts due, customers that became high risk, key dates, planned checks, plans sent
    back, borrowings decided). Supervisor: the same, plus what waits for him and his team's warnings. Retention
    manager: the company instead of the team, and the last nightly run."""

    _name = "retention.today"
    _description = "Today Board"

    # --- the figures: (key, section, model, title, domain builder) -----------------------------------
    def _today_scope(self):
        """'mine', 'team' or 'company': the widest set of customers the board speaks of for this user."""
        user = self.env.user
        if user.has_group(MANAGER_GROUP):
            return "company"
        if user.has_group(SUPERVISOR_GROUP):
            return "team"
        return "mine"

    def _today_owner_domain(self, scope):
        """Customers (commercial partners) of the scope, by their account manager."""
        base = [("parent_id", "=", False)]
        if scope == "mine":
            return [*base, ("user_id", "=", self.env.uid)]
        if scope == "team":
            members = self.env.user._retention_led_members() | self.env.user
            return [*base, ("user_id", "in", members.ids)]
        return [*base, ("user_id", "!=", False)]

    def _today_figures(self):
        """The figures of this user's board, in display order: dicts of key, section, model, title, domain,
        tone (for the colour) and the view modes of the list it opens."""
        today = fields.Date.context_today(self)
        recent = fields.Datetime.now() - timedelta(days=RECENT_DAYS)
        scope = self._today_scope()
        uid = self.env.uid
        figures = []

        def add(key, section, model, title, domain, tone="secondary", views="list,form"):
            figures.append(
                {
                    "key": key,
                    "section": section,
                    "model": model,
                    "title": title,
                    "domain": domain,
                    "tone": tone,
                    "views": views,
                }
            )

        def customers(scope_name, extra):
            return [*self._today_owner_domain(scope_name), *extra]

        # my day: every retention user keeps customers of their own
        add(
            "contact_today",
            "mine",
            "res.partner",
            self.env._("Contacts due today"),
            customers("mine", [("retention_next_contact_date", "=", today)]),
            "primary",
        )
        add(
            "contact_overdue",
            "mine",
            "res.partner",
            self.env._("Contacts overdue"),
            customers("mine", [("retention_next_contact_date", "<", today)]),
            "danger",
        )
        add(
            "high_risk_new",
            "mine",
            "res.partner",
            self.env._("Became high risk (7 days)"),
            customers("mine", self._today_became_high_risk(recent)),
            "danger",
        )
        add(
            "protection_ending",
            "mine",
            "res.partner",
            self.env._("Protection ending: follow up"),
            customers("mine", [("retention_protection_ending", "=", True)]),
            "danger",
        )
        add(
            "key_dates",
            "mine",
            "res.partner",
            self.env._("Key dates in the next 7 days"),
            customers("mine", [("retention_key_date_soon", "=", True)]),
            "info",
        )
        add(
            "checks_planned",
            "mine",
            "retention.action.check",
            self.env._("Planned action checks"),
            [("user_id", "=", uid), ("state", "=", "planned")],
            "primary",
            "list,form,calendar",
        )
        add(
            "plans_rejected",
            "mine",
            "retention.care.plan",
            self.env._("Care plans sent back"),
            [("user_id", "=", uid), ("state", "=", "rejected")],
            "warning",
        )
        add(
            "borrowings_decided",
            "mine",
            "retention.borrowing",
            self.env._("My borrowings decided (7 days)"),
            [("user_id", "=", uid), ("state", "in", ("approved", "rejected")), ("write_date", ">=", recent)],
            "info",
        )
        if scope == "mine":
            return figures
        section = "team" if scope == "team" else "company"
        members = self.env.user._retention_led_members() - self.env.user
        approver = [] if scope == "company" else [("partner_id.user_id", "in", members.ids)]
        unreviewed = self._today_unreviewed(None if scope == "company" else members)
        add(
            "reviews_due",
            section,
            "retention.review.status",
            self.env._("Cards to review this week"),
            [
                ("company_id", "=", self.env.company.id),
                ("salesperson_id", "in", unreviewed),
                ("reviewed_this_week", "=", False),
            ],
            "primary",
            "list",
        )
        figures[-1]["count"] = len(unreviewed)
        add(
            "plans_to_approve",
            section,
            "retention.care.plan",
            self.env._("Care plans to approve"),
            [("state", "=", "submitted"), *([] if scope == "company" else [("user_id", "in", members.ids)])],
            "warning",
        )
        add(
            "borrowings_to_approve",
            section,
            "retention.borrowing",
            self.env._("Borrowings to decide"),
            [("state", "=", "requested"), ("user_id", "!=", uid), *approver],
            "warning",
        )
        add(
            "team_high_risk",
            section,
            "res.partner",
            self.env._("High-risk customers"),
            customers(scope, [("retention_risk_level", "=", "high")]),
            "danger",
        )
        add(
            "team_overdue",
            section,
            "res.partner",
            self.env._("Contacts overdue"),
            customers(scope, [("retention_next_contact_date", "<", today)]),
            "danger",
        )
        add(
            "escalated",
            section,
            "res.partner",
            self.env._("Key customers escalated"),
            customers(scope, [("retention_protection_end", "<", today)]),
            "danger",
        )
        add(
            "pool",
            section,
            "res.partner",
            self.env._("Customers in the pool"),
            [("retention_in_pool", "=", True)],
            "info",
        )
        add(
            "orphans",
            section,
            "res.partner",
            self.env._("Orphan customers"),
            [("retention_is_orphan", "=", True)],
            "warning",
        )
        return figures

    def _today_unreviewed(self, members):
        """Salespeople (``members``, or every one) with customers in the current company whose cards were not
        reviewed this week: the rows of *Cards to Review This Week*, found from the users (one index probe each)
        instead of aggregating the whole customer analysis."""
        company = self.env.company
        rows = self.env.execute_query(
            SQL(
                """SELECT u.id FROM res_users u
                    WHERE u.active AND NOT u.share %(members)s
                      AND EXISTS (SELECT 1 FROM res_partner p
                                   WHERE p.user_id = u.id AND p.id = p.commercial_partner_id AND p.active
                                     AND (p.company_id IS NULL OR p.company_id = %(company)s))
                      AND NOT EXISTS (SELECT 1 FROM retention_card_review r
                                       WHERE r.salesperson_id = u.id AND r.company_id = %(company)s
                                         AND r.week >= %(monday)s)""",
                members=SQL() if members is None else SQL("AND u.id = ANY(%s)", members.ids),
                company=company.id,
                monday=week_start(fields.Date.context_today(self)),
            )
        )
        return [row[0] for row in rows]

    def _today_became_high_risk(self, since):
        """Domain: customers at high risk whose risk level became high since ``since`` (their class history,
        read under its record rules, as an EXISTS subquery: nothing is materialized)."""
        return [
            ("retention_risk_level", "=", "high"),
            (
                "retention_history_ids",
                "any",
                [
                    ("company_id", "=", self.env.company.id),
                    ("kind", "=", "risk"),
                    ("new_value", "=", "high"),
                    ("date", ">=", since),
                ],
            ),
        ]

    # --- what the client asks ---------------------------------------------------------------------------
    @api.model
    def get_board(self):
        """The board of the current user: sections of figures with their counts, and for managers the last
        nightly run."""
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(self.env._("The today board is for the customer retention users."))
        # the counts read a few index entries each, but the record rules' subqueries are planned as scans of the
        # partners' table: past PostgreSQL's ``jit_above_cost`` (JIT is on by default) each count would first be
        # compiled, some 30 ms for a count of 0.03 ms. Off for this transaction only: a supervisor's board at
        # 100,000 customers took 339 ms with JIT, 143 ms without.
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        scope = self._today_scope()
        titles = {
            "mine": self.env._("My day"),
            "team": self.env._("My team"),
            "company": self.env._("The company"),
        }
        sections = {}
        for figure in self._today_figures():
            Model = self.env[figure["model"]]
            if not Model.has_access("read"):
                count = 0
            elif "count" in figure:
                count = figure["count"]
            else:
                count = Model.search_count(figure["domain"])
            sections.setdefault(figure["section"], []).append(
                {"key": figure["key"], "title": figure["title"], "count": count, "tone": figure["tone"]}
            )
        board = {
            "user": self.env.user.name,
            "date": fields.Date.to_string(fields.Date.context_today(self)),
            "week": fields.Date.to_string(week_start(fields.Date.context_today(self))),
            "scope": scope,
            "sections": [{"key": key, "title": titles[key], "figures": figures} for key, figures in sections.items()],
            "last_run": self.env.company._retention_last_run_summary() if scope == "company" else False,
        }
        return board

    @api.model
    def action_open(self, key):
        """The list behind a figure: the same domain as its count."""
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(self.env._("The today board is for the customer retention users."))
        figure = next((figure for figure in self._today_figures() if figure["key"] == key), None)
        if not figure:
            raise AccessError(self.env._("This figure is not on your today board."))
        action = {
            "type": "ir.actions.act_window",
            "name": figure["title"],
            "res_model": figure["model"],
            "domain": figure["domain"],
            "views": [(False, mode) for mode in figure["views"].split(",")],
            "target": "current",
        }
        if figure["model"] == "res.partner":
            action["views"] = [
                (self.env.ref("customer_retention.res_partner_view_list_retention").id, "list"),
                (False, "form"),
            ]
            action["search_view_id"] = [self.env.ref("base.view_res_partner_filter").id, "search"]
        return action

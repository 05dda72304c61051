from markupsafe import Markup

from odoo import api, models
from odoo.tools import SQL

# customers named in one high-risk notice to a supervisor (the rest are counted)
NOTICE_LINES = 50


class RetentionWarning(models.AbstractModel):
    """The early warnings of the customer data card (预警): an activity for the account manager and a notice to
    the supervisor when a customer's risk becomes high, and the daily *Contact Due* reminders, once per due date
    and closed when a contact is logged. Activities are made set-based (``mail.activity._retention_insert``)."""

    _name = "retention.warning"
    _description = "Customer Early Warnings"

    @api.model
    def _warn_high_risk(self, customers, company):
        """Customers whose risk just became high: one activity for the account manager (not while one is
        open) and a message to the supervisor."""
        activity_type = self.env.ref("customer_retention.mail_activity_type_risk_high")
        customers = customers.sudo().with_company(company).filtered(lambda partner: partner.user_id.active)
        if not customers:
            return
        open_ids = set(
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", customers.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            .mapped("res_id")
        )
        today = company._retention_today()
        self.env["mail.activity"]._retention_insert(
            "res.partner",
            activity_type,
            [
                {
                    "res_id": customer.id,
                    "res_name": customer.display_name,
                    "summary": self.with_context(lang=customer.user_id.lang).env._(
                        "High churn risk: contact the customer"
                    ),
                    "note": customer.with_context(lang=customer.user_id.lang).retention_risk_reasons,
                    "user_id": customer.user_id.id,
                    "date_deadline": today,
                }
                for customer in customers
                if customer.id not in open_ids
            ],
        )
        # one notification per supervisor, listing their team's customers that became high risk
        by_supervisor = customers.grouped(lambda customer: customer._retention_supervisor())
        for supervisor, team_customers in by_supervisor.items():
            if not supervisor:
                continue
            # in the supervisor's language, whoever ran the recompute
            env = self.with_context(lang=supervisor.lang).env
            lines = Markup("").join(
                Markup("<li>%s</li>")
                % env._(
                    "%(customer)s: %(score)s/100, account manager %(user)s",
                    customer=customer.name,
                    score=customer.retention_risk_score,
                    user=customer.user_id.name,
                )
                for customer in team_customers[:NOTICE_LINES]
            )
            if len(team_customers) > NOTICE_LINES:
                lines += Markup("<li>%s</li>") % env._(
                    "and %(count)s more (filter High Risk)", count=len(team_customers) - NOTICE_LINES
                )
            team_customers[0].message_notify(
                partner_ids=supervisor.partner_id.ids,
                subject=env._("Customers at high churn risk"),
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (env._("These customers of your team are now at high churn risk:"), lines),
            )

    @api.model
    def _remind_contact_due(self, company, today, limit=None):
        """Daily: one *Contact Due* activity per customer whose next contact date passed, once per due date:
        never repeated while one is open, and not made again when it was marked done or cancelled without a
        logged contact (the customer stays overdue on the card, the today board and in the risk score until a
        contact moves the date; the next due date gets its reminder). Set-based: one query finds them, one
        INSERT makes the activities, one UPDATE records the due dates reminded; with ``limit``, the first
        ``limit`` customers (by id) only. Returns the number reminded."""
        self.env["retention.recompute"]._retention_lock_cards(company)  # never two runs at once
        activity_type = self.env.ref("customer_retention.mail_activity_type_contact_due")
        Partner = self.env["res.partner"]
        Partner.flush_model(["retention_next_contact_date", "retention_contact_reminded_date", "user_id"])
        rows = self.env.execute_query(
            SQL(
                """SELECT p.id, p.name, p.user_id, (p.retention_next_contact_date ->> %(key)s)::date
                     FROM res_partner p
                     JOIN res_users u ON u.id = p.user_id AND u.active
                    WHERE p.id = p.commercial_partner_id AND p.active
                      AND (p.retention_next_contact_date ->> %(key)s)::date < %(today)s
                      AND (p.retention_contact_reminded_date ->> %(key)s)
                          IS DISTINCT FROM (p.retention_next_contact_date ->> %(key)s)
                      AND NOT EXISTS (SELECT 1 FROM mail_activity a
                                       WHERE a.res_model = 'res.partner' AND a.res_id = p.id
                                         AND a.activity_type_id = %(type)s)
                    %(limit)s""",
                key=str(company.id),
                today=today,
                type=activity_type.id,
                limit=SQL("ORDER BY p.id LIMIT %s", limit) if limit else SQL(),
            )
        )
        if not rows:
            return 0
        Partner._retention_sql_patch(
            company, {pid: {"retention_contact_reminded_date": due} for pid, _n, _u, due in rows}
        )
        # each account manager reads the activity in their own language
        langs = dict(
            self.env["res.users"]
            .sudo()
            .browse({user_id for _pid, _name, user_id, _due in rows})
            .mapped(lambda user: (user.id, user.lang))
        )
        summaries = {
            lang: self.with_context(lang=lang).env._("Contact the customer: contact cadence overdue")
            for lang in set(langs.values())
        }
        self.env["mail.activity"]._retention_insert(
            "res.partner",
            activity_type,
            [
                {
                    "res_id": pid,
                    "res_name": name,
                    "summary": summaries[langs[user_id]],
                    "user_id": user_id,
                    "date_deadline": today,
                }
                for pid, name, user_id, _due in rows
            ],
        )
        return len(rows)

    @api.model
    def _close_contact_due(self, customers, company):
        """A contact was logged: the open *Contact Due* reminders of ``customers`` whose next contact is no
        longer past are marked done (their trace stays in the chatter)."""
        today = company._retention_today()
        contacted = customers.with_company(company).filtered(
            lambda partner: not partner.retention_next_contact_date or partner.retention_next_contact_date >= today
        )
        if not contacted:
            return
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", contacted.ids),
                    ("activity_type_id", "=", self.env.ref("customer_retention.mail_activity_type_contact_due").id),
                ]
            )
        )
        if activities:
            activities.action_feedback(feedback=self.env._("Contact logged by an action check."))

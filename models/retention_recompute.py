import logging
import time
from datetime import date, datetime

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from . import scoring

_logger = logging.getLogger(__name__)

# partners per UPDATE statement: bounds statement size and lock time on very large databases
WRITE_BATCH = 20000
# customers changed in one run from which the partner table's statistics are refreshed at once
ANALYZE_AFTER = 10000

METRIC_COLUMNS = (
    ("retention_first_order_date", "first_order"),
    ("retention_last_order_date", "last_order"),
    ("retention_order_count", "order_count"),
    ("retention_revenue_total", "revenue_total"),
    ("retention_revenue_12m", "revenue_12m"),
    ("retention_revenue_prev_12m", "revenue_prev_12m"),
    ("retention_revenue_window", "revenue_window"),
    ("retention_avg_order_interval", "avg_interval"),
)

# how the metrics compare with what the card holds (JSON text)
METRIC_KINDS = {
    "first_order": "date",
    "last_order": "date",
    "order_count": "int",
    "revenue_total": "float",
    "revenue_12m": "float",
    "revenue_prev_12m": "float",
    "revenue_window": "float",
    "avg_interval": "float",
}


def _metric(value, kind):
    """A metric from the facts (date, int, Decimal) or from the card (text) in one comparable form."""
    if value is None or value is False:
        return False
    if kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(value)
    return int(value) if kind == "int" else float(value)


# card fields the rules compute: partner field -> key of the computed row. Only what changed is written, each
# partner in one row of one UPDATE per batch (``res.partner._retention_sql_patch``).
RULE_FIELDS = (
    ("retention_abc_class_auto", "abc_auto"),
    ("retention_abc_class", "abc"),
    ("retention_lifecycle_stage_auto", "stage_auto"),
    ("retention_lifecycle_stage", "stage"),
    ("retention_stage_date", "stage_date"),
    ("retention_time_class", "time_class"),
    ("retention_loyalty_quadrant", "quadrant"),
    ("retention_advocacy", "advocacy"),
    ("retention_referral_count", "referral_count"),
    ("retention_risk_score", "risk_score"),
    ("retention_risk_level", "risk_level"),
    ("retention_next_contact_date", "next_contact"),
    ("retention_risk_factors", "risk_factors"),
    ("retention_overdue_amount", "overdue_amount"),
)

# values people set that the rules read
INPUT_FIELDS = (
    ("retention_abc_override", "abc_override"),
    ("retention_stage_override", "stage_override"),
    ("retention_satisfaction", "satisfaction"),
    ("retention_closeness", "closeness"),
    ("retention_last_contact_date", "last_contact"),
)


class RetentionRecompute(models.AbstractModel):
    """Set-based recompute of the customer data card (客户资料卡) for one company at a time.

    1. one grouped scan of the revenue source (orders or invoices) into a temporary table, with a window
       function for the ABC cumulative share;
    2. one SELECT of the customers with their facts and what their cards hold, the pure rules of ``scoring``
       in Python, and one UPDATE of what changed, metrics and classes together (each partner's row written
       once, 20,000 partners per statement);
    3. history and chatter for class, stage and risk changes in one INSERT each.
    The number of queries does not depend on the number of partners.
    """

    _name = "retention.recompute"
    _description = "Customer Data Card Recompute"

    @api.model
    def action_recompute_now(self):
        """ "Recompute now" button: managers only, for the companies selected in the company switcher."""
        if not self.env.user.has_group("customer_retention.group_retention_manager"):
            raise AccessError(self.env._("Only retention managers may recompute the customer data cards."))
        started = time.monotonic()
        stats = self._recompute(self.env.companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Customer data cards recomputed"),
                "message": self.env._(
                    "%(customers)s customers classified, %(changes)s class or stage changes, in %(seconds)s s.",
                    customers=stats["customers"],
                    changes=stats["changes"],
                    seconds=round(time.monotonic() - started, 2),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_recompute(self):
        """Daily cron: every company, one after the other, reporting progress per company."""
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        for done, company in enumerate(companies, start=1):
            self._recompute(company)
            self.env["retention.key.date"]._remind(company, fields.Date.context_today(self))
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(companies) - done)

    @api.model
    def _recompute(self, companies, today=None):
        totals = {"customers": 0, "changes": 0}
        for company in companies:
            stats = self.with_company(company)._recompute_company(company, today or fields.Date.context_today(self))
            for key, value in stats.items():
                totals[key] += value
        return totals

    # --- step 1: facts ----------------------------------------------------------------------------------
    def _retention_source_query(self, company):
        """Revenue lines of the company's customers: (commercial partner, moment, amount in company currency,
        whether the line is an order), and the time zone whose calendar days the moments fall on. Amounts are
        converted at the document date (order rate / signed invoice amount). Orders keep their UTC timestamp:
        the facts compare it with day boundaries computed once, instead of converting a million timestamps."""
        if company.retention_revenue_source == "invoice":
            return "UTC", SQL(
                """SELECT am.commercial_partner_id AS partner_id, am.invoice_date::timestamp AS moment,
                          am.amount_untaxed_signed AS amount, am.move_type = 'out_invoice' AS is_order
                     FROM account_move am
                    WHERE am.company_id = %(company)s AND am.state = 'posted'
                      AND am.move_type IN ('out_invoice', 'out_refund') AND am.commercial_partner_id IS NOT NULL
                      AND am.invoice_date IS NOT NULL""",
                company=company.id,
            )
        return company.partner_id.tz or "UTC", SQL(
            """SELECT p.commercial_partner_id AS partner_id, so.date_order AS moment,
                      so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1) AS amount, TRUE AS is_order
                 FROM sale_order so
                 JOIN res_partner p ON p.id = so.partner_id
                WHERE so.company_id = %(company)s AND so.state = 'sale'""",
            company=company.id,
        )

    def _retention_quote_query(self, company):
        """Commercial partners with an open quotation (or an open opportunity when CRM is installed)."""
        query = SQL(
            """SELECT p.commercial_partner_id AS partner_id
                 FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
                WHERE so.company_id = %s AND so.state IN ('draft', 'sent')""",
            company.id,
        )
        if "crm.lead" in self.env:
            query = SQL(
                """%s UNION
                   SELECT p.commercial_partner_id FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id
                    WHERE l.active AND l.type = 'opportunity' AND COALESCE(l.probability, 0) < 100
                      AND (l.company_id IS NULL OR l.company_id = %s)""",
                query,
                company.id,
            )
        return query

    def _retention_build_facts(self, company, today):
        tz, source = self._retention_source_query(company)

        def after(day):
            """The first UTC moment after ``day`` in the time zone: "on a day after ``day``" is "at or after it"."""
            midnight = datetime.combine(day + relativedelta(days=1), datetime.min.time())
            return pytz.timezone(tz).localize(midnight).astimezone(pytz.utc).replace(tzinfo=None)

        d12 = after(today - relativedelta(months=12))
        d24 = after(today - relativedelta(months=24))
        dwin = after(today - relativedelta(months=company.retention_window_months))
        digits = company.currency_id.decimal_places
        self.env.execute_query(SQL("DROP TABLE IF EXISTS retention_facts"))
        self.env.execute_query(
            SQL(
                """
                CREATE TEMP TABLE retention_facts ON COMMIT DROP AS
                WITH src AS (%(source)s),
                agg AS (
                    SELECT partner_id,
                           (MIN(moment) FILTER (WHERE is_order) AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                               AS first_order,
                           (MAX(moment) FILTER (WHERE is_order) AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                               AS last_order,
                           COUNT(*) FILTER (WHERE is_order) AS order_count,
                           ROUND(SUM(amount), %(digits)s) AS revenue_total,
                           ROUND(COALESCE(SUM(amount) FILTER (WHERE moment >= %(d12)s), 0), %(digits)s) AS revenue_12m,
                           ROUND(COALESCE(SUM(amount) FILTER (WHERE moment >= %(d24)s AND moment < %(d12)s), 0),
                                 %(digits)s) AS revenue_prev_12m,
                           ROUND(COALESCE(SUM(amount) FILTER (WHERE moment >= %(dwin)s), 0),
                                 %(digits)s) AS revenue_window
                      FROM src
                     GROUP BY partner_id
                ),
                ranked AS (
                    SELECT partner_id,
                           -- revenue of the customers strictly above: the running sum includes the ties
                           -- (default RANGE frame), minus the ties themselves (EXCLUDE GROUP would be O(n²))
                           SUM(revenue_window) OVER (ORDER BY revenue_window DESC)
                             - SUM(revenue_window) OVER (PARTITION BY revenue_window) AS cum_before,
                           SUM(revenue_window) OVER () AS total
                      FROM agg
                     WHERE revenue_window > 0
                )
                SELECT agg.*,
                       CASE WHEN order_count > 1
                            THEN ROUND((last_order - first_order)::numeric / (order_count - 1), 1) END AS avg_interval,
                       ranked.cum_before, ranked.total
                  FROM agg LEFT JOIN ranked USING (partner_id)
                """,
                source=source,
                tz=tz,
                digits=digits,
                d12=d12,
                d24=d24,
                dwin=dwin,
            )
        )
        self.env.execute_query(SQL("CREATE INDEX ON retention_facts (partner_id)"))
        self.env.execute_query(SQL("ANALYZE retention_facts"))

    # --- step 3: classes --------------------------------------------------------------------------------
    def _retention_read_population(self, company, today):
        """Every commercial partner the classes concern, with its facts and its current values."""
        key = str(company.id)
        old_cols = SQL(", ").join(
            SQL("p.%s ->> %s AS %s", SQL.identifier(col), key, SQL.identifier("old_" + name))
            for col, name in (*METRIC_COLUMNS, *RULE_FIELDS, *INPUT_FIELDS)
        )
        return self.env.execute_query_dict(
            SQL(
                """
                WITH quotes AS (SELECT DISTINCT partner_id FROM (%(quotes)s) q),
                referrals AS (
                    SELECT ref.commercial_partner_id AS partner_id, COUNT(*) AS referral_count
                      FROM res_partner c JOIN res_partner ref ON ref.id = c.retention_referred_by_id
                     WHERE c.id = c.commercial_partner_id AND c.active
                     GROUP BY ref.commercial_partner_id
                ),
                feedback AS (
                    SELECT partner_id, COUNT(*) FILTER (WHERE complaint) AS complaints,
                           COUNT(*) FILTER (WHERE feedback_satisfaction IN ('1', '2')) AS low_satisfaction
                      FROM retention_action_check
                     WHERE company_id = %(company)s AND state = 'done' AND action_datetime >= %(d12)s
                     GROUP BY partner_id
                ),
                receivables AS (%(receivables)s)
                SELECT p.id, f.order_count, f.first_order, f.last_order, f.avg_interval, f.revenue_total, f.revenue_12m,
                       f.revenue_prev_12m, f.revenue_window, f.cum_before, f.total,
                       q.partner_id IS NOT NULL AS has_quote,
                       COALESCE(r.referral_count, 0) AS referral_count,
                       COALESCE(fb.complaints, 0) AS complaints, COALESCE(fb.low_satisfaction, 0) AS low_satisfaction,
                       COALESCE(rv.overdue_amount, 0) AS overdue_amount, rv.overdue_since,
                       %(old_cols)s
                  FROM res_partner p
                  LEFT JOIN retention_facts f ON f.partner_id = p.id
                  LEFT JOIN quotes q ON q.partner_id = p.id
                  LEFT JOIN referrals r ON r.partner_id = p.id
                  LEFT JOIN feedback fb ON fb.partner_id = p.id
                  LEFT JOIN receivables rv ON rv.partner_id = p.id
                 WHERE p.id = p.commercial_partner_id
                   AND (f.partner_id IS NOT NULL
                        OR q.partner_id IS NOT NULL
                        OR p.retention_time_class ? %(key)s
                        OR (p.active AND (p.company_id IS NULL OR p.company_id = %(company)s)
                            AND NOT EXISTS (SELECT 1 FROM res_company rc WHERE rc.partner_id = p.id)
                            AND NOT EXISTS (SELECT 1 FROM res_users u
                                             WHERE u.partner_id = p.id AND u.share IS NOT TRUE)))
                """,
                quotes=self._retention_quote_query(company),
                receivables=self._retention_receivables_query(company, today),
                old_cols=old_cols,
                key=key,
                company=company.id,
                d12=today - relativedelta(months=12),
            )
        )

    def _retention_receivables_query(self, company, today):
        """Posted customer invoices past due and not (fully) paid: amount in company currency, oldest due date."""
        if "account.move" not in self.env:
            return SQL("SELECT NULL::int AS partner_id, 0 AS overdue_amount, NULL::date AS overdue_since WHERE FALSE")
        return SQL(
            """SELECT am.commercial_partner_id AS partner_id, SUM(am.amount_residual_signed) AS overdue_amount,
                      MIN(am.invoice_date_due) AS overdue_since
                 FROM account_move am
                WHERE am.company_id = %(company)s AND am.state = 'posted' AND am.move_type = 'out_invoice'
                  AND am.payment_state IN ('not_paid', 'partial') AND am.invoice_date_due < %(today)s
                GROUP BY am.commercial_partner_id""",
            company=company.id,
            today=today,
        )

    def _retention_classify(self, row, company, rules, today, context):
        """The pure rules applied to one population row: the new values of the class fields."""
        order_count = row["order_count"] or 0
        abc_auto = scoring.abc_class(
            row["revenue_window"] or 0,
            row["cum_before"] or 0,
            row["total"] or 0,
            context["a_cut"],
            context["b_cut"],
        )
        abc = row["old_abc_override"] or abc_auto
        cadence = scoring.contact_cadence(abc, row["old_closeness"], *context["cadences"])
        next_contact = (
            scoring.next_contact(self._old_value(row, "last_contact"), row["last_order"], cadence)
            if order_count
            else None
        )
        overdue_amount = float(row["overdue_amount"] or 0)
        score, reasons = scoring.risk(
            scoring.RiskFacts(
                order_count=order_count,
                last_order=row["last_order"],
                avg_interval=float(row["avg_interval"] or 0),
                revenue_12m=float(row["revenue_12m"] or 0),
                revenue_prev_12m=float(row["revenue_prev_12m"] or 0),
                next_contact=next_contact,
                cadence_days=cadence,
                complaints=row["complaints"],
                low_satisfaction=row["low_satisfaction"],
                overdue_amount=overdue_amount,
                overdue_since=row["overdue_since"],
            ),
            context["risk_rules"],
            today,
        )
        level = scoring.risk_level(score, context["risk_rules"]) if order_count else False
        facts = scoring.CardFacts(
            order_count=order_count,
            first_order=row["first_order"],
            last_order=row["last_order"],
            avg_interval=float(row["avg_interval"] or 0),
            revenue_12m=float(row["revenue_12m"] or 0),
            revenue_prev_12m=float(row["revenue_prev_12m"] or 0),
            has_open_quote=row["has_quote"],
            risk_high=level == "high",
        )
        stage_auto = scoring.lifecycle_stage(facts, rules, today)
        stage = row["old_stage_override"] or stage_auto
        old_stage = row["old_stage"] or False
        return {
            "abc_auto": abc_auto,
            "abc": abc,
            "stage_auto": stage_auto,
            "stage": stage,
            "stage_date": today if stage != old_stage else self._old_value(row, "stage_date"),
            "time_class": scoring.time_class(
                order_count, row["first_order"], row["has_quote"], today, rules.new_window_days
            ),
            "quadrant": scoring.loyalty_quadrant(row["old_satisfaction"], order_count),
            "advocacy": scoring.advocacy(order_count, row["referral_count"]),
            "referral_count": row["referral_count"] or 0,
            "risk_score": score if order_count else 0,
            "risk_level": level,
            "next_contact": next_contact or False,
            "risk_factors": scoring.risk_factors_data(reasons),
            "overdue_amount": round(overdue_amount, context["digits"]),
        }

    @staticmethod
    def _old_value(row, name):
        value = row["old_" + name]
        if name in METRIC_KINDS:
            return _metric(value, METRIC_KINDS[name])
        if name in ("referral_count", "risk_score"):
            return int(value or 0)
        if name == "overdue_amount":
            return float(value or 0)
        if name in ("stage_date", "next_contact", "last_contact"):
            return date.fromisoformat(value) if value else False
        return value or False

    def _recompute_company(self, company, today):
        started = time.monotonic()
        partner_model = self.env["res.partner"]
        self.env.flush_all()
        self._retention_build_facts(company, today)
        rows = self._retention_read_population(company, today)
        rules = company._retention_lifecycle_rules()
        context = {
            "cadences": company._retention_cadences(),
            "risk_rules": company._retention_risk_rules(),
            # read once: company fields cost a cache lookup each time, a hundred thousand times
            "a_cut": company.retention_abc_a_cut,
            "b_cut": company.retention_abc_b_cut,
            "digits": company.currency_id.decimal_places,
        }
        # the class history keeps why the risk changed as text, in the company's language
        explain = partner_model.with_context(lang=company.partner_id.lang or self.env.lang)._retention_risk_explainer(
            today
        )

        field_of = {name: fname for fname, name in RULE_FIELDS}
        patches = {}  # partner id -> {field: new value}, only what changed
        changes = []
        rising = []  # partners whose risk became high
        for row in rows:
            new = self._retention_classify(row, company, rules, today, context)
            patch = {field_of[name]: value for name, value in new.items() if value != self._old_value(row, name)}
            for fname, name in METRIC_COLUMNS:
                value = _metric(row[name], METRIC_KINDS[name])
                if value != self._old_value(row, name):
                    patch[fname] = value
            if patch:
                patches[row["id"]] = patch
            for kind, name in (("abc", "abc"), ("stage", "stage"), ("risk", "risk_level")):
                old = self._old_value(row, name)
                if new[name] != old:
                    changes.append(
                        {
                            "partner_id": row["id"],
                            "kind": kind,
                            "old": old,
                            "new": new[name],
                            "origin": "auto",
                            "reason": explain(new["risk_factors"]) if kind == "risk" else False,
                        }
                    )
                    if kind == "risk" and new[name] == "high":
                        rising.append(row["id"])
        ids = list(patches)
        for start in range(0, len(ids), WRITE_BATCH):
            partner_model._retention_sql_patch(company, {pid: patches[pid] for pid in ids[start : start + WRITE_BATCH]})
        if len(ids) >= ANALYZE_AFTER:
            # the lists filter on what just changed: give the planner today's distribution, not last night's
            self.env.execute_query(SQL("ANALYZE res_partner"))
        partner_model.invalidate_model()
        partner_model._retention_log_changes(company, changes)
        partner_model.browse(rising)._retention_warn_high_risk(company)
        partner_model._retention_contact_due_activities(company, today)
        self.env.execute_query(SQL("DROP TABLE IF EXISTS retention_facts"))
        _logger.info(
            "customer_retention: recomputed %s customers of %s (%s changes) in %.2fs",
            len(rows),
            company.name,
            len(changes),
            time.monotonic() - started,
        )
        return {"customers": len(rows), "changes": len(changes)}

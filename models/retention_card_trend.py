from datetime import datetime

from babel.dates import format_skeleton
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import babel_locale_parse, format_date, formatLang, get_lang

from .dates import first_moment_after
from .res_partner import RISK_SELECTION

# months the chart on the customer form shows, the current one included
CHART_MONTHS = 12
# changes of class, stage and risk listed under the chart
CHART_CHANGES = 15
# the two layouts of the chart (the form shows one of them by the screen's width): SVG user units, scaled to the
# width of the page up to ``max_width`` pixels; the narrow one keeps its text readable on a 390 px phone
LAYOUTS = {
    "wide": {
        "width": 720,
        "height": 250,
        "left": 40,
        "right": 16,
        "top": 14,
        "bottom": 40,
        "label_every": 1,
        "max_width": 960,
    },
    "narrow": {
        "width": 360,
        "height": 230,
        "left": 32,
        "right": 12,
        "top": 14,
        "bottom": 40,
        "label_every": 2,
        "max_width": 560,
    },
}
# width of a digit of the axis labels (font size 11), to leave room for the revenue axis
DIGIT_WIDTH = 6.5
LEVEL_COLORS = {"low": "#28a745", "medium": "#f0ad4e", "high": "#dc3545"}


class RetentionCardTrend(models.Model):
    """A customer's risk score once a month, per company: the value its data card held last that month.

    Written by the recompute only (``_retention_snapshot``), one row per customer, company and month; the chart
    of the customer form (``_retention_chart``) reads it with the revenue of the 12 months up to each month.
    """

    _name = "retention.card.trend"
    _description = "Customer Risk Trend"
    _order = "month desc, id desc"
    _rec_name = "partner_id"
    # written by the system only, a row per customer and month: no author columns (and their foreign keys, half the
    # cost of a month's first snapshot)
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    month = fields.Date(required=True, readonly=True, index=True, help="First day of the month.")
    risk_score = fields.Integer(readonly=True)
    risk_level = fields.Selection(RISK_SELECTION, readonly=True)

    # the conflict target of the snapshot, and the index of a customer's chart (the month's index tells whether the
    # month has points yet)
    _sql_constraints = [
        ("partner_company_month_uniq", "UNIQUE(partner_id, company_id, month)", "One point per customer and month.")
    ]

    # --- written by the recompute -----------------------------------------------------------------------
    @api.model
    def _retention_snapshot(self, company, today, examined_ids, partial=False):
        """Record the month's point of the cards the recompute of ``company`` just wrote: one INSERT … ON
        CONFLICT DO UPDATE whatever the number of customers, so that a month keeps the latest value of its
        cards. The cards ``examined_ids`` may have changed; the others kept their value, which the first run of
        the month records for every card with a risk level (the second branch, skipped once the month has
        points). A card that lost its level (no more orders) updates the month's point it had.

        A ``partial`` snapshot (a refresh of a few cards after a done action check or an order, a batch of the
        recompute) only updates a month that has its points: before the month's first full run it writes nothing,
        and that run, which reads the cards once they are all written (``examined_ids`` empty), records their
        values."""
        month = today.replace(day=1)
        partners = self.env["res.partner"]
        partners.flush_model(["retention_risk_score", "retention_risk_level", "commercial_partner_id"])
        self.flush_model()
        key = str(company.id)
        card = SQL(
            """SELECT p.id, COALESCE((p.retention_risk_score ->> %(key)s)::int, 0) AS score,
                      p.retention_risk_level ->> %(key)s AS level
                 FROM res_partner p""",
            key=key,
        )
        self.env.execute_query(
            SQL(
                """
                WITH started AS (
                    SELECT EXISTS (SELECT 1 FROM retention_card_trend f
                                    WHERE f.month = %(month)s AND f.company_id = %(company)s) AS started
                ),
                cards AS (
                    %(card)s JOIN unnest(%(examined)s::int[]) AS e(id) ON e.id = p.id
                     WHERE p.id = p.commercial_partner_id AND (NOT %(partial)s OR (SELECT started FROM started))
                    UNION ALL
                    %(card)s WHERE p.id = p.commercial_partner_id AND p.id <> ALL(%(examined)s::int[])
                                AND p.retention_risk_level ->> %(key)s IS NOT NULL
                                AND NOT %(partial)s AND NOT (SELECT started FROM started)
                )
                INSERT INTO retention_card_trend AS t (partner_id, company_id, month, risk_score, risk_level)
                SELECT c.id, %(company)s, %(month)s, c.score, c.level
                  FROM cards c
                 WHERE c.level IS NOT NULL
                    OR EXISTS (SELECT 1 FROM retention_card_trend o
                                WHERE o.partner_id = c.id AND o.company_id = %(company)s AND o.month = %(month)s)
                    ON CONFLICT (partner_id, company_id, month) DO UPDATE
                   SET risk_score = EXCLUDED.risk_score, risk_level = EXCLUDED.risk_level
                 WHERE (t.risk_score, t.risk_level) IS DISTINCT FROM (EXCLUDED.risk_score, EXCLUDED.risk_level)
                """,
                card=card,
                examined=list(examined_ids),
                key=key,
                month=month,
                company=company.id,
                partial=bool(partial),
            )
        )
        self.invalidate_model()

    # --- read by the customer form ------------------------------------------------------------------------
    @api.model
    def _retention_monthly_revenue(self, customer, company, months, today):
        """{month: revenue of the 12 months up to the month's last day (the current month: up to ``today``)}
        of ``customer`` in ``company``, from the revenue source of the card (orders or invoices) in company
        currency, in one query: for the current month, the card's revenue of the last 12 months."""
        tz, source = self.env["retention.recompute"]._retention_source_query(company)
        ends = [min(month + relativedelta(months=1, days=-1), today) for month in months]
        rows = self.env.execute_query(
            SQL(
                """SELECT m.month, ROUND(COALESCE(SUM(src.amount), 0)::numeric, %(digits)s)
                     FROM unnest(%(months)s::date[], %(starts)s::timestamp[], %(stops)s::timestamp[])
                          AS m(month, start, stop)
                     LEFT JOIN (SELECT s.moment, s.amount FROM (%(source)s) s WHERE s.partner_id = %(partner)s) src
                       ON src.moment >= m.start AND (m.stop IS NULL OR src.moment < m.stop)
                    GROUP BY m.month""",
                digits=company.currency_id.decimal_places,
                months=list(months),
                starts=[first_moment_after(end - relativedelta(months=12), tz) for end in ends],
                # the current month counts like the card: every line from the start of the window on
                stops=[first_moment_after(end, tz) if end < today else None for end in ends],
                source=source,
                partner=customer.id,
            )
        )
        return {month: float(amount) for month, amount in rows}

    @api.model
    def _retention_chart(self, customer):
        """The trend of ``customer`` (a commercial partner) in the current company, as an inline SVG: risk score
        and revenue of the last 12 months, month by month, with the changes of class, stage and risk and their
        reasons, in the reader's language. For those who keep the customer (as its class history)."""
        if not isinstance(customer.id, int):
            return False
        if not customer._retention_kept_by(self.env.user):
            return self.env["ir.qweb"]._render("customer_retention.retention_trend_chart", {"restricted": True})
        company = self.env.company
        today = fields.Date.context_today(self)
        values = self._retention_chart_values(customer, company, today)
        return self.env["ir.qweb"]._render("customer_retention.retention_trend_chart", values)

    @api.model
    def _retention_chart_values(self, customer, company, today):
        """What the chart template draws: two layouts of the same series (wide and narrow), the legend, a note
        when risk scores are recorded for part of the months only, and the changes with their reasons."""
        current = today.replace(day=1)
        months = [current - relativedelta(months=n) for n in range(CHART_MONTHS - 1, -1, -1)]
        revenue = self._retention_monthly_revenue(customer, company, months, today)
        points = {
            point.month: point
            for point in self.search(
                [("partner_id", "=", customer.id), ("company_id", "=", company.id), ("month", ">=", months[0])]
            )
        }
        card = customer.with_company(company)
        risk = {month: (point.risk_score, point.risk_level) for month, point in points.items()}
        if current not in risk and card.retention_risk_level:
            # not recomputed yet this month: the card holds the month's value
            risk[current] = (card.retention_risk_score, card.retention_risk_level)
        changes = self.env["retention.class.history"].search(
            [
                ("partner_id", "=", customer.id),
                ("company_id", "=", company.id),
                ("date", ">=", datetime.combine(months[0], datetime.min.time())),
            ],
            limit=CHART_CHANGES + 1,
        )
        risk_rules = company._retention_risk_rules()
        series = {
            "months": months,
            "revenue": [revenue.get(month, 0.0) for month in months],
            "risk": [risk.get(month) for month in months],
            "thresholds": (risk_rules.medium, risk_rules.high),
            "changes": changes[:CHART_CHANGES],
        }
        recorded = [month for month in months if month in risk]
        if not recorded:
            note = self.env._("No risk score recorded yet: the nightly recompute records one each month.")
        elif recorded[0] != months[0]:
            note = self.env._("Risk scores are recorded monthly since %(month)s.", month=self._month_label(recorded[0]))
        else:
            note = False
        currency = company.currency_id
        return {
            "restricted": False,
            "empty": not recorded and not any(series["revenue"]) and not changes,
            "note": note,
            "currency_label": f"({currency.name})",
            "layouts": {
                name: self._retention_chart_layout(series, layout, currency) for name, layout in LAYOUTS.items()
            },
            "changes": [self._retention_change_line(change) for change in series["changes"]],
            "more_changes": len(changes) > CHART_CHANGES,
        }

    def _retention_change_line(self, change):
        """One change of the class history under the chart: when, what, and why in the reader's language."""
        kinds = dict(change._fields["kind"]._description_selection(self.env))
        return {
            "date": format_date(self.env, fields.Datetime.context_timestamp(change, change.date).date()),
            "summary": f"{kinds.get(change.kind)}: {change.old_label or '–'} → {change.new_label or '–'}",
            "manual": change.origin == "manual",
            "reason": change.reason_label,
        }

    def _month_label(self, month):
        """The month and year in the reader's language ("November 2026", "2026年11月")."""
        return format_skeleton("yMMMM", month, locale=babel_locale_parse(get_lang(self.env).code))

    def _retention_chart_layout(self, series, layout, currency):
        """The coordinates of one layout: revenue bars on the right axis, the risk line on the left (0–100),
        the month labels, and a marker where class, stage or risk changed (its title lists the changes)."""
        months = series["months"]
        top_revenue = _nice_ceiling(max(series["revenue"], default=0))
        # three grid lines shared by both axes: 0, half and top of each
        revenue_ticks = [top_revenue * n / 2 for n in range(3)] if top_revenue else [0]
        revenue_labels = [formatLang(self.env, tick, digits=0) for tick in revenue_ticks]
        right = layout["right"] + DIGIT_WIDTH * max(len(label) for label in revenue_labels) + 6
        left, top = layout["left"], layout["top"]
        plot_width = layout["width"] - left - right
        plot_height = layout["height"] - top - layout["bottom"]
        bottom = top + plot_height
        slot = plot_width / len(months)

        def x_of(index):
            return round(left + slot * (index + 0.5), 1)

        def y_of_risk(score):
            return round(bottom - plot_height * score / 100.0, 1)

        def y_of_revenue(amount):
            return round(bottom - plot_height * amount / top_revenue, 1) if top_revenue else bottom

        bars = []
        for index, (month, amount) in enumerate(zip(months, series["revenue"], strict=True)):
            if amount <= 0:
                continue
            y = y_of_revenue(amount)
            bars.append(
                {
                    "x": round(x_of(index) - slot * 0.3, 1),
                    "y": y,
                    "width": round(slot * 0.6, 1),
                    "height": round(bottom - y, 1),
                    "title": f"{self._month_label(month)}: {formatLang(self.env, amount, currency_obj=currency)}",
                }
            )
        # the risk line, broken where a month has no recorded score
        segments, segment, dots = [], [], []
        for index, (month, point) in enumerate(zip(months, series["risk"], strict=True)):
            if point is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            score, level = point
            segment.append(f"{x_of(index)},{y_of_risk(score)}")
            dots.append(
                {
                    "x": x_of(index),
                    "y": y_of_risk(score),
                    "color": LEVEL_COLORS.get(level, "#6c757d"),
                    "title": f"{self._month_label(month)}: {score}/100",
                }
            )
        if segment:
            segments.append(segment)
        labels = []
        for index, month in enumerate(months):
            if index % layout["label_every"] != (len(months) - 1) % layout["label_every"]:
                continue
            labels.append(
                {
                    "x": x_of(index),
                    "text": format_date(self.env, month, date_format="MMM"),
                    # the year under the first label and under January
                    "year": format_date(self.env, month, date_format="y") if month.month == 1 or not labels else "",
                }
            )
        kinds = dict(self.env["retention.class.history"]._fields["kind"]._description_selection(self.env))
        marks = {}
        for change in series["changes"]:
            day = fields.Datetime.context_timestamp(change, change.date).date().replace(day=1)
            if day in months:
                marks.setdefault(months.index(day), []).append(
                    f"{kinds.get(change.kind)}: {change.old_label or '–'} → {change.new_label or '–'}"
                )
        return {
            "width": layout["width"],
            "max_width": layout["max_width"],
            "height": layout["height"],
            "view_box": f"0 0 {layout['width']} {layout['height']}",
            "left": left,
            "right": round(layout["width"] - right, 1),
            "top": top,
            "bottom": bottom,
            "risk_ticks": [{"y": y_of_risk(score), "label": str(score)} for score in (0, 50, 100)],
            "revenue_ticks": [
                {"y": y_of_revenue(tick), "label": label}
                for tick, label in zip(revenue_ticks, revenue_labels, strict=True)
                if top_revenue or not tick
            ],
            "thresholds": [
                {"y": y_of_risk(score), "color": LEVEL_COLORS[level]}
                for score, level in zip(series["thresholds"], ("medium", "high"), strict=True)
            ],
            "bars": bars,
            "lines": [" ".join(segment) for segment in segments if len(segment) > 1],
            "dots": dots,
            "labels": labels,
            "label_y": bottom + 16,
            "year_y": bottom + 30,
            "marks": [{"x": x_of(index), "y": top - 2, "title": "\n".join(lines)} for index, lines in marks.items()],
        }


def _nice_ceiling(value):
    """The smallest of 1, 2, 4, 5 × a power of ten at or above ``value`` (0 for nothing): its half is round too."""
    if value <= 0:
        return 0
    power = 10 ** (len(str(int(value))) - 1)
    return next(step * power for step in (1, 2, 4, 5, 10) if value <= step * power)

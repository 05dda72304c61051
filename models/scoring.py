"""Pure, ORM-free rules of the customer data card (客户资料卡).

Nothing here touches Odoo: the recompute (``retention.recompute``) feeds these functions plain values read
with set-based SQL and writes what changed in one set-based UPDATE. Unit-tested on their own in
``tests/test_scoring.py``.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ABC_CLASSES = ("a", "b", "c")
LIFECYCLE_STAGES = ("acquisition", "growth", "maturity", "decline", "churned")
TIME_CLASSES = ("potential", "prospect", "new", "old")


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the lifecycle and time-class rules (company settings)."""

    new_window_days: int = 365
    growth_pct: float = 20.0
    decline_pct: float = 30.0
    interval_factor: float = 2.0
    churn_days: int = 365


@dataclass(frozen=True)
class CardFacts:
    """What the rules need to know of one customer, as of ``today``."""

    order_count: int = 0
    first_order: date | None = None
    last_order: date | None = None
    avg_interval: float = 0.0
    revenue_12m: float = 0.0
    revenue_prev_12m: float = 0.0
    has_open_quote: bool = False
    risk_high: bool = False


def _dec(value):
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def abc_class(revenue, cumulative_before, total, a_cut, b_cut):
    """ABC class of a customer from its place in the revenue ranking.

    ``cumulative_before`` is the revenue of every customer ranked strictly above this one (customers with
    the same revenue share one rank, so ties always get the same class). A customer is A while the share
    before it is below the A cut-off, so the customer that reaches the cut-off is the last A; likewise B.
    Customers without positive revenue have no class. Compared as exact decimals: no rounding at a cut-off.
    """
    revenue, total = _dec(revenue), _dec(total)
    if revenue <= 0 or total <= 0:
        return False
    before = _dec(cumulative_before) * 100
    if before < _dec(a_cut) * total:
        return "a"
    if before < _dec(b_cut) * total:
        return "b"
    return "c"


def revenue_trend(revenue_12m, revenue_prev_12m):
    """Change of the last 12 months against the 12 before, in percent; None when there was nothing before."""
    prev = float(revenue_prev_12m or 0)
    if prev <= 0:
        return None
    return (float(revenue_12m or 0) - prev) / prev * 100.0


def lifecycle_stage(facts, rules, today):
    """Lifecycle stage (生命周期阶段) from the DOMAIN rules; False for a contact that never bought nor was quoted.

    Checked in this order: churned (no order for ``churn_days``), decline (trend down more than
    ``decline_pct``, or silent for more than ``interval_factor`` x the usual interval, or high risk), growth
    (first order inside the new window, or trend up more than ``growth_pct``, or buying again after a year
    without revenue), else maturity.
    """
    if facts.order_count <= 0 or not facts.last_order:
        return "acquisition" if facts.has_open_quote else False
    days_since = (today - facts.last_order).days
    if days_since >= rules.churn_days:
        return "churned"
    trend = revenue_trend(facts.revenue_12m, facts.revenue_prev_12m)
    silent_too_long = bool(facts.avg_interval) and days_since > rules.interval_factor * float(facts.avg_interval)
    if (trend is not None and trend < -rules.decline_pct) or silent_too_long or facts.risk_high:
        return "decline"
    new_customer = facts.first_order and (today - facts.first_order).days <= rules.new_window_days
    buying_again = trend is None and float(facts.revenue_12m or 0) > 0
    if new_customer or buying_again or (trend is not None and trend > rules.growth_pct):
        return "growth"
    return "maturity"


def is_win_back(old_stage, new_stage):
    """A churned customer that orders again is won back (赢回)."""
    return old_stage == "churned" and new_stage not in (False, None, "churned")


def time_class(order_count, first_order, has_quote, today, new_window_days):
    """Time class (时间分类): potential → prospect (quoted) → new (first order inside the window) → old."""
    if order_count > 0 and first_order:
        return "new" if (today - first_order).days <= new_window_days else "old"
    return "prospect" if has_quote else "potential"


def is_repeat_buyer(order_count):
    return (order_count or 0) >= 2


def advocacy(order_count, referral_count):
    """Advocacy level (忠诚层次): advocate when it referred customers, loyal when it buys again, else satisfied."""
    if referral_count:
        return "advocate"
    if is_repeat_buyer(order_count):
        return "loyal"
    return "satisfied" if order_count else False


def loyalty_quadrant(satisfaction, order_count):
    """Loyalty quadrant (忠诚象限) from satisfaction (1-5, satisfied from 4) and repeat purchases."""
    if not satisfaction:
        return False
    satisfied = int(satisfaction) >= 4
    loyal = is_repeat_buyer(order_count)
    if loyal:
        return "apostle" if satisfied else "prisoner"
    return "flea" if satisfied else "witch"


def suggested_value_type(abc, key_influence):
    """Value type (价值类型) suggested from the ABC class and the influence flag."""
    if abc == "a":
        return "double" if key_influence else "high_value"
    return "key_influence" if key_influence else False


# --- early warning 流失风险 (DOMAIN §6) ----------------------------------------------------------------
@dataclass(frozen=True)
class RiskRules:
    """Weights (points at full strength, summing to 100 by default) and level thresholds (company settings)."""

    weight_recency: float = 35.0
    weight_trend: float = 25.0
    weight_contact: float = 15.0
    weight_complaint: float = 15.0
    weight_receivable: float = 10.0
    medium: float = 40.0
    high: float = 70.0


@dataclass(frozen=True)
class RiskFacts:
    """What the early warning reads of one customer, as of ``today``."""

    order_count: int = 0
    last_order: date | None = None
    avg_interval: float = 0.0
    revenue_12m: float = 0.0
    revenue_prev_12m: float = 0.0
    next_contact: date | None = None
    cadence_days: int = 0
    complaints: int = 0
    low_satisfaction: int = 0
    overdue_amount: float = 0.0
    overdue_since: date | None = None  # due date of the oldest overdue invoice


@dataclass(frozen=True)
class RiskReason:
    """One factor of a risk score: its key, the points it adds and the values that explain it. Durations are
    kept as the day they count from (last order, contact due, invoice due), so that the reason stays true the
    days after and a card is rewritten only when its points change (``factor_params`` counts the days)."""

    factor: str
    points: int
    values: tuple = ()


def _share(value, full):
    """0 … 1: how far ``value`` goes towards ``full`` (the point where the factor counts fully)."""
    if full <= 0:
        return 0.0
    return max(0.0, min(1.0, value / full))


def risk(facts, rules, today):
    """Risk score 0–100 and its reasons, strongest first.

    - recency: days since the last order beyond the usual interval (nothing at 1 × the interval, full at 3 ×);
    - trend: revenue of the last 12 months down against the 12 before (full at −50 %);
    - contact: days past the next contact date (full after one more cadence);
    - complaints: complaints and satisfaction of 1–2 in done action checks of the last 12 months (full at 2);
    - receivables: posted customer invoices past due and unpaid (full at 90 days overdue).
    A customer that never ordered has no risk.
    """
    if facts.order_count <= 0 or not facts.last_order:
        return 0, ()
    reasons = []
    days_since = (today - facts.last_order).days
    if facts.avg_interval and facts.order_count > 1:
        ratio = days_since / float(facts.avg_interval)
        points = round(rules.weight_recency * _share(ratio - 1, 2))
        if points:
            reasons.append(RiskReason("recency", points, (facts.last_order, round(float(facts.avg_interval)))))
    trend = revenue_trend(facts.revenue_12m, facts.revenue_prev_12m)
    if trend is not None and trend < 0:
        points = round(rules.weight_trend * _share(-trend, 50))
        if points:
            reasons.append(RiskReason("trend", points, (round(trend),)))
    if facts.next_contact and facts.cadence_days and today > facts.next_contact:
        overdue = (today - facts.next_contact).days
        points = round(rules.weight_contact * _share(overdue, facts.cadence_days))
        if points:
            reasons.append(RiskReason("contact", points, (facts.next_contact, facts.cadence_days)))
    if facts.complaints or facts.low_satisfaction:
        points = round(rules.weight_complaint * _share(facts.complaints + facts.low_satisfaction, 2))
        reasons.append(RiskReason("complaint", points, (facts.complaints, facts.low_satisfaction)))
    if facts.overdue_amount > 0 and facts.overdue_since:
        points = round(rules.weight_receivable * _share((today - facts.overdue_since).days, 90))
        if points:
            reasons.append(RiskReason("receivable", points, (facts.overdue_amount, facts.overdue_since)))
    reasons.sort(key=lambda reason: -reason.points)
    return min(100, sum(reason.points for reason in reasons)), tuple(reasons)


def risk_factors_data(reasons):
    """Risk reasons as the language-neutral JSON the card stores: ``[[factor, points, [values…]], …]`` with days
    as ISO dates, or False without any. The card shows them in each reader's language
    (``res.partner._retention_risk_explainer``)."""
    if not reasons:
        return False
    return json.dumps(
        [
            [reason.factor, reason.points, [v.isoformat() if isinstance(v, date) else float(v) for v in reason.values]]
            for reason in reasons
        ]
    )


# what each stored factor shows: its values in order; a day is shown as the days from it to ``today``
FACTOR_PARAMS = {
    "recency": ("days", "interval"),
    "trend": ("trend",),
    "contact": ("days", "cadence"),
    "complaint": ("complaints", "low"),
    "receivable": ("amount", "days"),
}


def factor_params(factor, values, today):
    """The numbers a stored factor shows as of ``today``: days counted from the stored day, the rest rounded
    (the amount of a receivable kept exact). Cards written before days were stored as dates hold the count."""
    params = {}
    for key, value in zip(FACTOR_PARAMS[factor], values, strict=True):
        number = (today - date.fromisoformat(value)).days if isinstance(value, str) else value
        params[key] = number if key == "amount" else round(number)
    return params


def risk_level(score, rules):
    """low / medium / high from the thresholds; False without a score (never ordered)."""
    if score is None:
        return False
    if score >= rules.high:
        return "high"
    return "medium" if score >= rules.medium else "low"


def contact_cadence(abc, closeness, cadence_by_class, strategic_days):
    """Days between contacts: by ABC class (a customer without revenue in the window as C, to win it back),
    strategic customers more often; the shortest applies."""
    strategic = strategic_days if closeness == "strategic" else None
    candidates = [days for days in (cadence_by_class.get(abc or "c"), strategic) if days]
    return min(candidates) if candidates else 0


def next_contact(last_contact, last_order, cadence_days):
    """The next contact is due one cadence after the last contact (or the last order when never contacted)."""
    base = max(filter(None, (last_contact, last_order)), default=None)
    if not base or not cadence_days:
        return None
    return base + timedelta(days=cadence_days)

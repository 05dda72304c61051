"""Pure, ORM-free rules of the customer data card (客户资料卡).

Nothing here touches Odoo: the recompute (``retention.recompute``) feeds these functions plain values read
with set-based SQL and writes what changed in one set-based UPDATE. The ABC class, a ranking of the whole
population, is computed in that SQL (``retention.recompute._retention_facts_query``). Unit-tested on their own in
``tests/test_scoring.py``.
"""

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta

# bump when a rule changes: the next recompute then examines every card again, not only those whose facts changed
RULES_VERSION = 2

ABC_CLASSES = ("a", "b", "c")
LIFECYCLE_STAGES = ("acquisition", "growth", "maturity", "decline", "churned")
TIME_CLASSES = ("potential", "prospect", "new", "old")


def days_after(day, days):
    """``day`` + ``days`` days, or the last day of the calendar when that lies beyond it: the rules look far ahead
    (100 × the usual interval of a customer whose orders span centuries by a typing slip) and must not fail."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


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


def revenue_trend(revenue_12m, revenue_prev_12m):
    """Change of the last 12 months against the 12 before, in percent; None when there was nothing before."""
    prev = float(revenue_prev_12m or 0)
    if prev <= 0:
        return None
    return (float(revenue_12m or 0) - prev) / prev * 100.0


def lifecycle_stage(facts, rules, today):
    """Lifecycle stage (生命周期阶段) by the rules below; False for a contact that never bought nor was quoted.

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


# --- early warning 流失风险 -------------------------------------------------------------------------
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


# the factors that grow with time alone, day by day, until they count fully (never decreasing)
def _recency_points(facts, rules, day):
    if not facts.avg_interval or facts.order_count <= 1:
        return 0
    ratio = (day - facts.last_order).days / float(facts.avg_interval)
    return round(rules.weight_recency * _share(ratio - 1, 2))


def _contact_points(facts, rules, day):
    if not facts.next_contact or not facts.cadence_days or day <= facts.next_contact:
        return 0
    return round(rules.weight_contact * _share((day - facts.next_contact).days, facts.cadence_days))


def _receivable_points(facts, rules, day):
    if facts.overdue_amount <= 0 or not facts.overdue_since:
        return 0
    return round(rules.weight_receivable * _share((day - facts.overdue_since).days, 90))


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
    points = _recency_points(facts, rules, today)
    if points:
        reasons.append(RiskReason("recency", points, (facts.last_order, round(float(facts.avg_interval)))))
    trend = revenue_trend(facts.revenue_12m, facts.revenue_prev_12m)
    if trend is not None and trend < 0:
        points = round(rules.weight_trend * _share(-trend, 50))
        if points:
            reasons.append(RiskReason("trend", points, (round(trend),)))
    points = _contact_points(facts, rules, today)
    if points:
        reasons.append(RiskReason("contact", points, (facts.next_contact, facts.cadence_days)))
    if facts.complaints or facts.low_satisfaction:
        points = round(rules.weight_complaint * _share(facts.complaints + facts.low_satisfaction, 2))
        reasons.append(RiskReason("complaint", points, (facts.complaints, facts.low_satisfaction)))
    points = _receivable_points(facts, rules, today)
    if points:
        reasons.append(RiskReason("receivable", points, (facts.overdue_amount, facts.overdue_since)))
    reasons.sort(key=lambda reason: -reason.points)
    return min(100, sum(reason.points for reason in reasons)), tuple(reasons)


def _next_rise(points_on, today, full_on, guess=None):
    """The first day after ``today`` on which ``points_on(day)`` (never decreasing) rises, if before ``full_on``
    (when it counts fully); found by bisection, around ``guess(points today)`` when given (where the points
    should rise, from their formula: two or three evaluations instead of ten; a wrong guess costs a few more,
    never another answer)."""
    now = points_on(today)
    if full_on <= today or points_on(full_on) == now:
        return None
    # the day sought is in [low, high], and the points have risen on ``high``
    low, high = today + timedelta(days=1), full_on
    guess = guess(now) if guess else None
    if guess is not None:
        guess = min(max(guess, low), high)
        if points_on(guess) != now:
            high = guess
            if guess > low and points_on(guess - timedelta(days=1)) == now:
                return guess
        else:
            low = guess + timedelta(days=1)  # before ``high``, on which they have risen
            if points_on(low) != now:
                return low
    while low < high:
        middle = low + (high - low) // 2
        if points_on(middle) != now:
            high = middle
        else:
            low = middle + timedelta(days=1)
    return low


def _rise_guess(start, begins, span, weight):
    """For a factor that grows from nothing ``begins`` days after ``start`` to ``weight`` points ``span`` days
    later: a function of its points giving the day it should gain the next one (rounded half-way), or None when
    that is no day of the calendar."""

    def guess(points):
        if weight <= 0:
            return None
        days = begins + span * (points + 0.5) / weight
        return days_after(start, math.ceil(days)) if math.isfinite(days) and days >= 0 else None

    return guess


def recheck_date(facts, risk_facts, rules, risk_rules, today):
    """The first day after ``today`` on which the rules may give another result for the same facts, or None when
    only new facts can change it. The recompute examines a card again on that day or when its facts change,
    and skips it otherwise (``retention.recompute``). Conservative: a day where nothing changes is harmless,
    a day missed would leave a card stale. The days the time-dependent rules look at:

    - lifecycle and time class: churn after ``churn_days`` of silence, decline once silent more than
      ``interval_factor`` × the usual interval, the new-customer window ending;
    - risk: the next day one of its points rises: recency from 1 × to 3 × the usual interval, contact during one
      cadence after the contact was due, receivables during the 90 days after the oldest due date.
    """
    if facts.order_count <= 0 or not facts.last_order:
        return None
    days = [days_after(facts.last_order, rules.churn_days)]
    if facts.first_order:
        days.append(days_after(facts.first_order, rules.new_window_days + 1))
    interval = float(facts.avg_interval or 0)
    if interval:
        days.append(days_after(facts.last_order, int(rules.interval_factor * interval) + 1))
        # nothing at 1 × the interval after the last order, full at 3 ×
        days.append(
            _next_rise(
                lambda day: _recency_points(risk_facts, risk_rules, day),
                today,
                days_after(facts.last_order, int(3 * interval) + 1),
                _rise_guess(facts.last_order, interval, 2 * interval, risk_rules.weight_recency),
            )
        )
    if risk_facts.next_contact and risk_facts.cadence_days:
        days.append(
            _next_rise(
                lambda day: _contact_points(risk_facts, risk_rules, day),
                today,
                days_after(risk_facts.next_contact, risk_facts.cadence_days),
                _rise_guess(risk_facts.next_contact, 0, risk_facts.cadence_days, risk_rules.weight_contact),
            )
        )
    if risk_facts.overdue_since:
        days.append(
            _next_rise(
                lambda day: _receivable_points(risk_facts, risk_rules, day),
                today,
                days_after(risk_facts.overdue_since, 90),
                _rise_guess(risk_facts.overdue_since, 0, 90, risk_rules.weight_receivable),
            )
        )
    return min((day for day in days if day and day > today), default=None)


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
    return days_after(base, cadence_days)


# --- protection period 保护期 of a held customer ---------------------------------------------------------------
@dataclass(frozen=True)
class ProtectionRules:
    """Days a salesperson keeps a customer without a follow-up, by ABC class (``None``: no class yet) and for
    strategic customers (company settings); 0 means no countdown."""

    days_a: int = 90
    days_b: int = 60
    days_c: int = 30
    days_other: int = 30
    days_strategic: int = 90


def escalates(abc, closeness):
    """At the end of its protection a key customer (class A) or a strategic one is escalated to the supervisor,
    never released to the pool; the others return to the pool."""
    return abc == "a" or closeness == "strategic"


def protection_end(abc, closeness, held_since, last_contact, last_order, rules):
    """The last day of a held customer's protection: its days (strategic, else by class) after the latest of the
    last contact, the last order and the day its salesperson received it; None without a countdown."""
    days = rules.days_strategic if closeness == "strategic" else getattr(rules, f"days_{abc or 'other'}", 0)
    base = max(filter(None, (held_since, last_contact, last_order)), default=None)
    if not days or not base:
        return None
    return days_after(base, days)

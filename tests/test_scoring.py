import json
import random
from dataclasses import replace
from datetime import date, timedelta

from odoo.tests import BaseCase

from odoo.addons.customer_retention.models import scoring
from odoo.addons.customer_retention.models.dates import next_occurrence

TODAY = date(2026, 6, 30)
RULES = scoring.LifecycleRules()


def days_ago(n):
    return TODAY - timedelta(days=n)


class TestScoring(BaseCase):
    """The pure rules, without a database."""

    def test_revenue_trend(self):
        self.assertIsNone(scoring.revenue_trend(100, 0))
        self.assertAlmostEqual(scoring.revenue_trend(120, 100), 20.0)
        self.assertAlmostEqual(scoring.revenue_trend(50, 100), -50.0)

    def test_lifecycle_rules(self):
        def stage(**kw):
            return scoring.lifecycle_stage(scoring.CardFacts(**kw), RULES, TODAY)

        self.assertFalse(stage())
        self.assertEqual(stage(has_open_quote=True), "acquisition")
        self.assertEqual(
            stage(order_count=3, first_order=days_ago(900), last_order=days_ago(365), avg_interval=100), "churned"
        )
        self.assertNotEqual(
            stage(order_count=3, first_order=days_ago(900), last_order=days_ago(364), avg_interval=300), "churned"
        )
        # trend -31 % is decline, -29 % is not
        common = {"order_count": 8, "first_order": days_ago(700), "last_order": days_ago(10), "avg_interval": 90}
        self.assertEqual(stage(revenue_12m=69, revenue_prev_12m=100, **common), "decline")
        self.assertEqual(stage(revenue_12m=71, revenue_prev_12m=100, **common), "maturity")
        # silent for more than twice the usual interval
        self.assertEqual(
            stage(
                order_count=8,
                first_order=days_ago(700),
                last_order=days_ago(181),
                avg_interval=90,
                revenue_12m=100,
                revenue_prev_12m=100,
            ),
            "decline",
        )
        self.assertEqual(
            stage(
                order_count=8,
                first_order=days_ago(700),
                last_order=days_ago(180),
                avg_interval=90,
                revenue_12m=100,
                revenue_prev_12m=100,
            ),
            "maturity",
        )
        self.assertEqual(stage(risk_high=True, revenue_12m=100, revenue_prev_12m=100, **common), "decline")
        # growth: new customer, trend above +20 %, or buying again after a year without revenue
        self.assertEqual(stage(order_count=1, first_order=days_ago(30), last_order=days_ago(30)), "growth")
        self.assertEqual(stage(revenue_12m=121, revenue_prev_12m=100, **common), "growth")
        self.assertEqual(stage(revenue_12m=120, revenue_prev_12m=100, **common), "maturity")
        self.assertEqual(stage(revenue_12m=50, revenue_prev_12m=0, **common), "growth")

    def test_time_class(self):
        self.assertEqual(scoring.time_class(0, None, False, TODAY, 365), "potential")
        self.assertEqual(scoring.time_class(0, None, True, TODAY, 365), "prospect")
        self.assertEqual(scoring.time_class(1, days_ago(365), False, TODAY, 365), "new")
        self.assertEqual(scoring.time_class(1, days_ago(366), True, TODAY, 365), "old")

    def test_win_back(self):
        self.assertTrue(scoring.is_win_back("churned", "growth"))
        self.assertFalse(scoring.is_win_back("churned", "churned"))
        self.assertFalse(scoring.is_win_back("decline", "growth"))
        self.assertFalse(scoring.is_win_back("churned", False))

    def test_derived_classes(self):
        self.assertEqual(scoring.advocacy(1, 2), "advocate")
        self.assertEqual(scoring.advocacy(2, 0), "loyal")
        self.assertEqual(scoring.advocacy(1, 0), "satisfied")
        self.assertFalse(scoring.advocacy(0, 0))
        self.assertEqual(scoring.loyalty_quadrant("5", 3), "apostle")
        self.assertEqual(scoring.loyalty_quadrant("2", 3), "prisoner")
        self.assertEqual(scoring.loyalty_quadrant("2", 1), "witch")
        self.assertEqual(scoring.loyalty_quadrant("4", 1), "flea")
        self.assertFalse(scoring.loyalty_quadrant(False, 3))
        self.assertEqual(scoring.suggested_value_type("a", True), "double")
        self.assertEqual(scoring.suggested_value_type("a", False), "high_value")
        self.assertEqual(scoring.suggested_value_type("b", True), "key_influence")
        self.assertFalse(scoring.suggested_value_type("c", False))


class TestKeyDates(BaseCase):
    """The next occurrence of a customer's key date (pure, no database)."""

    def test_next_occurrence(self):
        today = date(2026, 6, 30)
        self.assertEqual(next_occurrence(date(1968, 3, 8), True, today), date(2027, 3, 8))
        self.assertEqual(next_occurrence(date(1968, 9, 18), True, today), date(2026, 9, 18))
        self.assertEqual(next_occurrence(date(1980, 6, 30), True, today), today, "today is still to come")
        self.assertEqual(next_occurrence(date(2026, 5, 1), False, today), date(2026, 5, 1), "one-off stays")
        self.assertEqual(next_occurrence(date(2000, 2, 29), True, date(2026, 3, 1)), date(2027, 2, 28))
        self.assertEqual(next_occurrence(date(2000, 2, 29), True, date(2027, 3, 1)), date(2028, 2, 29))
        self.assertFalse(next_occurrence(False, True, today))


class TestRiskRules(BaseCase):
    """The early-warning rules (pure, no database)."""

    RULES = scoring.RiskRules()

    def test_factors_stored_as_data(self):
        self.assertFalse(scoring.risk_factors_data(()))
        reasons = (
            scoring.RiskReason("recency", 35, (days_ago(212), 30)),
            scoring.RiskReason("receivable", 10, (200.5, days_ago(121))),
        )
        stored = scoring.risk_factors_data(reasons)
        self.assertEqual(stored, '[["recency", 35, ["2025-11-30", 30.0]], ["receivable", 10, [200.5, "2026-03-01"]]]')
        # days are stored as the day they count from: the sentence stays true the next days
        recency, receivable = json.loads(stored)
        self.assertEqual(scoring.factor_params("recency", recency[2], TODAY), {"days": 212, "interval": 30})
        self.assertEqual(scoring.factor_params("recency", recency[2], days_ago(-10)), {"days": 222, "interval": 30})
        self.assertEqual(scoring.factor_params("receivable", receivable[2], TODAY), {"amount": 200.5, "days": 121})
        # cards written by an older version hold the count itself
        self.assertEqual(scoring.factor_params("contact", [198.0, 14.0], TODAY), {"days": 198, "cadence": 14})

    def _risk(self, **facts):
        base = {"order_count": 3, "last_order": TODAY - timedelta(days=10), "avg_interval": 30.0}
        return scoring.risk(scoring.RiskFacts(**{**base, **facts}), self.RULES, TODAY)

    def test_each_factor_scales_to_its_weight(self):
        self.assertEqual(self._risk(), (0, ()))
        # recency: nothing up to 1 x the interval, half at 2 x, full at 3 x and beyond
        self.assertEqual(self._risk(last_order=TODAY - timedelta(days=30))[0], 0)
        self.assertEqual(self._risk(last_order=TODAY - timedelta(days=60))[0], 18)  # 17.5 rounds to even 18
        self.assertEqual(self._risk(last_order=TODAY - timedelta(days=400))[0], 35)
        self.assertEqual(self._risk(order_count=1, avg_interval=0, last_order=TODAY - timedelta(days=400))[0], 0)
        # trend: full at -50 %, nothing when up
        self.assertEqual(self._risk(revenue_12m=75, revenue_prev_12m=100)[0], 12)
        self.assertEqual(self._risk(revenue_12m=10, revenue_prev_12m=100)[0], 25)
        self.assertEqual(self._risk(revenue_12m=150, revenue_prev_12m=100)[0], 0)
        # contact: full after one more cadence
        self.assertEqual(self._risk(next_contact=TODAY - timedelta(days=7), cadence_days=14)[0], 8)
        self.assertEqual(self._risk(next_contact=TODAY + timedelta(days=7), cadence_days=14)[0], 0)
        # complaints and low satisfaction: full at two
        self.assertEqual(self._risk(complaints=1)[0], 8)
        self.assertEqual(self._risk(complaints=1, low_satisfaction=3)[0], 15)
        # receivables: full at 90 days overdue
        self.assertEqual(self._risk(overdue_amount=500, overdue_since=days_ago(45))[0], 5)
        self.assertEqual(self._risk(overdue_amount=500, overdue_since=days_ago(200))[0], 10)

    def test_combined_score_levels_and_reasons(self):
        score, reasons = self._risk(
            last_order=TODAY - timedelta(days=400),
            revenue_12m=10,
            revenue_prev_12m=100,
            complaints=2,
            overdue_amount=1,
            overdue_since=days_ago(90),
            next_contact=TODAY - timedelta(days=60),
            cadence_days=30,
        )
        self.assertEqual(score, 100)
        self.assertEqual(
            [reason.factor for reason in reasons], ["recency", "trend", "contact", "complaint", "receivable"]
        )
        self.assertEqual(reasons[0].values, (days_ago(400), 30))
        self.assertEqual(reasons[4].values, (1, days_ago(90)))
        self.assertEqual(scoring.risk_level(score, self.RULES), "high")
        self.assertEqual(scoring.risk_level(40, self.RULES), "medium")
        self.assertEqual(scoring.risk_level(39, self.RULES), "low")
        self.assertEqual(scoring.risk(scoring.RiskFacts(), self.RULES, TODAY), (0, ()))

    def test_cadence_shortest_applies(self):
        by_class = {"a": 14, "b": 30, "c": 90}
        self.assertEqual(scoring.contact_cadence("c", "strategic", by_class, 7), 7)
        self.assertEqual(scoring.contact_cadence("a", "loose", by_class, 7), 14)
        self.assertEqual(scoring.contact_cadence("a", "strategic", by_class, 30), 14)
        self.assertEqual(scoring.contact_cadence(False, False, by_class, 7), 90, "no class: contacted as C")
        self.assertEqual(scoring.contact_cadence("a", False, {}, 7), 0)
        self.assertEqual(scoring.next_contact(date(2026, 6, 1), date(2026, 6, 10), 14), date(2026, 6, 24))
        self.assertEqual(scoring.next_contact(None, date(2026, 6, 10), 14), date(2026, 6, 24))
        self.assertIsNone(scoring.next_contact(None, None, 14))


class TestRecheckDate(BaseCase):
    """The recompute skips a card until its recheck date unless its facts change: the rules must give the same
    result on every day before it, for any facts."""

    def _result_on(self, card, risk_facts, rules, risk_rules, day):
        score, reasons = scoring.risk(risk_facts, risk_rules, day)
        level = scoring.risk_level(score, risk_rules)
        stage = scoring.lifecycle_stage(replace(card, risk_high=level == "high"), rules, day)
        klass = scoring.time_class(card.order_count, card.first_order, card.has_open_quote, day, rules.new_window_days)
        return stage, klass, score, scoring.risk_factors_data(reasons)

    def _random_facts(self, rnd):
        count = rnd.choice((1, 1, 2, 3, 5, 12))
        last = days_ago(rnd.randint(0, 900))
        first = last - timedelta(days=0 if count == 1 else rnd.randint(1, 1200))
        interval = round((last - first).days / (count - 1), 1) if count > 1 else 0.0
        revenue_12m, revenue_prev = rnd.choice((0, 100, 500)), rnd.choice((0, 100, 500))
        cadence = rnd.choice((0, 7, 14, 30, 90))
        contact = rnd.choice((None, days_ago(rnd.randint(-30, 400))))
        overdue = rnd.choice((0, 0, 250.0))
        shared = {
            "order_count": count,
            "last_order": last,
            "avg_interval": interval,
            "revenue_12m": revenue_12m,
            "revenue_prev_12m": revenue_prev,
        }
        card = scoring.CardFacts(**shared, first_order=first, has_open_quote=rnd.random() < 0.2)
        risk_facts = scoring.RiskFacts(
            **shared,
            next_contact=scoring.next_contact(contact, last, cadence),
            cadence_days=cadence,
            complaints=rnd.choice((0, 0, 1)),
            overdue_amount=overdue,
            overdue_since=days_ago(rnd.randint(1, 150)) if overdue else None,
        )
        return card, risk_facts

    def test_no_change_before_the_recheck_date(self):
        rnd = random.Random(7)
        horizon = TODAY + timedelta(days=500)
        examined = skipped = 0
        settings = (
            (RULES, scoring.RiskRules()),
            (
                scoring.LifecycleRules(new_window_days=90, interval_factor=1.5, churn_days=200),
                scoring.RiskRules(weight_recency=90, weight_contact=40, weight_receivable=60),
            ),
        )
        for rules, risk_rules in settings:
            for _case in range(150):
                card, risk_facts = self._random_facts(rnd)
                day = TODAY
                while day and day < horizon:
                    result = self._result_on(card, risk_facts, rules, risk_rules, day)
                    recheck = scoring.recheck_date(card, risk_facts, rules, risk_rules, day)
                    examined += 1
                    self.assertTrue(recheck is None or recheck > day)
                    for offset in range(1, ((recheck or horizon) - day).days):
                        later = day + timedelta(days=offset)
                        skipped += 1
                        self.assertEqual(
                            self._result_on(card, risk_facts, rules, risk_rules, later),
                            result,
                            f"{card} {risk_facts}: changed on {later}, recheck was {recheck} (examined on {day})",
                        )
                    day = recheck
        # the point of it: most days need no examination
        self.assertGreater(skipped, 10 * examined)

    def test_a_guess_never_changes_the_next_rise(self):
        """``_next_rise`` around a guess finds the day the plain bisection finds, whatever the guess: right, a day
        off, far off either way, beyond the calendar or none."""
        rnd = random.Random(11)
        for _case in range(2000):
            steps = sorted(rnd.sample(range(1, 400), rnd.randint(0, 12)))

            def points_on(day, steps=steps):
                return sum(1 for step in steps if (day - TODAY).days >= step)

            start = TODAY + timedelta(days=rnd.randint(0, 20))
            full_on = TODAY + timedelta(days=rnd.randint(0, 420))
            expected = scoring._next_rise(points_on, start, full_on)
            around = (expected - TODAY).days if expected else rnd.randint(1, 400)
            for offset in (0, -1, 1, -2, 2, -50, 50, -(10**6), 10**6, None):
                day = None if offset is None else scoring.days_after(TODAY, max(around + offset, -(10**5)))
                found = scoring._next_rise(points_on, start, full_on, lambda _points, day=day: day)
                self.assertEqual(found, expected, f"steps {steps}, from {start} to {full_on}, guess {day}")

    def test_never_ordered_needs_no_recheck(self):
        self.assertIsNone(
            scoring.recheck_date(scoring.CardFacts(), scoring.RiskFacts(), RULES, scoring.RiskRules(), TODAY)
        )
        card = scoring.CardFacts(order_count=1, first_order=days_ago(10), last_order=days_ago(10))
        # one order 10 days ago: nothing changes until it churns after 365 days (before its new window ends)
        self.assertEqual(
            scoring.recheck_date(card, scoring.RiskFacts(order_count=1), RULES, scoring.RiskRules(), TODAY),
            days_ago(-355),
        )

    def test_days_beyond_the_calendar(self):
        """At the settings' maximum (100 × the interval, 3,650 days), dates typed centuries off give the last day
        of the calendar, not an OverflowError."""
        self.assertEqual(scoring.days_after(date(2026, 6, 30), 10), date(2026, 7, 10))
        self.assertEqual(scoring.days_after(date(9999, 12, 1), 3650), date.max)
        self.assertEqual(scoring.days_after(TODAY, 10**12), date.max)  # beyond what a timedelta holds
        rules = scoring.LifecycleRules(new_window_days=3650, interval_factor=100, churn_days=3650)
        risk_rules = scoring.RiskRules(weight_recency=100, weight_contact=100, weight_receivable=100)
        for first, last in ((date(1, 1, 1), days_ago(10)), (days_ago(400), date(9999, 12, 1))):
            interval = float((last - first).days)
            card = scoring.CardFacts(order_count=2, first_order=first, last_order=last, avg_interval=interval)
            next_contact = scoring.next_contact(None, last, 3650)
            risk_facts = scoring.RiskFacts(
                order_count=2, last_order=last, avg_interval=interval, next_contact=next_contact, cadence_days=3650
            )
            recheck = scoring.recheck_date(card, risk_facts, rules, risk_rules, TODAY)
            self.assertTrue(recheck > TODAY)
        # the order of 9999: contact and churn beyond the calendar, the new-customer window still ends
        self.assertEqual(next_contact, date.max)
        self.assertEqual(recheck, days_ago(400) + timedelta(days=3651))

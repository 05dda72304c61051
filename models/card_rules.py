"""From one row of the recompute to what changes on the card: the rules of ``scoring`` applied to the facts and
to what the card holds, ORM-free.

``retention.recompute`` reads the rows with set-based SQL (``_retention_read_population``), builds one
``CardSettings`` per company and calls ``examine`` on each row; it writes the changes in one UPDATE per batch and
hands the class, stage and risk changes to the history. Unit-tested without a database in
``tests/test_card_rules.py``.
"""

import hashlib
from dataclasses import dataclass

from . import scoring
from .card_catalogue import METRICS, RULE_RESULTS, old_value, to_row

# the changes the history keeps (kind of the history row, key of the value)
HISTORY_KINDS = (("abc", "abc"), ("stage", "stage"), ("risk", "risk_level"))


@dataclass(frozen=True)
class CardSettings:
    """What a company's settings tell the rules, read once per run (company fields cost a cache look-up each
    time, a hundred thousand times)."""

    lifecycle: scoring.LifecycleRules
    risk: scoring.RiskRules
    cadence_by_class: tuple  # ((ABC class, days), …)
    strategic_days: int
    digits: int  # of the company currency: amounts on the card are rounded to them
    abc_a_cut: float
    abc_b_cut: float
    protection: scoring.ProtectionRules
    # ABC by group (集团客户): groups ranked as one customer, every member with the group's class
    abc_by_group: bool = False

    @property
    def key(self):
        """A fingerprint of the rules and the settings: part of every card's inputs fingerprint, so a change of
        settings (or of the rules, ``scoring.RULES_VERSION``) examines every card again. Stable across versions
        of this module: an upgrade does not re-examine every card by itself (a setting added since counts only
        when it is not at its default)."""
        context = {
            "cadences": (dict(self.cadence_by_class), self.strategic_days),
            "risk_rules": self.risk,
            "digits": self.digits,
        }
        settings = (
            scoring.RULES_VERSION,
            self.lifecycle,
            context,
            self.abc_a_cut,
            self.abc_b_cut,
            self.protection,
        )
        if self.abc_by_group:
            settings += ("abc_by_group",)
        return hashlib.sha256(repr(settings).encode()).hexdigest()


@dataclass(frozen=True)
class CardExamination:
    """What examining one card found: the fields to write (name: new value, only those that change), the changes
    of class, stage and risk for the history, and whether the risk just became high."""

    patch: dict
    changes: tuple
    risk_became_high: bool


def classify(row, settings, today):
    """The rules applied to one row of the recompute (facts, and the card's values in ``old_<key>``): the new
    value of every rule result, by key."""
    order_count = row["order_count"] or 0
    abc_auto = row["abc_class"] or False
    abc = row["old_abc_override"] or abc_auto
    cadence = scoring.contact_cadence(
        abc, row["old_closeness"], dict(settings.cadence_by_class), settings.strategic_days
    )
    next_contact = (
        scoring.next_contact(old_value(row, "last_contact"), row["last_order"], cadence) if order_count else None
    )
    overdue_amount = float(row["overdue_amount"] or 0)
    risk_facts = scoring.RiskFacts(
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
    )
    score, reasons = scoring.risk(risk_facts, settings.risk, today)
    level = scoring.risk_level(score, settings.risk) if order_count else False
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
    stage_auto = scoring.lifecycle_stage(facts, settings.lifecycle, today)
    stage = row["old_stage_override"] or stage_auto
    return {
        "abc_auto": abc_auto,
        "abc": abc,
        "stage_auto": stage_auto,
        "stage": stage,
        "stage_date": today if stage != (row["old_stage"] or False) else old_value(row, "stage_date"),
        "time_class": scoring.time_class(
            order_count, row["first_order"], row["has_quote"], today, settings.lifecycle.new_window_days
        ),
        "quadrant": scoring.loyalty_quadrant(row["old_satisfaction"], order_count),
        "advocacy": scoring.advocacy(order_count, row["referral_count"]),
        "referral_count": row["referral_count"] or 0,
        "risk_score": score if order_count else 0,
        "risk_level": level,
        "next_contact": next_contact or False,
        "risk_factors": scoring.risk_factors_data(reasons),
        "overdue_amount": round(overdue_amount, settings.digits),
        "recheck": scoring.recheck_date(facts, risk_facts, settings.lifecycle, settings.risk, today) or False,
        "protection_end": (
            scoring.protection_end(
                abc,
                row["old_closeness"],
                row["held_since"],
                old_value(row, "last_contact"),
                row["last_order"],
                settings.protection,
            )
            if row["held"] and not row["locked"]
            else None
        )
        or False,
        "inputs_key": row["inputs_key"],
    }


def examine(row, settings, today):
    """Classify one row and compare with what its card holds: a ``CardExamination``."""
    new = classify(row, settings, today)
    patch = {field.name: new[field.key] for field in RULE_RESULTS if new[field.key] != old_value(row, field.key)}
    for field in METRICS:
        value = to_row(field.kind, row[field.key])
        if value != old_value(row, field.key):
            patch[field.name] = value
    changes = []
    for kind, key in HISTORY_KINDS:
        old = old_value(row, key)
        if new[key] != old:
            changes.append(
                {
                    "partner_id": row["id"],
                    "kind": kind,
                    "old": old,
                    "new": new[key],
                    "origin": "auto",
                    # why the risk changed, shown in each reader's language by the history
                    "risk_factors": new["risk_factors"] if kind == "risk" else False,
                }
            )
    risk_became_high = new["risk_level"] == "high" and old_value(row, "risk_level") != "high"
    return CardExamination(patch=patch, changes=tuple(changes), risk_became_high=risk_became_high)

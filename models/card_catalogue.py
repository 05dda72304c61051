"""The customer data card (客户资料卡) field by field: one catalogue, ORM-free.

Each card field is declared here once, with the name of its value in the recompute's rows, its kind and its role;
every list of card fields the addon needs (what the system alone writes, what a contact copies from its company,
what the recompute reads and writes, what is indexed) is derived from it. The partner declares the fields
themselves (label, help, groups) in ``res_partner.py``; ``tests/test_card_rules.py`` checks that both agree.

Roles:

- ``metric``: a fact of the revenue source (orders or invoices), from the recompute's grouped scan;
- ``rule``: a result of the rules of ``scoring`` (classes, stage, risk, next contact);
- ``input``: a value the rules read; ``system`` when the system writes it (the last contact, from done action
  checks), else typed by people (the overrides, satisfaction, closeness);
- ``bookkeeping``: what the recompute and the reminders keep for themselves, never shown;
- ``completeness``: the share of the card people filled (``card_completeness``), stored whenever what it counts
  changes (``res.partner._retention_store_completeness``), so that analyses average it without evaluating it per
  row;
- ``group``: group customers (集团客户), from the cards just written: the group a company belongs to (the head, the
  top company of its subsidiaries, on the head and every subsidiary: one value for every company) and on the head
  the roll-up over the head and all its subsidiaries (``retention.recompute._retention_roll_up_groups``).

A value of the card is stored as JSON per company (Odoo's company-dependent fields) and read back as text in the
recompute's rows; ``to_row`` and ``to_stored`` are the one conversion between the two.
"""

from dataclasses import dataclass
from datetime import date

METRIC, RULE, INPUT, BOOKKEEPING, GROUP = "metric", "rule", "input", "bookkeeping", "group"
COMPLETENESS = "completeness"
DATE, INTEGER, FLOAT, TEXT = "date", "int", "float", "text"


@dataclass(frozen=True)
class CardField:
    name: str  # field of res.partner
    key: str  # name of its value in the recompute's rows and the rules' results
    kind: str  # DATE, INTEGER, FLOAT or TEXT (selections and fingerprints are text, a partner an integer)
    role: str  # METRIC, RULE, INPUT, BOOKKEEPING, COMPLETENESS or GROUP
    system: bool = True  # written by the system only: never by users, imports or merges
    shown: bool = True  # part of the card a contact shows (copied from its company)
    # how lists and boards find it: "value", an expression index per company on the value (filters, group-bys);
    # "date", a covering index per company on (account manager, stored ISO text) (date comparisons)
    index: str | None = None
    # one value per company (Odoo's company-dependent field, a JSON column); False: one value for every company
    company_dependent: bool = True


CATALOGUE = (
    # facts of the revenue source
    CardField("retention_first_order_date", "first_order", DATE, METRIC),
    CardField("retention_last_order_date", "last_order", DATE, METRIC),
    CardField("retention_order_count", "order_count", INTEGER, METRIC),
    CardField("retention_revenue_total", "revenue_total", FLOAT, METRIC),
    CardField("retention_revenue_12m", "revenue_12m", FLOAT, METRIC),
    CardField("retention_revenue_prev_12m", "revenue_prev_12m", FLOAT, METRIC),
    CardField("retention_revenue_window", "revenue_window", FLOAT, METRIC),
    CardField("retention_avg_order_interval", "avg_interval", FLOAT, METRIC),
    # results of the rules
    CardField("retention_abc_class_auto", "abc_auto", TEXT, RULE),
    CardField("retention_abc_class", "abc", TEXT, RULE, index="value"),
    CardField("retention_lifecycle_stage_auto", "stage_auto", TEXT, RULE),
    CardField("retention_lifecycle_stage", "stage", TEXT, RULE, index="value"),
    CardField("retention_stage_date", "stage_date", DATE, RULE),
    CardField("retention_time_class", "time_class", TEXT, RULE),
    CardField("retention_loyalty_quadrant", "quadrant", TEXT, RULE),
    CardField("retention_advocacy", "advocacy", TEXT, RULE),
    CardField("retention_referral_count", "referral_count", INTEGER, RULE),
    CardField("retention_risk_score", "risk_score", INTEGER, RULE),
    CardField("retention_risk_level", "risk_level", TEXT, RULE, index="value"),
    CardField("retention_next_contact_date", "next_contact", DATE, RULE, index="date"),
    CardField("retention_risk_factors", "risk_factors", TEXT, RULE),
    CardField("retention_overdue_amount", "overdue_amount", FLOAT, RULE),
    # the last day of a held customer's protection 保护期 (none when nobody holds it, when locked or without days)
    CardField("retention_protection_end", "protection_end", DATE, RULE, index="date"),
    # the recompute's own: a card is examined again when what its rules read changes (fingerprint) or on the day
    # its rules may give another result (``scoring.recheck_date``)
    CardField("retention_recheck_date", "recheck", DATE, RULE, shown=False),
    CardField("retention_inputs_key", "inputs_key", TEXT, RULE, shown=False),
    # what the rules read
    CardField("retention_abc_override", "abc_override", TEXT, INPUT, system=False, shown=False),
    CardField("retention_stage_override", "stage_override", TEXT, INPUT, system=False, shown=False),
    CardField("retention_satisfaction", "satisfaction", TEXT, INPUT, system=False, shown=False),
    CardField("retention_closeness", "closeness", TEXT, INPUT, system=False, shown=False),
    CardField("retention_last_contact_date", "last_contact", DATE, INPUT),
    # the next contact date the last *Contact Due* reminder was for: one reminder per due date
    CardField("retention_contact_reminded_date", "contact_reminded", DATE, BOOKKEEPING, shown=False),
    # the protection end the holder was warned of, and the one the customer was escalated for: once each
    CardField("retention_protection_warned_date", "protection_warned", DATE, BOOKKEEPING, shown=False),
    CardField("retention_escalated_date", "escalated", DATE, BOOKKEEPING, shown=False),
    # the card completeness, in percent
    CardField("retention_completeness", "completeness", FLOAT, COMPLETENESS),
    # group customers (集团客户): the head of the group (a partner, indexed by Odoo), and on the head the roll-up
    CardField("retention_group_id", "group_id", INTEGER, GROUP, shown=False, company_dependent=False),
    CardField("retention_group_subsidiary_count", "group_subsidiaries", INTEGER, GROUP, shown=False, index="value"),
    CardField("retention_group_revenue_12m", "group_revenue_12m", FLOAT, GROUP, shown=False),
    CardField("retention_group_revenue_total", "group_revenue_total", FLOAT, GROUP, shown=False),
    CardField("retention_group_abc_class", "group_abc", TEXT, GROUP, shown=False),
    CardField("retention_group_risk_level", "group_risk_level", TEXT, GROUP, shown=False),
)
BY_NAME = {field.name: field for field in CATALOGUE}
BY_KEY = {field.key: field for field in CATALOGUE}

# what a contact shows of its company's card (copied at once when it joins the company)
CARD_FIELDS = tuple(field.name for field in CATALOGUE if field.system and field.shown)
# every field the system alone writes: users, imports and Merge Contacts never do
SYSTEM_FIELDS = tuple(field.name for field in CATALOGUE if field.system)
# the facts, the rules' results and the inputs, each with the name of its value in the recompute's rows
METRICS = tuple(field for field in CATALOGUE if field.role == METRIC)
RULE_RESULTS = tuple(field for field in CATALOGUE if field.role == RULE)
INPUTS = tuple(field for field in CATALOGUE if field.role == INPUT)
# the group a company belongs to and the group's roll-up, per company (the group itself is the same in each)
GROUP_FIELDS = tuple(field for field in CATALOGUE if field.role == GROUP)
GROUP_ROLL_UP = tuple(field for field in GROUP_FIELDS if field.company_dependent)
# filtered and grouped through an expression index per company; compared through a covering index per company
INDEXED_VALUES = tuple(field.name for field in CATALOGUE if field.index == "value")
INDEXED_DATES = tuple(field.name for field in CATALOGUE if field.index == "date")


def to_row(kind, value):
    """A card value, from the database (the stored JSON text, or a typed fact: date, int, Decimal) to the one
    comparable form the rules and their results use: date, int, float or text; an empty value is False."""
    if value is None or value is False or value == "":
        return False
    if kind == DATE:
        return value if isinstance(value, date) else date.fromisoformat(value)
    if kind == INTEGER:
        return int(value)
    if kind == FLOAT:
        return float(value)
    return value


def to_stored(kind, value):
    """A card value as stored in its company's JSON entry: dates as ISO text, an empty value as null."""
    if value is False or value is None:
        return None
    return value.isoformat() if kind == DATE else value


def old_value(row, key):
    """What the card holds for ``key`` in a recompute row (its ``old_<key>`` column), in comparable form."""
    return to_row(BY_KEY[key].kind, row["old_" + key])

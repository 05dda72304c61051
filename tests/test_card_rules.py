from datetime import date, timedelta
from decimal import Decimal

from odoo.tests import BaseCase, TransactionCase

from odoo.addons.customer_retention.models import card_catalogue, card_rules, scoring
from odoo.addons.customer_retention.models.card_catalogue import CATALOGUE, to_row, to_stored

TODAY = date(2026, 6, 30)
SETTINGS = card_rules.CardSettings(
    lifecycle=scoring.LifecycleRules(),
    risk=scoring.RiskRules(),
    cadence_by_class=(("a", 7), ("b", 30), ("c", 90)),
    strategic_days=7,
    digits=2,
    abc_a_cut=80.0,
    abc_b_cut=95.0,
    protection=scoring.ProtectionRules(days_a=90, days_b=60, days_c=30, days_other=20, days_strategic=120),
)


def row(**values):
    """A recompute row: a customer without facts nor card, with ``values`` over it."""
    base = {
        "id": 7,
        "abc_class": None,
        "has_quote": False,
        "referral_count": 0,
        "complaints": 0,
        "low_satisfaction": 0,
        "overdue_amount": 0,
        "overdue_since": None,
        "inputs_key": "k1",
        "held": False,
        "held_since": None,
        "locked": False,
        **{field.key: None for field in card_catalogue.METRICS},
        **{"old_" + field.key: None for field in CATALOGUE},
    }
    base.update(values)
    return base


def buyer(**values):
    """A customer with 6 orders, the last 10 days ago, every 30 days."""
    return row(
        order_count=6,
        first_order=TODAY - timedelta(days=160),
        last_order=TODAY - timedelta(days=10),
        avg_interval=Decimal("30.0"),
        revenue_total=Decimal("6000.00"),
        revenue_12m=Decimal("6000.00"),
        revenue_prev_12m=Decimal("0"),
        revenue_window=Decimal("6000.00"),
        abc_class="a",
        **values,
    )


class TestCardCatalogue(BaseCase):
    """The card's fields declared once; every list derived from them."""

    def test_derived_lists(self):
        self.assertEqual(len(card_catalogue.CARD_FIELDS), 25)  # with the completeness
        self.assertEqual(
            set(card_catalogue.SYSTEM_FIELDS) - set(card_catalogue.CARD_FIELDS),
            {
                "retention_inputs_key",
                "retention_recheck_date",
                "retention_contact_reminded_date",
                "retention_protection_warned_date",
                "retention_escalated_date",
                # group customers (集团客户): on the companies of a group, not on their contacts
                "retention_group_id",
                "retention_group_subsidiary_count",
                "retention_group_revenue_12m",
                "retention_group_revenue_total",
                "retention_group_abc_class",
                "retention_group_risk_level",
            },
        )
        self.assertEqual(
            [field.name for field in card_catalogue.GROUP_FIELDS if not field.company_dependent], ["retention_group_id"]
        )
        # what people type is never a system field; what the rules read is read back with the card
        for field in card_catalogue.INPUTS:
            self.assertEqual(field.name in card_catalogue.SYSTEM_FIELDS, field.name == "retention_last_contact_date")
        self.assertEqual(
            card_catalogue.INDEXED_VALUES,
            (
                "retention_abc_class",
                "retention_lifecycle_stage",
                "retention_risk_level",
                "retention_group_subsidiary_count",
            ),
        )
        self.assertEqual(card_catalogue.INDEXED_DATES, ("retention_next_contact_date", "retention_protection_end"))
        self.assertEqual(len({field.key for field in CATALOGUE}), len(CATALOGUE), "a row key names one field")

    def test_conversion(self):
        for kind, stored, value in (
            ("date", "2026-06-30", TODAY),
            ("int", "3", 3),
            ("float", "12.5", 12.5),
            ("text", "high", "high"),
        ):
            self.assertEqual(to_row(kind, stored), value)
            self.assertEqual(to_row(kind, to_stored(kind, value)), value, "stored and read back")
        # a fact of the grouped scan, typed by PostgreSQL, compares with the card's text
        self.assertEqual(to_row("date", TODAY), TODAY)
        self.assertEqual(to_row("float", Decimal("6000.00")), to_row("float", "6000.0"))
        for kind in ("date", "int", "float", "text"):
            self.assertIs(to_row(kind, None), False)
            self.assertIs(to_row(kind, ""), False)
            self.assertIsNone(to_stored(kind, False))


class TestCardRules(BaseCase):
    """From one recompute row to what changes on the card, without a database."""

    def test_settings_key(self):
        """The settings' fingerprint: the same for the same settings, another one for any other setting (every
        card is examined again), the protection days included."""
        self.assertEqual(SETTINGS.key, card_rules.CardSettings(**SETTINGS.__dict__).key)
        self.assertEqual(len(SETTINGS.key), 64)
        for change in (
            {"strategic_days": 8},
            {"abc_a_cut": 81.0},
            {"protection": scoring.ProtectionRules(days_a=91)},
            {"cadence_by_class": (("a", 8), ("b", 30), ("c", 90))},
        ):
            other = card_rules.CardSettings(**{**SETTINGS.__dict__, **change})
            self.assertNotEqual(other.key, SETTINGS.key, change)
        # ABC by group (集团客户): another fingerprint when on
        by_group = card_rules.CardSettings(**{**SETTINGS.__dict__, "abc_by_group": True})
        self.assertNotEqual(by_group.key, SETTINGS.key)
        self.assertFalse(SETTINGS.abc_by_group)
        with self.assertRaises(AttributeError):
            SETTINGS.digits = 3  # frozen: built once per company and run

    def test_protection_end(self):
        """A held customer is protected for the days of its class (strategic: its own) after the latest of its
        last contact, last order and the day it was received; none when nobody holds it or it is locked."""
        received = TODAY - timedelta(days=3)

        def end(**values):
            return card_rules.examine(buyer(**values), SETTINGS, TODAY).patch.get("retention_protection_end")

        # class A, last order 10 days ago, received 3 days ago: 90 days after receiving it
        self.assertEqual(end(held=True, held_since=received), received + timedelta(days=90))
        # a contact logged yesterday restarts it
        yesterday = (TODAY - timedelta(days=1)).isoformat()
        self.assertEqual(end(held=True, held_since=received, old_last_contact=yesterday), TODAY + timedelta(days=89))
        self.assertEqual(end(held=True, held_since=received, old_closeness="strategic"), received + timedelta(days=120))
        self.assertEqual(end(held=True, held_since=received, old_abc_override="c"), received + timedelta(days=30))
        self.assertIsNone(end(held=False, held_since=received))
        self.assertIsNone(end(held=True, held_since=received, locked=True))
        # no countdown for a class whose days are 0
        no_days = card_rules.CardSettings(**{**SETTINGS.__dict__, "protection": scoring.ProtectionRules(days_a=0)})
        found = card_rules.examine(buyer(held=True, held_since=received), no_days, TODAY)
        self.assertNotIn("retention_protection_end", found.patch)
        self.assertTrue(scoring.escalates("a", "loose"))
        self.assertTrue(scoring.escalates("c", "strategic"))
        self.assertFalse(scoring.escalates("b", "close"))
        self.assertFalse(scoring.escalates(False, False))

    def test_first_examination(self):
        """A first card: every value written, a first class and stage (from nothing) for the history."""
        found = card_rules.examine(buyer(), SETTINGS, TODAY)
        patch = found.patch
        self.assertEqual(patch["retention_abc_class"], "a")
        self.assertEqual(patch["retention_lifecycle_stage"], "growth")
        self.assertEqual(patch["retention_stage_date"], TODAY)
        self.assertEqual(patch["retention_order_count"], 6)
        self.assertEqual(patch["retention_revenue_total"], 6000.0)
        self.assertEqual(patch["retention_next_contact_date"], TODAY - timedelta(days=10) + timedelta(days=7))
        self.assertEqual(patch["retention_inputs_key"], "k1")
        self.assertEqual(
            {(change["kind"], change["old"], change["new"]) for change in found.changes},
            {("abc", False, "a"), ("stage", False, "growth"), ("risk", False, "low")},
        )
        self.assertFalse(found.risk_became_high)

    def test_nothing_changed(self):
        """A card that holds what the rules give: nothing to write, no history."""
        first = card_rules.examine(buyer(), SETTINGS, TODAY)
        kinds = {field.name: field for field in CATALOGUE}
        held = {"old_" + kinds[fname].key: to_stored(kinds[fname].kind, value) for fname, value in first.patch.items()}
        # the card holds text, as PostgreSQL returns ``->>``
        held = {key: value if value is None else str(value) for key, value in held.items()}
        again = card_rules.examine(buyer(**held), SETTINGS, TODAY)
        self.assertEqual(again.patch, {})
        self.assertEqual(again.changes, ())

    def test_overrides_and_inputs(self):
        """What people set wins over the rules; the contact cadence follows the closeness."""
        found = card_rules.examine(
            buyer(old_abc_override="c", old_stage_override="maturity", old_closeness="strategic"),
            SETTINGS,
            TODAY,
        )
        self.assertEqual(found.patch["retention_abc_class"], "c")
        self.assertEqual(found.patch["retention_abc_class_auto"], "a")
        self.assertEqual(found.patch["retention_lifecycle_stage"], "maturity")
        self.assertEqual(found.patch["retention_next_contact_date"], TODAY - timedelta(days=3))

    def test_risk_became_high(self):
        """A customer silent for a year, contact long overdue: high risk, told once (not when it was high)."""
        silent = {
            "order_count": 6,
            "first_order": TODAY - timedelta(days=500),
            "last_order": TODAY - timedelta(days=340),
            "avg_interval": Decimal("30.0"),
            "revenue_total": Decimal("6000"),
            "revenue_12m": Decimal("500"),
            "revenue_prev_12m": Decimal("5500"),
            "revenue_window": Decimal("500"),
            "abc_class": "a",
            "complaints": 2,
        }
        found = card_rules.examine(row(**silent, old_risk_level="low"), SETTINGS, TODAY)
        self.assertEqual(found.patch["retention_risk_level"], "high")
        self.assertTrue(found.risk_became_high)
        risk = next(change for change in found.changes if change["kind"] == "risk")
        self.assertEqual(risk["old"], "low")
        self.assertTrue(risk["risk_factors"], "the history keeps why")
        again = card_rules.examine(row(**silent, old_risk_level="high"), SETTINGS, TODAY)
        self.assertFalse(again.risk_became_high)

    def test_no_orders(self):
        """A contact that never bought: no risk, no next contact, a potential customer."""
        found = card_rules.examine(row(), SETTINGS, TODAY)
        self.assertEqual(found.patch.get("retention_time_class"), "potential")
        self.assertNotIn("retention_risk_score", found.patch, "0 is what an empty card shows")
        self.assertNotIn("retention_next_contact_date", found.patch)


class TestCardCatalogueFields(TransactionCase):
    """The catalogue and the partner's field declarations agree."""

    def test_fields_match(self):
        types = {
            "date": {"date"},
            "int": {"integer", "many2one"},
            "float": {"float"},
            "text": {"selection", "char", "text"},
        }
        partner_fields = self.env["res.partner"]._fields
        for field in CATALOGUE:
            declared = partner_fields[field.name]
            self.assertIn(declared.type, types[field.kind], field.name)
            self.assertEqual(declared.company_dependent, field.company_dependent, field.name)
            self.assertEqual(declared.readonly, field.system, field.name)
        system_declared = {
            fname
            for fname, declared in partner_fields.items()
            if fname.startswith("retention_")
            and (declared.company_dependent or fname in card_catalogue.BY_NAME)
            and declared.readonly
        }
        self.assertEqual(system_declared, set(card_catalogue.SYSTEM_FIELDS))

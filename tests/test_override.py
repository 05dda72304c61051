from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form
from odoo.tools import mute_logger

from .common import RetentionCommon


class TestOverride(RetentionCommon):
    """Manual overrides of ABC class and lifecycle stage: reason, rights, survival, clearing, history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Key account", user=cls.salesman_a)
        cls.contact = cls.Partner.create({"name": "Buyer", "parent_id": cls.customer.id})
        cls.other = cls._customer("Other", user=cls.salesman_a)
        cls._order(cls.customer, 100, date(2026, 6, 1))
        cls._order(cls.other, 900, date(2026, 6, 1))

    def test_override_survives_recompute_until_cleared(self):
        self.recompute()
        self.assertEqual(self.card(self.customer).retention_abc_class, "b")
        customer = self.customer.with_user(self.supervisor_a)
        customer.write({"retention_abc_override": "a", "retention_abc_override_reason": "Group headquarters"})
        self.assertEqual(self.card(self.customer).retention_abc_class, "a")
        self.assertEqual(self.card(self.contact).retention_abc_class, "a")  # the contacts follow
        self.recompute()
        card = self.card(self.customer)
        self.assertEqual(card.retention_abc_class, "a")
        self.assertEqual(card.retention_abc_class_auto, "b")
        customer.write({"retention_abc_override": False})
        card = self.card(self.customer)
        self.assertEqual(card.retention_abc_class, "b")
        self.assertFalse(card.retention_abc_override_reason)
        tracked = self.customer.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "retention_abc_class"
        )
        self.assertTrue(tracked)
        rows = self.History.search([("partner_id", "=", self.customer.id), ("origin", "=", "manual")], order="id")
        self.assertEqual(
            [(r.old_value, r.new_value, r.reason, r.user_id) for r in rows],
            [
                ("b", "a", "Group headquarters", self.supervisor_a),
                ("a", "b", "Override cleared", self.supervisor_a),
            ],
        )

    def test_stage_override(self):
        self.recompute()
        self.assertEqual(self.card(self.customer).retention_lifecycle_stage, "growth")
        self.customer.with_user(self.manager).write(
            {"retention_stage_override": "decline", "retention_stage_override_reason": "Lost the tender"}
        )
        self.recompute()
        card = self.card(self.customer)
        self.assertEqual(card.retention_lifecycle_stage, "decline")
        self.assertEqual(card.retention_lifecycle_stage_auto, "growth")
        self.assertEqual(card.retention_stage_date, date.today())

    def test_reason_required(self):
        with self.assertRaisesRegex(ValidationError, "needs a reason"):
            self.customer.with_user(self.supervisor_a).write({"retention_abc_override": "c"})
        with self.assertRaisesRegex(ValidationError, "needs a reason"):
            self.customer.with_user(self.supervisor_a).write(
                {"retention_stage_override": "churned", "retention_stage_override_reason": "   "}
            )
        self.assertFalse(self.card(self.customer).retention_abc_override)

    @mute_logger("odoo.models")
    def test_salesperson_cannot_override(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman_a).write(
                {"retention_abc_override": "a", "retention_abc_override_reason": "I want it"}
            )

    def test_override_on_contact_refused(self):
        with self.assertRaises(UserError):
            self.contact.with_user(self.manager).write(
                {"retention_abc_override": "a", "retention_abc_override_reason": "Wrong place"}
            )

    def test_salesperson_edits_manual_classes_in_form(self):
        with Form(self.customer.with_user(self.salesman_a)) as form:
            form.retention_closeness = "strategic"
            form.retention_personality = "analytical"
            form.retention_satisfaction = "5"
        self.recompute()
        card = self.card(self.customer)
        self.assertEqual(card.retention_closeness, "strategic")
        self.assertIn("explain", card.retention_personality_strategy)
        self.assertEqual(self.card(self.contact).retention_closeness, "strategic")
        self.assertEqual(card.retention_loyalty_quadrant, "flea")  # satisfied, one order only
        self.assertEqual(card.retention_advocacy, "satisfied")

    def test_referral_makes_advocate(self):
        newcomer = self._customer("Newcomer")
        newcomer.retention_referred_by_id = self.contact  # referred by someone at "Key account"
        self.recompute()
        card = self.card(self.customer)
        self.assertEqual(card.retention_referral_count, 1)
        self.assertEqual(card.retention_advocacy, "advocate")
        with self.assertRaises(ValidationError):
            self.customer.retention_referred_by_id = self.contact

    def test_manual_classes_tracked_in_chatter(self):
        customer = self.customer.with_context(tracking_disable=False, mail_notrack=False)
        customer.with_user(self.salesman_a).retention_closeness = "loose"
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking is written when the transaction commits
        customer.with_user(self.salesman_a).retention_closeness = "strategic"
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = self.env["mail.tracking.value"].search(
            [("mail_message_id.res_id", "=", self.customer.id), ("mail_message_id.model", "=", "res.partner")]
        )
        self.assertIn(
            ("Loose (opportunistic)", "Strategic (must keep)"),
            [(t.old_value_char, t.new_value_char) for t in tracked],
        )

    def test_new_contact_shows_company_card_at_once(self):
        self.recompute()
        late = self.Partner.create({"name": "Joined later", "parent_id": self.customer.id})
        card = self.card(late)
        self.assertEqual(card.retention_abc_class, "b")
        self.assertEqual(card.retention_order_count, 1)
        moved = self.Partner.create({"name": "Moved over"})
        moved.parent_id = self.other
        self.assertEqual(self.card(moved).retention_abc_class, "a")

from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import SALESMAN, RetentionCommon


@tagged("post_install", "-at_install")
class TestAdoption(RetentionCommon):
    """孤儿客户: customers whose account manager left are listed and adopted out in one step."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leaver = new_test_user(cls.env, "ret_leaver", groups=SALESMAN)
        cls.team_a.member_ids = [Command.link(cls.leaver.id)]
        cls.big = cls._customer("Big Orphan Ltd", user=cls.leaver)
        cls.big_contact = cls.Partner.create({"name": "Ms. Li", "parent_id": cls.big.id, "user_id": cls.leaver.id})
        cls.other_contact = cls.Partner.create(
            {"name": "Mr. Zhao", "parent_id": cls.big.id, "user_id": cls.salesman_b.id}
        )
        cls.small = cls._customer("Small Orphan Ltd", user=cls.leaver)
        cls.never_bought = cls._customer("Lead Only", user=cls.leaver)
        cls.nobodys = cls._customer("Nobody's Customer")
        for customer in (cls.big, cls.small, cls.nobodys):
            cls._order(customer, 1000, date(2026, 5, 1))
        cls.env["retention.recompute"]._recompute(cls.env.company, cls.TODAY)
        cls.activity = cls.big.activity_schedule("mail.mail_activity_data_todo", user_id=cls.leaver.id)
        cls.big.message_subscribe(partner_ids=cls.leaver.partner_id.ids)

    def _orphans(self, user=None):
        return self.Partner.with_user(user or self.supervisor_a).search([("retention_is_orphan", "=", True)])

    def test_orphans_list(self):
        # a customer nobody holds is no orphan: it is in the public pool (公海)
        self.assertFalse(self._orphans())
        self.assertTrue(self.nobodys.retention_in_pool)
        self.leaver.action_archive()
        self.assertEqual(self._orphans(), self.big | self.small)
        self.assertFalse(self.nobodys.retention_is_orphan)
        self.assertTrue(self.big.retention_is_orphan)
        self.assertFalse(self.never_bought.retention_is_orphan)  # no order history
        self.assertNotIn(self.big, self.Partner.search([("retention_is_orphan", "=", False)]))

    def test_archiving_an_owner_offers_the_reassignment(self):
        action = self.leaver.with_user(self.env.ref("base.user_admin")).action_archive()
        self.assertEqual(action["res_model"], "retention.adoption.wizard")
        wizard = Form(self.env["retention.adoption.wizard"].with_context(**action["context"]))
        self.assertIn("orphans", wizard.warning)
        wizard.to_user_id = self.salesman_a2
        wizard.reason = "Left"
        wizard = wizard.save()
        self.assertEqual(set(wizard.partner_ids.ids), {self.big.id, self.small.id, self.never_bought.id})
        # Odoo deletes an archived user's activities: those on their customers wait with the supervisor
        self.assertEqual(self.activity.user_id, self.supervisor_a)
        self.assertEqual(self.activity.retention_parked_from_id, self.leaver)
        # a user owning nobody is archived as usual
        self.assertFalse(self.salesman_a2.action_archive())

    def test_adoption_moves_everything_in_one_step(self):
        self.leaver.action_archive()
        wizard = (
            self.env["retention.adoption.wizard"]
            .with_user(self.supervisor_a)
            .with_context(active_model="res.partner", active_ids=(self.big | self.big_contact | self.small).ids)
            .create({"to_user_id": self.salesman_a2.id, "reason": "Wang left the company"})
        )
        self.assertEqual(wizard.partner_ids, self.big | self.small)
        wizard.action_reassign()
        self.assertEqual((self.big | self.small | self.big_contact).user_id, self.salesman_a2)
        self.assertEqual(self.other_contact.user_id, self.salesman_b, "a contact of another salesperson stays")
        self.assertEqual(self.activity.user_id, self.salesman_a2)
        self.assertIn(self.salesman_a2.partner_id, self.big.message_partner_ids)
        self.assertNotIn(self.leaver.partner_id, self.big.message_partner_ids)
        history = self.env["retention.owner.history"].search([("partner_id", "in", (self.big | self.small).ids)])
        self.assertEqual(len(history), 2)
        self.assertEqual(history.from_user_id, self.leaver)
        self.assertEqual(history.to_user_id, self.salesman_a2)
        self.assertEqual(history.user_id, self.supervisor_a)
        self.assertEqual(set(history.mapped("reason")), {"Wang left the company"})
        self.assertIn("Wang left the company", self.big.message_ids[0].body)
        self.assertFalse(self._orphans() & (self.big | self.small))
        # the new account manager now sees the history of their customers
        self.assertEqual(self.env["retention.owner.history"].with_user(self.salesman_a2).search([]), history)

    def test_nothing_is_lost_if_it_fails_half_way(self):
        # the last step, the line in the chatter, fails
        Message = type(self.env["mail.message"])
        with (
            patch.object(Message, "_retention_log_batch", side_effect=RuntimeError("database hiccup")),
            self.assertRaises(RuntimeError),
        ):
            (self.big | self.small).with_user(self.manager)._retention_reassign(self.salesman_a2, "Moving")
        self.assertEqual((self.big | self.small | self.big_contact).user_id, self.leaver)
        self.assertEqual(self.activity.user_id, self.leaver)
        self.assertIn(self.leaver.partner_id, self.big.message_partner_ids)
        self.assertFalse(self.env["retention.owner.history"].search([("partner_id", "=", self.big.id)]))

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_who_may_reassign(self):
        with self.assertRaisesRegex(AccessError, "Only supervisors"):
            self.big.with_user(self.salesman_a)._retention_reassign(self.salesman_a, "Mine now")
        with self.assertRaisesRegex(AccessError, "teams you lead"):
            self.big.with_user(self.supervisor_b)._retention_reassign(self.supervisor_b, "Mine now")
        with self.assertRaisesRegex(AccessError, "not in a sales team you lead"):
            self.nobodys.with_user(self.supervisor_a)._retention_reassign(self.salesman_b, "To the West")
        with self.assertRaisesRegex(UserError, "Say why"):
            self.big.with_user(self.supervisor_a)._retention_reassign(self.salesman_a, " ")
        with self.assertRaisesRegex(UserError, "active internal user"):
            self.big.with_user(self.manager)._retention_reassign(self.leaver.copy({"active": False}), "x")
        with self.assertRaises(AccessError):
            self.env["retention.adoption.wizard"].with_user(self.salesman_a).create(
                {"partner_ids": [Command.set(self.big.ids)], "to_user_id": self.salesman_a.id, "reason": "x"}
            )
        # an orphan of another team may be adopted by any supervisor, into their own team
        self.leaver.action_archive()
        self.big.with_user(self.supervisor_b)._retention_reassign(self.salesman_b, "West takes it")
        self.assertEqual(self.big.user_id, self.salesman_b)
        self.nobodys.with_user(self.manager)._retention_reassign(self.salesman_b, "Manager decides")
        self.assertEqual(self.nobodys.user_id, self.salesman_b)

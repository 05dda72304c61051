from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import mute_logger

from .common import CareCommon, ProfileCommon, RetentionCommon

RAW_RECORD = "res.users("


@tagged("post_install", "-at_install")
class TestReassignWizardScreen(RetentionCommon):
    """The reassignment wizard opened on selected customers: who they move from is filled in, the selection is
    kept as made, and no label or message shows a raw record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.first = cls._customer("First Valves Co", user=cls.salesman_a)
        cls.second = cls._customer("Second Pumps Co", user=cls.salesman_a)
        cls.third = cls._customer("Third Seals Co", user=cls.salesman_a)
        cls.teammate = cls._customer("Teammate's Customer", user=cls.salesman_a2)
        cls.nobodys = cls._customer("Nobody's Customer")

    def _wizard(self, customers):
        Wizard = self.env["retention.adoption.wizard"].with_user(self.supervisor_a)
        return Form(Wizard.with_context(active_model="res.partner", active_ids=customers.ids))

    def test_current_account_manager_filled_in_from_the_selection(self):
        wizard = self._wizard(self.first | self.second)
        self.assertEqual(wizard.from_user_ids[:], self.salesman_a)
        # two of the three customers of salesman A were selected: the third is not added behind the user's back
        self.assertEqual(wizard.partner_ids[:], self.first | self.second)
        self.assertFalse(wizard.warning)
        wizard.to_user_id = self.salesman_a2
        wizard.reason = "New territory"
        action = wizard.save().action_reassign()
        self.assertEqual((self.first | self.second).user_id, self.salesman_a2)
        self.assertEqual(self.third.user_id, self.salesman_a)
        self.assertEqual(action["params"]["message"], f"2 customers now managed by {self.salesman_a2.name}.")

    def test_no_account_manager_when_the_selection_has_several_or_none(self):
        for customers in (self.first | self.teammate, self.nobodys):
            wizard = self._wizard(customers)
            self.assertFalse(wizard.from_user_ids[:], customers.mapped("name"))
            self.assertEqual(wizard.partner_ids[:], customers)
            self.assertFalse(wizard.warning)
        # a customer nobody holds does not hide whom the others move from
        wizard = self._wizard(self.first | self.nobodys)
        self.assertEqual(wizard.from_user_ids[:], self.salesman_a)
        self.assertEqual(wizard.partner_ids[:], self.first | self.nobodys)

    def test_choosing_an_account_manager_lists_and_unlists_their_customers(self):
        wizard = self._wizard(self.first)
        wizard.from_user_ids.add(self.salesman_a2)
        self.assertEqual(wizard.partner_ids[:], self.first | self.teammate)
        wizard.from_user_ids.remove(self.salesman_a2.id)
        self.assertEqual(wizard.partner_ids[:], self.first)
        # opened from the menu with nothing selected, choosing someone lists all their customers
        empty = Form(self.env["retention.adoption.wizard"].with_user(self.supervisor_a))
        self.assertFalse(empty.partner_ids[:])
        empty.from_user_ids.add(self.salesman_a)
        self.assertEqual(empty.partner_ids[:], self.first | self.second | self.third)

    def test_orphans_warning_names_who_left(self):
        self.salesman_a.action_archive()
        # orphans of a leaver and a customer of the pool (nobody holds it) selected together
        wizard = self._wizard(self.first | self.second | self.nobodys)
        self.assertEqual(wizard.from_user_ids[:], self.salesman_a)
        self.assertEqual(
            wizard.warning,
            f"{self.salesman_a.name} left and still manage 2 customers: they are orphans until you reassign them.",
        )
        self.assertNotIn(RAW_RECORD, wizard.warning)


@tagged("post_install", "-at_install")
class TestProfileChatter(ProfileCommon):
    """The key-date reminder lives on the confidential profile: its keepers see it in the profile's chatter and
    mark it done there; a borrower reads the five items, not the chatter, and closes nothing."""

    def _remind(self):
        self.env["retention.key.date"]._remind(self.env.company, date(2027, 3, 3))
        return self.profile.activity_ids

    def test_keepers_see_the_chatter_borrowers_do_not(self):
        arch = self.Profile.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('<chatter invisible="not is_keeper"/>', arch)
        for user, keeps in (
            (self.salesman_a, True),
            (self.supervisor_a, True),
            (self.manager, True),
            (self.borrower_during, False),
        ):
            self.assertEqual(self.profile.with_user(user).is_keeper, keeps, user.login)
        # New in the list of profiles (the web client's first onchange): the profile being created is its
        # creator's, and the empty form is no borrowed read to log
        spec = {"partner_id": {"fields": {"display_name": {}}}, "is_keeper": {}, "taboos": {}}
        result = self.Profile.with_user(self.salesman_b).onchange({}, [], spec)
        self.assertTrue(result["value"]["is_keeper"])
        self.assertFalse(self.Log.search([("user_id", "=", self.salesman_b.id)]))

    def test_account_manager_marks_the_key_date_done_on_the_profile(self):
        reminder = self._remind()
        self.assertEqual(reminder.user_id, self.salesman_a)
        self.assertEqual(reminder.summary, "Key date: Chairman's birthday")
        for keeper in (self.salesman_a, self.supervisor_a):
            self.env.invalidate_all()
            self.assertEqual(self.profile.with_user(keeper).activity_ids, reminder, keeper.login)
        reminder.with_user(self.salesman_a).action_feedback(feedback="Flowers and a card sent")
        self.assertFalse(reminder.exists())
        done = (
            self.env["mail.message"]
            .with_user(self.supervisor_a)
            .search([("model", "=", self.profile._name), ("res_id", "=", self.profile.id)])
        )
        self.assertTrue(done.filtered(lambda message: "Flowers and a card sent" in str(message.body)))

    def test_followers_are_keepers(self):
        self.assertIn(self.salesman_a.partner_id, self.profile.message_partner_ids)
        fresh = self._customer("Fresh Fittings Co", user=self.salesman_a)
        profile = self.Profile.with_user(self.supervisor_a).create({"partner_id": fresh.id})
        self.assertIn(self.salesman_a.partner_id, profile.message_partner_ids)
        self.assertLessEqual(profile.message_partner_ids, self.salesman_a.partner_id | self.supervisor_a.partner_id)
        with self.assertRaises(AccessError):
            profile.with_user(self.supervisor_a).message_subscribe(partner_ids=self.borrower_during.partner_id.ids)

    def test_supervisor_closes_the_reminder_of_their_team(self):
        reminder = self._remind()
        reminder.with_user(self.supervisor_a).action_feedback(feedback="Called the chairman myself")
        self.assertFalse(reminder.exists())

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_borrower_neither_sees_nor_closes_the_reminder(self):
        reminder = self._remind()
        self.env.invalidate_all()  # what the borrower reads is read as the borrower
        profile = self.profile.with_user(self.borrower_during)
        self.assertEqual(profile.taboos, self.TABOO)  # the borrowing still reads the five items
        self.assertFalse(profile.activity_ids)
        self.assertFalse(self.env["mail.activity"].with_user(self.borrower_during).search([("id", "=", reminder.id)]))
        with self.assertRaises(AccessError):
            reminder.with_user(self.borrower_during).action_feedback(feedback="Seen it")
        with self.assertRaises(AccessError):
            profile.activity_schedule("mail.mail_activity_data_todo", user_id=self.borrower_during.id)
        self.assertTrue(reminder.exists())
        for stranger in (self.salesman_b, self.borrower_after):
            with self.assertRaises(AccessError):
                self.profile.with_user(stranger).check_access("read")


@tagged("post_install", "-at_install")
class TestCarePlanName(CareCommon):
    """A new care plan is called "New" until it is saved, then gets its number."""

    def test_new_until_saved(self):
        form = Form(self.Plan.with_user(self.salesman_a))
        self.assertEqual(form.name, "New")
        form.partner_id = self.customer
        form.date_start = date(2026, 7, 1)
        form.date_end = date(2026, 12, 31)
        plan = form.save()
        self.assertRegex(plan.name, r"^CP/\d{4}/\d{4}$")
        self.assertEqual(plan.display_name, plan.name)
        copy = plan.copy({"date_start": "2027-01-01", "date_end": "2027-06-30"})
        self.assertRegex(copy.name, r"^CP/\d{4}/\d{4}$")
        self.assertNotEqual(copy.name, plan.name)


@tagged("post_install", "-at_install")
class TestScreensSmallTours(ProfileCommon, HttpCase):
    """The screens in headless Chromium."""

    def test_account_manager_marks_the_key_date_done_in_the_profile_chatter(self):
        today = fields.Date.today()
        self.key_date.date = today + timedelta(days=3)
        self.env["retention.key.date"]._remind(self.env.company, today)
        self.assertEqual(len(self.profile.activity_ids), 1)
        self.start_tour(
            f"/odoo/action-customer_retention.retention_profile_action/{self.profile.id}",
            "customer_retention_profile_key_date_done",
            login="ret_sales_a",
        )
        self.assertFalse(self.profile.activity_ids)

    def test_borrower_opens_the_profile_without_its_chatter(self):
        self.start_tour(
            f"/odoo/action-customer_retention.retention_profile_action/{self.profile.id}",
            "customer_retention_profile_no_chatter",
            login="ret_borrow_during",
        )


@tagged("post_install", "-at_install")
class TestScreensSmallPhone(CareCommon, HttpCase):
    """On a 390 px phone."""

    browser_size = "390x844"
    touch_enabled = True

    def test_mark_as_done_in_one_tap(self):
        check = self.Check.with_user(self.salesman_a).create(
            {"partner_id": self.customer.id, "action_datetime": fields.Datetime.now() - timedelta(hours=2)}
        )
        self.start_tour(
            f"/odoo/action-customer_retention.retention_action_check_action/{check.id}",
            "customer_retention_action_check_phone_done",
            login="ret_sales_a",
        )
        self.assertEqual(check.state, "done")

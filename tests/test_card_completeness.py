from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.card_completeness import completeness_sql
from .common import RetentionCommon


@tagged("post_install", "-at_install")
class TestStoredCompleteness(RetentionCommon):
    """The card completeness is stored on the card (so that the analyses average it without evaluating it for each
    row) and follows every change of what it counts, made through the forms, imports, Merge Contacts or by the
    system: it always equals the completeness evaluated afresh from the data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.env["res.company"].create({"name": "Second Company"})
        cls.customer = cls._customer("Full Card Co", user=cls.salesman_a, phone="+86 21 5555 0101")
        cls.other = cls._customer("Other Card Co", user=cls.salesman_a)

    def live(self, partner, company=None):
        """The completeness evaluated from the data, as the card stored it (the oracle)."""
        company = company or self.env.company
        self.env.flush_all()
        [(value,)] = self.env.execute_query(
            SQL(
                """SELECT %s FROM res_partner p
                     LEFT JOIN retention_profile pr ON pr.partner_id = p.id AND pr.company_id = %s
                    WHERE p.id = %s""",
                completeness_sql("p", "pr", SQL("%s", company.id)),
                company.id,
                partner.commercial_partner_id.id,
            )
        )
        return float(value)

    def stored(self, partner, company=None):
        return self.card(partner, company).retention_completeness

    def assertFollows(self, *partners):
        """Each partner's stored completeness (and its contacts') equals the live one, in both companies."""
        for partner in partners:
            for company in (self.env.company, self.company_2):
                expected = self.live(partner, company)
                self.assertEqual(self.stored(partner, company), expected, f"{partner.name} in {company.name}")
                for contact in partner.with_context(active_test=False).child_ids:
                    self.assertEqual(self.stored(contact, company), expected, f"contact {contact.name}")

    def test_follows_every_change(self):
        customer, other = self.customer, self.other
        self.assertEqual(self.stored(customer), 4.8)  # the phone: 1 of 21 items
        self.assertFollows(customer, other)
        as_salesman = customer.with_user(self.salesman_a)
        as_salesman.write({"email": "info@fullcard.cn", "street": "1 Century Avenue", "city": "Shanghai"})
        self.assertEqual(self.stored(customer), 19.0)
        # a classification typed by people: in the company it is typed in only
        as_salesman.write({"retention_closeness": "close"})
        self.assertGreater(self.stored(customer), self.stored(customer, self.company_2))
        self.assertFollows(customer)
        # contacts: created, archived, moved to another customer, deleted
        contact = self.Partner.with_user(self.salesman_a).create({"name": "Mr. Zhou", "parent_id": customer.id})
        self.assertEqual(self.stored(contact), self.stored(customer))
        self.assertFollows(customer)
        with_contact = self.stored(customer)
        contact.write({"active": False})
        self.assertLess(self.stored(customer), with_contact)
        self.assertFollows(customer)
        contact.write({"active": True, "parent_id": other.id})
        self.assertFollows(customer, other)
        self.assertEqual(self.stored(other), 4.8)  # its new contact
        contact.unlink()
        self.assertEqual(self.stored(other), 0.0)
        self.assertFollows(customer, other)
        # a contact that becomes a company of its own has a card of its own: its phone, and the address and the
        # classification it took from the company
        contact = self.Partner.create({"name": "Ms. Qian", "parent_id": customer.id, "phone": "138 0000 0000"})
        contact.write({"parent_id": False, "is_company": True})
        self.assertEqual(self.stored(contact), 19.0)
        self.assertFollows(customer, contact)

    def test_follows_the_profile_and_its_key_dates(self):
        customer = self.customer
        before = self.stored(customer)
        profile = (
            self.env["retention.profile"]
            .with_user(self.salesman_a)
            .create({"partner_id": customer.id, "taboos": "Never give a clock as a gift"})
        )
        self.assertFollows(customer)
        self.assertGreater(self.stored(customer), before)
        self.assertEqual(self.stored(customer, self.company_2), before, "the profile is the company's")
        profile.write({"preferences": "Pu'er tea", "beliefs": "Buddhist"})
        self.assertFollows(customer)
        profile.write({"key_date_ids": [Command.create({"name": "Chairman's birthday", "date": date(1968, 3, 8)})]})
        self.assertFollows(customer)
        with_date = self.stored(customer)
        profile.key_date_ids.unlink()
        self.assertLess(self.stored(customer), with_date)
        self.assertFollows(customer)
        profile.write({"preferences": " "})  # blank is empty
        self.assertFollows(customer)
        profile.sudo().unlink()
        self.assertEqual(self.stored(customer), before)

    def test_follows_an_import_and_merge_contacts(self):
        rows = self.Partner.with_user(self.salesman_a).load(
            ["name", "is_company", "user_id/.id", "email", "city"],
            [["Imported Co", "1", str(self.salesman_a.id), "buy@imported.cn", "Suzhou"]],
        )
        self.assertFalse(rows["messages"])
        imported = self.Partner.browse(rows["ids"])
        self.assertEqual(self.stored(imported), 9.5)
        # the contact of the merged customer now counts for the one kept (Merge Contacts moves it in SQL)
        self.Partner.create({"name": "Mr. Sun", "parent_id": self.other.id})
        self.other.email = "buy@imported.cn"  # Merge Contacts merges partners of one email only
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.manager)
            .create({"partner_ids": [Command.set((self.other | imported).ids)], "dst_partner_id": imported.id})
        )
        wizard.action_merge()
        self.assertFalse(self.other.exists())
        self.assertEqual(self.stored(imported), 14.3)  # email, city and the contact
        self.assertFollows(imported)

    def test_only_the_keepers_add_or_archive_a_contact(self):
        """A contact joins or leaves another team's customer neither by a creation nor by an archiving (as it is
        not moved there): its card, and the completeness its supervisor reviews, are its keepers'."""
        contact = self.Partner.create({"name": "Mr. Zhou", "parent_id": self.customer.id})
        before = self.stored(self.customer)
        Partner = self.Partner.with_user(self.salesman_b)
        for attempt in (
            lambda: Partner.create({"name": "Forged Contact", "parent_id": self.customer.id}),
            lambda: Partner.with_context(default_parent_id=self.customer.id).create({"name": "Forged Contact"}),
            lambda: Partner.with_context(default_parent_id=self.customer.id).name_create("Forged Contact"),
            lambda: self.customer.with_user(self.salesman_b).write(
                {"child_ids": [Command.create({"name": "Forged Contact"})]}
            ),
            lambda: contact.with_user(self.salesman_b).write({"active": False}),
            lambda: contact.with_user(self.salesman_b).action_archive(),
            lambda: contact.with_user(self.supervisor_b).write({"active": False}),
            lambda: self.customer.with_user(self.salesman_b).action_archive(),
        ):
            with self.assertRaisesRegex(AccessError, "held by"):
                attempt()
        self.assertFalse(self.Partner.with_context(active_test=False).search([("name", "=", "Forged Contact")]))
        self.assertTrue(contact.active and self.customer.active)
        self.assertEqual(self.stored(self.customer), before)
        # its keepers may
        self.Partner.with_user(self.salesman_a).create({"name": "Mr. Wu", "parent_id": self.customer.id})
        contact.with_user(self.supervisor_a).action_archive()
        self.assertFalse(contact.active)
        self.assertFollows(self.customer)

    def test_only_the_system_writes_it(self):
        for user in (self.salesman_a, self.supervisor_a, self.manager):
            with self.assertRaisesRegex(UserError, "Card Completeness"):
                self.customer.with_user(user).write({"retention_completeness": 100.0})
            with self.assertRaisesRegex(UserError, "Card Completeness"):
                self.Partner.with_user(user).create({"name": "Forged", "retention_completeness": 100.0})
        self.assertEqual(self.stored(self.customer), 4.8)

    def test_a_new_company_counts_the_customers_it_shares(self):
        self.customer.with_user(self.salesman_a).write({"email": "info@fullcard.cn"})
        company_3 = self.env["res.company"].create({"name": "Third Company"})
        self.assertEqual(self.stored(self.customer, company_3), 9.5)
        self.assertEqual(self.stored(self.other, company_3), 0.0)
        self.assertEqual(self.live(self.customer, company_3), 9.5)

    def test_one_update_whatever_the_number_of_customers(self):
        customers = self.Partner.create([{"name": f"Bulk {n}", "is_company": True} for n in range(30)])
        contacts = [{"name": f"Contact {n}", "parent_id": customer.id} for n, customer in enumerate(customers)]
        self.env.flush_all()
        with self.assertQueryCount(__system__=1):
            self.Partner._retention_store_completeness_of(customers.ids)
        self.Partner.create(contacts)
        self.assertEqual(set(customers.mapped(self.stored)), {4.8})

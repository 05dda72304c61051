from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from odoo.addons.customer_retention.models.card_catalogue import GROUP_FIELDS

from .common import SUPERVISOR, RetentionCommon

IN_WINDOW = date(2026, 5, 1)


class GroupCommon(RetentionCommon):
    """A group of companies (集团客户) of three levels: the head, two subsidiaries and a subsidiary of the first,
    beside a company of its own; a contact of a subsidiary buys for it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Queue = cls.env["retention.refresh.queue"].sudo()
        cls.head = cls._customer("Huaxia Holding Group", user=cls.salesman_a)
        cls.sub_1 = cls._customer("Huaxia Machinery", user=cls.salesman_a2, parent_id=cls.head.id)
        cls.sub_1_1 = cls._customer("Huaxia Machinery Suzhou", user=cls.salesman_b, parent_id=cls.sub_1.id)
        cls.sub_2 = cls._customer("Huaxia Logistics", user=cls.salesman_b, parent_id=cls.head.id)
        cls.buyer = cls.Partner.create({"name": "Mr. Zhao", "parent_id": cls.sub_1.id})
        cls.alone = cls._customer("Standalone Trading", user=cls.salesman_a)
        cls.members = cls.head | cls.sub_1 | cls.sub_1_1 | cls.sub_2

    def _group(self, partner, company=None):
        """What the card of ``partner`` holds of its group: the group's fields, by name."""
        card = self.card(partner, company)
        return {field.name: card[field.name] for field in GROUP_FIELDS}


@freeze_time("2026-06-30 10:00:00")
class TestGroupRollUp(GroupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # window revenues: alone 6000, sub_1_1 3000, head 500, sub_1 400 (its contact's order): 9900 in all;
        # sub_2 bought only before the last 12 months (silent, revenue down 100 %: high risk)
        cls._order(cls.alone, 6000, IN_WINDOW)
        cls._order(cls.sub_1_1, 3000, IN_WINDOW)
        cls._order(cls.sub_1_1, 200, date(2024, 9, 1))
        cls._order(cls.head, 500, IN_WINDOW)
        cls._order(cls.buyer, 400, IN_WINDOW)
        cls._order(cls.sub_2, 700, date(2025, 1, 10))
        cls._order(cls.sub_2, 800, date(2025, 2, 10))

    def test_three_levels(self):
        """The head shows its group's revenue, best class and worst risk over the head and its subsidiaries at
        every level; every company of the group links to the head and keeps its own card."""
        self.recompute()
        # each subsidiary has its own card (it is its own commercial partner), its contact's order included
        self.assertEqual(
            [self.card(partner).retention_abc_class for partner in (self.alone, self.sub_1_1, self.head, self.sub_1)],
            ["a", "a", "b", "c"],  # 0, 60.6, 90.9 and 96.0 % of the revenue before them
        )
        self.assertEqual(self.card(self.sub_1).retention_order_count, 1)
        self.assertEqual(self.card(self.sub_2).retention_risk_level, "high")
        self.assertEqual(self.card(self.head).retention_risk_level, "low")
        self.assertEqual(
            self._group(self.head),
            {
                "retention_group_id": self.head,
                "retention_group_subsidiary_count": 3,
                "retention_group_revenue_12m": 3900.0,
                "retention_group_revenue_total": 5600.0,
                "retention_group_abc_class": "a",  # sub_1_1's
                "retention_group_risk_level": "high",  # sub_2's
            },
        )
        for subsidiary in (self.sub_1, self.sub_1_1, self.sub_2):
            self.assertEqual(
                self._group(subsidiary),
                {
                    "retention_group_id": self.head,
                    "retention_group_subsidiary_count": 0,
                    "retention_group_revenue_12m": 0.0,
                    "retention_group_revenue_total": 0.0,
                    "retention_group_abc_class": False,
                    "retention_group_risk_level": False,
                },
                subsidiary.name,
            )
        # a contact is no company of the group, a company of its own is in none
        self.assertFalse(self.card(self.buyer).retention_group_id)
        self.assertFalse(any(self._group(self.alone).values()))
        # nothing changed: the next run rewrites no row of the group
        versions = SQL("SELECT id, xmin::text FROM res_partner WHERE id = ANY(%s) ORDER BY id", self.members.ids)
        self.env.flush_all()
        before = self.env.execute_query(versions)
        self.recompute()
        self.assertEqual(self.env.execute_query(versions), before, "an unchanged group is not rewritten")

    def test_the_group_per_company(self):
        """The roll-up is per company (its orders, its classes); the group is the same in every company."""
        company_2 = self.env["res.company"].create({"name": "Group Second Company"})
        self.env.user.company_ids = [(4, company_2.id)]
        self._order(self.sub_2, 100, IN_WINDOW, company=company_2)
        self.recompute(companies=self.env.company | company_2)
        group_2 = self._group(self.head, company_2)
        self.assertEqual(group_2["retention_group_id"], self.head)
        self.assertEqual(group_2["retention_group_revenue_12m"], 100.0)
        self.assertEqual(group_2["retention_group_abc_class"], "a")  # sub_2 is company 2's only customer
        self.assertEqual(self._group(self.head)["retention_group_revenue_12m"], 3900.0)

    def test_order_of_a_subsidiary_refreshes_its_head(self):
        """A confirmed order of a subsidiary two levels down: the refresh (within the minute) updates the head's
        roll-up, in a fixed number of queries however large the group."""
        self.recompute()
        self.Queue.search([]).unlink()
        self._order(self.sub_1_1, 1000, date(2026, 6, 29))
        self.assertEqual(self.Queue.search([]).partner_id, self.sub_1_1)
        self.Queue._cron_refresh()
        group = self._group(self.head)
        self.assertEqual(group["retention_group_revenue_12m"], 4900.0)
        self.assertEqual(group["retention_group_revenue_total"], 6600.0)

        # the same number of queries for a subsidiary of a group of 4 and of a group of 24
        def refresh_queries(partner):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.Recompute._refresh_customers(self.env.company, partner)
            return self.env.cr.sql_log_count - before

        small = refresh_queries(self.sub_1_1)
        self.Partner.create(
            [{"name": f"Huaxia Branch {i}", "is_company": True, "parent_id": self.sub_1_1.id} for i in range(20)]
        )
        self.assertEqual(refresh_queries(self.sub_1_1), small)
        self.assertEqual(self._group(self.head)["retention_group_subsidiary_count"], 23)

    def test_the_group_follows_its_companies(self):
        """Moving a company out of a group, archiving one, dissolving a group: the companies concerned are
        queued and the cron job's refresh rolls up the groups they left and joined."""
        self.recompute()
        self.Queue.search([]).unlink()
        # the first subsidiary and its own subsidiary leave: a group of their own
        self.sub_1.parent_id = False
        self.assertEqual(self.Queue.search([]).partner_id, self.sub_1)
        self.Queue._cron_refresh()
        self.assertEqual(self._group(self.head)["retention_group_subsidiary_count"], 1)
        self.assertEqual(self._group(self.head)["retention_group_revenue_12m"], 500.0)
        self.assertEqual(self._group(self.head)["retention_group_abc_class"], "b")
        self.assertEqual(self._group(self.sub_1)["retention_group_id"], self.sub_1)
        self.assertEqual(self._group(self.sub_1)["retention_group_revenue_12m"], 3400.0)
        self.assertEqual(self._group(self.sub_1_1)["retention_group_id"], self.sub_1)
        # the last subsidiary archived: no group any more
        self.sub_2.action_archive()
        self.Queue._cron_refresh()
        self.assertFalse(any(self._group(self.head).values()))
        self.assertFalse(self.card(self.sub_2).retention_group_id)
        # a subsidiary becomes a contact of its parent (a person): the group of two is gone
        self.sub_1_1.is_company = False
        self.Queue._cron_refresh()
        self.assertFalse(any(self._group(self.sub_1).values()))
        self.assertFalse(self.card(self.sub_1_1).retention_group_id)
        # and the nightly recompute finds nothing left to fix
        self.env.flush_all()
        self.recompute()
        self.assertFalse(any(self._group(self.head).values()))


class TestAbcByGroup(GroupCommon):
    """ABC by group (a setting): a group of companies ranked as one customer by the revenue of its companies
    together, every company of the group with the group's class; off, the ranking of customers of today."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # window revenues: head 300 + sub_1 200 (+ sub_1_1, sub_2: none) = group 500; alone 300; a second group
        # of 60 + 40 = 100; a customer of 100: 1000 in all
        cls.head_2 = cls._customer("Nanfang Group")
        cls.sub_21 = cls._customer("Nanfang Foods", parent_id=cls.head_2.id)
        cls.alone_2 = cls._customer("Second Standalone")
        cls._order(cls.head, 300, IN_WINDOW)
        cls._order(cls.sub_1, 200, IN_WINDOW)
        cls._order(cls.alone, 300, IN_WINDOW)
        cls._order(cls.head_2, 60, IN_WINDOW)
        cls._order(cls.sub_21, 40, IN_WINDOW)
        cls._order(cls.alone_2, 100, IN_WINDOW)
        cls.ranked = (
            cls.head,
            cls.sub_1,
            cls.sub_1_1,
            cls.sub_2,
            cls.alone,
            cls.head_2,
            cls.sub_21,
            cls.alone_2,
        )

    def _classes(self):
        return [self.card(partner).retention_abc_class for partner in self.ranked]

    def test_off_ranks_customers(self):
        self.assertFalse(self.env.company.retention_abc_by_group)
        self.recompute()
        # alone and head tie at 300 (0 % before: A), sub_1 60 % before (A), alone_2 80 % (B), head_2 90 % (B),
        # sub_21 96 % (C); no class without revenue
        self.assertEqual(self._classes(), ["a", "a", False, False, "a", "b", "c", "b"])

    def test_on_ranks_groups(self):
        self.env.company.retention_abc_by_group = True
        self.recompute()
        # group 1 500 (0 % before: A), alone 300 (50 %: A), group 2 and alone_2 tie at 100 with 80 % before: B;
        # every company of a group has the group's class, with or without revenue of its own
        self.assertEqual(self._classes(), ["a", "a", "a", "a", "a", "b", "b", "b"])
        # the facts stay each company's own
        self.assertEqual(self.card(self.sub_1_1).retention_order_count, 0)
        self.assertEqual(self.card(self.sub_21).retention_revenue_window, 40.0)
        # exact cut-offs: 80 % before the tie is not below 80 %, and is below 80.000001 %
        self.env.company.retention_abc_a_cut = 80.000001
        self.recompute()
        self.assertEqual(self._classes(), ["a"] * 8)
        self.env.company.write({"retention_abc_a_cut": 50, "retention_abc_b_cut": 80})
        self.recompute()
        self.assertEqual(self._classes(), ["a", "a", "a", "a", "b", "c", "c", "c"])
        # an override still wins on one company of the group
        self.sub_1_1.write({"retention_abc_override": "c", "retention_abc_override_reason": "Dormant plant"})
        self.recompute()
        self.assertEqual(self.card(self.sub_1_1).retention_abc_class, "c")
        self.assertEqual(self.card(self.sub_1_1).retention_abc_class_auto, "a")

    def test_flipping_the_option_examines_every_card(self):
        """The option is part of the settings' fingerprint: a change examines every card, both ways; off, the
        fingerprint is the one of before the option (an upgrade examines nothing)."""
        key_off = self.env.company._retention_card_settings().key
        first = self.recompute()
        self.assertEqual(self.recompute()["examined"], 0)
        self.env.company.retention_abc_by_group = True
        self.assertNotEqual(self.env.company._retention_card_settings().key, key_off)
        on = self.recompute()
        self.assertEqual(on["examined"], on["customers"])
        self.assertGreaterEqual(on["customers"], first["customers"])
        self.assertEqual(self.recompute()["examined"], 0)
        self.env.company.retention_abc_by_group = False
        self.assertEqual(self.env.company._retention_card_settings().key, key_off)
        off = self.recompute()
        self.assertEqual(off["examined"], off["customers"])
        self.assertEqual(self._classes(), ["a", "a", False, False, "a", "b", "c", "b"])


@tagged("post_install", "-at_install")
class TestGroupLists(GroupCommon):
    """The Customers list shows the subsidiaries (each has its own card); its Group Customers filter and Group
    group-by work for every role, in the list's own query."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supervisor = new_test_user(cls.env, "ret_group_sup", groups=SUPERVISOR)
        for partner, amount in ((cls.head, 500), (cls.sub_1, 300), (cls.sub_1_1, 200), (cls.sub_2, 100)):
            cls._order(partner, amount, IN_WINDOW)
        cls._order(cls.alone, 900, IN_WINDOW)

    def _customers_action(self, user):
        return self.Partner.with_user(user)._retention_customers_action()

    def test_filters_and_group_by_for_every_role(self):
        self.recompute()
        for user in (self.salesman_a, self.salesman_b, self.supervisor_a, self.supervisor, self.manager):
            partners = self.Partner.with_user(user)
            action = self._customers_action(user)
            domain = [*safe_eval(action["domain"]), ("retention_time_class", "in", ("prospect", "new", "old"))]
            listed = partners.search(domain)
            self.assertEqual(listed & self.members, self.members, f"{user.login}: the subsidiaries are customers")
            heads = partners.search([*domain, ("retention_group_subsidiary_count", ">", 0)])
            self.assertEqual(heads, self.head, user.login)
            groups = partners.web_read_group(
                [*domain, ("retention_group_id", "!=", False)],
                ["retention_group_revenue_12m:sum", "__count"],
                ["retention_group_id"],
            )["groups"]
            self.assertEqual(
                [(group["retention_group_id"][0], group["retention_group_id_count"]) for group in groups],
                [(self.head.id, 4)],
                user.login,
            )
            self.assertEqual(groups[0]["retention_group_revenue_12m"], 1100.0, user.login)
            # sorted by the group's revenue: the head first
            self.assertEqual(
                partners.search(domain, order="retention_group_revenue_12m desc nulls last", limit=1), self.head
            )

    def test_subsidiaries_button_and_head_link(self):
        self.recompute()
        action = self.head.with_user(self.salesman_a).action_retention_open_subsidiaries()
        subsidiaries = self.Partner.with_user(self.salesman_a).search(action["domain"])
        self.assertEqual(subsidiaries, self.sub_1 | self.sub_1_1 | self.sub_2)
        self.assertEqual(
            subsidiaries.mapped("retention_abc_class"),
            [self.card(partner).retention_abc_class for partner in subsidiaries],
        )
        self.assertEqual(self.card(self.sub_1_1).with_user(self.salesman_b).retention_group_id, self.head)


class TestSubsidiariesAreCustomers(GroupCommon):
    """A subsidiary is a customer of its own (its own commercial partner): care plans, action checks and its
    confidential profile are its own; a contact of a company still has none."""

    def test_plans_checks_and_profile(self):
        Plan = self.env["retention.care.plan"].with_user(self.salesman_b)
        Check = self.env["retention.action.check"].with_user(self.salesman_b)
        Profile = self.env["retention.profile"].with_user(self.salesman_b)
        plan = Plan.create({"partner_id": self.sub_2.id, "date_start": "2026-07-01", "date_end": "2026-12-31"})
        check = Check.create(
            {"partner_id": self.sub_2.id, "action_datetime": "2026-07-10 10:00:00", "plan_id": plan.id}
        )
        profile = Profile.create({"partner_id": self.sub_2.id, "taboos": "No meetings on the 4th"})
        self.assertEqual(plan.partner_id | check.partner_id | profile.partner_id, self.sub_2)
        for domain in (Plan._fields["partner_id"].domain, Check._fields["partner_id"].domain):
            self.assertIn(self.sub_1_1, self.Partner.search(domain))
            self.assertNotIn(self.buyer, self.Partner.search(domain))
        with self.assertRaisesRegex(ValidationError, "not one of its contacts"):
            Plan.with_user(self.salesman_a2).create(
                {"partner_id": self.buyer.id, "date_start": "2026-07-01", "date_end": "2026-12-31"}
            )
        with self.assertRaisesRegex(UserError, "keep the profile on the company"):
            Profile.with_user(self.salesman_a2).create({"partner_id": self.buyer.id})

    def test_listed_with_their_account_manager(self):
        """A salesperson's customers, the orphans and the reassignment offered when an account manager leaves
        count the subsidiaries they hold."""
        self._order(self.sub_2, 500, IN_WINDOW)
        self.recompute()
        customers = self.Partner.search(self.Partner._retention_customers_domain(self.salesman_b))
        self.assertEqual(customers, self.sub_1_1 | self.sub_2)
        action = self.salesman_b.action_archive()
        self.assertEqual(set(action["context"]["default_partner_ids"]), {self.sub_1_1.id, self.sub_2.id})
        self.sub_2.invalidate_recordset()
        self.assertTrue(self.sub_2.retention_is_orphan)
        self.assertFalse(self.sub_1_1.retention_is_orphan, "no order: nothing to adopt")
        self.assertEqual(self.Partner.search([("retention_is_orphan", "=", True)]) & self.members, self.sub_2)

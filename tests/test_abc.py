from datetime import date, datetime

from odoo import Command

from .common import RetentionCommon


class TestAbcFromOrders(RetentionCommon):
    """ABC cut on confirmed sales orders, on hand-computed datasets (revenue source: orders)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = date(2026, 5, 1)
        # window revenues: 500, 300 (reaches exactly 80 % of 1000 -> last A), 100 and 100 (tie: both B,
        # 90 % before them), 0 (only a draft quote), -- refund-like negative order, cancelled order ignored
        cls.big = cls._customer("Big")
        cls.at_cut = cls._customer("At cut-off")
        cls.tie_1 = cls._customer("Tie 1")
        cls.tie_2 = cls._customer("Tie 2")
        cls.quoted = cls._customer("Quoted only")
        cls.negative = cls._customer("Negative")
        cls.cancelled = cls._customer("Cancelled")
        cls.old = cls._customer("Outside window")
        cls._order(cls.big, 200, d)
        cls._order(cls.big, 300, date(2025, 9, 1))
        cls._order(cls.at_cut, 300, d)
        cls._order(cls.tie_1, 100, d)
        cls._order(cls.tie_2, 60, d)
        cls._order(cls.tie_2, 40, date(2026, 1, 10))
        cls._order(cls.quoted, 999, d, state="draft")
        cls._order(cls.negative, -50, d)
        cls._order(cls.cancelled, 5000, d, state="cancel")
        cls._order(cls.old, 7000, date(2025, 6, 1))  # older than the 12-month window

    def test_abc_classes(self):
        self.recompute()
        classes = {
            p.name: self.card(p).retention_abc_class
            for p in self.Partner.search(
                [
                    (
                        "name",
                        "in",
                        [
                            "Big",
                            "At cut-off",
                            "Tie 1",
                            "Tie 2",
                            "Quoted only",
                            "Negative",
                            "Cancelled",
                            "Outside window",
                        ],
                    )
                ]
            )
        }
        self.assertEqual(
            classes,
            {
                "Big": "a",
                "At cut-off": "a",
                "Tie 1": "b",
                "Tie 2": "b",
                "Quoted only": False,
                "Negative": False,
                "Cancelled": False,
                "Outside window": False,
            },
        )

    def test_metrics(self):
        self.recompute()
        big = self.card(self.big)
        self.assertEqual(big.retention_order_count, 2)
        self.assertEqual(big.retention_first_order_date, date(2025, 9, 1))
        self.assertEqual(big.retention_last_order_date, date(2026, 5, 1))
        self.assertAlmostEqual(big.retention_revenue_total, 500)
        self.assertAlmostEqual(big.retention_revenue_12m, 500)
        self.assertAlmostEqual(big.retention_avg_order_interval, 242.0)  # 2025-09-01 -> 2026-05-01
        old = self.card(self.old)
        self.assertAlmostEqual(old.retention_revenue_12m, 0)
        self.assertAlmostEqual(old.retention_revenue_prev_12m, 7000)
        self.assertAlmostEqual(old.retention_revenue_total, 7000)
        self.assertEqual(self.card(self.cancelled).retention_order_count, 0)

    def test_days_in_the_company_time_zone(self):
        """An order's day is its day in the company's time zone, at the edges of the 12-month windows too."""
        self.env.company.partner_id.tz = "Asia/Shanghai"  # UTC+8
        late = self._customer("Late evening")
        # 30 June 2025 17:00 UTC is 1 July 2025 01:00 in Shanghai: inside the last 12 months (from 1 July 2025)
        self._order(late, 100, date(2025, 6, 30)).date_order = datetime(2025, 6, 30, 17, 0)
        # 30 June 2025 15:59 UTC is still 30 June in Shanghai: the 12 months before
        self._order(late, 40, date(2025, 6, 30)).date_order = datetime(2025, 6, 30, 15, 59)
        # 30 June 2024 16:00 UTC is 1 July 2024 in Shanghai: the first day of the 12 months before
        self._order(late, 7, date(2024, 6, 30)).date_order = datetime(2024, 6, 30, 16, 0)
        # 30 June 2024 15:00 UTC is 30 June 2024 in Shanghai: older than 24 months
        self._order(late, 1, date(2024, 6, 30)).date_order = datetime(2024, 6, 30, 15, 0)
        self.recompute()
        card = self.card(late)
        self.assertEqual(card.retention_first_order_date, date(2024, 6, 30))
        self.assertEqual(card.retention_last_order_date, date(2025, 7, 1))
        self.assertAlmostEqual(card.retention_revenue_12m, 100)
        self.assertAlmostEqual(card.retention_revenue_prev_12m, 47)
        self.assertAlmostEqual(card.retention_revenue_window, 100)
        self.assertAlmostEqual(card.retention_revenue_total, 148)

    def test_cut_offs_from_settings(self):
        self.env.company.write({"retention_abc_a_cut": 50, "retention_abc_b_cut": 80})
        self.recompute()
        self.assertEqual(self.card(self.big).retention_abc_class, "a")  # 0 % before it
        self.assertEqual(self.card(self.at_cut).retention_abc_class, "b")  # 50 % before it
        self.assertEqual(self.card(self.tie_1).retention_abc_class, "c")  # 80 % before the tie
        # compared exactly: 80 % before the tie is just below a cut-off of 80.000001 %, and not below 80 %
        self.env.company.write({"retention_abc_a_cut": 80.000001, "retention_abc_b_cut": 95})
        self.recompute()
        self.assertEqual(self.card(self.tie_2).retention_abc_class, "a")
        self.env.company.retention_abc_a_cut = 80
        self.recompute()
        self.assertEqual(self.card(self.tie_2).retention_abc_class, "b")

    def test_window_setting(self):
        self.env.company.retention_window_months = 24
        self.recompute()
        # 7000 of 8000 in the 24-month window: "Outside window" is now the top customer
        self.assertEqual(self.card(self.old).retention_abc_class, "a")
        self.assertEqual(self.card(self.big).retention_abc_class, "b")

    def test_contacts_show_company_values(self):
        contact = self.Partner.create({"name": "Buyer at Big", "parent_id": self.big.id})
        self._order(contact, 1000, date(2026, 6, 1))
        self.recompute()
        big, contact = self.card(self.big), self.card(contact)
        self.assertEqual(big.retention_order_count, 3)  # the contact's order counts for its company
        self.assertEqual(contact.retention_order_count, 3)
        self.assertEqual(contact.retention_abc_class, big.retention_abc_class)
        self.assertEqual(contact.retention_lifecycle_stage, big.retention_lifecycle_stage)

    def test_contacts_orders_summed_into_their_company(self):
        """Orders are summed per customer of the order before they are given to its company: a company's facts
        gather its own and its contacts' sums, in a recompute and in a refresh of its card alone."""
        first = self.Partner.create({"name": "Buyer at Big", "parent_id": self.big.id})
        second = self.Partner.create({"name": "Accounts at Big", "parent_id": self.big.id})
        self._order(first, 1000, date(2024, 1, 15))  # the first order, before both windows of 12 months
        self._order(first, 10, date(2025, 3, 1))  # the 12 months before the last 12
        self._order(second, 25, date(2026, 6, 29))  # the last order
        self.recompute()
        expected = {
            "retention_order_count": 5,
            "retention_first_order_date": date(2024, 1, 15),
            "retention_last_order_date": date(2026, 6, 29),
            "retention_revenue_total": 1535,
            "retention_revenue_12m": 525,
            "retention_revenue_prev_12m": 10,
        }
        big = self.card(self.big)
        self.assertEqual({name: big[name] for name in expected}, expected)
        self.assertEqual(self.card(second).retention_revenue_total, 1535, "each contact shows its company's card")
        # the refresh of one card (an order confirmed) reads the same sums
        self.env.cr.execute("UPDATE res_partner SET retention_revenue_total = NULL WHERE id = %s", [self.big.id])
        self.Recompute._refresh_customers(self.env.company, self.big)
        self.assertEqual(self.card(self.big).retention_revenue_total, 1535)

    def test_other_currency_converted_at_order_date(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            [
                {"currency_id": eur.id, "name": "2026-01-01", "rate": 2.0, "company_id": self.env.company.id},
                {"currency_id": eur.id, "name": "2026-05-15", "rate": 0.5, "company_id": self.env.company.id},
            ]
        )
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        foreign = self._customer("Foreign")
        self._order(foreign, 1000, date(2026, 2, 1), pricelist=pricelist)  # 1000 EUR at 2.0 = 500
        self._order(foreign, 100, date(2026, 6, 1), pricelist=pricelist)  # 100 EUR at 0.5 = 200
        self.recompute()
        self.assertAlmostEqual(self.card(foreign).retention_revenue_12m, 700.0)

    def test_companies_kept_apart(self):
        company_2 = self.env["res.company"].create({"name": "Second Company"})
        self.env.user.company_ids = [Command.link(company_2.id)]
        shared = self._customer("Shared customer")
        self._order(shared, 100000, date(2026, 6, 1), company=company_2)
        self._order(shared, 10, date(2026, 6, 1))
        self.recompute(companies=self.env.company | company_2)
        # in company 2 it is the only customer, A; in company 1 it is small
        self.assertEqual(self.card(shared, company_2).retention_abc_class, "a")
        self.assertAlmostEqual(self.card(shared, company_2).retention_revenue_12m, 100000)
        self.assertEqual(self.card(shared).retention_abc_class, "c")
        self.assertAlmostEqual(self.card(shared).retention_revenue_12m, 10)
        # company 1's ranking ignores company 2's orders
        self.assertEqual(self.card(self.big).retention_abc_class, "a")
        self.assertEqual(self.card(self.big, company_2).retention_abc_class, False)

    def test_search_and_group_by_class(self):
        self.recompute()
        self.assertEqual(
            set(self.Partner.search([("retention_abc_class", "=", "a")]).mapped("name")), {"Big", "At cut-off"}
        )
        groups = dict(
            self.Partner._read_group([("retention_abc_class", "!=", False)], ["retention_abc_class"], ["__count"])
        )
        self.assertEqual(groups, {"a": 2, "b": 2})

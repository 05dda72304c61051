from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestAbcFromInvoices(AccountTestInvoicingCommon):
    """Revenue source "posted customer invoices": net of credit notes, drafts ignored."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.retention_revenue_source = "invoice"
        Partner = cls.env["res.partner"]
        cls.net = Partner.create({"name": "Net of refund", "is_company": True})
        cls.refunded = Partner.create({"name": "Refunded more", "is_company": True})
        cls.small = Partner.create({"name": "Small", "is_company": True})
        cls.draft = Partner.create({"name": "Draft only", "is_company": True})
        d = date(2026, 3, 1)
        cls._invoice("out_invoice", cls.net, 1000, d)
        cls._invoice("out_invoice", cls.net, 500, date(2026, 4, 1))
        cls._invoice("out_refund", cls.net, 300, date(2026, 4, 15))
        cls._invoice("out_invoice", cls.refunded, 100, d)
        cls._invoice("out_refund", cls.refunded, 150, d)
        cls._invoice("out_invoice", cls.small, 200, d)
        cls._invoice("out_invoice", cls.draft, 9000, d, post=False)

    @classmethod
    def _invoice(cls, move_type, partner, amount, on, post=True):
        return cls.init_invoice(move_type, partner=partner, invoice_date=on, amounts=[amount], taxes=[], post=post)

    def test_invoice_revenue_net_of_refunds(self):
        self.env["retention.recompute"]._recompute(self.env.company, date(2026, 6, 30))
        net = self.net.with_company(self.env.company)
        net.invalidate_recordset()
        self.assertAlmostEqual(net.retention_revenue_12m, 1200.0)  # 1000 + 500 - 300
        self.assertEqual(net.retention_order_count, 2)  # a credit note is no order
        self.assertEqual(net.retention_first_order_date, date(2026, 3, 1))
        self.assertEqual(net.retention_last_order_date, date(2026, 4, 1))
        classes = {p.name: p.retention_abc_class for p in (self.net | self.refunded | self.small | self.draft)}
        # 1200 of 1400: "Net of refund" is A (0 % before), "Small" has 85.7 % before it -> B
        self.assertEqual(classes, {"Net of refund": "a", "Refunded more": False, "Small": "b", "Draft only": False})
        self.assertAlmostEqual(self.refunded.retention_revenue_12m, -50.0)

    def test_sale_source_ignores_invoices(self):
        self.env.company.retention_revenue_source = "sale"
        self.env["retention.recompute"]._recompute(self.env.company, date(2026, 6, 30))
        self.net.invalidate_recordset()
        self.assertFalse(self.net.retention_abc_class)
        self.assertEqual(self.net.retention_order_count, 0)

    @freeze_time("2026-06-30")
    def test_overdue_receivables_raise_the_risk(self):
        """Posted customer invoices past due and unpaid: the card's overdue amount and a risk factor."""
        late = self.env["res.partner"].create({"name": "Late payer", "is_company": True})
        for due in (date(2026, 3, 1), date(2026, 8, 1)):  # one 121 days overdue, one not due yet
            move = self._invoice("out_invoice", late, 200, date(2026, 2, 1), post=False)
            move.write({"invoice_payment_term_id": False, "invoice_date_due": due})
            move.action_post()
        self.env["retention.recompute"]._recompute(self.env.company, date(2026, 6, 30))
        late = late.with_company(self.env.company)
        late.invalidate_recordset()
        self.assertAlmostEqual(late.retention_overdue_amount, 200.0)
        currency = self.env.company.currency_id.name
        self.assertIn(f"200.00 {currency} overdue for up to 121 days: +10", late.retention_risk_reasons)

    def test_posted_and_reset_invoices_refresh_the_card_within_the_minute(self):
        """Posting or resetting a customer invoice queues its customer; the cron job refreshes the card."""
        Queue = self.env["retention.refresh.queue"].sudo()
        self.env["retention.recompute"]._recompute(self.env.company, date.today())
        Queue.search([]).unlink()
        buyer = self.env["res.partner"].create({"name": "New buyer", "is_company": True})
        move = self._invoice("out_invoice", buyer, 700, date.today(), post=False)
        self.assertFalse(Queue.search([]), "a draft changes nothing")
        move.action_post()
        self.assertEqual(Queue.search([]).mapped("partner_id"), buyer)
        Queue._cron_refresh()
        card = buyer.with_company(self.env.company)
        card.invalidate_recordset()
        self.assertAlmostEqual(card.retention_revenue_12m, 700.0)
        self.assertEqual(card.retention_lifecycle_stage, "growth")
        self.assertEqual(card.retention_time_class, "new")
        move.button_draft()
        Queue._cron_refresh()
        card.invalidate_recordset()
        self.assertEqual(card.retention_order_count, 0)

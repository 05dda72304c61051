from odoo import api, fields, models
from odoo.tools import SQL

# customers refreshed per run of the queue (a burst of imported orders is worked off in several runs)
REFRESH_BATCH = 2000


class RetentionRefreshQueue(models.Model):
    """Customers whose card must be refreshed soon: a sales order confirmed or cancelled, a customer invoice
    posted or reset. Sales and accounting only add a row (one INSERT, never blocked by the refresh); the cron
    job, triggered at once, refreshes the cards a few seconds later, outside the salesperson's transaction, so a
    failure of the refresh never stops an order. One row per customer and company however many documents."""

    _name = "retention.refresh.queue"
    _description = "Customer Card Refresh Queue"
    _log_access = False

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")

    _sql_constraints = [
        ("company_partner_uniq", "UNIQUE (company_id, partner_id)", "A customer is queued once per company."),
    ]

    @api.model
    def _enqueue(self, company_partner_pairs):
        """Ask for the refresh of ``[(company id, commercial partner id)]`` and wake the cron job."""
        pairs = sorted({(company_id, partner_id) for company_id, partner_id in company_partner_pairs if partner_id})
        if not pairs:
            return
        self.env.execute_query(
            SQL(
                """INSERT INTO retention_refresh_queue (company_id, partner_id)
                   SELECT * FROM unnest(%s::int[], %s::int[])
                   ON CONFLICT (company_id, partner_id) DO NOTHING""",
                [company_id for company_id, _partner_id in pairs],
                [partner_id for _company_id, partner_id in pairs],
            )
        )
        self.env.ref("customer_retention.ir_cron_retention_refresh").sudo()._trigger()

    @api.model
    def _cron_refresh(self):
        """Refresh the queued cards, company by company; rows another run holds are skipped, not waited for."""
        rows = self.env.execute_query(
            SQL(
                """DELETE FROM retention_refresh_queue
                    WHERE id IN (SELECT id FROM retention_refresh_queue ORDER BY id
                                  LIMIT %s FOR UPDATE SKIP LOCKED)
                RETURNING company_id, partner_id""",
                REFRESH_BATCH,
            )
        )
        by_company = {}
        for company_id, partner_id in rows:
            by_company.setdefault(company_id, []).append(partner_id)
        Partner = self.env["res.partner"].with_context(active_test=False)
        for company_id, partner_ids in by_company.items():
            company = self.env["res.company"].browse(company_id)
            self.env["retention.recompute"]._refresh_customers(company, Partner.browse(partner_ids))
        if len(rows) == REFRESH_BATCH:
            self.env["ir.cron"]._notify_progress(done=len(rows), remaining=1)

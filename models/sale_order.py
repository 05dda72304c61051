from odoo import api, models
from odoo.tools import SQL
from odoo.tools.sql import index_exists

# the refresh of one customer's card reads its orders from these alone (an index-only scan), however many orders
# the customer has: the confirmed ones with what the facts sum, and the open quotations
ORDER_INDEXES = {
    "sale_order__retention_confirmed_index": (
        "CREATE INDEX %s ON sale_order (partner_id, company_id) INCLUDE (date_order, amount_untaxed, currency_rate)"
        " WHERE state = 'sale'"
    ),
    "sale_order__retention_quotation_index": (
        "CREATE INDEX %s ON sale_order (partner_id, company_id) WHERE state IN ('draft', 'sent')"
    ),
}


class SaleOrder(models.Model):
    """A new quotation, a confirmed or cancelled order changes the customer's card (metrics, stage, time class,
    risk): the customer is queued for a refresh within the minute instead of waiting for the night."""

    _inherit = "sale.order"

    def init(self):
        result = super().init()
        for name, statement in ORDER_INDEXES.items():
            if not index_exists(self.env.cr, name):
                self.env.cr.execute(SQL(statement, SQL.identifier(name)))
        return result

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders._retention_queue_refresh()
        return orders

    def write(self, vals):
        if "state" not in vals and "partner_id" not in vals:
            return super().write(vals)
        before = [(order.company_id.id, order.partner_id.commercial_partner_id.id) for order in self]
        result = super().write(vals)
        self._retention_queue_refresh(before)
        return result

    def _retention_queue_refresh(self, extra=()):
        self.env["retention.refresh.queue"].sudo()._enqueue(
            [*extra, *((order.company_id.id, order.partner_id.commercial_partner_id.id) for order in self)]
        )

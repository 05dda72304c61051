from odoo import api, models


class SaleOrder(models.Model):
    """A new quotation, a confirmed or cancelled order changes the customer's card (metrics, stage, time class,
    risk): the customer is queued for a refresh within the minute instead of waiting for the night."""

    _inherit = "sale.order"

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

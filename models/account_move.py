from odoo import models


class AccountMove(models.Model):
    """A customer invoice or credit note posted, reset to draft or cancelled changes the card (revenue when the
    company counts invoices, overdue receivables, risk): its customer is queued for a refresh within the minute."""

    _inherit = "account.move"

    def write(self, vals):
        if "state" not in vals:
            return super().write(vals)
        result = super().write(vals)
        self.env["retention.refresh.queue"].sudo()._enqueue(
            [
                (move.company_id.id, move.commercial_partner_id.id)
                for move in self
                if move.move_type in ("out_invoice", "out_refund")
            ]
        )
        return result

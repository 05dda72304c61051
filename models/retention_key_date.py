from odoo import api, fields, models

from .dates import next_occurrence


class RetentionKeyDate(models.Model):
    """A date that matters to the customer (birthday, company anniversary, festival), part of the profile."""

    _name = "retention.key.date"
    _description = "Customer Key Date"
    _inherit = ["retention.confidential.mixin"]
    _order = "profile_id, date, id"

    profile_id = fields.Many2one("retention.profile", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="profile_id.partner_id", string="Customer", store=True, index=True)
    company_id = fields.Many2one(related="profile_id.company_id", store=True, index=True)
    name = fields.Char(string="Occasion", required=True, help="Birthday of the general manager, founding day…")
    date = fields.Date(required=True)
    yearly = fields.Boolean(string="Every Year", default=True)
    next_date = fields.Date(string="Next Occurrence", compute="_compute_next_date")

    @api.depends("date", "yearly")
    @api.depends_context("tz")
    def _compute_next_date(self):
        today = fields.Date.context_today(self)
        for key_date in self:
            key_date.next_date = next_occurrence(key_date.date, key_date.yearly, today)

    def _confidential_profiles(self):
        return self.profile_id

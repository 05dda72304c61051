from datetime import timedelta

from odoo import api, fields, models

from .dates import next_occurrence


class RetentionKeyDate(models.Model):
    """A date that matters to the customer (birthday, company anniversary, festival), part of the profile."""

    _name = "retention.key.date"
    _description = "Customer Key Date"
    _inherit = ["retention.input.mixin", "retention.confidential.mixin", "retention.server.fields.mixin"]
    _order = "profile_id, date, id"
    _fixed_fields = ("profile_id",)
    _server_fields = ("reminded_date",)
    _confidential_fields = ("name", "date", "yearly")
    _confidential_customer_path = "profile_id.partner_id"

    profile_id = fields.Many2one("retention.profile", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="profile_id.partner_id", string="Customer", store=True, index=True)
    company_id = fields.Many2one(related="profile_id.company_id", store=True, index=True)
    name = fields.Char(string="Occasion", required=True, help="Birthday of the general manager, founding day…")
    date = fields.Date(required=True)
    yearly = fields.Boolean(string="Every Year", default=True)
    next_date = fields.Date(string="Next Occurrence", compute="_compute_next_date")
    # the occurrence last reminded: a reminder done or cancelled is not made again for the same occurrence
    reminded_date = fields.Date(string="Reminded For", readonly=True, copy=False)

    @api.depends("date", "yearly")
    @api.depends_context("tz")
    def _compute_next_date(self):
        today = fields.Date.context_today(self)
        for key_date in self:
            key_date.next_date = next_occurrence(key_date.date, key_date.yearly, today)

    @api.model_create_multi
    def create(self, vals_list):
        key_dates = super().create(self._server_create_vals(vals_list))
        key_dates.sudo().partner_id._retention_store_completeness()
        return key_dates

    def write(self, vals):
        self._server_check_write(vals)  # the profile is fixed: the completeness counts the same key dates
        return super().write(vals)

    def unlink(self):
        customers = self.sudo().partner_id
        res = super().unlink()
        customers.exists()._retention_store_completeness()
        return res

    def _confidential_profiles(self):
        return self.profile_id

    @api.model
    def _remind(self, company, today):
        """Key dates within the reminder lead time become a care activity of the account manager, on the
        profile (so only those who may read the profile see what and when), once per occurrence."""
        self.env["retention.recompute"]._retention_lock_cards(company)  # never two runs at once
        lead = company.retention_key_date_lead_days
        activity_type = self.env.ref("customer_retention.mail_activity_type_key_date")
        key_dates = self.sudo().search([("company_id", "=", company.id)])
        due = key_dates.filtered(
            lambda key_date: (
                key_date.profile_id.partner_id.user_id.active
                and today <= next_occurrence(key_date.date, key_date.yearly, today) <= today + timedelta(days=lead)
                and key_date.reminded_date != next_occurrence(key_date.date, key_date.yearly, today)
            )
        )
        if not due:
            return
        vals_list = []
        for key_date in due:
            when = next_occurrence(key_date.date, key_date.yearly, today)
            manager = key_date.profile_id.partner_id.user_id
            # in the account manager's language
            summary = self.with_context(lang=manager.lang).env._("Key date: %(occasion)s", occasion=key_date.name)
            key_date.sudo().reminded_date = when
            vals_list.append(
                {
                    "res_id": key_date.profile_id.id,
                    "res_name": key_date.profile_id.partner_id.display_name,
                    "summary": summary,
                    "user_id": manager.id,
                    "date_deadline": when,
                }
            )
        self.env["mail.activity"]._retention_insert("retention.profile", activity_type, vals_list)

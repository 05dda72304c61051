from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    retention_revenue_source = fields.Selection(related="company_id.retention_revenue_source", readonly=False)
    retention_window_months = fields.Integer(related="company_id.retention_window_months", readonly=False)
    retention_abc_a_cut = fields.Float(related="company_id.retention_abc_a_cut", readonly=False)
    retention_abc_b_cut = fields.Float(related="company_id.retention_abc_b_cut", readonly=False)
    retention_abc_by_group = fields.Boolean(related="company_id.retention_abc_by_group", readonly=False)
    retention_new_window_days = fields.Integer(related="company_id.retention_new_window_days", readonly=False)
    retention_growth_pct = fields.Float(related="company_id.retention_growth_pct", readonly=False)
    retention_decline_pct = fields.Float(related="company_id.retention_decline_pct", readonly=False)
    retention_interval_factor = fields.Float(related="company_id.retention_interval_factor", readonly=False)
    retention_churn_days = fields.Integer(related="company_id.retention_churn_days", readonly=False)
    retention_borrow_max_days = fields.Integer(related="company_id.retention_borrow_max_days", readonly=False)
    retention_risk_weight_recency = fields.Float(related="company_id.retention_risk_weight_recency", readonly=False)
    retention_risk_weight_trend = fields.Float(related="company_id.retention_risk_weight_trend", readonly=False)
    retention_risk_weight_contact = fields.Float(related="company_id.retention_risk_weight_contact", readonly=False)
    retention_risk_weight_complaint = fields.Float(related="company_id.retention_risk_weight_complaint", readonly=False)
    retention_risk_weight_receivable = fields.Float(
        related="company_id.retention_risk_weight_receivable", readonly=False
    )
    retention_risk_medium = fields.Float(related="company_id.retention_risk_medium", readonly=False)
    retention_risk_high = fields.Float(related="company_id.retention_risk_high", readonly=False)
    retention_cadence_a = fields.Integer(related="company_id.retention_cadence_a", readonly=False)
    retention_cadence_b = fields.Integer(related="company_id.retention_cadence_b", readonly=False)
    retention_cadence_c = fields.Integer(related="company_id.retention_cadence_c", readonly=False)
    retention_cadence_strategic = fields.Integer(related="company_id.retention_cadence_strategic", readonly=False)
    retention_key_date_lead_days = fields.Integer(related="company_id.retention_key_date_lead_days", readonly=False)
    retention_overlap_days = fields.Integer(related="company_id.retention_overlap_days", readonly=False)
    retention_protect_days_a = fields.Integer(related="company_id.retention_protect_days_a", readonly=False)
    retention_protect_days_b = fields.Integer(related="company_id.retention_protect_days_b", readonly=False)
    retention_protect_days_c = fields.Integer(related="company_id.retention_protect_days_c", readonly=False)
    retention_protect_days_other = fields.Integer(related="company_id.retention_protect_days_other", readonly=False)
    retention_protect_days_strategic = fields.Integer(
        related="company_id.retention_protect_days_strategic", readonly=False
    )
    retention_protect_warn_days = fields.Integer(related="company_id.retention_protect_warn_days", readonly=False)
    retention_claim_daily_cap = fields.Integer(related="company_id.retention_claim_daily_cap", readonly=False)
    retention_holding_cap = fields.Integer(related="company_id.retention_holding_cap", readonly=False)
    retention_lock_cap = fields.Integer(related="company_id.retention_lock_cap", readonly=False)
    retention_reclaim_cooldown_days = fields.Integer(
        related="company_id.retention_reclaim_cooldown_days", readonly=False
    )
    retention_pool_show_revenue = fields.Boolean(related="company_id.retention_pool_show_revenue", readonly=False)

    @api.model_create_multi
    def create(self, vals_list):
        """The retention settings reach the company in one write, not one write each as Odoo does: the rules over
        two of them (A cut-off below B, medium risk below high) see both new values, and both can move past each
        other in one save. Values that did not change are not written; the company's write checks the others
        (``retention.input.mixin``, then the bounds) before Odoo converts them."""
        own = self._retention_own_fields()
        vals_list = [dict(vals) for vals in vals_list]
        retention_vals = [{fname: vals.pop(fname) for fname in own & set(vals)} for vals in vals_list]
        settings = super().create(vals_list)
        for record, vals in zip(settings, retention_vals, strict=True):
            record._retention_write_company(vals)
        return settings

    def write(self, vals):
        """The same on a write of the settings (over RPC): the company's write checks the values."""
        own = self._retention_own_fields()
        result = super().write({fname: value for fname, value in vals.items() if fname not in own})
        for record in self:
            record._retention_write_company({fname: vals[fname] for fname in own & set(vals)})
        return result

    def _retention_own_fields(self):
        return {
            fname
            for fname, field in self._fields.items()
            if fname.startswith("retention_") and field.related == f"company_id.{fname}"
        }

    def _retention_write_company(self, vals):
        # (a value that is no number, NaN, differs from any: the company's write refuses it)
        changed = {fname: value for fname, value in vals.items() if value != self.company_id[fname]}
        if changed:
            self.company_id.write(changed)
            self.invalidate_recordset(list(changed))

    def action_retention_recompute(self):
        return self.env["retention.recompute"].action_recompute_now()

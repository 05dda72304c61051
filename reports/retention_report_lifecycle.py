from odoo import api, fields, models
from odoo.tools import SQL

from ..models.res_partner import STAGE_SELECTION


class RetentionReportLifecycle(models.Model):
    """Lifecycle movements over time, from the class history: customers entering each stage, churns and
    win-backs 赢回 per month, team and salesperson."""

    _name = "retention.report.lifecycle"
    _inherit = ["retention.analysis.mixin"]
    _description = "Lifecycle Movements"
    _auto = False
    _rec_name = "partner_id"
    _order = "date desc, id desc"
    _depends = {
        "retention.class.history": [
            "partner_id",
            "company_id",
            "kind",
            "date",
            "old_value",
            "new_value",
            "is_churn",
            "is_win_back",
        ],
        "res.partner": ["user_id"],
        "res.users": ["sale_team_id"],
        "crm.team": ["user_id"],
    }

    date = fields.Date(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    from_stage = fields.Selection(STAGE_SELECTION, readonly=True)
    stage = fields.Selection(STAGE_SELECTION, string="Entered Stage", readonly=True)
    entries = fields.Integer(string="Stage Entries", readonly=True)
    churns = fields.Integer(string="Churned", readonly=True)
    win_backs = fields.Integer(string="Won Back", readonly=True)

    @api.model
    def _query(self):
        return SQL(
            """
            SELECT h.id, h.date::date AS date, h.partner_id, h.company_id, p.user_id AS salesperson_id,
                   team.id AS team_id, team.user_id AS supervisor_id,
                   h.old_value AS from_stage, h.new_value AS stage, 1 AS entries,
                   COALESCE(h.is_churn, FALSE)::int AS churns, COALESCE(h.is_win_back, FALSE)::int AS win_backs
              FROM retention_class_history h
              JOIN res_partner p ON p.id = h.partner_id
              %s
             WHERE h.kind = 'stage'
            """,
            self._team_joins(SQL("p.user_id")),
        )

    @api.model
    def _stage_entries(self, domain, date_from, date_to):
        """Per stage, the entries and win-backs of the period among the rows of ``domain``, read with the user's
        rights: {stage: (entries, win_backs)}."""
        moves = self._read_group(
            [*domain, ("date", ">=", date_from), ("date", "<=", date_to), ("stage", "!=", False)],
            ["stage"],
            ["entries:sum", "win_backs:sum"],
        )
        return {stage: values for stage, *values in moves}

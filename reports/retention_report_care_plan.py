from odoo import api, fields, models
from odoo.tools import SQL

from ..models.retention_care_plan import STATES


class RetentionReportCarePlan(models.Model):
    """Care plan evaluations 客户关怀的评估 as numbers: strategy, execution, and effect (the mean of
    awareness, satisfaction and loyalty), per plan, averaged in pivots and graphs."""

    _name = "retention.report.care.plan"
    _inherit = ["retention.analysis.mixin"]
    _description = "Care Plan Evaluations"
    _auto = False
    _rec_name = "plan_id"
    _order = "date desc, id desc"
    _depends = {
        "retention.care.plan": [
            "partner_id",
            "company_id",
            "user_id",
            "state",
            "date_end",
            "evaluated_by_id",
            "evaluation_comment",
            "score_strategy",
            "score_execution",
            "score_awareness",
            "score_satisfaction",
            "score_loyalty",
        ],
        "res.users": ["sale_team_id"],
        "crm.team": ["user_id"],
    }

    plan_id = fields.Many2one("retention.care.plan", string="Care Plan", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    state = fields.Selection(STATES, readonly=True)
    date = fields.Date(string="Period To", readonly=True)
    evaluated_by_id = fields.Many2one("res.users", readonly=True)
    score_strategy = fields.Float(string="Strategy", readonly=True, aggregator="avg")
    score_execution = fields.Float(string="Execution", readonly=True, aggregator="avg")
    score_awareness = fields.Float(string="Awareness", readonly=True, aggregator="avg")
    score_satisfaction = fields.Float(string="Satisfaction", readonly=True, aggregator="avg")
    score_loyalty = fields.Float(string="Loyalty", readonly=True, aggregator="avg")
    score_effect = fields.Float(string="Effect", readonly=True, aggregator="avg")
    score_overall = fields.Float(string="Overall", readonly=True, aggregator="avg")
    plan_count = fields.Integer(string="Plans", readonly=True)
    evaluation_comment = fields.Text(string="Evaluation", readonly=True)

    @api.model
    def _query(self):
        return SQL(
            """
            SELECT s.*, ROUND((s.score_strategy + s.score_execution + s.score_effect) / 3.0, 2) AS score_overall
              FROM (
                SELECT pl.id, pl.id AS plan_id, pl.partner_id, pl.company_id, pl.user_id AS salesperson_id,
                       team.id AS team_id, team.user_id AS supervisor_id, pl.state, pl.date_end AS date,
                       pl.evaluated_by_id, pl.evaluation_comment, 1 AS plan_count,
                       pl.score_strategy::numeric AS score_strategy, pl.score_execution::numeric AS score_execution,
                       pl.score_awareness::numeric AS score_awareness,
                       pl.score_satisfaction::numeric AS score_satisfaction,
                       pl.score_loyalty::numeric AS score_loyalty,
                       ROUND((pl.score_awareness::numeric + pl.score_satisfaction::numeric
                              + pl.score_loyalty::numeric) / 3.0, 2) AS score_effect
                  FROM retention_care_plan pl
                  %s
                 WHERE pl.score_strategy IS NOT NULL AND pl.score_execution IS NOT NULL
                   AND pl.score_awareness IS NOT NULL AND pl.score_satisfaction IS NOT NULL
                   AND pl.score_loyalty IS NOT NULL
              ) s
            """,
            self._team_joins(SQL("pl.user_id")),
        )

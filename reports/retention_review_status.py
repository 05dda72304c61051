from odoo import api, fields, models
from odoo.tools import SQL

from ..models.dates import week_start


class RetentionReviewStatus(models.Model):
    """One row per salesperson and company: their customers' cards today and when their supervisor last
    reviewed them. Filtered on "not reviewed this week" it is the supervisor's list of reviews to do."""

    _name = "retention.review.status"
    _inherit = ["retention.analysis.mixin"]
    _description = "Weekly Card Review Status"
    _auto = False
    _rec_name = "salesperson_id"
    _order = "last_review_week asc nulls first, salesperson_id"
    _depends = {
        "retention.report.customer": [],  # and, through it, what the customer analysis reads
        "retention.card.review": ["company_id", "salesperson_id", "week"],
    }

    customer_count = fields.Integer(string="Customers", readonly=True)
    at_risk = fields.Integer(readonly=True)
    contact_overdue = fields.Integer(string="Contacts Overdue", readonly=True)
    completeness = fields.Float(string="Card Completeness (%)", readonly=True, aggregator="avg")
    last_review_week = fields.Date(string="Last Reviewed Week", readonly=True)
    review_count = fields.Integer(string="Reviews", readonly=True)
    reviewed_this_week = fields.Boolean(compute="_compute_reviewed_this_week", search="_search_reviewed_this_week")

    def _this_week(self):
        return week_start(fields.Date.context_today(self))

    def _compute_reviewed_this_week(self):
        monday = self._this_week()
        for status in self:
            status.reviewed_this_week = bool(status.last_review_week and status.last_review_week >= monday)

    def _search_reviewed_this_week(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        reviewed = (operator == "=") == bool(value)
        monday = self._this_week()
        if reviewed:
            return [("last_review_week", ">=", monday)]
        return ["|", ("last_review_week", "=", False), ("last_review_week", "<", monday)]

    @api.model
    def _query(self):
        """Per salesperson and company, their customers summed in a LATERAL subquery that reads them through the
        salesperson index: a supervisor's filter (the teams they lead) selects the salespeople first, so the
        screen reads their customers only, not every customer of the company (the measures are the customer
        analysis's, ``retention.report.customer._measures``)."""
        Customers = self.env["retention.report.customer"]
        measures = Customers._measures("p", SQL("c.id"))
        return SQL(
            """
            SELECT c.id::bigint * 10000000000 + su.id AS id,
                   su.id AS salesperson_id, c.id AS company_id, team.id AS team_id, team.user_id AS supervisor_id,
                   agg.customer_count, agg.at_risk, agg.contact_overdue, agg.completeness,
                   rv.last_week AS last_review_week, COALESCE(rv.review_count, 0) AS review_count
              FROM res_users su
              JOIN res_company c ON TRUE
              %(team_joins)s
              JOIN LATERAL (
                   SELECT COUNT(*) AS customer_count, SUM(%(at_risk)s) AS at_risk,
                          SUM(%(contact_overdue)s) AS contact_overdue, ROUND(AVG(%(completeness)s), 1) AS completeness
                     FROM res_partner p
                    WHERE p.user_id = su.id AND %(customer)s
                   ) agg ON agg.customer_count > 0
              LEFT JOIN (SELECT salesperson_id, company_id, MAX(week) AS last_week, COUNT(*) AS review_count
                           FROM retention_card_review
                          GROUP BY salesperson_id, company_id) rv
                     ON rv.salesperson_id = su.id AND rv.company_id = c.id
            """,
            team_joins=self._team_joins(SQL("su.id")),
            customer=Customers._customer_of("p", SQL("c.id")),
            **measures,
        )

    def action_review(self):
        """Record this week's review of the salesperson's cards (or open it when it exists)."""
        self.ensure_one()
        review = self.env["retention.card.review"].search(
            [
                ("salesperson_id", "=", self.salesperson_id.id),
                ("company_id", "=", self.company_id.id),
                ("week", "=", self._this_week()),
            ],
            limit=1,
        )
        customers = self.env["res.partner"].search(
            self.env["res.partner"]._retention_customers_domain(self.salesperson_id)
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Weekly Card Review"),
            "res_model": "retention.card.review",
            "view_mode": "form",
            "res_id": review.id,
            "target": "new",
            "context": {
                "default_salesperson_id": self.salesperson_id.id,
                "default_company_id": self.company_id.id,
                "default_partner_ids": customers.ids,
            },
        }

    def action_open_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_retention.res_partner_action_retention")
        action["domain"] = self.env["res.partner"]._retention_customers_domain(self.salesperson_id)
        action["context"] = {}
        action["name"] = self.env._("Customers of %(salesperson)s", salesperson=self.salesperson_id.name)
        return action

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
        return SQL(
            """
            SELECT cr.company_id::bigint * 10000000000 + cr.salesperson_id AS id,
                   cr.salesperson_id, cr.company_id, cr.team_id, cr.supervisor_id,
                   COUNT(*) AS customer_count, SUM(cr.at_risk) AS at_risk, SUM(cr.contact_overdue) AS contact_overdue,
                   ROUND(AVG(cr.completeness), 1) AS completeness,
                   MAX(rv.last_week) AS last_review_week, COALESCE(MAX(rv.review_count), 0) AS review_count
              FROM retention_report_customer cr
              LEFT JOIN (SELECT salesperson_id, company_id, MAX(week) AS last_week, COUNT(*) AS review_count
                           FROM retention_card_review
                          GROUP BY salesperson_id, company_id) rv
                     ON rv.salesperson_id = cr.salesperson_id AND rv.company_id = cr.company_id
             WHERE cr.salesperson_id IS NOT NULL
             GROUP BY cr.salesperson_id, cr.company_id, cr.team_id, cr.supervisor_id
            """
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

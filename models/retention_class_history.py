from odoo import api, fields, models


class RetentionClassHistory(models.Model):
    """Dated history of a customer's ABC class and lifecycle stage (who, when, from, to, how).

    Written by the recompute and by manual overrides only; reports of time-in-stage, churn and win-back
    read it. Nobody edits it by hand.
    """

    _name = "retention.class.history"
    _description = "Customer Class History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    salesperson_id = fields.Many2one("res.users", string="Account Manager", related="partner_id.user_id", store=False)
    kind = fields.Selection(
        [("abc", "ABC Class"), ("stage", "Lifecycle Stage"), ("risk", "Risk Level")],
        string="Classification",
        required=True,
        readonly=True,
    )
    old_value = fields.Char(string="Technical From", readonly=True)
    new_value = fields.Char(string="Technical To", readonly=True)
    old_label = fields.Char(string="From", compute="_compute_labels")
    new_label = fields.Char(string="To", compute="_compute_labels")
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="Changed By", readonly=True, default=lambda self: self.env.user)
    origin = fields.Selection(
        [("auto", "Automatic"), ("manual", "Manual")], string="How", required=True, default="auto", readonly=True
    )
    reason = fields.Text(
        string="Recorded Reason",
        readonly=True,
        help="As typed by the person who overrode the class, or as written by earlier versions.",
    )
    # why the risk changed, as the language-neutral factors of the card (``scoring.risk_factors_data``)
    risk_factors = fields.Text(readonly=True)
    reason_label = fields.Text(string="Reason", compute="_compute_reason_label")
    is_win_back = fields.Boolean(string="Won Back", readonly=True, help="A churned customer ordered again.")
    is_churn = fields.Boolean(string="Churn", readonly=True, help="The customer entered the churned stage.")

    def _compute_labels(self):
        labels = self.env["res.partner"]._retention_class_labels()
        for row in self:
            row.old_label = labels[row.kind].get(row.old_value, row.old_value) if row.kind else False
            row.new_label = labels[row.kind].get(row.new_value, row.new_value) if row.kind else False

    @api.depends("reason", "risk_factors", "date", "company_id")
    @api.depends_context("lang", "tz")
    def _compute_reason_label(self):
        """The reason in the reader's language: a risk change explains its factors (days counted to the day
        of the change, in the reader's time zone, amounts in the row's company currency); a reason typed by a
        person, or kept as text by earlier versions, reads as it was written."""
        Partner = self.env["res.partner"]
        explainers = {}
        for row in self:
            if not row.risk_factors:
                row.reason_label = row.reason
                continue
            key = (row.company_id, fields.Datetime.context_timestamp(row, row.date).date())
            if key not in explainers:
                explainers[key] = Partner.with_company(key[0])._retention_risk_explainer(key[1])
            row.reason_label = explainers[key](row.risk_factors)

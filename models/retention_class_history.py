from odoo import fields, models


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
    reason = fields.Text(readonly=True)
    is_win_back = fields.Boolean(string="Won Back", readonly=True, help="A churned customer ordered again.")
    is_churn = fields.Boolean(string="Churn", readonly=True, help="The customer entered the churned stage.")

    def _compute_labels(self):
        labels = self.env["res.partner"]._retention_class_labels()
        for row in self:
            row.old_label = labels[row.kind].get(row.old_value, row.old_value) if row.kind else False
            row.new_label = labels[row.kind].get(row.new_value, row.new_value) if row.kind else False

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RetentionCarePlanTarget(models.Model):
    """我们的销售目标: what we expect to sell to the customer during the plan, against what it really ordered."""

    _name = "retention.care.plan.target"
    _description = "Care Plan Sales Target"
    _inherit = ["retention.care.plan.line.mixin"]
    _order = "plan_id, expected_date, id"
    _plan_date_field = "expected_date"

    product_id = fields.Many2one("product.product", help="Orders of this product count as done.")
    name = fields.Char(string="Main Product or Service", required=True)
    expected_date = fields.Date(string="Expected Signing Date")
    expected_amount = fields.Monetary(currency_field="currency_id")
    expected_profit = fields.Monetary(currency_field="currency_id")
    actual_amount = fields.Monetary(
        string="Ordered Since Plan Start",
        currency_field="currency_id",
        compute="_compute_actual_amount",
        help="Untaxed amount of the customer's confirmed orders of this product since the plan started, "
        "in company currency.",
    )

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id and not self.name:
            self.name = self.product_id.display_name

    @api.depends_context("uid")
    def _compute_actual_amount(self):
        amounts = self.env["retention.care.plan"]._ordered_amounts(self)
        for target in self:
            target.actual_amount = amounts.get(target.id, 0.0)

    @api.constrains("expected_amount", "expected_profit", "expected_date")
    def _check_target(self):
        for target in self:
            if target.expected_amount < 0 or target.expected_profit < 0:
                raise ValidationError(self.env._("Expected amounts and profits cannot be negative."))
            plan = target.plan_id
            if target.expected_date and not plan.date_start <= target.expected_date <= plan.date_end:
                raise ValidationError(
                    self.env._(
                        "The expected signing date of %(target)s must fall in the plan period (%(start)s – %(end)s).",
                        target=target.name,
                        start=plan.date_start,
                        end=plan.date_end,
                    )
                )

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .retention_input_mixin import RetentionInputMixin

# who does a step of a customer plan, found on the customer when the plan starts
RETENTION_RESPONSIBLES = ("retention_account_manager", "retention_supervisor")


class MailActivityPlanTemplate(models.Model):
    """The steps of the plans a playbook (应对预案) starts: summaries and notes read in each responsible's
    language, and two more ways to choose who does a step of a customer plan, as ``hr`` does for employees:
    the customer's account manager, or their supervisor (leader of the account manager's sales team). They
    also hold when someone launches the plan by hand from the customer (Odoo's *Launch plan*)."""

    _name = "mail.activity.plan.template"
    _inherit = [RetentionInputMixin._name, "mail.activity.plan.template"]

    summary = fields.Char(translate=True)
    note = fields.Html(translate=True)
    responsible_type = fields.Selection(
        selection_add=[
            ("retention_account_manager", "Account Manager"),
            ("retention_supervisor", "Account Manager's Supervisor"),
        ],
        ondelete=dict.fromkeys(RETENTION_RESPONSIBLES, "set default"),
    )

    @api.constrains("plan_id", "responsible_type")
    def _check_retention_responsible(self):
        for template in self:
            if template.responsible_type in RETENTION_RESPONSIBLES and template.plan_id.res_model != "res.partner":
                raise ValidationError(
                    self.env._(
                        "The account manager and their supervisor are responsibles of customer plans only "
                        "(plan %(plan)s).",
                        plan=template.plan_id.name,
                    )
                )

    def _determine_responsible(self, on_demand_responsible, applied_on_record):
        if self.responsible_type not in RETENTION_RESPONSIBLES or applied_on_record._name != "res.partner":
            return super()._determine_responsible(on_demand_responsible, applied_on_record)
        # sudo: who holds a customer and who leads their team is not confidential, and only read here
        customer = applied_on_record.sudo().commercial_partner_id
        if self.responsible_type == "retention_account_manager":
            responsible = customer.user_id.filtered("active")
            error = self.env._("%(customer)s has no account manager.", customer=customer.name)
        else:
            responsible = customer._retention_supervisor().filtered("active")
            error = self.env._("The account manager of %(customer)s has no supervisor.", customer=customer.name)
        return {"responsible": responsible, "error": False if responsible else error}

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# the input mixin is set up before this model
from . import retention_input_mixin  # noqa: F401  # pylint: disable=unused-import

TEAM_CAPS = ("retention_claim_daily_cap", "retention_holding_cap")


class CrmTeam(models.Model):
    _name = "crm.team"
    # the input check first: the caps are numbers a manager types
    _inherit = ["retention.input.mixin", "crm.team"]

    # the team's own caps of the public pool 公海 (0: the company's)
    retention_claim_daily_cap = fields.Integer(
        string="Claims per Day",
        help="Most customers a member may claim from the pool in one day; 0: the company's setting.",
    )
    retention_holding_cap = fields.Integer(
        string="Customers Held at Most",
        help="Most customers a member may hold (私海上限); 0: the company's setting.",
    )

    @api.constrains(*TEAM_CAPS)
    def _check_retention_caps(self):
        for team in self:
            if any(not 0 <= team[fname] <= 1000000 for fname in TEAM_CAPS):
                raise ValidationError(
                    self.env._("The pool caps of %(team)s are whole numbers from 0 to 1000000.", team=team.name)
                )

    def _retention_cap(self, fname, company):
        """The cap ``fname`` for a member of this team (none: the company's) in ``company``."""
        return (self[:1][fname] if self else 0) or company[fname]

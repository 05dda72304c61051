from odoo import api, fields, models

from ..models.duplicate_keys import KINDS, Card, split_values


class RetentionDuplicateCheck(models.TransientModel):
    """Duplicate check 客户查重: a salesperson types a name, phone numbers or a credit code (统一社会信用代码 / tax ID)
    and sees, as they type, the customers that exist under them — each with who holds it as they may know it
    (named for their own team, masked for the others), and a Claim button for those of the public pool. The
    partner form's duplicate warning opens it filled in with the card being typed."""

    _name = "retention.duplicate.check"
    _inherit = ["retention.input.mixin"]
    _description = "Duplicate Check"

    name = fields.Char(string="Customer Name", help="Legal form, case, spaces and punctuation do not matter.")
    phone = fields.Char(help="Phone or mobile numbers; separate several with commas.")
    code = fields.Char(
        string="Credit Code / Tax ID", help="Unified social credit code (统一社会信用代码) or tax ID; several: commas."
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Existing Customers", compute="_compute_partner_ids", compute_sudo=False
    )
    result = fields.Char(compute="_compute_partner_ids", compute_sudo=False)

    @api.depends("name", "phone", "code")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_partner_ids(self):
        """Index look-ups: the same name, phone or code, and the first few names starting with the one typed;
        among the customers the user reads (shared, or of their companies). Records of the user's own
        environment: the list shows only what the user may read, the holder as ``retention_duplicate_holder``
        tells it."""
        self.browse().check_access("create")  # onchange() checks no right by itself
        Partner = self.env["res.partner"]
        companies = self.env.companies | self.env.companies.parent_ids
        for wizard in self:
            card = Card.of(wizard.name, split_values(wizard.phone), split_values(wizard.code))
            if not card:
                wizard.partner_ids = Partner
                wizard.result = False
                continue
            found = Partner._retention_duplicate_cards([card], prefix=card.name, companies=companies.ids)
            ranked = sorted(
                found,
                key=lambda other: (
                    -len(kinds := card.matches(other)),
                    KINDS.index(kinds[0]) if kinds else len(KINDS),
                    other.name or "",
                    other.id,
                ),
            )
            partners = Partner.browse([other.id for other in ranked])
            # what the list and the access check read, no more (a partner row is wide)
            partners.fetch(["name", "active", "user_id", "commercial_partner_id", "company_id", "partner_share"])
            wizard.partner_ids = partners
            if not ranked:
                wizard.result = self.env._("No existing customer has this name, phone number or code.")
            elif len(ranked) == 1:
                wizard.result = self.env._("1 existing customer: do not create it again.")
            else:
                wizard.result = self.env._("%(count)s existing customers: do not create them again.", count=len(ranked))

from odoo import api, models
from odoo.exceptions import UserError

from ..models.groups import MANAGER_GROUP
from ..models.res_partner import MERGE_MARK


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Merge Contacts moves everything that points at the merged partners: not the confidential side of a
    customer unless a retention manager merges, and never the access log (it keeps what happened)."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if dst_partner and dst_partner in partners:
            src_partners = partners - dst_partner
        else:
            ordered = self._get_ordered_partner(partners.ids)
            dst_partner, src_partners = ordered[-1:], ordered[:-1]
        self._retention_check_merge(src_partners, dst_partner)
        res = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        # the merged partners' contacts, profile and key dates now count for the one kept (moved by SQL)
        dst_partner.exists()._retention_store_completeness()
        return res

    @api.model
    def _retention_check_merge(self, src_partners, dst_partner):
        if not src_partners:
            return
        env = self.env
        src = src_partners.ids
        logged = env["retention.access.log"].sudo().search([("partner_id", "in", src)]).partner_id
        if logged:
            raise UserError(
                env._(
                    "The access log of a confidential profile names %(customers)s: it keeps what happened and is "
                    "never rewritten. Merge the other contacts into %(customers)s instead.",
                    customers=", ".join(logged.mapped("display_name")),
                )
            )
        Profile = env["retention.profile"].sudo().with_context(active_test=False)
        # merging a customer into another is taking it over, and it rewrites the one it goes into: the holders
        # of both (their account manager, that person's supervisor or a manager) do it
        env["res.partner"]._retention_check_holder(src_partners | dst_partner.commercial_partner_id)
        # a customer of the public pool is claimed, not merged into one's own (nor one's own into it)
        env["res.partner"]._retention_check_not_pool(src_partners | dst_partner.commercial_partner_id)
        confidential = {
            env._("confidential profiles"): Profile.search([("partner_id", "in", src)]),
            env._("borrowings"): env["retention.borrowing"].sudo().search([("partner_id", "in", src)]),
            env._("care plans"): env["retention.care.plan"].sudo().search([("partner_id", "in", src)]),
            env._("action checks"): env["retention.action.check"].sudo().search([("partner_id", "in", src)]),
        }
        found = {label: records for label, records in confidential.items() if records}
        if found and not (env.su or env.user.has_group(MANAGER_GROUP)):
            raise UserError(
                env._(
                    "%(customers)s have %(what)s: only a retention manager merges them into another customer.",
                    customers=", ".join(found[next(iter(found))].partner_id.mapped("display_name")),
                    what=", ".join(found),
                )
            )
        if found and dst_partner.parent_id:
            # profiles and plans are the customer company's: merged into one of its contacts they would sit beside
            # the company's own (two profiles, overlapping plans) where no rule sees them
            raise UserError(
                env._(
                    "%(customers)s have %(what)s, which belong to a customer company: merge them into "
                    "%(company)s, not into its contact %(contact)s.",
                    customers=", ".join(found[next(iter(found))].partner_id.mapped("display_name")),
                    what=", ".join(found),
                    company=dst_partner.commercial_partner_id.display_name,
                    contact=dst_partner.display_name,
                )
            )
        profiles = confidential[env._("confidential profiles")]
        both = profiles.company_id & Profile.search([("partner_id", "=", dst_partner.id)]).company_id
        if both:
            raise UserError(
                env._(
                    "%(customer)s and the contacts merged into it each have a confidential profile in %(companies)s: "
                    "bring the two profiles together by hand first.",
                    customer=dst_partner.display_name,
                    companies=", ".join(both.mapped("name")),
                )
            )
        # the care plans of the merged customers become one customer's: PostgreSQL refuses two of them for
        # overlapping periods, and Odoo's merge deletes the rows it cannot move
        plans = (
            env["retention.care.plan"]
            .sudo()
            .search(
                [("partner_id", "in", (src_partners | dst_partner).ids), ("state", "not in", ("rejected", "cancelled"))]
            )
        )
        clashing = plans.filtered(
            lambda plan: any(
                other.partner_id != plan.partner_id
                and other.company_id == plan.company_id
                and other.date_start <= plan.date_end
                and other.date_end >= plan.date_start
                for other in plans
            )
        )
        if clashing:
            raise UserError(
                env._(
                    "Merged into %(customer)s, the care plans %(plans)s would cover overlapping periods: cancel one "
                    "or change its period first.",
                    customer=dst_partner.display_name,
                    plans=", ".join(clashing.mapped("name")),
                )
            )

    def _update_values(self, src_partners, dst_partner):
        # the card is the recompute's and the overrides are history: the merge copies neither
        return super()._update_values(src_partners, dst_partner.with_context(retention_merge=MERGE_MARK))

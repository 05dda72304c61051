from odoo import api, models


class MailFollowers(models.Model):
    _inherit = "mail.followers"

    @api.model
    def _retention_replace(self, res_model, res_ids, old_partner, new_partner):
        """A change of account manager: ``new_partner`` follows the records ``old_partner`` followed, instead of
        them (a record both followed keeps one subscription)."""
        subscriptions = self.sudo().search(
            [("res_model", "=", res_model), ("res_id", "in", res_ids), ("partner_id", "=", old_partner.id)]
        )
        already = set(
            self.sudo()
            .search(
                [
                    ("res_model", "=", res_model),
                    ("res_id", "in", subscriptions.mapped("res_id")),
                    ("partner_id", "=", new_partner.id),
                ]
            )
            .mapped("res_id")
        )
        duplicates = subscriptions.filtered(lambda follower: follower.res_id in already)
        duplicates.unlink()
        (subscriptions - duplicates).write({"partner_id": new_partner.id})

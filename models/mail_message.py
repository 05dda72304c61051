from odoo import api, models


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model
    def _find_allowed_model_wise(self, doc_model, doc_dict):
        """The messages of a confidential profile are for those who keep it (write it), not its borrowers."""
        if doc_model != "retention.profile":
            return super()._find_allowed_model_wise(doc_model, doc_dict)
        kept = self.env[doc_model].with_context(active_test=False).browse(list(doc_dict))._filtered_access("write")
        return {message_id for profile_id in kept.ids for message_id in doc_dict[profile_id]}

from markupsafe import escape

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id


class MailMessage(models.Model):
    _inherit = "mail.message"

    @api.model
    def _find_allowed_model_wise(self, doc_model, doc_dict):
        """The messages of a confidential profile are for those who keep it (write it), not its borrowers."""
        if doc_model != "retention.profile":
            return super()._find_allowed_model_wise(doc_model, doc_dict)
        kept = self.env[doc_model].with_context(active_test=False).browse(list(doc_dict))._filtered_access("write")
        return {message_id for profile_id in kept.ids for message_id in doc_dict[profile_id]}

    @api.model
    def _retention_log_batch(self, model, bodies):
        """Notes in the chatter of many records, written as Odoo's ``_message_log_batch`` writes them (internal
        notes by the current user, nobody notified), in one INSERT: a night logs a line on thousands of customers,
        and the ORM creates messages one by one. ``bodies``: {res_id: HTML (Markup) or text}. Returns {res_id:
        message id}. As with ``_message_log_batch``, the caller has checked access."""
        if not bodies:
            return {}
        author_id, email_from = self.env[model]._message_compute_author(None, None, raise_on_email=False)
        now = fields.Datetime.now()
        rows = self.env.execute_query(
            SQL(
                """INSERT INTO mail_message (model, res_id, body, message_type, is_internal, subtype_id, author_id,
                                             email_from, reply_to, message_id, email_add_signature, date,
                                             create_uid, write_uid, create_date, write_date)
                   SELECT %(model)s, r.res_id, r.body, 'notification', TRUE, %(subtype)s, %(author)s, %(email_from)s,
                          %(reply_to)s, %(message_id)s, FALSE, %(now)s, %(uid)s, %(uid)s, %(now)s, %(now)s
                     FROM unnest(%(res_ids)s::int[], %(bodies)s::text[]) AS r(res_id, body)
                RETURNING res_id, id""",
                model=model,
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author_id,
                email_from=email_from,
                reply_to=self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False],
                message_id=generate_tracking_message_id("message-notify"),
                now=now,
                uid=self.env.uid,
                res_ids=list(bodies),
                bodies=[str(escape(body)) for body in bodies.values()],
            )
        )
        self.env[model].invalidate_model(["message_ids"])
        return dict(rows)

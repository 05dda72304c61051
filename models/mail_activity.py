from markupsafe import Markup

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL, plaintext2html

from .groups import USER_GROUP

# activities inserted at once from which the table's statistics are refreshed
ANALYZE_AFTER = 10000
# the warnings of the addon: their summaries and notes tell the risk and its reasons
RETENTION_ACTIVITY_TYPES = (
    "customer_retention.mail_activity_type_risk_high",
    "customer_retention.mail_activity_type_contact_due",
    "customer_retention.mail_activity_type_key_date",
    "customer_retention.mail_activity_type_protection_ending",
    "customer_retention.mail_activity_type_escalated",
)


class MailActivity(models.Model):
    _inherit = "mail.activity"

    retention_parked_from_id = fields.Many2one(
        "res.users",
        string="Held For",
        readonly=True,
        help="The archived account manager this activity belonged to; it goes to whoever adopts the customer.",
    )
    # --- playbooks (应对预案): the launch that made this step of a plan ---
    retention_playbook_run_id = fields.Many2one(
        "retention.playbook.run", string="Playbook Launch", readonly=True, index="btree_not_null", ondelete="set null"
    )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """The addon's warnings (customer at risk and why, contact due, key dates) are for the retention
        groups: a user outside them (accounting, warehouse) reading a customer's activities does not see them.
        Reads go through this search too, so they are refused as well."""
        if not self.env.su and not self.env.user.has_group(USER_GROUP):
            types = [self.env.ref(xmlid, raise_if_not_found=False) for xmlid in RETENTION_ACTIVITY_TYPES]
            type_ids = [activity_type.id for activity_type in types if activity_type]
            if type_ids:
                domain = expression.AND([domain, [("activity_type_id", "not in", type_ids)]])
        return super()._search(domain, offset, limit, order)

    @api.model
    def _retention_insert(self, res_model, activity_type, vals_list):
        """Create many automated activities of one type in one INSERT: the daily warnings may concern
        thousands of customers, and the ORM create subscribes and notifies record by record. ``vals_list``:
        dicts with res_id, res_name, user_id, summary, date_deadline, an optional note (plain text, or HTML as
        Markup) and an optional retention_playbook_run_id (a step of a plan a playbook launched)."""
        if not vals_list:
            return
        now = fields.Datetime.now()
        columns = ("res_id", "res_name", "user_id", "summary", "note", "date_deadline", "retention_playbook_run_id")
        arrays = {name: [] for name in columns}
        for vals in vals_list:
            for name in columns:
                value = vals.get(name)
                if name == "note" and value:
                    value = str(value if isinstance(value, Markup) else plaintext2html(value))
                arrays[name].append(value or None)
        self.env.execute_query(
            SQL(
                """INSERT INTO mail_activity (res_model_id, res_model, activity_type_id, automated, active,
                                              create_uid, write_uid, create_date, write_date,
                                              res_id, res_name, user_id, summary, note, date_deadline,
                                              retention_playbook_run_id)
                   SELECT %(model_id)s, %(model)s, %(type)s, TRUE, TRUE, %(uid)s, %(uid)s, %(now)s, %(now)s, *
                     FROM unnest(%(res_id)s::int[], %(res_name)s::varchar[], %(user_id)s::int[],
                                 %(summary)s::varchar[], %(note)s::text[], %(date_deadline)s::date[],
                                 %(retention_playbook_run_id)s::int[])""",
                model_id=self.env["ir.model"]._get_id(res_model),
                model=res_model,
                type=activity_type.id,
                uid=self.env.uid,
                now=now,
                **arrays,
            )
        )
        if len(vals_list) >= ANALYZE_AFTER:
            # the next run asks "is one already open?" of this table: plan it on today's size, not yesterday's
            self.env.execute_query(SQL("ANALYZE mail_activity"))
        self.invalidate_model()
        self.env[res_model].invalidate_model(["activity_ids"])

    @api.model
    def _retention_on(self, documents, user_domain):
        """The activities of ``documents`` ([(model, ids)]: customers, their care plans and action checks) whose
        user matches ``user_domain``."""
        domains = [[("res_model", "=", model), ("res_id", "in", ids)] for model, ids in documents if ids]
        if not domains:
            return self.browse()
        return self.sudo().search(expression.AND([expression.OR(domains), user_domain]))

    @api.model
    def _retention_park(self, documents, user, holder):
        """An account manager leaves (archived): their activities on ``documents`` wait with ``holder`` (their
        supervisor), marked as held for them: Odoo would delete them."""
        activities = self._retention_on(documents, [("user_id", "=", user.id)])
        if not activities:
            return
        # one UPDATE, without Odoo's mail per activity to the holder: a night may park thousands; they are
        # waiting in the holder's activities, and the holder's client is told to reload them
        activities.flush_recordset(["user_id", "retention_parked_from_id"])
        self.env.execute_query(
            SQL(
                """UPDATE mail_activity SET user_id = %s, retention_parked_from_id = %s, write_uid = %s, write_date = %s
                    WHERE id = ANY(%s)""",
                holder.id,
                user.id,
                self.env.uid,
                fields.Datetime.now(),
                activities.ids,
            )
        )
        activities.invalidate_recordset(["user_id", "retention_parked_from_id", "write_uid", "write_date"])
        holder._bus_send("mail.activity/updated", {"activity_created": True})
        user._bus_send("mail.activity/updated", {"activity_deleted": True})

    @api.model
    def _retention_hand_over(self, documents, old_user, new_user):
        """A change of account manager: the activities of ``documents`` that ``old_user`` had, or that were
        parked for them, go to ``new_user``."""
        self._retention_on(
            documents, ["|", ("user_id", "=", old_user.id), ("retention_parked_from_id", "=", old_user.id)]
        ).write({"user_id": new_user.id, "retention_parked_from_id": False})

from odoo import api, fields, models
from odoo.tools import SQL

from . import scoring

# the card field whose change each kind of history row is, in the customer's chatter
KIND_FIELDS = {"abc": "retention_abc_class", "stage": "retention_lifecycle_stage", "risk": "retention_risk_level"}


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
    reason = fields.Text(
        string="Recorded Reason",
        readonly=True,
        help="As typed by the person who overrode the class, or as written by earlier versions.",
    )
    # why the risk changed, as the language-neutral factors of the card (``scoring.risk_factors_data``)
    risk_factors = fields.Text(readonly=True)
    reason_label = fields.Text(string="Reason", compute="_compute_reason_label")
    is_win_back = fields.Boolean(string="Won Back", readonly=True, help="A churned customer ordered again.")
    is_churn = fields.Boolean(string="Churn", readonly=True, help="The customer entered the churned stage.")

    def _compute_labels(self):
        labels = self._labels()
        for row in self:
            row.old_label = labels[row.kind].get(row.old_value, row.old_value) if row.kind else False
            row.new_label = labels[row.kind].get(row.new_value, row.new_value) if row.kind else False

    @api.depends("reason", "risk_factors", "date", "company_id")
    @api.depends_context("lang", "tz")
    def _compute_reason_label(self):
        """The reason in the reader's language: a risk change explains its factors (days counted to the day
        of the change, in the reader's time zone, amounts in the row's company currency); a reason typed by a
        person, or kept as text by earlier versions, reads as it was written."""
        Partner = self.env["res.partner"]
        explainers = {}
        for row in self:
            if not row.risk_factors:
                row.reason_label = row.reason
                continue
            key = (row.company_id, fields.Datetime.context_timestamp(row, row.date).date())
            if key not in explainers:
                explainers[key] = Partner.with_company(key[0])._retention_risk_explainer(key[1])
            row.reason_label = explainers[key](row.risk_factors)

    @api.model
    def _labels(self):
        """{kind: {value: label}} of the classes, stages and risk levels, in the user's language."""
        partner_fields = self.env["res.partner"]._fields
        return {
            kind: dict(partner_fields[fname]._description_selection(self.env)) for kind, fname in KIND_FIELDS.items()
        }

    @api.model
    def _log_changes(self, company, changes):
        """Keep each change of ABC class or lifecycle stage as dated history, and transitions in the chatter.

        ``changes``: dicts with partner_id, kind ('abc'/'stage'/'risk'), old, new, origin ('auto'/'manual'), and
        a reason typed by a person or the risk factors (``scoring.risk_factors_data``) that explain a risk change.
        One INSERT for the history whatever the number of changes; a first classification (from nothing) is
        history only, a transition or a manual override is also a line in the customer's chatter (one batch).
        """
        if not changes:
            return
        now = fields.Datetime.now()
        columns = {
            "partner_id": ("int4", []),
            "kind": ("varchar", []),
            "old_value": ("varchar", []),
            "new_value": ("varchar", []),
            "origin": ("varchar", []),
            "reason": ("varchar", []),
            "risk_factors": ("varchar", []),
            "is_win_back": ("bool", []),
            "is_churn": ("bool", []),
        }
        for change in changes:
            row = {
                "partner_id": change["partner_id"],
                "kind": change["kind"],
                "old_value": change["old"] or None,
                "new_value": change["new"] or None,
                "origin": change["origin"],
                "reason": change.get("reason") or None,
                "risk_factors": change.get("risk_factors") or None,
                "is_win_back": change["kind"] == "stage" and scoring.is_win_back(change["old"], change["new"]),
                "is_churn": change["kind"] == "stage" and change["new"] == "churned",
            }
            for name, (_type, values) in columns.items():
                values.append(row[name])
        # Written by the system only (users have no create right on the history): one INSERT from arrays.
        self.env.execute_query(
            SQL(
                """INSERT INTO retention_class_history
                       (company_id, date, user_id, create_uid, write_uid, create_date, write_date, %(names)s)
                   SELECT %(company)s, %(now)s, %(uid)s, %(uid)s, %(uid)s, %(now)s, %(now)s, *
                     FROM unnest(%(arrays)s)""",
                names=SQL(", ").join(SQL.identifier(name) for name in columns),
                company=company.id,
                now=now,
                uid=self.env.uid,
                arrays=SQL(", ").join(SQL("%s::%s[]", values, SQL(sql_type)) for sql_type, values in columns.values()),
            )
        )
        self.invalidate_model()
        # a manual override is always worth a chatter line; an automatic first classification is not
        self._post_transitions(company, [change for change in changes if change["old"] or change["origin"] == "manual"])

    @api.model
    def _post_transitions(self, company, changes):
        """Each transition is a tracked change of the class field in the customer's chatter: Odoo shows a
        tracked field only to those who may read it (the retention groups), so the chatter tells a portal user
        or an accountant nothing of the classes. How and why (manual, reason, win-back) are in the history."""
        if not changes:
            return
        labels = self._labels()
        Fields = self.env["ir.model.fields"]
        field_ids = {kind: Fields._get("res.partner", fname).id for kind, fname in KIND_FIELDS.items()}
        body = self.env._("Customer data card (%(company)s)", company=company.name)
        partner_ids = list(dict.fromkeys(change["partner_id"] for change in changes))
        message_of = (
            self.env["mail.message"].sudo()._retention_log_batch("res.partner", dict.fromkeys(partner_ids, body))
        )
        self.env["mail.tracking.value"].sudo().create(
            [
                {
                    "mail_message_id": message_of[change["partner_id"]],
                    "field_id": field_ids[change["kind"]],
                    "old_value_char": labels[change["kind"]].get(change["old"], ""),
                    "new_value_char": labels[change["kind"]].get(change["new"], ""),
                }
                for change in changes
            ]
        )

from odoo import api, fields, models
from odoo.tools import SQL

from .retention_playbook import CLASS_TRIGGERS, OWNER_TRIGGERS, TRIGGERS


class RetentionPlaybookRun(models.Model):
    """Each trigger occurrence a playbook (应对预案) met: a row of the class history or of the account manager
    history, and what the nightly run did with it (launched the plan, or not because the customer still had
    the plan's activities open or nobody to do them). One row per playbook and occurrence, held by unique
    indexes: a night run again, or run again after a crash, launches nothing twice. Written by the nightly run
    only."""

    _name = "retention.playbook.run"
    _description = "Playbook Launch"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    playbook_id = fields.Many2one("retention.playbook", required=True, readonly=True, index=True, ondelete="cascade")
    plan_id = fields.Many2one("mail.activity.plan", string="Activity Plan", readonly=True, ondelete="set null")
    trigger = fields.Selection(TRIGGERS, required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    class_history_id = fields.Many2one(
        "retention.class.history", string="Class Change", readonly=True, index="btree_not_null", ondelete="cascade"
    )
    owner_history_id = fields.Many2one(
        "retention.owner.history", string="Holder Change", readonly=True, index="btree_not_null", ondelete="cascade"
    )
    date = fields.Datetime(string="Occurred On", required=True, readonly=True)
    state = fields.Selection(
        [
            ("launched", "Launched"),
            ("plan_open", "Plan Still Open"),
            ("unassigned", "Nobody to Assign"),
        ],
        string="Outcome",
        required=True,
        readonly=True,
        help="Launched: the plan's activities were made. Plan still open: the customer had activities of the plan "
        "not done yet, so none were added. Nobody to assign: the customer has no account manager (and no "
        "supervisor for a release or an escalation).",
    )
    activity_ids = fields.One2many("mail.activity", "retention_playbook_run_id", string="Open Activities")
    open_activity_count = fields.Integer(string="Open Activities Count", compute="_compute_open_activity_count")

    _sql_constraints = [
        (
            "class_history_once",
            "UNIQUE(playbook_id, class_history_id)",
            "A playbook is launched once per class change.",
        ),
        (
            "owner_history_once",
            "UNIQUE(playbook_id, owner_history_id)",
            "A playbook is launched once per change of holder.",
        ),
        (
            "one_occurrence",
            "CHECK((class_history_id IS NULL) != (owner_history_id IS NULL))",
            "A launch comes from one class change or one change of holder.",
        ),
    ]

    def _compute_open_activity_count(self):
        # sudo: the count of a customer's open plan steps, whoever they are assigned to
        counts = dict(
            self.env["mail.activity"]
            .sudo()
            ._read_group([("retention_playbook_run_id", "in", self.ids)], ["retention_playbook_run_id"], ["__count"])
        )
        for run in self:
            run.open_activity_count = counts.get(run, 0)

    @api.model
    def _retention_record(self, company, playbooks, limit=None):
        """Record the trigger occurrences of ``playbooks`` (all of ``company``) not recorded yet, in one INSERT
        that returns them: the class history and account manager history rows of the company since each
        playbook's ``scan_from`` that match its trigger, on active customers. A row already recorded for the
        playbook is left out, and the unique indexes skip one that a concurrent run recorded meanwhile (ON
        CONFLICT DO NOTHING). Each is *launched*, or *plan_open* when the customer still has open activities of
        the plan, or another new occurrence of the same plan and customer comes first. With ``limit``, the first
        ``limit`` occurrences (by date) only: the others wait for the next call."""
        self.env.flush_all()
        class_cases = SQL(" ").join(
            SQL(
                "WHEN %s THEN %s",
                trigger,
                SQL("h.kind = %s AND h.new_value = %s", *condition)
                if isinstance(condition, tuple)
                else SQL.identifier("h", condition),
            )
            for trigger, condition in CLASS_TRIGGERS.items()
        )
        owner_cases = SQL(" ").join(
            SQL("WHEN %s THEN o.kind = ANY(%s)", trigger, list(kinds)) for trigger, kinds in OWNER_TRIGGERS.items()
        )
        now = fields.Datetime.now()
        rows = self.env.execute_query_dict(
            SQL(
                """
                WITH playbook AS (
                    SELECT id, plan_id, trigger, scan_from FROM retention_playbook WHERE id = ANY(%(playbooks)s)
                ),
                occurrence AS (
                    SELECT pb.id AS playbook_id, pb.plan_id, pb.trigger, h.partner_id, h.id AS class_history_id,
                           NULL::int AS owner_history_id, h.date
                      FROM retention_class_history h
                      JOIN playbook pb ON h.date >= pb.scan_from AND CASE pb.trigger %(class_cases)s ELSE FALSE END
                     WHERE h.company_id = %(company)s AND h.date >= %(since)s
                    UNION ALL
                    SELECT pb.id, pb.plan_id, pb.trigger, o.partner_id, NULL, o.id, o.date
                      FROM retention_owner_history o
                      JOIN playbook pb ON o.date >= pb.scan_from AND CASE pb.trigger %(owner_cases)s ELSE FALSE END
                     WHERE o.company_id = %(company)s AND o.date >= %(since)s
                ),
                fresh AS (
                    SELECT occ.*, ROW_NUMBER() OVER (PARTITION BY occ.plan_id, occ.partner_id
                                                     ORDER BY occ.date, occ.class_history_id, occ.owner_history_id)
                                  AS nth
                      FROM occurrence occ
                      JOIN res_partner p ON p.id = occ.partner_id AND p.active
                     WHERE NOT EXISTS (SELECT 1 FROM retention_playbook_run r
                                        WHERE r.playbook_id = occ.playbook_id
                                          AND r.class_history_id = occ.class_history_id)
                       AND NOT EXISTS (SELECT 1 FROM retention_playbook_run r
                                        WHERE r.playbook_id = occ.playbook_id
                                          AND r.owner_history_id = occ.owner_history_id)
                )
                INSERT INTO retention_playbook_run
                       (playbook_id, plan_id, trigger, company_id, partner_id, class_history_id, owner_history_id,
                        date, state, create_uid, write_uid, create_date, write_date)
                SELECT playbook_id, plan_id, trigger, %(company)s, partner_id, class_history_id, owner_history_id,
                       date,
                       CASE WHEN nth > 1 OR EXISTS (
                                SELECT 1 FROM mail_activity a
                                  JOIN retention_playbook_run r ON r.id = a.retention_playbook_run_id
                                 WHERE a.res_model = 'res.partner' AND a.res_id = fresh.partner_id AND a.active
                                   AND r.plan_id = fresh.plan_id)
                            THEN 'plan_open' ELSE 'launched' END,
                       %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM fresh
                 ORDER BY date, class_history_id, owner_history_id %(limit)s
                ON CONFLICT DO NOTHING
                RETURNING id, playbook_id, plan_id, trigger, partner_id, owner_history_id, date, state
                """,
                playbooks=playbooks.ids,
                class_cases=class_cases,
                owner_cases=owner_cases,
                company=company.id,
                since=min(playbooks.mapped("scan_from")),
                uid=self.env.uid,
                now=now,
                limit=SQL("LIMIT %s", limit) if limit else SQL(),
            )
        )
        self.invalidate_model()
        return sorted(rows, key=lambda row: row["id"])

    @api.model
    def _retention_set_unassigned(self, run_ids):
        """Launches none of whose steps found someone to do them."""
        if run_ids:
            self.env.execute_query(
                SQL("UPDATE retention_playbook_run SET state = 'unassigned' WHERE id = ANY(%s)", run_ids)
            )
            self.invalidate_model(["state"])

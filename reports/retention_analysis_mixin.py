from odoo import api, fields, models, tools
from odoo.osv import expression
from odoo.tools import SQL

from ..models.groups import MANAGER_GROUP, SUPERVISOR_GROUP


class RetentionAnalysisMixin(models.AbstractModel):
    """Analyses for supervisors are read-only SQL views. Each row names its account manager, that person's sales
    team and the team's supervisor, so one set of record rules (salesperson / supervisor / manager, as on the
    customers) decides which rows a user may read in pivots, lists, PDF and Excel alike."""

    _name = "retention.analysis.mixin"
    _description = "Retention Analysis"

    company_id = fields.Many2one("res.company", readonly=True)
    salesperson_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    supervisor_id = fields.Many2one("res.users", readonly=True)

    # Each view lists in ``_depends`` the fields of the tables it reads: Odoo flushes them before reading the view.

    def _query(self):
        """The SELECT of the view: every column of the model, the team columns from ``_team_joins``."""
        raise NotImplementedError

    @api.model
    def _team_joins(self, salesperson):
        """Joins giving ``team`` (the account manager's sales team, or for a supervisor who is no member of it,
        the team they lead) for an SQL expression of the salesperson."""
        return SQL(
            """LEFT JOIN res_users team_user ON team_user.id = %s
               LEFT JOIN crm_team team ON team.id = COALESCE(
                   team_user.sale_team_id,
                   (SELECT led.id FROM crm_team led WHERE led.user_id = team_user.id AND led.active
                     ORDER BY led.sequence, led.id LIMIT 1))""",
            salesperson,
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """A supervisor reads the rows of the teams they lead (record rules: salesperson or supervisor is the
        user). The rows' salespeople are added as a condition the rules already imply, which PostgreSQL can read
        through the salesperson index instead of building every row of the company and then filtering on the
        supervisor (at 100,000 customers the screens read their teams' customers only)."""
        user = self.env.user
        if not self.env.su and user.has_group(SUPERVISOR_GROUP) and not user.has_group(MANAGER_GROUP):
            domain = expression.AND([domain, [("salesperson_id", "in", self._led_salespeople())]])
        return super()._search(domain, offset, limit, order)

    @api.model
    def _led_salespeople(self):
        """The salespeople of the rows whose supervisor is the current user (the team of ``_team_joins``), and the
        user: exactly the rows the supervisor's record rules let through."""
        uid = self.env.uid
        rows = self.env.execute_query(
            SQL(
                "SELECT su.id FROM res_users su %s WHERE team.user_id = %s OR su.id = %s",
                self._team_joins(SQL("su.id")),
                uid,
                uid,
            )
        )
        return [user_id for (user_id,) in rows]

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        """Grouped by people, teams or customers (many2ones whose model orders by name), Odoo joins every row to
        its record's name before grouping and sorts every row by it: for a supervisor's scorecard at 100,000
        customers, 19,000 rows sorted by name for 8 groups (150 ms of 290). Here the rows are grouped by id and
        the few groups are put in the same order afterwards (the records' own order, then empty last, reversed
        for a descending order), when every group and order term is such a many2one and all groups are read."""
        directions = self._retention_many2one_order(groupby, order)
        if directions is None or offset or limit:
            return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
        rows = super()._read_group(domain, groupby, aggregates, having)
        # stable sorts from the last term to the first: the rows end up ordered by the first term, then the next
        for spec, descending in reversed(directions):
            index = list(groupby).index(spec)
            records = self.env[self._fields[spec].comodel_name].sudo().with_context(active_test=False)
            ordered = records.search([("id", "in", list({row[index].id for row in rows if row[index]}))])
            rank = {record_id: position for position, record_id in enumerate(ordered._ids)}
            rows.sort(key=lambda row, index=index: rank.get(row[index].id, len(rank)), reverse=descending)
        return rows

    @api.model
    def _retention_many2one_order(self, groupby, order):
        """[(many2one groupby spec, descending)] of ``order`` (default: the groupby specs), when every groupby spec
        is a many2one field whose model does not order by id and ``order`` names only them; else None."""
        if not groupby:
            return None
        for spec in groupby:
            field = self._fields.get(spec)
            if not field or field.type != "many2one" or self.env[field.comodel_name]._order == "id":
                return None
        directions = []
        for part in (order or ",".join(groupby)).split(","):
            words = part.split()
            if not words or words[0] not in groupby or len(words) > 2:
                return None
            if len(words) == 2 and words[1].upper() not in ("ASC", "DESC"):
                return None
            directions.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
        return directions

    def _read_group_orderby(self, order, groupby_terms, query):
        """Groups of a selection (lifecycle stage, ABC class, risk level, state) come in the order of the
        selection, as a funnel reads, not in the alphabetical order of their codes."""
        ranked = dict(groupby_terms)
        for spec, term in groupby_terms.items():
            field = self._fields.get(spec)
            if field and field.type == "selection" and isinstance(field.selection, list):
                codes = [code for code, _label in field.selection]
                ranked[spec] = SQL("array_position(%s::varchar[], %s::varchar)", codes, term)
        return super()._read_group_orderby(order, ranked, query)

    def init(self):
        if self._abstract:
            return
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

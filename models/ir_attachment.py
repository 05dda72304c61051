from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _retention_profiles_not_kept(self):
        """The attachments of ``self`` on confidential profiles the user does not keep (write)."""
        if self.env.su or not self:
            return self.browse()
        self.flush_recordset(["res_model", "res_id"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id, res_id FROM ir_attachment WHERE id = ANY(%s) AND res_model = 'retention.profile'"
                " AND res_id IS NOT NULL",
                self.ids,
            )
        )
        if not rows:
            return self.browse()
        profiles = (
            self.env["retention.profile"].with_context(active_test=False).browse({res_id for _id, res_id in rows})
        )
        kept = set(profiles.exists()._filtered_access("write").ids)
        return self.browse([id_ for id_, res_id in rows if res_id not in kept])

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """Reads of attachments go through this search: those of profiles the user does not keep are left out."""
        query = super()._search(domain, offset, limit, order)
        Profile = self.env["retention.profile"].with_context(active_test=False)
        keeper_domain = Profile._keeper_domain()
        if keeper_domain is not None:
            query.add_where(
                SQL(
                    "(%s IS DISTINCT FROM 'retention.profile' OR %s IN %s)",
                    SQL.identifier(self._table, "res_model"),
                    SQL.identifier(self._table, "res_id"),
                    Profile.sudo()._search(keeper_domain).subselect(),
                )
            )
        return query

    def _check_access(self, operation):
        """Files attached to a confidential profile are for those who keep it (write it): a borrower reads the
        five items, each read logged, not the files."""
        result = super()._check_access(operation)
        forbidden = self._retention_profiles_not_kept()
        if not forbidden:
            return result
        if result:
            forbidden |= result[0]
        return forbidden, self._retention_files_error

    def check(self, mode, values=None):
        result = super().check(mode, values)
        if self._retention_profiles_not_kept():
            raise self._retention_files_error()
        return result

    def _retention_files_error(self):
        return AccessError(
            self.env._("The files of a confidential profile are for its account manager and their supervisor.")
        )

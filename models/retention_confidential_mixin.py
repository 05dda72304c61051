from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

from .groups import MANAGER_GROUP, SUPERVISOR_GROUP


def read_write(method):
    """Mark an RPC read method as needing a read/write cursor (Odoo 18 serves reads on read-only ones).

    Reads of confidential data through a borrowing write an access-log row.
    """
    method._readonly = False
    return method


class RetentionConfidentialMixin(models.AbstractModel):
    """Confidential data (客户档案 must not leak): reads through a borrowing are logged, exports are for
    supervisors and managers. Who may read at all is decided by each model's record rules.

    A model using it says which profiles its records belong to with ``_confidential_profiles``.
    """

    _name = "retention.confidential.mixin"
    _description = "Confidential Customer Data"

    # the fields that hold what the customer confided, and the path to the customer from a record
    _confidential_fields = ()
    _confidential_customer_path = "partner_id"

    def _confidential_profiles(self):
        raise NotImplementedError

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        """A search on the content finds only profiles the user keeps: a borrower reads a profile (logged), he
        does not probe it with searches (how many profiles mention a name?) that leave no trace."""
        if self._confidential_fields and self._domain_reads_content(domain):
            keeper_domain = self._keeper_domain()
            if keeper_domain is not None:
                domain = expression.AND([domain, keeper_domain])
        return super()._search(domain, offset, limit, order)

    @api.model
    def _keeper_domain(self):
        """The records of the customers the user keeps (account manager, supervisor of their team), as the
        record rules that let them write; None when the user keeps all (manager, superuser)."""
        user = self.env.user
        if self.env.su or user.has_group(MANAGER_GROUP):
            return None
        path = self._confidential_customer_path
        domain = [(f"{path}.user_id", "=", user.id)]
        if user.has_group(SUPERVISOR_GROUP):
            domain = expression.OR([domain, [(f"{path}.user_id.sale_team_id.user_id", "=", user.id)]])
        return domain

    @api.model
    def _domain_reads_content(self, domain):
        return any(
            isinstance(leaf, (list, tuple)) and len(leaf) == 3 and leaf[0].split(".")[0] in self._confidential_fields
            for leaf in domain or []
        )

    @read_write
    def read(self, fields=None, load="_classic_read"):
        return super().read(fields, load)

    @read_write
    def web_read(self, specification):
        return super().web_read(specification)

    @api.model
    @read_write
    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs):
        return super().search_read(domain, fields, offset, limit, order, **read_kwargs)

    @api.model
    @read_write
    def web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None):
        return super().web_search_read(domain, specification, offset, limit, order, count_limit)

    @api.model
    @read_write
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        result = super().read_group(domain, fields, groupby, offset, limit, orderby, lazy)
        if not self.env.su:
            self.search(domain)._confidential_profiles()._log_borrowed_use("open")
        return result

    @api.model
    @read_write
    def web_read_group(self, domain, fields, groupby, limit=None, offset=0, orderby=False, lazy=True):
        return super().web_read_group(domain, fields, groupby, limit, offset, orderby, lazy)

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load)
        if not self.env.su:
            self._confidential_profiles()._log_borrowed_use("open")
        return result

    def copy_data(self, default=None):
        """Confidential data is never copied by users: a copy would carry the content out of the profile's
        rules and without a log row (a borrower could keep it on a customer of their own)."""
        if not self.env.su:
            raise UserError(self.env._("Confidential profiles and their key dates cannot be copied."))
        return super().copy_data(default)

    def onchange(self, values, field_names, fields_spec):
        if self.ids and not self.env.su:
            self._confidential_profiles()._log_borrowed_use("open")
        return super().onchange(values, field_names, fields_spec)

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        if self and not self.env.su:
            if not self.env.user.has_group(SUPERVISOR_GROUP):
                raise AccessError(
                    self.env._("Only supervisors and retention managers may export confidential profiles.")
                )
            self._confidential_profiles()._log_borrowed_use("export")
        return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)

"""Upgrade to 18.0.1.1.0, once the models are loaded: the company-dependent card fields are declared with
``index=False`` (the card is filtered through one expression index per company, see
``res.partner._retention_create_card_indexes``). Databases installed before carry Odoo's default for such fields,
one ``IS NOT NULL`` index per column, that every recompute UPDATE maintained; Odoo keeps an index it no longer
expects, so they are dropped here (this ran in ``res.partner.init()`` on every update before)."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import make_index_name


def migrate(cr, version):
    if not version:
        return
    partners = api.Environment(cr, SUPERUSER_ID, {})["res.partner"]
    for name, field in partners._fields.items():
        if name.startswith("retention_") and field.company_dependent and not field.index:
            cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(make_index_name(partners._table, name))))

"""Upgrade to 18.0.1.1.0, before the models load: ``res.partner.retention_risk_reasons`` is a non-stored compute
(each reader reads the reasons in their own language, from the stored risk factors). Odoo keeps the column of a
field that stops being stored: databases installed before that change still have it, with its index, and the
analyses of that time (SQL views) read it. The views go first; each analysis creates its view again when its
model loads (``retention.analysis.mixin.init``)."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'res_partner' AND column_name = 'retention_risk_reasons'"
        )
    )
    if not cr.fetchone():
        return
    cr.execute(
        SQL(r"SELECT viewname FROM pg_views WHERE schemaname = current_schema() AND viewname LIKE 'retention\_%%'")
    )
    for (view,) in cr.fetchall():
        cr.execute(SQL("DROP VIEW IF EXISTS %s CASCADE", SQL.identifier(view)))
    cr.execute(SQL("DROP INDEX IF EXISTS res_partner__retention_risk_reasons_index"))
    cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN retention_risk_reasons"))

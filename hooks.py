from odoo.tools import SQL


def post_init_hook(env):
    """The card completeness of the customers already in the database, stored once (it then follows each
    change)."""
    env["res.partner"]._retention_store_completeness_of()


def uninstall_hook(env):
    """The addon's activity types go with it, and so do their activities (the warnings: customer at risk, contact
    due, key dates) and the steps of activity plans that use them. Both restrict the deletion of their type:
    without this, Odoo's removal of the addon's data fails on each type and leaves them behind. Activities of
    other types stay."""
    type_ids = (
        env["ir.model.data"]
        .sudo()
        .search([("module", "=", "customer_retention"), ("model", "=", "mail.activity.type")])
        .mapped("res_id")
    )
    if type_ids:
        activities = env["mail.activity"].sudo().with_context(active_test=False)
        activities.search([("activity_type_id", "in", type_ids)]).unlink()
        env["mail.activity.plan.template"].sudo().search([("activity_type_id", "in", type_ids)]).unlink()
    # the indexes of the subsidiaries (集团客户), of the contacts and of the orders are on Odoo's own columns: nothing
    # drops them with the addon
    for index in (
        "res_partner__retention_subsidiary_index",
        "res_partner__retention_contact_index",
        "res_partner__retention_customer_user_index",
        "sale_order__retention_confirmed_index",
        "sale_order__retention_quotation_index",
    ):
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
    # the room left on the partners' pages for the nightly card writes (res.partner._retention_leave_room_for_cards)
    env.cr.execute(SQL("ALTER TABLE res_partner RESET (fillfactor)"))
    # the nights' tables of the cards to examine (retention.recompute._retention_stage), one per company
    tables = env.execute_query(
        SQL(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
            "retention\\_night\\_card\\_%",
        )
    )
    for (table,) in tables:
        env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))

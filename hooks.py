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
    # the recompute's index of the subsidiaries (集团客户) is on Odoo's own columns: nothing drops it with the addon
    env.cr.execute("DROP INDEX IF EXISTS res_partner__retention_subsidiary_index")

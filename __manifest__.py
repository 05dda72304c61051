{
    "name": "Customer Retention",
    "summary": "Keep key customers: data card with ABC class and lifecycle stage, care plans, early warnings",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "author": "customer_retention team",
    "website": "https://github.com/customer-retention/customer_retention",
    "license": "LGPL-3",
    "depends": ["sale", "contacts", "mail"],
    "data": [
        "security/customer_retention_groups.xml",
        "security/ir.model.access.csv",
        "security/customer_retention_rules.xml",
        "data/ir_cron_data.xml",
        "wizard/retention_adoption_wizard_views.xml",
        "views/res_partner_views.xml",
        "views/retention_class_history_views.xml",
        "views/retention_profile_views.xml",
        "views/retention_borrowing_views.xml",
        "views/retention_access_log_views.xml",
        "views/retention_owner_history_views.xml",
        "views/res_config_settings_views.xml",
        "views/customer_retention_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "customer_retention/static/src/scss/customer_retention.scss",
        ],
    },
    "demo": [
        "demo/customer_retention_demo.xml",
    ],
    "application": True,
}

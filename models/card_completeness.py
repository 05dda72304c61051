from odoo.tools import SQL

# What a complete customer data card 客户资料卡 holds, with the five items 增五项: the card completeness is the
# share of these that are filled. Plain partner columns, company-dependent classifications typed by people, the
# contacts, and the five items and key dates of the confidential profile (only whether they are filled, never
# their content).
COMPLETENESS_COLUMNS = ("phone", "email", "street", "city", "vat", "ref", "website", "industry_id")
COMPLETENESS_CLASSES = (
    "retention_closeness",
    "retention_value_type",
    "retention_personality",
    "retention_relationship_level",
    "retention_product_attitude",
    "retention_satisfaction",
)
COMPLETENESS_PROFILE = ("basic_traits", "taboos", "preferences", "beliefs", "life_background")
COMPLETENESS_ITEMS = len(COMPLETENESS_COLUMNS) + len(COMPLETENESS_CLASSES) + len(COMPLETENESS_PROFILE) + 2


def completeness_sql(partner, profile, company):
    """Card completeness in percent, as an SQL expression of the aliases of ``res_partner`` and of the
    customer's ``retention_profile`` (LEFT JOINed) and of an SQL expression of the company id."""
    filled = [
        SQL("(NULLIF(btrim(%s::text), '') IS NOT NULL)", SQL.identifier(partner, column))
        for column in COMPLETENESS_COLUMNS
    ]
    filled += [
        SQL("(%s ->> %s::text IS NOT NULL)", SQL.identifier(partner, column), company)
        for column in COMPLETENESS_CLASSES
    ]
    filled += [
        SQL("(NULLIF(btrim(%s), '') IS NOT NULL)", SQL.identifier(profile, column)) for column in COMPLETENESS_PROFILE
    ]
    filled.append(
        SQL(
            "EXISTS (SELECT 1 FROM res_partner contact WHERE contact.parent_id = %s AND contact.active)",
            SQL.identifier(partner, "id"),
        )
    )
    filled.append(
        SQL("EXISTS (SELECT 1 FROM retention_key_date kd WHERE kd.profile_id = %s)", SQL.identifier(profile, "id"))
    )
    return SQL(
        "ROUND((%s) * 100.0 / %s, 1)",
        SQL(" + ").join(SQL("%s::int", item) for item in filled),
        COMPLETENESS_ITEMS,
    )

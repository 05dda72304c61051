from datetime import date, datetime, time

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon

SALESMAN = "base.group_partner_manager,sales_team.group_sale_salesman"
SUPERVISOR = SALESMAN + ",customer_retention.group_retention_supervisor"
MANAGER = SALESMAN + ",customer_retention.group_retention_manager"


class RetentionCommon(BaseCommon):
    """Customers, orders and users built in SQL-free ORM calls; dates are explicit, never "now"."""

    TODAY = date(2026, 6, 30)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Annual maintenance", "type": "service", "list_price": 100.0, "taxes_id": [Command.clear()]}
        )
        cls.Partner = cls.env["res.partner"]
        cls.Recompute = cls.env["retention.recompute"]
        cls.History = cls.env["retention.class.history"]
        # sales teams: team A led by supervisor_a, team B led by supervisor_b
        cls.supervisor_a = new_test_user(cls.env, "ret_sup_a", groups=SUPERVISOR)
        cls.supervisor_b = new_test_user(cls.env, "ret_sup_b", groups=SUPERVISOR)
        cls.salesman_a = new_test_user(cls.env, "ret_sales_a", groups=SALESMAN)
        cls.salesman_a2 = new_test_user(cls.env, "ret_sales_a2", groups=SALESMAN)
        cls.salesman_b = new_test_user(cls.env, "ret_sales_b", groups=SALESMAN)
        cls.manager = new_test_user(cls.env, "ret_manager", groups=MANAGER)
        cls.team_a = cls.env["crm.team"].create(
            {
                "name": "East",
                "user_id": cls.supervisor_a.id,
                "member_ids": [Command.set((cls.salesman_a | cls.salesman_a2).ids)],
            }
        )
        cls.team_b = cls.env["crm.team"].create(
            {"name": "West", "user_id": cls.supervisor_b.id, "member_ids": [Command.set(cls.salesman_b.ids)]}
        )

    @classmethod
    def _customer(cls, name, user=None, **vals):
        return cls.Partner.create({"name": name, "is_company": True, "user_id": user and user.id, **vals})

    @classmethod
    def _order(cls, partner, amount, on, state="sale", company=None, pricelist=None):
        """A sales order of ``amount`` (untaxed, in the pricelist currency) dated ``on``."""
        company = company or cls.env.company
        vals = {
            "partner_id": partner.id,
            "company_id": company.id,
            "date_order": datetime.combine(on, time(12, 0)),
            "order_line": [
                Command.create(
                    {"product_id": cls.product.id, "product_uom_qty": 1, "price_unit": amount, "tax_id": False}
                )
            ],
        }
        if pricelist:
            vals["pricelist_id"] = pricelist.id
        order = cls.env["sale.order"].with_company(company).create(vals)
        if state != "draft":
            order.write({"state": state})
        return order

    def recompute(self, today=None, companies=None):
        return self.Recompute._recompute(companies or self.env.company, today or self.TODAY)

    def card(self, partner, company=None):
        """The partner re-read from the database, in ``company``."""
        partner.invalidate_recordset()
        return partner.with_company(company or self.env.company)

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import RetentionCommon


@tagged("post_install", "-at_install")
class TestAccess(RetentionCommon):
    """Who sees the class history, who may recompute, what a salesperson gets right after install."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a = cls._customer("Customer of A", user=cls.salesman_a)
        cls.customer_a2 = cls._customer("Customer of A2", user=cls.salesman_a2)
        cls.customer_b = cls._customer("Customer of B", user=cls.salesman_b)
        for customer in (cls.customer_a, cls.customer_a2, cls.customer_b):
            cls._order(customer, 100, date(2026, 6, 1))
        cls.env["retention.recompute"]._recompute(cls.env.company, cls.TODAY)
        cls.company_2 = cls.env["res.company"].create({"name": "Other Company"})
        cls.user_company_2 = new_test_user(
            cls.env,
            "ret_c2",
            groups="customer_retention.group_retention_manager",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )

    def _visible_history_partners(self, user):
        rows = self.History.with_user(user).search([])
        return set(rows.mapped("partner_id").ids) & {self.customer_a.id, self.customer_a2.id, self.customer_b.id}

    def test_group_defaults(self):
        self.assertTrue(self.salesman_a.has_group("customer_retention.group_retention_user"))
        self.assertFalse(self.salesman_a.has_group("customer_retention.group_retention_supervisor"))
        self.assertTrue(self.env.ref("base.user_admin").has_group("customer_retention.group_retention_manager"))
        plain = new_test_user(self.env, "ret_plain", groups="base.group_user")
        self.assertFalse(plain.has_group("customer_retention.group_retention_user"))

    def test_history_visibility_per_role(self):
        a, a2, b = self.customer_a.id, self.customer_a2.id, self.customer_b.id
        self.assertEqual(self._visible_history_partners(self.salesman_a), {a})
        self.assertEqual(self._visible_history_partners(self.salesman_b), {b})
        self.assertEqual(self._visible_history_partners(self.supervisor_a), {a, a2})
        self.assertEqual(self._visible_history_partners(self.supervisor_b), {b})
        self.assertEqual(self._visible_history_partners(self.manager), {a, a2, b})
        self.assertEqual(self._visible_history_partners(self.user_company_2), set())

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_history_refused(self):
        row_b = self.History.search([("partner_id", "=", self.customer_b.id)], limit=1)
        with self.assertRaises(AccessError):
            row_b.with_user(self.salesman_a).read(["new_value"])
        with self.assertRaises(AccessError):
            row_b.with_user(self.supervisor_a).read(["new_value"])
        plain = new_test_user(self.env, "ret_plain2", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.History.with_user(plain).search([])
        # nobody edits or deletes history, not even a manager
        for operation in (lambda r: r.write({"new_value": "a"}), lambda r: r.unlink()):
            with self.assertRaises(AccessError):
                operation(row_b.with_user(self.manager))
        with self.assertRaises(AccessError):
            self.History.with_user(self.manager).create(
                {"partner_id": self.customer_b.id, "company_id": self.env.company.id, "kind": "abc"}
            )
        # read_group gives nothing of other teams either
        groups = self.History.with_user(self.salesman_a)._read_group([], ["partner_id"], ["__count"])
        self.assertEqual({partner.id for partner, _count in groups}, {self.customer_a.id})

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_recompute_now_managers_only(self):
        for user in (self.salesman_a, self.supervisor_a):
            with self.assertRaises(AccessError):
                self.env["retention.recompute"].with_user(user).action_recompute_now()
            with self.assertRaises(AccessError):
                self.customer_a.with_user(user).action_retention_recompute()
        action = self.env["retention.recompute"].with_user(self.manager).action_recompute_now()
        self.assertEqual(action["params"]["type"], "success")

    def test_salesperson_sees_the_retention_tab(self):
        arch = self.Partner.with_user(self.salesman_a).get_view(self.env.ref("base.view_partner_form").id)["arch"]
        self.assertIn('name="retention_abc_class"', arch)
        self.assertNotIn('name="retention_abc_override"', arch)  # overrides: supervisors and managers
        arch = self.Partner.with_user(self.supervisor_a).get_view(self.env.ref("base.view_partner_form").id)["arch"]
        self.assertIn('name="retention_abc_override"', arch)
        plain = new_test_user(self.env, "ret_plain3", groups="base.group_user")
        arch = self.Partner.with_user(plain).get_view(self.env.ref("base.view_partner_form").id)["arch"]
        self.assertNotIn("retention_abc_class", arch)

    def test_customer_views_work_for_a_salesperson(self):
        """What the Customers menu loads: kanban grouped by stage, list with classes, search filters."""
        partner = self.Partner.with_user(self.salesman_a)
        views = partner.get_views(
            [
                (self.env.ref("customer_retention.res_partner_view_kanban_retention").id, "kanban"),
                (self.env.ref("customer_retention.res_partner_view_list_retention").id, "list"),
                (self.env.ref("base.view_partner_form").id, "form"),
                (self.env.ref("base.view_res_partner_filter").id, "search"),
            ]
        )
        self.assertIn("retention_lifecycle_stage", views["views"]["kanban"]["arch"])
        self.assertIn("retention_abc_a", views["views"]["search"]["arch"])
        self.assertNotIn("action_retention_recompute", views["views"]["list"]["arch"])  # managers only
        domain = [("parent_id", "=", False), ("user_id", "=", self.salesman_a.id)]
        groups = partner.web_read_group(domain, ["retention_lifecycle_stage"], ["retention_lifecycle_stage"])
        counts = {g["retention_lifecycle_stage"]: g["retention_lifecycle_stage_count"] for g in groups["groups"]}
        self.assertEqual(list(counts), ["acquisition", "growth", "maturity", "decline", "churned"])  # all columns
        self.assertEqual(counts["growth"], 1)
        records = partner.web_search_read(
            domain + [("retention_abc_class", "=", "a")],
            {"display_name": {}, "retention_abc_class": {}, "retention_revenue_12m": {}},
        )["records"]
        self.assertEqual([(r["display_name"], r["retention_revenue_12m"]) for r in records], [("Customer of A", 100)])

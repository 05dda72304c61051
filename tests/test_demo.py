from collections import Counter

from odoo.tests import TransactionCase, tagged


@tagged("retention_demo", "-standard", "-at_install", "post_install")
class TestDemoData(TransactionCase):
    """The demo company of ``make serve``: run by ``make test`` in a second database installed with demo data
    (``--test-tags=retention_demo``), since the main run installs without it. Every number here is what the demo
    must show whatever day it is installed (its dates are relative to today)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        data = cls.env["ir.model.data"].search(
            [("module", "=", "customer_retention"), ("model", "=", "res.partner"), ("name", "=like", "partner_%")]
        )
        cls.customers = cls.env["res.partner"].browse(data.mapped("res_id"))

    def _ref(self, name):
        return self.env.ref(f"customer_retention.{name}")

    def test_company_and_people(self):
        self.assertEqual(len(self.customers), 40)
        self.assertTrue(all(customer.is_company for customer in self.customers))
        self.assertEqual(len(self.customers.child_ids), 43)
        east, south = self._ref("team_east_demo"), self._ref("team_south_demo")
        self.assertEqual(east.user_id, self._ref("user_zhangwei_demo"))
        self.assertEqual(south.user_id, self._ref("user_zhaoqiang_demo"))
        self.assertEqual(self._ref("user_lina_demo").sale_team_id, east)
        self.assertEqual(self.env.ref("base.user_demo").sale_team_id, south)
        for login in ("lina", "zhangwei", "sunli"):
            user = self.env["res.users"].search([("login", "=", login)])
            self.assertEqual(user.lang, "zh_CN", login)
        self.assertTrue(self._ref("user_sunli_demo").has_group("customer_retention.group_retention_manager"))
        self.assertTrue(self._ref("user_zhangwei_demo").has_group("customer_retention.group_retention_supervisor"))
        self.assertEqual(self.env.ref("base.user_admin").lang, "en_US", "English stays the default language")
        menu = self.env.ref("customer_retention.customer_retention_menu_root").with_context(lang="zh_CN")
        self.assertEqual(menu.name, "客户维护")

    def test_salespeople_and_supervisors_edit_their_customers(self):
        """The demo logins keep Odoo's Contact Creation right: their customer forms are editable, the
        relationship classes of their own customers and the overrides of their team's."""
        lina, zhangwei = self._ref("user_lina_demo"), self._ref("user_zhangwei_demo")
        customer = self.customers.filtered(lambda partner: partner.user_id == lina)[:1]
        for user in (lina, self._ref("user_wanglei_demo"), self._ref("user_liuyang_demo"), zhangwei):
            self.assertTrue(user.has_group("base.group_partner_manager"), user.login)
        customer.with_user(lina).write({"retention_satisfaction": "5"})
        customer.with_user(zhangwei).write(
            {"retention_abc_override": "a", "retention_abc_override_reason": "Group headquarters"}
        )
        self.assertEqual(customer.with_user(lina).retention_abc_class, "a")

    def test_every_class_stage_and_risk_level(self):
        classes = Counter(self.customers.mapped("retention_abc_class"))
        self.assertEqual((classes["a"], classes["b"], classes["c"]), (6, 11, 16))
        stages = Counter(self.customers.mapped("retention_lifecycle_stage"))
        for stage in ("acquisition", "growth", "maturity", "decline", "churned"):
            self.assertGreaterEqual(stages[stage], 3, stage)
        self.assertEqual(Counter(self.customers.mapped("retention_time_class"))["potential"], 1)
        levels = Counter(self.customers.mapped("retention_risk_level"))
        self.assertGreaterEqual(levels["medium"], 3)
        self.assertGreaterEqual(levels["high"], 3)
        self.assertGreaterEqual(levels["low"], 20)
        won_back = self.env["retention.class.history"].search([("is_win_back", "=", True)])
        self.assertEqual(won_back.partner_id, self._ref("partner_xuzhou_demo"))
        self.assertEqual(self._ref("partner_huadong_demo").retention_advocacy, "advocate")
        self.assertEqual(self._ref("partner_dalian_demo").retention_overdue_amount, 54050.0)
        completeness = self.customers.mapped("retention_completeness")
        self.assertLess(min(completeness), 40)
        self.assertGreater(max(completeness), 90)

    def test_retention_work(self):
        plans = self.env["retention.care.plan"].search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(
            set(plans.mapped("state")), {"draft", "submitted", "approved", "rejected", "done", "cancelled"}
        )
        done = plans.filtered(lambda plan: plan.state == "done")
        self.assertEqual((done.score_strategy, done.score_loyalty), ("4", "5"))
        self.assertTrue(done.evaluation_comment)
        for plan in plans:
            self.assertTrue(plan.target_ids and plan.obstacle_ids and plan.action_ids and plan.contact_ids, plan.state)
        checks = self.env["retention.action.check"].search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(sum(checks.mapped("expense_total")), 11610.0)
        overlapping = checks.filtered("has_overlap")
        self.assertEqual(overlapping.partner_id, self._ref("partner_shenzhen_demo"))
        self.assertEqual(len(overlapping.user_id), 2)
        profiles = self.env["retention.profile"].search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(len(profiles), 5)
        borrowing = self._ref("borrowing_huadong_demo")
        self.assertEqual((borrowing.state, borrowing.is_current), ("approved", True))
        self.assertEqual(self._ref("borrowing_shenzhen_demo").state, "requested")
        self.assertEqual(len(self.env["retention.card.review"].search([])), 2)
        orphans = self.env["res.partner"].search([("retention_is_orphan", "=", True), ("id", "in", self.customers.ids)])
        self.assertEqual(orphans, self._ref("partner_wenzhou_demo") | self._ref("partner_jiaxing_demo"))
        self.assertFalse(orphans.user_id.active)

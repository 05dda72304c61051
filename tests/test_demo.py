from collections import Counter

from lxml import etree

from odoo import fields
from odoo.osv import expression
from odoo.tests import TransactionCase, tagged
from odoo.tools.safe_eval import safe_eval

# Odoo's English demo customers (Deco Addict, Azure Interior…), with orders in Odoo's demo company
ODOO_DEMO_PARTNERS = [f"base.res_partner_{number}" for number in (1, 2, 3, 4, 5, 10, 12, 18)]


@tagged("retention_demo", "-standard", "-at_install", "post_install")
class TestDemoData(TransactionCase):
    """The demo company of ``make serve``: run by ``make test`` in a second database installed with demo data
    (``--test-tags=retention_demo``), since the main run installs without it. Every number here is what the demo
    must show whatever day it is installed (its dates are relative to today). The demo company is a company of
    its own (in yuan, on Shanghai time) beside Odoo's demo company: the tests read the cards in it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("customer_retention.company_demo")
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        data = cls.env["ir.model.data"].search(
            [("module", "=", "customer_retention"), ("model", "=", "res.partner"), ("name", "=like", "partner_%")]
        )
        cls.customers = cls.env["res.partner"].browse(data.mapped("res_id"))

    def _ref(self, name):
        return self.env.ref(f"customer_retention.{name}")

    def _login(self, login):
        """The user as the web client runs it: in the user's current company."""
        user = self.env["res.users"].search([("login", "=", login)])
        return self.env(user=user, context={"allowed_company_ids": user.company_id.ids, "lang": user.lang})

    def _open(self, env, action):
        """The records a window action (as the web client gets it) lists when the user of ``env`` opens it: its
        domain and its default filters (``search_default_*`` of its context, found in its search view as that
        user gets it; default filters of one group would be OR'ed, these are not)."""
        model = env[action["res_model"]]
        values = {"uid": env.uid, "context_today": lambda: fields.Date.context_today(model)}

        def evaluate(value, default):
            return safe_eval(value, values) if isinstance(value, str) else value or default

        context, domain = evaluate(action.get("context"), {}), evaluate(action.get("domain"), [])
        arch = model.get_views([(action["search_view_id"][0], "search")])["views"]["search"]["arch"]
        for node in etree.fromstring(arch).iter("filter"):
            if context.get(f"search_default_{node.get('name')}") and node.get("domain"):
                domain = expression.AND([domain, safe_eval(node.get("domain"), values)])
        return model.search(domain)

    def test_company_and_people(self):
        self.assertEqual(len(self.customers), 40)
        self.assertTrue(all(customer.is_company for customer in self.customers))
        # 43 contacts, and the two subsidiaries of 北京远航物流集团 (集团客户)
        self.assertEqual(len(self.customers.child_ids), 45)
        east, south = self._ref("team_east_demo"), self._ref("team_south_demo")
        self.assertEqual(east.user_id, self._ref("user_zhangwei_demo"))
        self.assertEqual(south.user_id, self._ref("user_zhaoqiang_demo"))
        self.assertEqual(self._ref("user_lina_demo").sale_team_id, east)
        self.assertEqual(self.env.ref("base.user_demo").sale_team_id, south)
        for login in ("lina", "zhangwei", "sunli"):
            user = self.env["res.users"].search([("login", "=", login)])
            self.assertEqual(user.lang, "zh_CN", login)
        self.assertEqual(self.env.ref("base.user_demo").lang, "en_US", "Marc Demo works in English")
        self.assertTrue(self._ref("user_sunli_demo").has_group("customer_retention.group_retention_manager"))
        self.assertTrue(self._ref("user_zhangwei_demo").has_group("customer_retention.group_retention_supervisor"))
        self.assertEqual(self.env.ref("base.user_admin").lang, "en_US", "English stays the default language")
        menu = self.env.ref("customer_retention.customer_retention_menu_root").with_context(lang="zh_CN")
        self.assertEqual(menu.name, "客户维护")

    def test_a_chinese_company(self):
        """The demo company works in yuan and on Shanghai time, its users in it only, its customers in Chinese.
        Odoo's demo company keeps its US dollars: its demo journal items forbid a change of currency."""
        self.assertEqual(self.company.name, "上海恒信工业设备服务有限公司")
        self.assertEqual((self.company.currency_id.name, self.company.currency_id.symbol), ("CNY", "¥"))
        self.assertEqual(self.company.partner_id.tz, "Asia/Shanghai")
        self.assertEqual(self.company.country_id, self.env.ref("base.cn"))
        self.assertNotEqual(self.company, self.env.ref("base.main_company"))
        self.assertEqual(self.env.ref("base.main_company").currency_id.name, "USD")
        chinese = self.env["res.users"].browse(
            self._ref(f"user_{login}_demo").id
            for login in ("zhangwei", "zhaoqiang", "sunli", "lina", "wanglei", "liuyang", "zhoumin")
        )
        for user in chinese:
            self.assertEqual(user.tz, "Asia/Shanghai", user.login)
            self.assertEqual((user.company_id, user.company_ids), (self.company, self.company), user.login)
        for user in (self.env.ref("base.user_demo"), self.env.ref("base.user_admin")):
            self.assertEqual((user.tz, user.company_id), ("Asia/Shanghai", self.company), user.login)
        self.assertEqual(set(self.customers.mapped("lang")), {"zh_CN"})
        self.assertEqual(set(self.customers.child_ids.mapped("lang")), {"zh_CN"})
        self.assertEqual(self.customers.company_id, self.company)
        orders = self.env["sale.order"].search([("partner_id", "child_of", self.customers.ids)])
        self.assertEqual(len(orders), 189)
        self.assertEqual((orders.company_id, orders.currency_id), (self.company, self.company.currency_id))
        # the card shows yuan: revenue of the largest customer, ¥ on the card
        huadong = self._ref("partner_huadong_demo").with_env(self._login("lina"))
        self.assertEqual(huadong.retention_currency_id.symbol, "¥")
        self.assertEqual(huadong.retention_revenue_total, 3290000.0)

    def test_odoo_demo_partners_stay_out(self):
        """The data card is per company: Odoo's demo customers have theirs in Odoo's demo company, where their
        orders are. In the demo company they are, like every contact without a quotation there, potential
        customers (潜在客户): the Customers list (its domain and default filter), the orphans and the reports of
        the demo users do not show them."""
        odoo_partners = self.env["res.partner"].browse(self.env.ref(xmlid).id for xmlid in ODOO_DEMO_PARTNERS)
        # Gemini Furniture: a class A customer in the public pool of Odoo's demo company (nobody holds it); in the
        # demo company it has no order: not in its pool
        gemini = self.env.ref("base.res_partner_3")
        in_odoo_company = gemini.with_company(self.env.ref("base.main_company"))
        self.assertEqual((in_odoo_company.retention_abc_class, in_odoo_company.retention_in_pool), ("a", True))
        self.assertEqual((gemini.retention_order_count, gemini.retention_in_pool), (0, False))
        self.assertEqual(set(odoo_partners.mapped("retention_time_class")), {"potential"})
        potential = self.customers.filtered(lambda partner: partner.retention_time_class == "potential")
        orphans = self._ref("partner_wenzhou_demo") | self._ref("partner_jiaxing_demo")
        listed = self.customers - potential
        team = self._ref("user_lina_demo") | self._ref("user_wanglei_demo") | self._ref("user_zhangwei_demo")
        expected = {
            # the Customers menu opens on her own customers, his team's, every customer (the manager)
            "lina": (listed.filtered(lambda partner: partner.user_id == self._ref("user_lina_demo")), 8),
            # (王磊 gave 济南 back to the pool)
            "zhangwei": (listed.filtered(lambda partner: partner.user_id in team), 15),
            "sunli": (listed, 39),
        }
        for login, (mine, count) in expected.items():
            env = self._login(login)
            customers = self._open(env, env["res.partner"]._retention_customers_action())
            self.assertEqual((customers, len(customers)), (mine, count), login)
            orphans_action = env["ir.actions.act_window"]._for_xml_id(
                "customer_retention.res_partner_action_retention_orphans"
            )
            self.assertEqual(self._open(env, orphans_action), orphans, login)
            report = env["retention.report.customer"].search([])
            self.assertFalse(report.partner_id & odoo_partners, login)
            self.assertFalse(report.filtered(lambda line: line.company_id != self.company), login)
            # the today board (今日工作台): every figure that lists customers or their records
            for figure in env["retention.today"]._today_figures():
                records = env[figure["model"]].search(figure["domain"])
                if records._name != "res.partner":
                    records = records["partner_id"] if "partner_id" in records._fields else env["res.partner"]
                self.assertFalse(records.commercial_partner_id - self.customers, (login, figure["key"]))

    def test_public_pool(self):
        """公海: two customers given back, one three days from release (warned), a locked key account, a key
        customer escalated to its supervisor; the pool as a salesperson opens it."""
        lina, zhaoqiang = self._ref("user_lina_demo"), self._ref("user_zhaoqiang_demo")
        pool = self._ref("partner_zhanjiang_demo") | self._ref("partner_jinan_demo")
        env = self._login("lina")
        self.assertEqual(self._open(env, env["res.partner"]._retention_pool_action()), pool)
        history = self.env["retention.owner.history"].search([("partner_id", "in", pool.ids)])
        self.assertEqual(set(history.mapped("kind")), {"return"})
        soon = self._ref("partner_suzhou_nano_demo").with_user(lina)
        self.assertEqual(soon.retention_protection_days_left, 3)
        self.assertTrue(soon.retention_protection_ending)
        warned = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", soon.id),
                ("activity_type_id", "=", self.env.ref("customer_retention.mail_activity_type_protection_ending").id),
            ]
        )
        self.assertEqual(warned.user_id, lina)
        self.assertTrue(self._ref("partner_huadong_demo").retention_locked)
        xiamen = self._ref("partner_xiamen_demo")
        self.assertEqual(xiamen.user_id, self._ref("user_liuyang_demo"), "a key customer is never released")
        escalated = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", xiamen.id),
                ("activity_type_id", "=", self.env.ref("customer_retention.mail_activity_type_escalated").id),
            ]
        )
        self.assertEqual(escalated.user_id, zhaoqiang)
        self.assertEqual(self.env["retention.owner.history"].search([("partner_id", "=", xiamen.id)]).kind, "escalate")

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
        # (厦门鹭岛, a class B customer, is made a key customer by its supervisor: the public pool's escalation)
        self.assertEqual((classes["a"], classes["b"], classes["c"]), (7, 10, 16))
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

    def test_a_group_customer(self):
        """北京远航物流集团 and its two subsidiaries (集团客户): each with its own card and account manager, the
        group's roll-up on the head."""
        head = self._ref("partner_beijing_demo").with_env(self._login("lina"))
        subsidiaries = self._ref("partner_ningbo_demo") | self._ref("partner_lanzhou_demo")
        members = head | subsidiaries.with_env(head.env)
        self.assertEqual(head.retention_group_subsidiary_count, 2)
        self.assertEqual(members.mapped("retention_group_id"), head)
        self.assertAlmostEqual(head.retention_group_revenue_12m, sum(members.mapped("retention_revenue_12m")))
        self.assertAlmostEqual(head.retention_group_revenue_total, sum(members.mapped("retention_revenue_total")))
        self.assertEqual(head.retention_group_abc_class, min(filter(None, members.mapped("retention_abc_class"))))
        levels = ["low", "medium", "high"]
        self.assertEqual(
            head.retention_group_risk_level, max(filter(None, members.mapped("retention_risk_level")), key=levels.index)
        )
        self.assertEqual(len(set(members.mapped("user_id"))), 3, "each company has its own account manager")
        self.assertEqual(subsidiaries.mapped("street"), ["宁波市经济开发区52号", False])

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

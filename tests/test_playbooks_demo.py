from odoo.tests import TransactionCase, tagged


@tagged("retention_demo", "-standard", "-at_install", "post_install")
class TestPlaybooksDemo(TransactionCase):
    """The demo company's playbooks (应对预案): its first night launched the win-back plan on the customers that
    became high risk and the key customer plan on those that became A, each step in its responsible's language;
    合肥科达's win-back is in progress (the call made, the visit and the review to come)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("customer_retention.company_demo")
        cls.win_back = cls.env.ref("customer_retention.mail_activity_plan_win_back")
        cls.key_plan = cls.env.ref("customer_retention.mail_activity_plan_key_customer")
        cls.hefei = cls.env.ref("customer_retention.partner_hefei_demo")
        cls.lina = cls.env.ref("customer_retention.user_lina_demo")
        cls.zhangwei = cls.env.ref("customer_retention.user_zhangwei_demo")

    def test_default_playbooks_of_the_demo_company(self):
        playbooks = self.env["retention.playbook"].search([("company_id", "=", self.company.id)])
        self.assertEqual(
            {(playbook.trigger, playbook.plan_id) for playbook in playbooks},
            {("became_high_risk", self.win_back), ("became_a", self.key_plan)},
        )
        runs = self.env["retention.playbook.run"].search([("company_id", "=", self.company.id)])
        # every customer that became A (by its revenue, or by its supervisor's override), once
        became_a = self.env["retention.class.history"].search(
            [("company_id", "=", self.company.id), ("kind", "=", "abc"), ("new_value", "=", "a")]
        )
        self.assertGreaterEqual(len(became_a.partner_id), 6)
        self.assertEqual(runs.filtered(lambda run: run.trigger == "became_a").class_history_id, became_a)
        self.assertGreaterEqual(len(runs.filtered(lambda run: run.trigger == "became_high_risk")), 3)

    def test_a_win_back_in_progress(self):
        run = self.env["retention.playbook.run"].search(
            [("partner_id", "=", self.hefei.id), ("plan_id", "=", self.win_back.id)]
        )
        self.assertEqual((run.trigger, run.state), ("became_high_risk", "launched"))
        call, visit, review = self.win_back.template_ids.sorted("sequence").with_context(lang="zh_CN")
        # the call is done, with 李娜's feedback in the chatter; the visit and 张伟's review are open, in Chinese
        self.assertEqual(
            {(activity.summary, activity.user_id) for activity in run.activity_ids},
            {(visit.summary, self.lina), (review.summary, self.zhangwei)},
        )
        done = self.hefei.message_ids.filtered(lambda message: "孙海涛" in str(message.body))
        self.assertEqual(done.author_id, self.lina.partner_id)
        self.assertIn(call.summary, str(done.body))
        self.assertEqual(run.with_user(self.lina).open_activity_count, 2)

    def test_each_step_in_its_responsibles_language(self):
        activities = self.env["mail.activity"].search([("retention_playbook_run_id.company_id", "=", self.company.id)])
        self.assertTrue(activities)
        for activity in activities:
            run = activity.retention_playbook_run_id
            steps = run.plan_id.template_ids.with_context(lang=activity.user_id.lang)
            self.assertIn(activity.summary, steps.mapped("summary"), activity.user_id.login)
        self.assertIn("en_US", activities.user_id.mapped("lang"), "Marc Demo reads his steps in English")
        self.assertIn("zh_CN", activities.user_id.mapped("lang"))

from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.retention_playbook import TRIGGERS, RetentionPlaybook
from .common import SALESMAN, RetentionCommon

# every playbook of the tests reads occurrences from here on
START = datetime(2026, 6, 1)
# a trigger occurrence of each kind: (history, kind, old value, new value) or (owner history, kind)
OCCURRENCES = {
    "entered_decline": ("class", "stage", "maturity", "decline"),
    "became_high_risk": ("class", "risk", "medium", "high"),
    "churned": ("class", "stage", "decline", "churned"),
    "became_a": ("class", "abc", "b", "a"),
    "won_back": ("class", "stage", "churned", "growth"),
    "released": ("owner", "release"),
    "escalated": ("owner", "escalate"),
}
ACL_REFUSED = ("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")


@tagged("post_install", "-at_install")
class TestPlaybooks(RetentionCommon):
    """Playbooks (应对预案): each trigger occurrence launches the activity plan of its playbook once, in the
    nightly run, set-based; steps go to the right people, due on the right days, in their language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.Playbook = cls.env["retention.playbook"]
        cls.Run = cls.env["retention.playbook.run"]
        cls.Activity = cls.env["mail.activity"]
        cls.win_back = cls.env.ref("customer_retention.mail_activity_plan_win_back")
        cls.key_plan = cls.env.ref("customer_retention.mail_activity_plan_key_customer")
        # the defaults of the company (high risk → win-back, A → key customer care), and the other triggers on
        # the win-back plan
        defaults = cls.Playbook.search([("company_id", "=", cls.company.id)])
        cls.playbooks = {playbook.trigger: playbook for playbook in defaults}
        for trigger, _label in TRIGGERS:
            if trigger not in cls.playbooks:
                cls.playbooks[trigger] = cls.Playbook.create({"trigger": trigger, "plan_id": cls.win_back.id})
        cls.Playbook.browse(playbook.id for playbook in cls.playbooks.values()).write({"scan_from": START})
        cls.customer = cls._customer("Win-Back Trading", user=cls.salesman_a)

    # --- helpers ---------------------------------------------------------------------------------
    def _occur(self, trigger, partner, when, **move):
        """A trigger occurrence on ``partner`` at ``when``: a class history row or an account manager move."""
        occurrence = OCCURRENCES[trigger]
        with freeze_time(when):
            if occurrence[0] == "owner":
                return (
                    self.env["retention.owner.history"]
                    .sudo()
                    .create(
                        {
                            "partner_id": partner.id,
                            "company_id": self.company.id,
                            "kind": occurrence[1],
                            "from_user_id": move.get("from_user", self.env["res.users"]).id,
                            "to_user_id": move.get("to_user", self.env["res.users"]).id,
                            "user_id": self.env.uid,
                            "reason": "Protection period over",
                        }
                    )
                )
            _source, kind, old, new = occurrence
            self.History._log_changes(
                self.company, [{"partner_id": partner.id, "kind": kind, "old": old, "new": new, "origin": "auto"}]
            )
            return self.History.search([("partner_id", "=", partner.id)], limit=1)

    def _launch(self, when):
        with freeze_time(when):
            return self.Playbook._retention_launch_batch(self.company)[0]

    def _plan_activities(self, partner, plan=None):
        activities = self.Activity.search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id), ("retention_playbook_run_id", "!=", False)]
        )
        return (
            activities.filtered(lambda activity: activity.retention_playbook_run_id.plan_id == plan)
            if plan
            else activities
        )

    def _runs(self, partner):
        return self.Run.search([("partner_id", "=", partner.id)], order="id")

    def test_launches_in_batches_are_those_of_one_go(self):
        """The night launches at most a batch of occurrences per step: the same runs as in one go, and the
        night remembered (``scan_from``) only once every occurrence is recorded."""
        customers = [self._customer(f"Batch Launch {n} Co", user=self.salesman_a) for n in range(5)]
        for n, customer in enumerate(customers):
            self._occur("became_high_risk", customer, datetime(2026, 7, 1, 2, n))
        high_risk = self.playbooks["became_high_risk"]
        calls = []
        with freeze_time(datetime(2026, 7, 1, 20, 0)):
            while not calls or calls[-1][1]:
                calls.append(self.Playbook._retention_launch_batch(self.company, limit=2))
                if calls[-1][1]:
                    self.assertEqual(high_risk.scan_from, START, "not remembered while occurrences are left")
        self.assertEqual([launched for launched, _more in calls], [2, 2, 1])
        self.assertGreater(high_risk.scan_from, START)
        for customer in customers:
            self.assertEqual(self._runs(customer).mapped("state"), ["launched"])
            self.assertEqual(len(self._plan_activities(customer)), len(self.win_back.template_ids))
        self.assertEqual(self._launch(datetime(2026, 7, 1, 21, 0)), 0, "nothing launched twice")

    # --- once per occurrence ---------------------------------------------------------------------
    def test_each_trigger_launches_its_plan_once(self):
        customers = {}
        for trigger in OCCURRENCES:
            customers[trigger] = self._customer(f"Customer {trigger}", user=self.salesman_a)
            self._occur(trigger, customers[trigger], datetime(2026, 7, 1, 2, 0), from_user=self.salesman_a)
        # an occurrence of another company is not this company's
        company_2 = self.env["res.company"].create({"name": "Second Playbook Co"})
        elsewhere = self._customer("Elsewhere Ltd", user=self.salesman_a)
        with freeze_time(datetime(2026, 7, 1, 2, 0)):
            self.History._log_changes(
                company_2,
                [{"partner_id": elsewhere.id, "kind": "risk", "old": "low", "new": "high", "origin": "auto"}],
            )
        self.assertEqual(self._launch(datetime(2026, 7, 1, 20, 0)), len(OCCURRENCES))
        for trigger, customer in customers.items():
            plan = self.key_plan if trigger == "became_a" else self.win_back
            runs = self._runs(customer)
            self.assertEqual((runs.trigger, runs.plan_id, runs.state), (trigger, plan, "launched"), trigger)
            self.assertEqual(runs.playbook_id, self.playbooks[trigger])
            activities = self._plan_activities(customer)
            self.assertEqual(len(activities), len(plan.template_ids), trigger)
            self.assertEqual(activities.retention_playbook_run_id, runs)
            self.assertEqual(sorted(activities.mapped("summary")), sorted(plan.template_ids.mapped("summary")), trigger)
            self.assertIn(plan.name, str(customer.message_ids[:1].body), "the chatter tells the plan started")
        self.assertFalse(self._runs(elsewhere), "the other company's occurrences are its own playbooks'")
        # the night run again, the next night: nothing more
        self.assertEqual(self._launch(datetime(2026, 7, 1, 20, 30)), 0)
        self.assertEqual(self._launch(datetime(2026, 7, 2, 20, 0)), 0)
        for trigger, customer in customers.items():
            self.assertEqual(len(self._runs(customer)), 1, trigger)
            self.assertEqual(len(self._plan_activities(customer)), len(self._runs(customer).plan_id.template_ids))

    def test_a_new_occurrence_launches_again_unless_the_plan_is_open(self):
        self._occur("became_high_risk", self.customer, datetime(2026, 7, 1, 2, 0))
        self._launch(datetime(2026, 7, 1, 20, 0))
        first = self._plan_activities(self.customer)
        self.assertEqual(len(first), 3)
        # high again ten days later while the steps are open: recorded, not launched twice
        self._occur("became_high_risk", self.customer, datetime(2026, 7, 10, 2, 0))
        self._launch(datetime(2026, 7, 10, 20, 0))
        self.assertEqual(self._runs(self.customer).mapped("state"), ["launched", "plan_open"])
        self.assertEqual(self._plan_activities(self.customer), first)
        # all steps done: the next occurrence launches the plan again
        first.action_feedback(feedback="Visited, customer keeps ordering")
        self._occur("became_high_risk", self.customer, datetime(2026, 7, 20, 2, 0))
        self._launch(datetime(2026, 7, 20, 20, 0))
        self.assertEqual(self._runs(self.customer).mapped("state"), ["launched", "plan_open", "launched"])
        second = self._plan_activities(self.customer)
        self.assertEqual(len(second), 3)
        self.assertEqual(min(second.mapped("date_deadline")), date(2026, 7, 21))
        # two triggers of the same plan the same night (decline and churn both start the win-back): one launch
        other = self._customer("Two Triggers Ltd", user=self.salesman_a)
        self._occur("entered_decline", other, datetime(2026, 7, 21, 1, 0))
        self._occur("churned", other, datetime(2026, 7, 21, 3, 0))
        self._launch(datetime(2026, 7, 21, 20, 0))
        self.assertEqual(self._runs(other).mapped("state"), ["launched", "plan_open"])
        self.assertEqual(self._runs(other)[0].trigger, "entered_decline", "the first occurrence launches")
        self.assertEqual(len(self._plan_activities(other)), 3)
        # another plan is another matter: the customer also became A
        self._occur("became_a", other, datetime(2026, 7, 21, 4, 0))
        self._launch(datetime(2026, 7, 21, 21, 0))
        self.assertEqual(len(self._plan_activities(other, self.key_plan)), len(self.key_plan.template_ids))

    @mute_logger("odoo.addons.customer_retention.models.retention_recompute")
    def test_a_crashed_night_launches_next_night_and_only_once(self):
        self._occur("became_high_risk", self.customer, datetime(2026, 7, 1, 2, 0))

        def crash(*args, **kwargs):
            raise RuntimeError("worker killed")

        with freeze_time(datetime(2026, 7, 1, 20, 0)):
            with patch.object(RetentionPlaybook, "_retention_post_launches", crash):
                run = self.Recompute._retention_night(self.company, auto_commit=False)
        self.assertIn("Playbooks: worker killed", run["retention_last_run_error"])
        self.assertFalse(self._runs(self.customer), "nothing half-done is kept")
        self.assertFalse(self._plan_activities(self.customer))
        # the next night launches it, once; a third night does nothing
        for night in (datetime(2026, 7, 2, 20, 0), datetime(2026, 7, 3, 20, 0)):
            with freeze_time(night):
                run = self.Recompute._retention_night(self.company, auto_commit=False)
            self.assertFalse(run["retention_last_run_error"])
        self.assertEqual(self._runs(self.customer).mapped("state"), ["launched"])
        self.assertEqual(len(self._plan_activities(self.customer)), 3)
        # the deadlines still count from the day it happened (1 July, Shanghai time)
        self.assertEqual(min(self._plan_activities(self.customer).mapped("date_deadline")), date(2026, 7, 2))

    def test_inactive_playbook_launches_nothing_and_starts_again_from_now(self):
        playbook = self.playbooks["became_high_risk"]
        playbook.active = False
        self._occur("became_high_risk", self.customer, datetime(2026, 7, 1, 2, 0))
        self._launch(datetime(2026, 7, 1, 20, 0))
        self.assertFalse(self._runs(self.customer))
        with freeze_time(datetime(2026, 7, 2, 9, 0)):
            playbook.active = True
        self.assertEqual(playbook.scan_from, datetime(2026, 7, 2, 9, 0))
        self._launch(datetime(2026, 7, 2, 20, 0))
        self.assertFalse(self._runs(self.customer), "what happened while it was off is not launched")
        self._occur("became_high_risk", self.customer, datetime(2026, 7, 3, 2, 0))
        self._launch(datetime(2026, 7, 3, 20, 0))
        self.assertEqual(self._runs(self.customer).state, "launched")

    # --- who, when, in which language -------------------------------------------------------------
    def test_deadlines_and_responsibles(self):
        # 20:00 UTC on 1 July is 2 July in Shanghai, the company's time zone
        self._occur("became_high_risk", self.customer, datetime(2026, 7, 1, 20, 0))
        self._occur("became_a", self.customer, datetime(2026, 7, 1, 20, 0))
        self._launch(datetime(2026, 7, 1, 21, 0))
        steps = {
            (activity.summary, activity.user_id, activity.date_deadline)
            for activity in self._plan_activities(self.customer)
        }
        call, visit, review = self.win_back.template_ids.sorted("sequence").mapped("summary")
        welcome, key_dates, care_plan, top_visit, qbr = self.key_plan.template_ids.sorted("sequence").mapped("summary")
        self.assertEqual(
            steps,
            {
                (call, self.salesman_a, date(2026, 7, 3)),
                (visit, self.salesman_a, date(2026, 7, 9)),
                (review, self.supervisor_a, date(2026, 7, 16)),
                (welcome, self.salesman_a, date(2026, 7, 5)),
                (key_dates, self.salesman_a, date(2026, 7, 9)),
                (care_plan, self.salesman_a, date(2026, 7, 16)),
                (top_visit, self.supervisor_a, date(2026, 8, 2)),
                (qbr, self.salesman_a, date(2026, 10, 2)),
            },
        )
        notes = self._plan_activities(self.customer).mapped("note")
        self.assertTrue(all("<p>" in note for note in notes), "the steps' notes, as HTML")

    def test_step_with_its_own_responsible_and_before_the_date(self):
        plan = self.env["mail.activity.plan"].create(
            {
                "name": "Churn Review",
                "res_model": "res.partner",
                "template_ids": [
                    Command.create(
                        {
                            "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                            "summary": "Finance checks the receivables",
                            "responsible_type": "other",
                            "responsible_id": self.manager.id,
                            "delay_count": 2,
                            "delay_unit": "weeks",
                            "delay_from": "after_plan_date",
                        }
                    ),
                    Command.create(
                        {
                            "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                            "summary": "Call back (asked at launch: the account manager)",
                            "responsible_type": "on_demand",
                            "delay_count": 1,
                            "delay_from": "before_plan_date",
                        }
                    ),
                ],
            }
        )
        self.playbooks["churned"].plan_id = plan
        self._occur("churned", self.customer, datetime(2026, 7, 1, 2, 0))
        self._launch(datetime(2026, 7, 1, 20, 0))
        steps = {(a.summary, a.user_id, a.date_deadline) for a in self._plan_activities(self.customer)}
        self.assertEqual(
            steps,
            {
                ("Finance checks the receivables", self.manager, date(2026, 7, 15)),
                ("Call back (asked at launch: the account manager)", self.salesman_a, date(2026, 6, 30)),
            },
        )

    def test_pool_and_escalation_go_to_the_supervisor(self):
        # released: nobody holds the customer now; its former holder's supervisor gets every step
        pooled = self._customer("Pooled Trading")
        self._occur("released", pooled, datetime(2026, 7, 1, 2, 0), from_user=self.salesman_b)
        # escalated to the supervisor, nobody holding it
        escalated = self._customer("Escalated Holdings")
        self._occur(
            "escalated", escalated, datetime(2026, 7, 1, 2, 0), from_user=self.salesman_a, to_user=self.supervisor_a
        )
        # escalated but still held: its account manager, and the supervisor's step
        held = self._customer("Held Escalated Co", user=self.salesman_a2)
        self._occur(
            "escalated", held, datetime(2026, 7, 1, 2, 0), from_user=self.salesman_a2, to_user=self.supervisor_a
        )
        # churned with nobody holding it and no move to tell who: nobody to assign
        orphan = self._customer("Nobody's Customer")
        self._occur("churned", orphan, datetime(2026, 7, 1, 2, 0))
        self._launch(datetime(2026, 7, 1, 20, 0))
        self.assertEqual(self._plan_activities(pooled).user_id, self.supervisor_b)
        self.assertEqual(self._plan_activities(escalated).user_id, self.supervisor_a)
        self.assertEqual(
            sorted(self._plan_activities(held).mapped(lambda activity: activity.user_id.login)),
            sorted([self.salesman_a2.login, self.salesman_a2.login, self.supervisor_a.login]),
        )
        self.assertEqual(self._runs(orphan).state, "unassigned")
        self.assertFalse(self._plan_activities(orphan))
        # an account manager who left (archived) is nobody
        leaver = new_test_user(self.env, "ret_pb_leaver", groups=SALESMAN)
        left = self._customer("Left Behind Ltd", user=leaver)
        leaver.action_archive()
        self._occur("became_high_risk", left, datetime(2026, 7, 2, 2, 0))
        self._launch(datetime(2026, 7, 2, 20, 0))
        self.assertEqual(self._runs(left).state, "unassigned")

    def test_the_pools_release_and_escalation_launch_their_playbooks(self):
        """The moves the public pool writes (``retention.pool``): a release to the pool and an escalation."""
        Pool = self.env["retention.pool"]
        released = self._customer("Released Trading", user=self.salesman_b)
        key_account = self._customer("Key Account Holdings", user=self.salesman_a)
        with freeze_time(datetime(2026, 7, 1, 2, 0)):
            Pool._release(self.company, [{"id": released.id}])
            Pool._escalate(
                self.company, [{"id": key_account.id, "name": key_account.name, "end_date": date(2026, 7, 1)}]
            )
        self.assertFalse(released.user_id)
        self._launch(datetime(2026, 7, 1, 20, 0))
        self.assertEqual(self._runs(released).mapped("trigger"), ["released"])
        self.assertEqual(self._plan_activities(released).user_id, self.supervisor_b, "nobody holds it: the supervisor")
        # escalated, still held: the account manager's steps stay his, the review is the supervisor's
        self.assertEqual(self._runs(key_account).mapped("trigger"), ["escalated"])
        self.assertEqual(
            sorted(self._plan_activities(key_account).mapped(lambda activity: activity.user_id.login)),
            sorted([self.salesman_a.login, self.salesman_a.login, self.supervisor_a.login]),
        )

    def test_each_responsible_reads_the_steps_in_their_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.salesman_a.lang = "zh_CN"
        call, visit, review = self.win_back.template_ids.sorted("sequence")
        call.update_field_translations("summary", {"zh_CN": "致电客户：了解采购减少的原因"})
        # the note is translated term by term (its paragraphs)
        note_term = call._fields["note"].get_trans_terms(call.note)[0]
        call.update_field_translations("note", {"zh_CN": {note_term: "先倾听，暂不承诺。"}})
        visit.update_field_translations("summary", {"zh_CN": "上门拜访，提出挽回方案"})
        review.update_field_translations("summary", {"zh_CN": "主管复核：客户是否已挽回"})
        self.win_back.update_field_translations("name", {"zh_CN": "高危客户挽回"})
        self._occur("became_high_risk", self.customer, datetime(2026, 7, 1, 2, 0))
        self._launch(datetime(2026, 7, 1, 20, 0))
        activities = self._plan_activities(self.customer)
        by_user = {user: activities.filtered(lambda a, user=user: a.user_id == user) for user in activities.user_id}
        self.assertEqual(
            sorted(by_user[self.salesman_a].mapped("summary")),
            ["上门拜访，提出挽回方案", "致电客户：了解采购减少的原因"],
        )
        self.assertIn("先倾听", str(by_user[self.salesman_a].filtered(lambda a: a.summary.startswith("致电")).note))
        self.assertEqual(by_user[self.supervisor_a].summary, "Supervisor review: is the customer won back?")
        self.assertIn("高危客户挽回", str(self.customer.message_ids[:1].body), "the chatter line in her language")

    def test_manual_launch_finds_the_account_manager_and_supervisor(self):
        """Odoo's Launch Plan on a customer: the plan's account manager and supervisor steps find them."""
        form = Form(
            self.env["mail.activity.schedule"].with_context(
                active_model="res.partner", active_ids=self.customer.ids, active_id=self.customer.id, plan_mode=True
            )
        )
        form.plan_id = self.win_back
        form.plan_date = date(2026, 7, 1)
        form.save().action_schedule_plan()
        activities = self.Activity.search([("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)])
        self.assertEqual(
            sorted(activities.mapped(lambda activity: activity.user_id.login)),
            sorted([self.salesman_a.login, self.salesman_a.login, self.supervisor_a.login]),
        )

    # --- set-based, and part of the night -----------------------------------------------------------
    def test_query_count_is_flat(self):
        """One customer or fifty, three account managers and their supervisors: the same queries. The budget:
        the company, its cards locked (savepoint, lock, stamp, release), the playbooks and their steps, the
        runs recorded (one INSERT), customers, account managers, teams and their leaders, the steps in the
        responsibles' language, one INSERT per activity type, the plan and trigger names and one INSERT for the
        chatter lines, the night remembered."""
        warm_up = self._customer("Warm-Up Ltd", user=self.salesman_b)
        self._occur("became_high_risk", warm_up, datetime(2026, 6, 30, 2, 0))
        self._launch(datetime(2026, 6, 30, 20, 0))  # Odoo's caches (model ids, selection labels) filled
        batches = {
            1: [self._customer("Alone Ltd", user=self.salesman_a)],
            50: [
                self._customer(f"Crowd {i}", user=(self.salesman_a, self.salesman_a2, self.salesman_b)[i % 3])
                for i in range(50)
            ],
        }
        for day, (size, customers) in enumerate(batches.items(), start=1):
            for customer in customers:
                self._occur("became_high_risk", customer, datetime(2026, 7, day, 2, 0))
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(__system__=24):
                launched = self._launch(datetime(2026, 7, day, 20, 0))
            self.assertEqual(launched, size)
            activities = self.Activity.search(
                [("res_id", "in", [c.id for c in customers]), ("res_model", "=", "res.partner")]
            )
            self.assertEqual(len(activities), 3 * size)

    @mute_logger("odoo.addons.customer_retention.models.retention_recompute")
    def test_failing_playbooks_keep_the_nights_other_steps(self):
        ordered = self._customer("Ordering Co", user=self.salesman_a)
        self._order(ordered, 5000, date(2026, 6, 1))
        # last order in January, never contacted: its contact is overdue
        overdue = self._customer("Overdue Co", user=self.salesman_b)
        self._order(overdue, 100, date(2026, 1, 5))
        self._occur("became_high_risk", self.customer, datetime(2026, 7, 1, 2, 0))

        def failing(*args, **kwargs):
            raise RuntimeError("plan steps unreadable")

        with freeze_time(datetime(2026, 7, 1, 20, 0)):
            with patch.object(RetentionPlaybook, "_retention_plan_activities", failing):
                run = self.Recompute._retention_night(self.company, auto_commit=False)
        self.assertIn("Playbooks: plan steps unreadable", run["retention_last_run_error"])
        self.assertTrue(self.card(ordered).retention_abc_class, "the recompute is kept")
        self.assertTrue(self.History.search([("partner_id", "=", ordered.id)]))
        due = self.Activity.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", overdue.id),
                ("activity_type_id", "=", self.env.ref("customer_retention.mail_activity_type_contact_due").id),
            ]
        )
        self.assertEqual(due.user_id, self.salesman_b, "the reminders are kept")
        self.assertFalse(self._runs(self.customer))

    def test_the_night_launches_what_the_recompute_found(self):
        """The recompute classes a customer A: the same night starts the key customer plan."""
        big = self._customer("Big Buyer Co", user=self.salesman_a)
        self._order(big, 90000, date(2026, 6, 1))
        with freeze_time(datetime(2026, 6, 30, 18, 0)):
            run = self.Recompute._retention_night(self.company, auto_commit=False)
        self.assertFalse(run["retention_last_run_error"])
        self.assertEqual(self.card(big).retention_abc_class, "a")
        self.assertEqual(self._runs(big).filtered(lambda r: r.trigger == "became_a").state, "launched")
        self.assertEqual(len(self._plan_activities(big, self.key_plan)), len(self.key_plan.template_ids))

    # --- set up, checked and guarded ------------------------------------------------------------------
    def test_defaults_for_a_new_company(self):
        company = self.env["res.company"].create({"name": "New Branch Co"})
        playbooks = self.Playbook.search([("company_id", "=", company.id)])
        self.assertEqual(
            {(playbook.trigger, playbook.plan_id) for playbook in playbooks},
            {("became_high_risk", self.win_back), ("became_a", self.key_plan)},
        )
        self.assertFalse(self.win_back.company_id, "the shipped plans are shared")

    def test_playbook_fields_are_checked(self):
        Playbook = self.Playbook.with_user(self.manager)
        self.playbooks["won_back"].unlink()
        other_model = self.env["mail.activity.plan"].create({"name": "Plan review", "res_model": "retention.care.plan"})
        with self.assertRaisesRegex(ValidationError, "must be a customer plan"):
            Playbook.create({"trigger": "won_back", "plan_id": other_model.id})
        company_2 = self.env["res.company"].create({"name": "Other Plans Co"})
        foreign = self.env["mail.activity.plan"].create(
            {"name": "Their plan", "res_model": "res.partner", "company_id": company_2.id}
        )
        with self.assertRaisesRegex(UserError, "(Incompatible companies|belongs to Other Plans Co)"):
            Playbook.create({"trigger": "won_back", "plan_id": foreign.id})
        with self.assertRaisesRegex(UserError, "can only be set by the application"):
            Playbook.create({"trigger": "won_back", "plan_id": self.win_back.id, "scan_from": datetime(2020, 1, 1)})
        with self.assertRaisesRegex(UserError, "can only be set by the application"):
            self.playbooks["churned"].with_user(self.manager).write({"scan_from": datetime(2020, 1, 1)})
        # one playbook per company and trigger
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            Playbook.create({"trigger": "churned", "plan_id": self.key_plan.id})
        # a plan a playbook uses stays a customer plan of its company
        with self.assertRaisesRegex(ValidationError, "must be a customer plan"):
            self.key_plan.res_model = "retention.care.plan"
        with self.assertRaisesRegex(ValidationError, "belongs to Other Plans Co"):
            self.key_plan.company_id = company_2
        # the account manager and supervisor steps are for customer plans only
        with self.assertRaisesRegex(ValidationError, "customer plans only"):
            other_model.template_ids = [
                Command.create({"summary": "Review", "responsible_type": "retention_supervisor"})
            ]
        Playbook.create({"trigger": "won_back", "plan_id": self.key_plan.id})

    def test_access_per_role(self):
        playbook = self.playbooks["became_high_risk"]
        outsider = new_test_user(self.env, "ret_pb_outsider", groups="base.group_user")
        for user in (self.salesman_a, self.supervisor_a, self.manager):
            self.assertEqual(playbook.with_user(user).plan_id, self.win_back, user.login)
        with mute_logger(*ACL_REFUSED):
            with self.assertRaises(AccessError):
                playbook.with_user(outsider).read(["trigger"])
            for user in (self.salesman_a, self.supervisor_a):
                with self.assertRaises(AccessError):
                    playbook.with_user(user).write({"plan_id": self.key_plan.id})
                with self.assertRaises(AccessError):
                    self.Playbook.with_user(user).create({"trigger": "won_back", "plan_id": self.win_back.id})
                with self.assertRaises(AccessError):
                    playbook.with_user(user).unlink()
        playbook.with_user(self.manager).write({"plan_id": self.key_plan.id})
        self.playbooks["won_back"].with_user(self.manager).unlink()
        # another company's playbooks are out of reach
        company_2 = self.env["res.company"].create({"name": "Other Playbooks Co"})
        theirs = self.Playbook.search([("company_id", "=", company_2.id)])
        self.assertEqual(len(theirs), 2)
        self.assertFalse(self.Playbook.with_user(self.manager).search([("id", "in", theirs.ids)]))
        with mute_logger(*ACL_REFUSED), self.assertRaises(AccessError):
            theirs.with_user(self.manager).write({"active": False})
        # managers edit customer plans, not other plans; salespeople edit none
        self.win_back.template_ids[:1].with_user(self.manager).write({"delay_count": 2})
        other_plan = self.env["mail.activity.plan"].create(
            {"name": "Care plan steps", "res_model": "retention.care.plan"}
        )
        with mute_logger(*ACL_REFUSED):
            with self.assertRaises(AccessError):
                other_plan.with_user(self.manager).write({"name": "Taken over"})
            with self.assertRaises(AccessError):
                self.win_back.with_user(self.salesman_a).write({"name": "Mine"})

    def test_launches_read_per_role(self):
        b_customer = self._customer("West Trading", user=self.salesman_b)
        for customer in (self.customer, b_customer):
            self._occur("became_high_risk", customer, datetime(2026, 7, 1, 2, 0))
        self._launch(datetime(2026, 7, 1, 20, 0))
        a_run, b_run = self._runs(self.customer), self._runs(b_customer)
        expected = {
            self.salesman_a: a_run,
            self.salesman_b: b_run,
            self.supervisor_a: a_run,
            self.supervisor_b: b_run,
            self.manager: a_run | b_run,
        }
        for user, runs in expected.items():
            self.assertEqual(self.Run.with_user(user).search([]), runs, user.login)
        self.assertEqual(a_run.with_user(self.salesman_a).open_activity_count, 3)
        with mute_logger(*ACL_REFUSED):
            with self.assertRaises(AccessError):
                b_run.with_user(self.salesman_a).read(["state"])
            for user in (self.salesman_a, self.manager):
                with self.assertRaises(AccessError):
                    a_run.with_user(user).write({"state": "unassigned"})
                with self.assertRaises(AccessError):
                    a_run.with_user(user).unlink()
                with self.assertRaises(AccessError):
                    self.Run.with_user(user).create(
                        {
                            "playbook_id": self.playbooks["churned"].id,
                            "trigger": "churned",
                            "company_id": self.company.id,
                            "partner_id": self.customer.id,
                            "class_history_id": self.History.search([], limit=1).id,
                            "date": datetime(2026, 7, 1),
                            "state": "launched",
                        }
                    )

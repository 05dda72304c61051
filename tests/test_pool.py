import ast
import threading
from contextlib import contextmanager
from datetime import date, timedelta
from types import SimpleNamespace

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import SALESMAN, RaceCommon, RetentionCommon

TODAY = date(2026, 6, 30)
ACCESS_LOGGERS = ("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")


@tagged("post_install", "-at_install")
class TestPool(RetentionCommon):
    """客户归属与公海: protection countdown, release and escalation at night, claim, assignment, return and lock with
    their caps, and the account manager history of every move."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "retention_protect_days_a": 90,
                "retention_protect_days_b": 60,
                "retention_protect_days_c": 30,
                "retention_protect_days_other": 30,
                "retention_protect_days_strategic": 120,
                "retention_protect_warn_days": 7,
                "retention_claim_daily_cap": 2,
                "retention_holding_cap": 0,
                "retention_lock_cap": 1,
                "retention_reclaim_cooldown_days": 30,
            }
        )
        cls.OwnerHistory = cls.env["retention.owner.history"]
        cls.Pool = cls.env["retention.pool"]
        # three customers of salesman A bought on 2026-03-01 (received before): A (big), B, C by revenue
        with freeze_time("2026-01-10"):
            cls.big = cls._customer("Big Buyer Co", user=cls.salesman_a)
            cls.mid = cls._customer("Middle Buyer Co", user=cls.salesman_a)
            cls.small = cls._customer("Small Buyer Co", user=cls.salesman_a)
            cls.pooled = cls._customer("Pool Trading Co")
            cls.pooled_2 = cls._customer("Pool Second Co")
            cls.pooled_3 = cls._customer("Pool Third Co")
        # the day they were received (create_date is the database's clock, not the frozen one)
        (cls.big | cls.mid | cls.small | cls.pooled | cls.pooled_2 | cls.pooled_3).write(
            {"retention_held_since": date(2026, 1, 10)}
        )
        for partner, amount in ((cls.big, 20000), (cls.mid, 1500), (cls.small, 500)):
            cls._order(partner, amount, date(2026, 3, 1))
        cls._order(cls.pooled, 300, date(2026, 2, 1))
        # quoted, never bought: prospects in the pool
        cls._order(cls.pooled_2, 100, date(2026, 2, 1), state="draft")
        cls._order(cls.pooled_3, 100, date(2026, 2, 1), state="draft")
        cls.Recompute._recompute(cls.env.company, TODAY)
        cls.outsider = new_test_user(cls.env, "ret_pool_outsider", groups="base.group_user")

    def _night(self, day):
        with freeze_time(day):
            self.Recompute._cron_recompute()
        self.env.invalidate_all()

    def _moves(self, partner):
        return self.OwnerHistory.search([("partner_id", "=", partner.id)], order="id").mapped("kind")

    def _activities(self, partner, xmlid):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", self.env.ref(xmlid).id),
            ]
        )

    # --- the countdown ---------------------------------------------------------------------------------------
    def test_countdown_by_class_and_follow_up(self):
        """Protected for the days of its class after the latest follow-up or hand-over; a done action check
        restarts it; days left shown on the card, sortable in the list."""
        self.recompute(TODAY)
        big, mid, small = (self.card(p) for p in (self.big, self.mid, self.small))
        self.assertEqual((big.retention_abc_class, mid.retention_abc_class, small.retention_abc_class), ("a", "b", "c"))
        self.assertEqual(big.retention_protection_end, date(2026, 3, 1) + timedelta(days=90))
        self.assertEqual(mid.retention_protection_end, date(2026, 3, 1) + timedelta(days=60))
        self.assertEqual(small.retention_protection_end, date(2026, 3, 1) + timedelta(days=30))
        self.assertFalse(self.card(self.pooled).retention_protection_end, "nobody holds it: no countdown")
        with freeze_time("2026-04-25"):
            self.assertEqual(self.card(self.mid).retention_protection_days_left, 5)
            self.assertTrue(self.card(self.mid).retention_protection_ending)
            # sortable: days left sort as the end they count to
            ordered = self.Partner.search(
                [("id", "in", (self.big | self.mid | self.small).ids)], order="retention_protection_days_left"
            )
            self.assertEqual(ordered, self.small | self.mid | self.big)
            ending = self.Partner.search(
                [("id", "in", (self.big | self.mid | self.small).ids), ("retention_protection_ending", "=", True)]
            )
            self.assertEqual(ending, self.small | self.mid)
        with freeze_time("2026-04-20 10:00"):
            check = (
                self.env["retention.action.check"]
                .with_user(self.salesman_a)
                .create({"partner_id": self.mid.id, "channel": "visit", "action_datetime": "2026-04-20 09:00:00"})
            )
            check.action_done()
        self.assertEqual(self.card(self.mid).retention_protection_end, date(2026, 4, 20) + timedelta(days=60))

    def test_night_warns_releases_escalates(self):
        """A week before the end the holder is warned (once); at the end class B and C customers return to the
        pool with their history, class A and strategic ones are escalated to the supervisor (once), a locked one
        stays."""
        self.mid.with_user(self.supervisor_a).write({"retention_closeness": "strategic"})
        self.recompute(TODAY)
        self._night("2026-03-27")  # small (C) ends 2026-03-31: warned
        warned = self._activities(self.small, "customer_retention.mail_activity_type_protection_ending")
        self.assertEqual(len(warned), 1)
        self.assertEqual(warned.user_id, self.salesman_a)
        self._night("2026-03-28")
        self.assertEqual(
            len(self._activities(self.small, "customer_retention.mail_activity_type_protection_ending")), 1, "once"
        )
        self._night("2026-04-01")
        self.assertFalse(self.small.user_id, "class C: back to the pool")
        self.assertTrue(self.small.retention_in_pool)
        self.assertEqual(self._moves(self.small), ["release"])
        history = self.OwnerHistory.search([("partner_id", "=", self.small.id)])
        self.assertEqual(history.from_user_id, self.salesman_a)
        self.assertIn("Release to Pool", self.small.message_ids[0].body)
        self._night("2026-06-01")  # big (A) ended 2026-05-30
        self.assertEqual(self.big.user_id, self.salesman_a, "class A: never released")
        escalated = self._activities(self.big, "customer_retention.mail_activity_type_escalated")
        self.assertEqual(escalated.user_id, self.supervisor_a)
        self.assertEqual(self._moves(self.big), ["escalate"])
        self._night("2026-06-02")
        self.assertEqual(self._moves(self.big), ["escalate"], "escalated once per protection end")
        self._night("2026-07-01")  # mid is strategic: 120 days, ended 2026-06-29
        self.assertEqual(self.mid.user_id, self.salesman_a)
        self.assertEqual(self._moves(self.mid), ["escalate"])

    def test_release_is_set_based(self):
        """The night releases many customers in a fixed number of statements per holder: twelve customers cost
        the queries three cost. Each is released in full: contacts that followed the holder, activities parked
        with the supervisor, the countdown restarted, a row of history, a line in the chatter, a card refresh."""
        Activity = self.env["mail.activity"]

        def world(count, tag):
            customers = self.Partner.browse()
            for number in range(count):
                customer = self._customer(f"Release {tag} {number}", user=self.salesman_a)
                self.Partner.create({"name": f"Buyer {tag} {number}", "parent_id": customer.id})
                customer.activity_schedule("mail.mail_activity_data_todo", user_id=self.salesman_a.id)
                customers |= customer
            customers.write({"retention_held_since": date(2026, 1, 10), "retention_locked": True})
            customers.child_ids.write({"user_id": self.salesman_a.id})
            return customers

        def release(customers):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.Pool._release(self.company, [{"id": customer.id} for customer in customers])
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        warm, few, many = world(1, "warm"), world(3, "few"), world(12, "many")
        release(warm)  # (the first release looks up and caches the note subtype and the activity type)
        self.assertEqual(release(few), release(many), "as many statements for 12 customers as for 3")
        self.env.invalidate_all()
        for customers in (few, many):
            self.assertFalse(customers.user_id, "back in the pool")
            self.assertFalse(customers.child_ids.user_id, "their contacts followed the holder: they go too")
            self.assertEqual(set(customers.mapped("retention_held_since")), {fields.Date.today()})
            self.assertFalse(any(customers.mapped("retention_locked")))
            parked = Activity.search([("res_model", "=", "res.partner"), ("res_id", "in", customers.ids)])
            self.assertEqual(parked.user_id, self.supervisor_a, "waits with the supervisor")
            self.assertEqual(parked.retention_parked_from_id, self.salesman_a)
            history = self.OwnerHistory.search([("partner_id", "in", customers.ids)])
            self.assertEqual(len(history), len(customers))
            self.assertEqual(set(history.mapped("kind")), {"release"})
            self.assertEqual(history.from_user_id, self.salesman_a)
            self.assertFalse(history.to_user_id)
            for customer in customers:
                self.assertIn("Release to Pool", customer.message_ids[0].body)
                self.assertEqual(customer.message_ids[0].author_id, self.env.user.partner_id)
            queued = self.env["retention.refresh.queue"].sudo().search([("partner_id", "in", customers.ids)])
            self.assertEqual(set(queued.mapped("partner_id").ids), set(customers.ids))

    def test_night_counts_the_companys_day(self):
        """The nightly run counts days in the company's time zone, not the cron's (Odoo's system user is in
        Brussels): at 20:00 UTC on 30 March it is already 31 March in Shanghai, the day class C is released."""
        self.recompute(TODAY)
        self.assertEqual(self.card(self.small).retention_protection_end, date(2026, 3, 31))
        self.company.partner_id.tz = "Europe/London"
        self._night("2026-03-30 20:00")
        self.assertEqual(self.small.user_id, self.salesman_a, "30 March in London: not yet")
        self.company.partner_id.tz = "Asia/Shanghai"
        with freeze_time("2026-03-30 20:00"):
            self.assertEqual(self.company._retention_today(), date(2026, 3, 31))
        self._night("2026-03-30 20:00")
        self.assertFalse(self.small.user_id, "31 March in Shanghai: back to the pool")
        self.assertEqual(self._moves(self.small), ["release"])

    def test_night_writes_in_the_companys_language(self):
        """What the night writes for everyone to read (history reasons, chatter lines) is in the company's
        language, not the cron user's English."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_retention"], ["zh_CN"], overwrite=True)
        self.company.partner_id.lang = "zh_CN"
        self.recompute(TODAY)
        self._night("2026-04-01")
        history = self.OwnerHistory.search([("partner_id", "=", self.small.id)])
        self.assertEqual(history.reason, "保护期内未跟进：已退回公海")
        self.assertIn("保护期内未跟进：已退回公海", str(self.small.message_ids[0].body))

    def test_locked_not_released(self):
        self.recompute(TODAY)
        self.small.with_user(self.salesman_a).action_retention_lock()
        self.assertTrue(self.small.retention_locked)
        self.assertFalse(self.card(self.small).retention_protection_end, "no countdown while locked")
        self.assertEqual(self._moves(self.small), ["lock"])
        with self.assertRaisesRegex(UserError, "may lock 1 at most"):
            self.mid.with_user(self.salesman_a).action_retention_lock()
        self._night("2026-05-01")
        self.assertEqual(self.small.user_id, self.salesman_a)
        self.assertFalse(self.mid.user_id, "class B, not locked: released")
        self.small.with_user(self.supervisor_a).action_retention_unlock()
        self.assertEqual(self._moves(self.small), ["lock", "unlock"])
        with mute_logger(*ACCESS_LOGGERS), self.assertRaises(AccessError):
            self.big.with_user(self.salesman_b).action_retention_lock()

    # --- claims ------------------------------------------------------------------------------------------------
    def test_claim_caps_and_cooldown(self):
        salesman = self.salesman_b
        pool = self.Partner.with_user(salesman).search(
            [("retention_in_pool", "=", True), ("id", "in", (self.pooled | self.pooled_2 | self.pooled_3).ids)]
        )
        self.assertEqual(pool, self.pooled | self.pooled_2 | self.pooled_3)
        with freeze_time("2026-07-01 09:00"):
            self.pooled.with_user(salesman).action_retention_claim()
            self.assertEqual(self.pooled.user_id, salesman)
            self.assertEqual(self.pooled.retention_held_since, date(2026, 7, 1))
            self.assertEqual(self._moves(self.pooled), ["claim"])
            # a plain write of the salesperson over RPC is a claim too: the same cap
            self.pooled_2.with_user(salesman).write({"user_id": salesman.id})
            self.assertEqual(self._moves(self.pooled_2), ["claim"])
            with self.assertRaisesRegex(UserError, "may claim 2 customers a day"):
                self.pooled_3.with_user(salesman).action_retention_claim()
            self.assertFalse(self.pooled_3.user_id)
            with self.assertRaisesRegex(UserError, "no longer in the pool"):
                self.pooled.with_user(self.salesman_a).action_retention_claim()
        with freeze_time("2026-07-02 09:00"):
            self.pooled_3.with_user(salesman).action_retention_claim()  # a new day
            self.env["retention.pool.return"].with_user(salesman).create(
                {"partner_ids": [Command.set(self.pooled.ids)], "reason": "Not my territory"}
            ).action_return()
            self.assertFalse(self.pooled.user_id)
            self.assertEqual(self._moves(self.pooled), ["claim", "return"])
        with freeze_time("2026-07-10 09:00"), self.assertRaisesRegex(UserError, "less than 30 days ago"):
            self.pooled.with_user(salesman).action_retention_claim()
        with freeze_time("2026-07-10 09:00"):
            self.pooled.with_user(self.salesman_a).action_retention_claim()  # someone else may
        self.assertEqual(self.pooled.user_id, self.salesman_a)

    def test_no_way_round_found_by_the_attack(self):
        """What an attack over RPC found (2026-11-30): a salesperson who changes her own time zone does not start
        a new day of claims; an archived customer is not claimed by its id; a contact of a pool customer is not
        taken without its company (that is a claim of the company, under its caps)."""
        salesman = self.salesman_b
        with freeze_time("2026-07-01 09:00"):
            (self.pooled | self.pooled_2).with_user(salesman).action_retention_claim()
        # at 11:00 UTC it is already 2 July in Kiritimati (UTC+14): the company's day still counts two claims
        salesman.tz = "Pacific/Kiritimati"
        with freeze_time("2026-07-01 11:00"), self.assertRaisesRegex(UserError, "may claim 2 customers a day"):
            self.pooled_3.with_user(salesman).action_retention_claim()
        self.assertFalse(self.pooled_3.user_id)
        # an archived customer is in no pool
        self.pooled_3.action_archive()
        with freeze_time("2026-07-05 09:00"), self.assertRaisesRegex(UserError, "not customers of the pool"):
            self.pooled_3.with_user(self.salesman_a).action_retention_claim()
        self.assertFalse(self.pooled_3.with_context(active_test=False).user_id)
        self.pooled_3.action_unarchive()
        # a contact of a pool customer: its salesperson is set by claiming the company
        buyer = self.Partner.create({"name": "Buyer of Pool Third", "parent_id": self.pooled_3.id})
        with self.assertRaisesRegex(UserError, "in the public pool: claim them first"):
            buyer.with_user(self.salesman_a).write({"user_id": self.salesman_a.id})
        self.assertFalse(buyer.user_id)
        # a supervisor may (as for any move out of the pool)
        buyer.with_user(self.supervisor_a).write({"user_id": self.salesman_a.id})
        self.assertEqual(buyer.user_id, self.salesman_a)

    def test_holding_cap_team_override(self):
        self.company.retention_holding_cap = 4  # salesman A holds 3
        with freeze_time("2026-07-01 09:00"):
            self.pooled.with_user(self.salesman_a).action_retention_claim()
            with self.assertRaisesRegex(UserError, "may hold 4 at most"):
                self.pooled_2.with_user(self.salesman_a).action_retention_claim()
            self.team_a.retention_holding_cap = 10
            self.pooled_2.with_user(self.salesman_a).action_retention_claim()
            self.team_a.retention_holding_cap = 5
            # a supervisor's assignment counts against the member's cap too
            wizard = (
                self.env["retention.adoption.wizard"]
                .with_user(self.supervisor_a)
                .create(
                    {"partner_ids": [Command.set(self.pooled_3.ids)], "to_user_id": self.salesman_a.id, "reason": "Fit"}
                )
            )
            with self.assertRaisesRegex(UserError, "may hold 5 at most"):
                wizard.action_reassign()
            wizard.to_user_id = self.salesman_a2
            wizard.action_reassign()
        self.assertEqual(self._moves(self.pooled_3), ["assign"])

    def test_who_may(self):
        """Users outside the retention groups claim nothing; a salesperson returns only her own customers, and
        says why; a salesperson assigns nobody."""
        with mute_logger(*ACCESS_LOGGERS), self.assertRaises(AccessError):
            self.pooled.with_user(self.outsider).action_retention_claim()
        with mute_logger(*ACCESS_LOGGERS), self.assertRaises(AccessError):
            self.env["retention.pool.return"].with_user(self.salesman_b).create(
                {"partner_ids": [Command.set(self.big.ids)], "reason": "Mine now"}
            ).action_return()
        self.assertEqual(self.big.user_id, self.salesman_a)
        with self.assertRaisesRegex(UserError, "Say why"):
            self.env["retention.pool"].with_user(self.salesman_a)._return(self.big, " ")
        with mute_logger(*ACCESS_LOGGERS), self.assertRaises(AccessError):
            self.pooled.with_user(self.salesman_b).write({"user_id": self.salesman_a.id})
        # forged: who holds since when, the lock, the countdown, over RPC
        for vals in (
            {"retention_locked": True},
            {"retention_held_since": "2020-01-01"},
            {"retention_protection_end": "2099-01-01"},
        ):
            with self.assertRaises(UserError):
                self.big.with_user(self.salesman_a).write(vals)
        self.assertFalse(self.big.retention_locked)

    def test_no_way_round(self):
        """What an RPC attack tried (and now gets refused): claiming what is no pool customer, a login that skips
        the checks, an outsider's write, a pool customer taken as a contact or by a merge, another time zone to
        reset the day's claims, a forged reason, a customer created for another team."""
        potential = self._customer("Never Quoted Co")  # no quotation, no order: no pool customer
        self.recompute(TODAY)
        with self.assertRaisesRegex(UserError, "not customers of the pool"):
            potential.with_user(self.salesman_b).action_retention_claim()
        portal_customer = self._customer("Portal Buyer", user=self.salesman_b)
        new_test_user(self.env, "ret_pool_portal", groups="base.group_portal", partner_id=portal_customer.id)
        with mute_logger(*ACCESS_LOGGERS), self.assertRaises(AccessError):
            portal_customer.with_user(self.salesman_a).write({"user_id": self.salesman_a.id})
        with mute_logger(*ACCESS_LOGGERS), self.assertRaises(AccessError):
            self.pooled.with_user(self.outsider).write({"user_id": self.outsider.id})
        self.assertFalse(self.pooled.user_id)
        # a pool customer made a contact of one's own customer, then a company of one's own
        with self.assertRaisesRegex(UserError, "in the public pool"):
            self.pooled.with_user(self.salesman_a).write({"parent_id": self.big.id})
        with mute_logger(*ACCESS_LOGGERS), self.assertRaises(AccessError):
            self.small.with_user(self.salesman_b).write({"parent_id": self.big.id})
        merge = self.env["base.partner.merge.automatic.wizard"].with_user(self.salesman_a)
        with self.assertRaisesRegex(UserError, "in the public pool"):
            merge._merge((self.pooled | self.small).ids, dst_partner=self.small)
        with freeze_time("2026-07-01 09:00"):
            claims = self.Partner.with_user(self.salesman_b).with_context(tz="Pacific/Kiritimati")
            (claims.browse(self.pooled.id) | claims.browse(self.pooled_2.id)).action_retention_claim()
            with self.assertRaisesRegex(UserError, "may claim 2 customers a day"):
                claims.with_context(tz="Etc/GMT+12").browse(self.pooled_3.id).action_retention_claim()
        # a reason sent by the client is not the history's
        self.pooled.with_user(self.supervisor_b).with_context(retention_owner_reason="Approved by the CEO").write(
            {"user_id": False}
        )
        self.assertEqual(
            self.OwnerHistory.search([("partner_id", "=", self.pooled.id)], limit=1).reason, "Changed on the customer"
        )
        with mute_logger(*ACCESS_LOGGERS), self.assertRaises(AccessError):
            self.Partner.with_user(self.salesman_a).create(
                {"name": "For the West", "is_company": True, "user_id": self.salesman_b.id}
            )

    def test_return_and_claim_hand_over(self):
        """What the holder left goes to whoever takes the customer from the pool: open plans, planned checks and
        the activities that waited with the supervisor."""
        todo = self.small.with_user(self.salesman_a).activity_schedule(
            "mail.mail_activity_data_todo", summary="Send the catalogue", user_id=self.salesman_a.id
        )
        check = (
            self.env["retention.action.check"]
            .with_user(self.salesman_a)
            .create({"partner_id": self.small.id, "channel": "phone", "action_datetime": fields.Datetime.now()})
        )
        self.env["retention.pool"].with_user(self.salesman_a)._return(self.small, "Moving to the West team's area")
        todo = todo.sudo()
        self.assertEqual(todo.user_id, self.supervisor_a, "waits with the supervisor")
        self.assertEqual(todo.retention_parked_from_id, self.salesman_a)
        with freeze_time(fields.Date.today() + timedelta(days=1)):
            self.small.with_user(self.salesman_b).action_retention_claim()
        self.assertEqual(todo.user_id, self.salesman_b)
        self.assertFalse(todo.retention_parked_from_id)
        self.assertEqual(check.sudo().user_id, self.salesman_b)
        self.assertEqual(self._moves(self.small), ["return", "claim"])

    def test_pool_screens(self):
        """The Public Pool menu: revenue for supervisors, for salespeople only when the settings allow it."""
        action = self.Partner.with_user(self.salesman_b)._retention_pool_action()
        self.assertFalse(action["context"]["retention_pool_revenue"])
        self.assertTrue(
            self.Partner.with_user(self.supervisor_b)._retention_pool_action()["context"]["retention_pool_revenue"]
        )
        self.company.retention_pool_show_revenue = True
        self.assertTrue(
            self.Partner.with_user(self.salesman_b)._retention_pool_action()["context"]["retention_pool_revenue"]
        )
        domain = ast.literal_eval(action["domain"])
        found = self.Partner.with_user(self.salesman_b).search(domain)
        self.assertIn(self.pooled, found)
        self.assertNotIn(self.big, found)
        board = {
            figure["key"]: figure
            for section in self.env["retention.today"].with_user(self.supervisor_a).get_board()["sections"]
            for figure in section["figures"]
        }
        self.assertIn("pool", board)
        self.assertIn("escalated", board)

    def test_history_is_server_only(self):
        with mute_logger(*ACCESS_LOGGERS), self.assertRaises(AccessError):
            self.OwnerHistory.with_user(self.salesman_a).create(
                {
                    "partner_id": self.big.id,
                    "company_id": self.company.id,
                    "kind": "claim",
                    "reason": "x",
                    "user_id": self.salesman_a.id,
                }
            )


@tagged("post_install", "-at_install")
class TestPoolRaces(RaceCommon):
    """Two claims at the same moment, on two cursors with committed data (``TestRaces``'s way): the caps hold."""

    @contextmanager
    def _pool(self):
        """Two salespeople and three pool customers (prospects: an open quotation each), a claim cap of 1 a
        day, committed; removed afterwards (``RaceCommon._committed_world``)."""

        def build(env):
            cap_was = env.company.retention_claim_daily_cap
            env.company.retention_claim_daily_cap = 1
            users = [new_test_user(env, f"ret_pool_race_{n}", groups=SALESMAN) for n in (1, 2)]
            customers = env["res.partner"].create(
                [{"name": f"Pool Race {n} Co", "is_company": True} for n in (1, 2, 3)]
            )
            orders = env["sale.order"].create([{"partner_id": customer.id} for customer in customers])
            env["retention.recompute"]._recompute(env.company)
            return SimpleNamespace(
                users=[user.id for user in users],
                customers=customers.ids,
                names=customers.mapped("name"),
                orders=orders.ids,
                cap_was=cap_was,
            )

        def remove(env, ids):
            env.company.retention_claim_daily_cap = ids.cap_was
            env.execute_query(SQL("DELETE FROM retention_owner_history WHERE partner_id = ANY(%s)", ids.customers))
            env.execute_query(SQL("DELETE FROM retention_refresh_queue WHERE partner_id = ANY(%s)", ids.customers))
            env["sale.order"].browse(ids.orders).unlink()
            env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "in", ids.customers)]).unlink()
            env["res.partner"].browse(ids.customers).unlink()
            self._remove_users(env, ids.users)

        # the cards' monthly trend and the recompute's run are kept per company, not per customer
        with self._committed_world(build, remove, kept_tables=("retention_card_trend",)) as ids:
            yield ids

    def _claims(self, uids, customer_ids):
        """Each user's transaction claims its customer (the same one on Odoo's retry)."""
        chosen, lock = {}, threading.Lock()

        def claim(env):
            with lock:
                if threading.get_ident() not in chosen:
                    chosen[threading.get_ident()] = customer_ids[len(chosen)]
                customer = chosen[threading.get_ident()]
            return env["retention.pool"]._claim(env["res.partner"].browse(customer))

        return self._race(uids, claim)

    def _claimed(self, ids):
        with self._committed() as env:
            return env["retention.owner.history"].search_count(
                [("partner_id", "in", ids.customers), ("kind", "=", "claim")]
            )

    def assertOneRefused(self, outcomes, message):
        refused = [outcome for outcome in outcomes if outcome.error]
        self.assertEqual(len(refused), 1, outcomes)
        self.assertIsInstance(refused[0].error, UserError)
        self.assertRegex(refused[0].error.args[0], message)
        # PostgreSQL stopped it on the row the other one wrote, and Odoo's retry then met the check
        self.assertTrue(refused[0].failures, "refused without waiting for the other claim")

    def test_daily_cap_under_two_claims(self):
        """One salesperson claims two customers at the same moment with one claim left today: one passes, the
        other is refused by the cap once Odoo's retry sees the first."""
        with self._pool() as ids:
            user = ids.users[0]
            outcomes = self._claims([user, user], ids.customers[:2])
            self.assertOneRefused(outcomes, "1")
            self.assertEqual(self._claimed(ids), 1)

    def test_same_customer_two_salespeople(self):
        """Two salespeople claim the same customer at the same moment: one holds it, the other is told."""
        with self._pool() as ids:
            outcomes = self._claims(ids.users, [ids.customers[2], ids.customers[2]])
            self.assertOneRefused(outcomes, ids.names[2])
            self.assertEqual(self._claimed(ids), 1)

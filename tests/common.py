import threading
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from unittest.mock import patch

from psycopg2 import OperationalError

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import new_test_user
from odoo.tools import SQL, mute_logger

from odoo.addons.base.tests.common import BaseCommon

SALESMAN = "base.group_partner_manager,sales_team.group_sale_salesman"
SUPERVISOR = SALESMAN + ",customer_retention.group_retention_supervisor"
MANAGER = SALESMAN + ",customer_retention.group_retention_manager"
# what a user's click has: tracking on (the tests' default environment turns it off)
TRACKING = {"tracking_disable": False, "mail_notrack": False}


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

    @contextmanager
    def assertRaisesRegex(self, exception, regex):
        """Like Odoo's assertRaises, roll back what the failing call wrote (unittest's does not)."""
        with super().assertRaisesRegex(exception, regex), self.env.cr.savepoint():
            yield

    def assertRefusedUntouched(self, attempt, regex, tables):
        """``attempt`` raises a ValidationError matching ``regex`` before it wrote anything: the ``tables`` hold
        what they held, and nothing is left in the cache to write (a flush would write it)."""

        def snapshot():
            self.env.flush_all()
            return [
                self.env.execute_query(
                    SQL("SELECT COUNT(*), md5(string_agg(t::text, ',' ORDER BY t.id)) FROM %s t", SQL.identifier(table))
                )
                for table in tables
            ]

        # an unexpected error (a database one among them) leaves the transaction usable for the other checks
        with self.env.cr.savepoint():
            before = snapshot()
            try:
                attempt()
            except ValidationError as error:
                self.assertRegex(str(error), regex)
            else:
                self.fail(f"accepted, where {regex!r} was expected")
            self.assertEqual(snapshot(), before, "written before being refused")

    def recompute(self, today=None, companies=None):
        return self.Recompute._recompute(companies or self.env.company, today or self.TODAY)

    def card(self, partner, company=None):
        """The partner re-read from the database, in ``company``."""
        partner.invalidate_recordset()
        return partner.with_company(company or self.env.company)


class ProfileCommon(RetentionCommon):
    """A customer of salesman A (team East, supervisor A) with a confidential profile, and one user per way
    of holding a borrowing: requested only, open now, ended (still 'approved': no cron has run)."""

    TABOO = "Never give a clock as a gift"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Profile = cls.env["retention.profile"]
        cls.Borrowing = cls.env["retention.borrowing"]
        cls.Log = cls.env["retention.access.log"]
        cls.customer = cls._customer("Confidential Trading Co", user=cls.salesman_a)
        cls.contact = cls.Partner.create(
            {"name": "Mr. Wang", "parent_id": cls.customer.id, "user_id": cls.salesman_a.id}
        )
        cls.profile = cls.Profile.create(
            {
                "partner_id": cls.customer.id,
                "basic_traits": "Chairman, 58, engineer by training",
                "taboos": cls.TABOO,
                "preferences": "Pu'er tea, golf on Saturdays",
                "beliefs": "Buddhist; avoids the number four",
                "life_background": "Grew up in Wenzhou",
                "key_date_ids": [Command.create({"name": "Chairman's birthday", "date": date(1968, 3, 8)})],
            }
        )
        cls.key_date = cls.profile.key_date_ids
        cls.borrower_before = new_test_user(cls.env, "ret_borrow_before", groups=SALESMAN)
        cls.borrower_during = new_test_user(cls.env, "ret_borrow_during", groups=SALESMAN)
        cls.borrower_after = new_test_user(cls.env, "ret_borrow_after", groups=SALESMAN)
        cls.pending = cls._borrow(cls.borrower_before)
        cls.current = cls._borrow(cls.borrower_during)
        cls.current.with_user(cls.supervisor_a).action_approve()
        cls.ended = cls._borrow(cls.borrower_after)
        cls.ended.with_user(cls.supervisor_a).action_approve()
        # an approval of last month, long over; the state still says approved
        cls.ended.sudo().write({"date_start": datetime(2026, 10, 1, 9, 0), "date_end": datetime(2026, 10, 8, 9, 0)})
        cls.company_2 = cls.env["res.company"].create({"name": "Other Company"})
        cls.other_company_manager = new_test_user(
            cls.env,
            "ret_c2_manager",
            groups=MANAGER,
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.portal = new_test_user(cls.env, "ret_portal", groups="base.group_portal")

    @classmethod
    def _borrow(cls, user, partner=None, days=3, reason="Banquet with the chairman next week"):
        return cls.Borrowing.with_user(user).create(
            {"partner_id": (partner or cls.customer).id, "reason": reason, "duration_days": days}
        )


class CareCommon(RetentionCommon):
    """A key customer of salesman A, with a contact, and care plans built the way the form builds them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Plan = cls.env["retention.care.plan"]
        cls.Check = cls.env["retention.action.check"]
        cls.customer = cls._customer("Key Account Co", user=cls.salesman_a)
        cls.contact = cls.Partner.create({"name": "Mr. Li", "parent_id": cls.customer.id})

    def _plan(self, user=None, date_start="2026-07-01", date_end="2026-12-31", **vals):
        """A plan of salesman A for the customer; its lines fall in the period."""
        start = fields.Date.to_date(date_start)
        values = {
            "partner_id": self.customer.id,
            "date_start": date_start,
            "date_end": date_end,
            "situation": "Biggest customer in the East, new purchasing director",
            "target_ids": [
                Command.create(
                    {
                        "product_id": self.product.id,
                        "name": "Annual maintenance",
                        "expected_date": start + timedelta(days=91),
                        "expected_amount": 50000,
                        "expected_profit": 12000,
                    }
                )
            ],
            "obstacle_ids": [Command.create({"name": "Competitor offers 10 % less", "importance": "1"})],
            "action_ids": [
                Command.create({"name": "Visit the chairman", "date": start + timedelta(days=14)}),
                Command.create(
                    {"name": "Plant tour", "date": start + timedelta(days=50), "owner_id": self.salesman_a2.id}
                ),
            ],
            "contact_ids": [Command.create({"contact_id": self.contact.id, "support": "supporter"})],
        }
        plans = self.Plan.with_user(user or self.salesman_a).with_context(**TRACKING)
        return plans.create({**values, **vals})

    def _end_transaction(self):
        """What a click's commit does: write the tracking of the changes (one line per transition)."""
        self.env.flush_all()
        self.env.cr.flush()

    def _activities(self, record):
        return self.env["mail.activity"].search([("res_model", "=", record._name), ("res_id", "=", record.id)])


class RaceCommon(BaseCommon):
    """Two transactions at the same moment, as two users' RPC calls: each on a cursor of its own, on data committed
    for them (this test's transaction holds nothing they need) and removed afterwards."""

    @contextmanager
    def _committed(self):
        """An environment on a cursor of its own, committed when the block ends."""
        with self.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '30s'")
            yield api.Environment(cr, SUPERUSER_ID, {})

    def _committed_rows(self):
        """{table: rows} of the committed database."""
        with self._committed() as env:
            tables = [
                name
                for (name,) in env.execute_query(SQL("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            ]
            counts = SQL(" UNION ALL ").join(
                SQL("SELECT %s, COUNT(*) FROM %s", table, SQL.identifier(table)) for table in tables
            )
            return dict(env.execute_query(counts))

    @contextmanager
    def _committed_world(self, build, remove, kept_tables=()):
        """The world of a race: ``build(env)`` makes it on a committed cursor, in a database with Chinese (the
        races run in Chinese), without invitation e-mails or creation messages (less to remove), and returns it;
        it is yielded; ``remove(env, world)`` removes it on a committed cursor. Then the bus notifications and
        cron wake-ups of the races are deleted, Chinese is switched off again if it was, and the database is
        checked to hold the rows it held before (``kept_tables`` aside)."""
        before = self._committed_rows()
        quiet = {"no_reset_password": True, "mail_create_nolog": True, "tracking_disable": True}
        with self._committed() as setup:
            env = setup(context=quiet)
            bus = env.execute_query(SQL("SELECT COALESCE(MAX(id), 0) FROM bus_bus"))[0][0]
            trigger = env.execute_query(SQL("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger"))[0][0]
            chinese = env["res.lang"].with_context(active_test=False).search([("code", "=", "zh_CN")])
            chinese_was_active, chinese = chinese.active, chinese.id
            env["res.lang"]._activate_lang("zh_CN")
            world = build(env)
        try:
            yield world
        finally:
            with self._committed() as setup:
                env = setup(context=quiet)
                remove(env, world)
                if not chinese_was_active:
                    env["res.lang"].browse(chinese).active = False
            with self._committed() as env:  # the notifications of the races and of the removal above
                env.execute_query(SQL("DELETE FROM bus_bus WHERE id > %s", bus))
                env.execute_query(SQL("DELETE FROM ir_cron_trigger WHERE id > %s", trigger))
        after = self._committed_rows()
        changed = {table: (count, after.get(table)) for table, count in before.items() if after.get(table) != count}
        for table in kept_tables:
            changed.pop(table, None)
        self.assertEqual(changed, {}, "the race left rows behind")

    @staticmethod
    def _remove_users(env, user_ids):
        users = env["res.users"].browse(user_ids)
        partners = users.partner_id
        users.unlink()
        partners.unlink()

    def _race(self, uids, attempt):
        """Two transactions, as two users' RPC calls at the same moment: each takes its snapshot, waits for the
        other, runs ``attempt(env)`` in Chinese and commits, through Odoo's ``retrying`` (a concurrency error
        is retried, any other error rolls back). Returns what each got: ``result`` (the ids created) or
        ``error``, and the ``failures`` that made ``retrying`` try again."""
        barrier = threading.Barrier(len(uids), timeout=60)
        outcomes = [SimpleNamespace(result=None, error=None, failures=[]) for uid in uids]

        def call(env, outcome):
            env.cr.execute("SET LOCAL lock_timeout = '30s'")  # a lock this test's transaction holds fails the test
            try:
                return attempt(env).ids
            except OperationalError as exc:
                outcome.failures.append(exc)
                raise

        def run(outcome, uid):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, uid, {"lang": "zh_CN"})
                    cr.execute("SELECT 1")  # the snapshot: taken before either transaction commits
                    barrier.wait()
                    outcome.result = retrying(lambda: call(env, outcome), env)
            except Exception as exc:  # the outcome of the call, whatever it is
                outcome.error = exc

        threads = [threading.Thread(target=run, args=args) for args in zip(outcomes, uids, strict=True)]
        # the test runner holds the registry lock while tests run: the two threads go without it, as the HTTP
        # threads of Odoo's test mode do
        # (PostgreSQL may stop one of two inserts waiting on each other's row as a deadlock: Odoo logs that query)
        with patch.object(Registry, "_lock", DummyRLock()), mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertFalse(any(thread.is_alive() for thread in threads), "a transaction is stuck")
        return outcomes

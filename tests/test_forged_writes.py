"""Only the server changes state: every role tries create, write, copy, copy_data, unlink, load and Odoo's
standard wizards with forged values for the protected fields of every model, as a JSON-RPC client could.
Each attempt must be refused and leave nothing behind."""

from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.customer_retention.models.dates import week_start

from .common import ProfileCommon

# AccessError and ValidationError are UserErrors: any refusal the user reads
REFUSED = UserError

# the tables an attempt could leave something in
TABLES = (
    "retention_borrowing",
    "retention_profile",
    "retention_key_date",
    "retention_care_plan",
    "retention_care_plan_action",
    "retention_care_plan_target",
    "retention_action_check",
    "retention_card_review",
    "retention_access_log",
    "retention_owner_history",
    "retention_class_history",
    "retention_card_trend",
)


@tagged("post_install", "-at_install")
class TestForgedWrites(ProfileCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Plan = cls.env["retention.care.plan"]
        cls.Check = cls.env["retention.action.check"]
        cls.Review = cls.env["retention.card.review"]
        cls.b_customer = cls._customer("West Coast Trading", user=cls.salesman_b)
        cls.a_other = cls._customer("East Second Account", user=cls.salesman_a)
        cls.other_profile = cls.Profile.create({"partner_id": cls.a_other.id, "taboos": "Other taboo"})
        cls.plan = cls.Plan.with_user(cls.salesman_a).create(
            {
                "partner_id": cls.customer.id,
                "date_start": "2026-07-01",
                "date_end": "2026-12-31",
                "action_ids": [Command.create({"name": "Visit the chairman", "date": "2026-07-15"})],
                "target_ids": [Command.create({"name": "Maintenance", "product_id": cls.product.id})],
            }
        )
        cls.b_plan = cls.Plan.with_user(cls.salesman_b).create(
            {
                "partner_id": cls.b_customer.id,
                "date_start": "2026-07-01",
                "date_end": "2026-12-31",
                "action_ids": [Command.create({"name": "Dinner with the buyer", "date": "2026-07-20"})],
            }
        )
        cls.check = cls.Check.with_user(cls.salesman_a).create(
            {"partner_id": cls.customer.id, "action_datetime": datetime(2026, 7, 10, 10, 0)}
        )
        cls.roles = {
            "owner": cls.salesman_a,
            "teammate": cls.salesman_a2,
            "other team": cls.salesman_b,
            "borrower before": cls.borrower_before,
            "borrower during": cls.borrower_during,
            "borrower after": cls.borrower_after,
            "supervisor": cls.supervisor_a,
            "other supervisor": cls.supervisor_b,
            "manager": cls.manager,
            "other company": cls.other_company_manager,
            "portal": cls.portal,
        }

    # --- helpers ------------------------------------------------------------------------------------
    def _snapshot(self):
        self.env.flush_all()
        digest = {}
        for table in TABLES:
            digest[table] = self.env.execute_query(
                SQL("SELECT COUNT(*), md5(string_agg(t::text, ',' ORDER BY t.id)) FROM %s t", SQL.identifier(table))
            )[0]
        digest["partners"] = self.env.execute_query(
            SQL(
                """SELECT md5(string_agg(concat_ws('|', id, user_id, retention_abc_class, retention_lifecycle_stage,
                                                   retention_risk_level, retention_risk_score,
                                                   retention_last_contact_date, retention_abc_override,
                                                   retention_abc_override_reason, retention_group_id,
                                                   retention_group_revenue_12m), ',' ORDER BY id))
                     FROM res_partner"""
            )
        )[0]
        digest["followers"] = self.env.execute_query(
            SQL("SELECT COUNT(*) FROM mail_followers WHERE res_model LIKE 'retention.%%'")
        )[0]
        return digest

    def assertRefused(self, attempt, label):
        """``attempt`` raises one of the refusals, and the database is as before."""
        before = self._snapshot()
        with self.subTest(attempt=label), mute_logger("odoo.addons.base.models.ir_rule", "odoo.models"):
            with self.assertRaises(REFUSED):
                attempt()
            self.assertEqual(self._snapshot(), before, f"{label} left something behind")

    def _as_every_role(self, label, attempt, roles=None):
        for role in roles or self.roles:
            user = self.roles[role]
            self.assertRefused(lambda user=user: attempt(user), f"{label} as {role}")

    # --- borrowings ---------------------------------------------------------------------------------
    def test_borrowing_is_never_forged(self):
        forged = {
            "state": "approved",
            "date_start": fields.Datetime.to_string(datetime(2026, 1, 1)),
            "date_end": "2099-12-31 00:00:00",
            "decided_by_id": self.supervisor_a.id,
        }
        for fname, value in forged.items():
            self._as_every_role(
                f"borrowing created with {fname}",
                lambda user, fname=fname, value=value: self.Borrowing.with_user(user).create(
                    {"partner_id": self.customer.id, "reason": "Visit", "duration_days": 2, fname: value}
                ),
            )
        # a default in the context is no way round: the request is an ordinary one
        context = {f"default_{fname}": value for fname, value in forged.items()}
        borrowing = (
            self.Borrowing.with_user(self.salesman_b)
            .with_context(**context)
            .create({"partner_id": self.customer.id, "reason": "Visit", "duration_days": 2})
        )
        self.assertEqual(borrowing.state, "requested")
        self.assertFalse(borrowing.date_end or borrowing.decided_by_id or borrowing.is_current)
        self.assertFalse(self.Profile.with_user(self.salesman_b).search([]))
        # nobody writes, copies or deletes a borrowing
        for role, user in self.roles.items():
            for label, attempt in (
                ("write the end", lambda user=user: self.current.with_user(user).write({"date_end": "2099-01-01"})),
                ("write the state", lambda user=user: self.pending.with_user(user).write({"state": "approved"})),
                ("copy", lambda user=user: self.current.with_user(user).copy()),
                ("unlink", lambda user=user: self.current.with_user(user).unlink()),
            ):
                self.assertRefused(attempt, f"borrowing: {label} as {role}")
        # an import is a create
        result = self.Borrowing.with_user(self.salesman_b).load(
            ["partner_id/.id", "reason", "duration_days", "state"], [[str(self.customer.id), "Visit", "2", "approved"]]
        )
        self.assertFalse(result["ids"])
        self.assertFalse(self.Borrowing.search([("user_id", "=", self.salesman_b.id), ("state", "=", "approved")]))

    # --- profiles and key dates ---------------------------------------------------------------------
    def test_profile_is_never_copied_or_moved(self):
        for role in ("borrower during", "owner", "supervisor", "manager"):
            user = self.roles[role]
            for label, attempt in (
                ("copy", lambda user=user: self.profile.with_user(user).copy({"partner_id": self.a_other.id})),
                ("copy_data", lambda user=user: self.profile.with_user(user).copy_data()),
                ("copy a key date", lambda user=user: self.key_date.with_user(user).copy()),
                ("copy_data of a key date", lambda user=user: self.key_date.with_user(user).copy_data()),
            ):
                self.assertRefused(attempt, f"profile: {label} as {role}")
        self.assertFalse(self.Log.search([("user_id", "=", self.borrower_during.id), ("action", "=", "open")]))
        for role, user in self.roles.items():
            for label, attempt in (
                ("move it", lambda user=user: self.profile.with_user(user).write({"partner_id": self.b_customer.id})),
                ("change its company", lambda user=user: self.profile.with_user(user).write({"company_id": 1})),
                (
                    "move a key date",
                    lambda user=user: self.key_date.with_user(user).write({"profile_id": self.other_profile.id}),
                ),
                (
                    "move a key date through its customer",
                    lambda user=user: self.key_date.with_user(user).write({"partner_id": self.b_customer.id}),
                ),
                (
                    "follow it",
                    lambda user=user: self.profile.with_user(user).message_subscribe(partner_ids=user.partner_id.ids),
                ),
            ):
                if role in ("supervisor", "owner", "manager") and label == "follow it":
                    continue  # keepers follow
                self.assertRefused(attempt, f"profile: {label} as {role}")
        self.assertEqual(self.profile.partner_id, self.customer)
        self.assertEqual(self.key_date.profile_id, self.profile)
        # a keeper may not subscribe a borrower either
        self.assertRefused(
            lambda: self.profile.with_user(self.salesman_a).message_subscribe(
                partner_ids=self.borrower_during.partner_id.ids
            ),
            "owner subscribes a borrower",
        )
        # creating a profile on someone else's customer
        a_third = self._customer("East Third Account", user=self.salesman_a)
        for role in ("other team", "teammate", "borrower during", "other supervisor", "portal"):
            self.assertRefused(
                lambda role=role: self.Profile.with_user(self.roles[role]).create({"partner_id": a_third.id}),
                f"profile created on another's customer as {role}",
            )

    def test_profile_with_history_is_archived_not_deleted(self):
        with self.assertRaisesRegex(UserError, "Archive it"):
            self.profile.with_user(self.manager).unlink()
        self.assertTrue(self.profile.exists())
        self.profile.with_user(self.manager).action_archive()
        self.assertFalse(self.profile.active)
        self.assertGreaterEqual(self.Log.search_count([("profile_id", "=", self.profile.id)]), 5)
        # without history a manager deletes it, and an owner never does
        self.assertRefused(lambda: self.other_profile.with_user(self.salesman_a).unlink(), "owner deletes a profile")
        self.other_profile.with_user(self.manager).unlink()
        self.assertFalse(self.other_profile.exists())

    def test_borrower_never_follows_and_loses_activities(self):
        profile = self.profile
        profile.message_subscribe(partner_ids=self.salesman_a.partner_id.ids)
        # the system itself never subscribes someone who does not keep the profile
        profile.sudo()._message_subscribe(partner_ids=self.borrower_during.partner_id.ids)
        self.assertNotIn(self.borrower_during.partner_id, profile.message_partner_ids)
        self.current.with_user(self.borrower_during).action_revoke()
        self.assertNotIn(self.borrower_during.partner_id, profile.message_partner_ids)

    # --- the card on the customer -------------------------------------------------------------------
    def test_card_fields_are_the_systems(self):
        forged = {
            "retention_abc_class": "a",
            "retention_lifecycle_stage": "maturity",
            "retention_risk_level": "low",
            "retention_risk_score": 0,
            "retention_last_contact_date": "2026-06-29",
            "retention_next_contact_date": "2027-06-29",
            "retention_revenue_12m": 1e9,
            "retention_inputs_key": "x",
            "retention_recheck_date": "2099-01-01",
            # group customers (集团客户): the group and its roll-up are the recompute's
            "retention_group_id": self.a_other.id,
            "retention_group_revenue_12m": 1e9,
            "retention_group_abc_class": "a",
        }
        for fname, value in forged.items():
            self._as_every_role(
                f"card: write {fname}",
                lambda user, fname=fname, value=value: self.customer.with_user(user).write({fname: value}),
                roles=("owner", "supervisor", "manager", "other team", "portal"),
            )
            self._as_every_role(
                f"card: create with {fname}",
                lambda user, fname=fname, value=value: self.Partner.with_user(user).create(
                    {"name": "Forged Ltd", "is_company": True, fname: value or 1}
                ),
                roles=("owner", "supervisor", "manager"),
            )
        result = self.Partner.with_user(self.manager).load(
            ["name", "retention_abc_class"], [["Imported Forged Ltd", "a"]]
        )
        self.assertFalse(result["ids"])
        self.assertFalse(self.Partner.search([("name", "=", "Imported Forged Ltd")]))
        # a duplicate of a customer starts without a card and without overrides
        self.customer.write({"retention_abc_override": "a", "retention_abc_override_reason": "HQ"})
        copy = self.customer.with_user(self.salesman_a).copy()
        self.assertFalse(copy.retention_abc_class or copy.retention_abc_override)

    def test_override_needs_the_right_and_a_reason_everywhere(self):
        Partner = self.Partner.with_user(self.supervisor_a)
        with self.assertRaisesRegex(ValidationError, "needs a reason"):
            Partner.create({"name": "No Reason Ltd", "is_company": True, "retention_abc_override": "a"})
        self.assertRefused(
            lambda: self.Partner.with_user(self.salesman_a).create(
                {
                    "name": "Salesman Override Ltd",
                    "is_company": True,
                    "retention_abc_override": "a",
                    "retention_abc_override_reason": "I say so",
                }
            ),
            "salesperson creates with an override",
        )
        result = Partner.load(["name", "is_company", "retention_stage_override"], [["Imported Ltd", "1", "growth"]])
        self.assertFalse(result["ids"])
        self.assertIn("needs a reason", str(result["messages"]))
        # given with its reason at creation, the override is history like any other
        customer = Partner.create(
            {
                "name": "Group HQ Ltd",
                "is_company": True,
                "retention_abc_override": "a",
                "retention_abc_override_reason": "Group headquarters",
            }
        )
        self.assertEqual(customer.retention_abc_class, "a")
        history = self.History.search([("partner_id", "=", customer.id)])
        self.assertEqual(history.mapped("origin"), ["manual"])
        self.assertEqual(history.reason, "Group headquarters")
        # the reason stays while the override holds; a salesperson cannot change it
        with self.assertRaisesRegex(ValidationError, "needs a reason"):
            customer.write({"retention_abc_override_reason": " "})
        self.assertRefused(
            lambda: customer.with_user(self.salesman_a).write({"retention_abc_override_reason": "Other"}),
            "salesperson rewrites the reason",
        )
        customer.write({"retention_abc_override": False})
        self.assertFalse(customer.retention_abc_override_reason)

    # --- the account manager ------------------------------------------------------------------------
    def test_nobody_takes_someone_elses_customer(self):
        for role in ("other team", "teammate", "borrower during", "other supervisor", "portal"):
            user = self.roles[role]
            self.assertRefused(
                lambda user=user: self.customer.with_user(user).write({"user_id": user.id}),
                f"take the customer as {role}",
            )
            result = self.Partner.with_user(user).load([".id", "user_id/.id"], [[str(self.customer.id), str(user.id)]])
            self.assertFalse(result["ids"], f"import of the account manager as {role}")
        self.assertRefused(
            lambda: self.customer.with_user(self.salesman_a).write({"user_id": self.salesman_a2.id}),
            "the owner gives the customer away",
        )
        self.assertRefused(
            lambda: self.customer.with_user(self.supervisor_a).write({"user_id": self.salesman_b.id}),
            "the supervisor gives it to another team",
        )
        self.assertEqual(self.customer.user_id, self.salesman_a)
        self.assertFalse(self.env["retention.owner.history"].search([]))

    def test_supervisor_reassigns_and_the_profile_follows(self):
        profile = self.profile
        profile.message_subscribe(partner_ids=self.salesman_a.partner_id.ids)
        key_activity = profile.activity_schedule(
            "customer_retention.mail_activity_type_key_date", user_id=self.salesman_a.id, summary="Key date"
        )
        self.customer.with_user(self.supervisor_a).write({"user_id": self.salesman_a2.id})
        history = self.env["retention.owner.history"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            (history.from_user_id, history.to_user_id, history.user_id),
            (self.salesman_a, self.salesman_a2, self.supervisor_a),
        )
        self.assertNotIn(self.salesman_a.partner_id, profile.message_partner_ids)
        self.assertIn(self.salesman_a2.partner_id, profile.message_partner_ids)
        self.assertEqual(key_activity.user_id, self.salesman_a2)
        self.assertEqual(self.contact.user_id, self.salesman_a2)  # the contact followed its old account manager
        self.assertFalse(self.Profile.with_user(self.salesman_a).search([("id", "=", profile.id)]))

    def test_salesperson_takes_a_customer_nobody_holds(self):
        free = self._customer("Walk-in Customer")
        free.with_user(self.salesman_b).write({"user_id": self.salesman_b.id})
        self.assertEqual(free.user_id, self.salesman_b)
        history = self.env["retention.owner.history"].search([("partner_id", "=", free.id)])
        self.assertEqual((history.from_user_id, history.to_user_id), (self.env["res.users"], self.salesman_b))
        self.assertRefused(
            lambda: self._customer("Another Free").with_user(self.salesman_b).write({"user_id": self.salesman_a.id}),
            "salesperson gives a free customer to someone else",
        )

    # --- Merge Contacts -----------------------------------------------------------------------------
    def _merge(self, user, partners, dst):
        Wizard = self.env["base.partner.merge.automatic.wizard"].with_user(user)
        wizard = Wizard.create({"partner_ids": [Command.set(partners.ids)], "dst_partner_id": dst.id})
        return wizard.action_merge()

    def test_merge_moves_no_confidential_data(self):
        # salesman B merges A's customer (profile, borrowings, plans) into his own
        self.assertRefused(
            lambda: self._merge(self.salesman_b, self.a_other | self.b_customer, self.b_customer),
            "merge another team's customer into one's own",
        )
        self.assertEqual(self.other_profile.partner_id, self.a_other)
        # the access log keeps its customer, even against a manager
        self.assertRefused(
            lambda: self._merge(self.manager, self.customer | self.b_customer, self.b_customer),
            "merge away a customer named in the access log",
        )
        self.assertEqual(self.Log.search([("profile_id", "=", self.profile.id)]).partner_id, self.customer)
        # a manager may move a profile that was never borrowed
        self._merge(self.manager, self.a_other | self.b_customer, self.b_customer)
        self.assertEqual(self.other_profile.partner_id, self.b_customer)

    # --- care plans and their lines -----------------------------------------------------------------
    def test_care_plan_workflow_is_never_forged(self):
        base = {"partner_id": self.customer.id, "date_start": "2027-01-01", "date_end": "2027-06-30"}
        forged = {
            "state": "approved",
            "date_submitted": "2026-01-01",
            "date_approved": "2026-01-02",
            "date_done": "2026-01-03",
            "evaluated_by_id": self.supervisor_b.id,
            "reject_reason": "none",
            "name": "CP/FORGED",
            "score_strategy": "5",
            "evaluation_comment": "Excellent",
        }
        for fname, value in forged.items():
            self._as_every_role(
                f"plan created with {fname}",
                lambda user, fname=fname, value=value: self.Plan.with_user(user).create({**base, fname: value}),
                roles=("owner", "supervisor", "manager", "other supervisor"),
            )
            if fname in ("score_strategy", "evaluation_comment"):
                continue
            self._as_every_role(
                f"plan: write {fname}",
                lambda user, fname=fname, value=value: self.plan.with_user(user).write({fname: value}),
                roles=("owner", "supervisor", "manager", "other team"),
            )
        plan = self.Plan.with_user(self.salesman_a).with_context(default_state="done", default_score_loyalty="5")
        plan = plan.create(base)
        self.assertEqual((plan.state, plan.score_loyalty), ("draft", False))
        # a context flag grants nothing
        self.plan.with_user(self.salesman_a).action_submit()
        self.assertRefused(
            lambda: (
                self.plan.with_user(self.salesman_a)
                .with_context(retention_plan_transition=True)
                .write({"situation": "rewritten after submission"})
            ),
            "edit a submitted plan with a context flag",
        )
        # nobody writes plans of customers they do not keep (a period free of plans: only the people count)
        free = {**base, "date_start": "2028-01-01", "date_end": "2028-06-30"}
        for role in ("other team", "teammate", "borrower during", "other supervisor"):
            self.assertRefused(
                lambda role=role: self.Plan.with_user(self.roles[role]).create(
                    {**free, "user_id": self.roles[role].id}
                ),
                f"plan on another's customer as {role}",
            )
        self.assertRefused(
            lambda: self.Plan.with_user(self.salesman_a).create({**free, "user_id": self.salesman_b.id}),
            "plan for someone of another team",
        )
        self.assertTrue(self.Plan.with_user(self.salesman_a).create(free))
        # lines never move to another plan
        self.assertRefused(
            lambda: self.b_plan.action_ids.with_user(self.salesman_b).write({"plan_id": plan.id}),
            "move a plan line",
        )
        self.assertRefused(
            lambda: plan.with_user(self.salesman_a).write(
                {"action_ids": [Command.create({"name": "x", "date": "2027-02-01", "company_id": 99})]}
            ),
            "line with a forged company",
        )

    def test_plan_targets_count_only_visible_orders(self):
        own = self._order(self.customer, 1000, date(2026, 8, 1))
        own.user_id = self.salesman_a
        foreign = self._order(self.customer, 5000, date(2026, 8, 2))
        foreign.user_id = self.salesman_b
        target = self.plan.target_ids
        self.assertEqual(target.with_user(self.salesman_a).actual_amount, 1000)
        self.assertEqual(target.with_user(self.salesman_a).plan_id.target_actual, 1000)
        self.assertEqual(target.sudo().actual_amount, 6000)

    # --- action checks ------------------------------------------------------------------------------
    def test_action_check_state_and_links(self):
        when = datetime(2026, 7, 12, 10, 0)
        for fname, value in (("state", "done"), ("expense_total", 99999)):
            self._as_every_role(
                f"check created with {fname}",
                lambda user, fname=fname, value=value: self.Check.with_user(user).create(
                    {"partner_id": self.customer.id, "action_datetime": when, fname: value}
                ),
                roles=("owner", "supervisor", "manager"),
            )
            self._as_every_role(
                f"check: write {fname}",
                lambda user, fname=fname, value=value: self.check.with_user(user).write({fname: value}),
                roles=("owner", "supervisor", "manager", "other team"),
            )
        # salesman B links his own check to A's plan line: refused, and A's line stays to do
        line = self.plan.action_ids
        self.assertRefused(
            lambda: self.Check.with_user(self.salesman_b).create(
                {
                    "partner_id": self.customer.id,
                    "action_datetime": when,
                    "plan_id": self.plan.id,
                    "plan_action_id": line.id,
                }
            ),
            "link a check to another team's plan",
        )
        own = self.Check.with_user(self.salesman_b).create({"partner_id": self.customer.id, "action_datetime": when})
        self.assertRefused(
            lambda: own.write({"plan_id": self.plan.id, "plan_action_id": line.id}), "link it afterwards"
        )
        self.assertEqual(line.state, "todo")
        # the next step is on the check: the customer's other readers do not see it
        own.write({"next_step": "Offer a 20 % discount", "next_step_date": "2026-07-20"})
        own.action_done()
        self.assertFalse(
            self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)])
        )
        todo = self.env["mail.activity"].search([("res_model", "=", own._name), ("res_id", "=", own.id)])
        self.assertEqual(todo.user_id, self.salesman_b)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            todo.with_user(self.salesman_a2).read(["note"])

    # --- weekly card reviews ------------------------------------------------------------------------
    def test_card_review_is_never_back_dated(self):
        monday = week_start(fields.Date.context_today(self.Review.with_user(self.supervisor_a)))
        self.assertRefused(
            lambda: self.Review.with_user(self.supervisor_a).create(
                {"salesperson_id": self.salesman_a.id, "week": monday - timedelta(days=7)}
            ),
            "a review of last week",
        )
        review = self.Review.with_user(self.supervisor_a).create({"salesperson_id": self.salesman_a.id})
        for fname, value in (
            ("week", monday - timedelta(days=14)),
            ("supervisor_id", self.supervisor_b.id),
            ("salesperson_id", self.salesman_a2.id),
        ):
            self.assertRefused(
                lambda fname=fname, value=value: review.with_user(self.supervisor_a).write({fname: value}),
                f"review: write {fname}",
            )
        self.assertRefused(
            lambda: self.Review.with_user(self.salesman_a).create({"salesperson_id": self.salesman_a2.id}),
            "a salesperson records a review",
        )

    # --- portal users and internal users outside the retention groups -------------------------------
    def test_outsiders_read_no_retention_field(self):
        self.customer.write({"retention_personality": "dominant", "retention_satisfaction": "2"})
        accountant = new_test_user(self.env, "ret_accountant", groups="base.group_user,base.group_partner_manager")
        portal_partner = self.portal.partner_id
        portal_partner.parent_id = self.customer
        for user in (self.portal, accountant):
            partner = portal_partner.with_user(user)
            for fname in (
                "retention_personality",
                "retention_personality_strategy",
                "retention_closeness",
                "retention_satisfaction",
                "retention_profile_keepers",
                "retention_abc_class",
            ):
                with self.subTest(user=user.login, field=fname), self.assertRaises(AccessError):
                    partner.read([fname])
            self.assertFalse([f for f in partner.fields_get() if f.startswith("retention_")])
        # Odoo's own partner views still open for them, without a trace of retention
        for view_type in ("form", "list", "kanban", "search"):
            arch = self.env["res.partner"].with_user(accountant).get_views([(False, view_type)])
            self.assertNotIn("retention_", str(arch["views"][view_type]["arch"]))
        # an internal user outside the groups still creates contacts of a customer
        contact = self.Partner.with_user(accountant).create({"name": "Ms. Zhou", "parent_id": self.customer.id})
        self.assertEqual(contact.sudo().retention_personality, "dominant")
        duplicate = self.customer.with_user(accountant).copy()
        self.assertFalse(duplicate.sudo().retention_personality)
        self.assertEqual(self.customer.with_user(self.salesman_a).retention_personality, "dominant")
        with self.assertRaises(AccessError):
            self.Partner.with_user(accountant).search([("retention_abc_class", "=", "a")])
        # nor the warnings on the customer: at risk and why, contact due
        warning = self.customer.activity_schedule(
            "customer_retention.mail_activity_type_risk_high", user_id=self.salesman_a.id, note="No order for 300 days"
        )
        on_customer = [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        self.assertFalse(self.env["mail.activity"].with_user(accountant).search(on_customer))
        self.assertFalse(self.customer.with_user(accountant).activity_ids)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule", "odoo.models"):
            warning.with_user(accountant).read(["note"])
        self.assertEqual(self.env["mail.activity"].with_user(self.salesman_a).search(on_customer), warning)

    # --- second round: what an attacker found around the first guards --------------------------------
    def test_no_detour_through_contacts(self):
        # A's customer made a contact of B's, its contact given to B, or linked from B's side: refused
        self.assertRefused(
            lambda: self.customer.with_user(self.salesman_b).write({"parent_id": self.b_customer.id}),
            "make another's customer a contact of one's own",
        )
        self.assertRefused(
            lambda: self.b_customer.with_user(self.salesman_b).write({"child_ids": [Command.link(self.customer.id)]}),
            "link another's customer under one's own",
        )
        self.assertRefused(
            lambda: self.contact.with_user(self.salesman_b).write({"user_id": self.salesman_b.id}),
            "take a contact of another's customer",
        )
        # a contact nobody was named for is held by its company's account manager
        unnamed = self.Partner.create({"name": "Ms. Chen", "parent_id": self.customer.id, "email": "chen@x.cn"})
        self.assertRefused(
            lambda: unnamed.with_user(self.salesman_b).write({"parent_id": self.b_customer.id}),
            "move another's customer's contact",
        )
        self.assertRefused(
            lambda: unnamed.with_user(self.salesman_b).write({"user_id": self.salesman_b.id}),
            "take another's customer's contact",
        )
        self.b_customer.email = "chen@x.cn"
        self.assertRefused(
            lambda: self._merge(self.salesman_b, unnamed | self.b_customer, self.b_customer),
            "merge another's customer's contact into one's own",
        )
        unnamed.with_user(self.salesman_a).write({"user_id": self.salesman_a.id})  # the holder names herself
        self.assertEqual(unnamed.user_id, self.salesman_a)
        # a contact that becomes a company of its own does not keep the card it showed
        company = self.env.company
        self.Partner._retention_sql_set(
            company, {"retention_abc_class": "a", "retention_risk_level": "low"}, [self.b_customer.id]
        )
        own = self._customer("West Branch", user=self.salesman_b)
        for detach in ({"parent_id": False}, {"is_company": True}):
            own.with_user(self.salesman_b).write({"is_company": False, "parent_id": self.b_customer.id})
            self.assertEqual(self.card(own).retention_abc_class, "a")
            own.with_user(self.salesman_b).write(detach)
            self.assertFalse(self.card(own).retention_abc_class or self.card(own).retention_risk_level, detach)

    def test_no_default_chooses_a_protected_field(self):
        forged = {
            "default_retention_abc_class": "a",
            "default_retention_risk_level": "low",
            "default_retention_last_contact_date": "2030-01-01",
            "default_retention_inputs_key": "forged",
            "default_retention_abc_override": "a",
        }
        Partner = self.Partner.with_user(self.supervisor_a).with_context(**forged)
        created = Partner.create({"name": "Defaulted Ltd", "is_company": True})
        created |= self.Partner.browse(Partner.name_create("Name-created Ltd")[0])
        created |= self.Partner.browse(Partner.load(["name"], [["Imported Defaults Ltd"]])["ids"])
        self.assertEqual(len(created), 3)
        for partner in created.with_user(self.supervisor_a):
            self.assertFalse(
                partner.retention_abc_class
                or partner.retention_risk_level
                or partner.retention_last_contact_date
                or partner.retention_abc_override
            )
        # a user outside the retention groups sets no retention field at all
        accountant = new_test_user(self.env, "ret_accountant_2", groups="base.group_user,base.group_partner_manager")
        self.assertRefused(
            lambda: self.Partner.with_user(accountant).create({"name": "Loose Ltd", "retention_closeness": "loose"}),
            "outsider creates with a classification",
        )
        loose = (
            self.Partner.with_user(accountant)
            .with_context(default_retention_closeness="loose")
            .create({"name": "Default Loose Ltd"})
        )
        self.assertFalse(loose.sudo().retention_closeness)
        # a borrowing lasts what the settings allow, whatever the context says
        borrowing = (
            self.Borrowing.with_user(self.salesman_b)
            .with_context(default_duration_days=365)
            .create({"partner_id": self.customer.id, "reason": "Visit"})
        )
        self.assertEqual(borrowing.duration_days, 7)
        # a review is of this week, whatever the context says
        review = (
            self.Review.with_user(self.supervisor_a)
            .with_context(default_week="2026-01-05")
            .create({"salesperson_id": self.salesman_a.id})
        )
        self.assertEqual(review.week, week_start(fields.Date.context_today(review)))

    def test_evaluation_only_when_done_by_the_supervisor(self):
        for user in (self.salesman_a, self.supervisor_a, self.manager):
            self.assertRefused(
                lambda user=user: self.plan.with_user(user).write({"score_strategy": "5", "evaluation_comment": "x"}),
                f"evaluate a draft as {user.login}",
            )
        plan = self.plan
        plan.with_user(self.salesman_a).action_submit()
        plan.with_user(self.supervisor_a).action_approve()
        plan.with_user(self.salesman_a).action_done()
        self.assertRefused(
            lambda: plan.with_user(self.salesman_a).write({"score_strategy": "5"}), "the owner evaluates"
        )
        plan.with_user(self.supervisor_a).write({"score_strategy": "4"})
        self.assertEqual((plan.score_strategy, plan.evaluated_by_id), ("4", self.supervisor_a))

    def test_checks_are_recorded_by_who_acts_and_done_once_they_happened(self):
        self.assertRefused(
            lambda: self.Check.with_user(self.salesman_a).create(
                {
                    "partner_id": self.customer.id,
                    "action_datetime": datetime(2026, 7, 1, 9, 0),
                    "user_id": self.salesman_b.id,
                    "expense_entertainment": 5000,
                }
            ),
            "record a check in someone else's name",
        )
        self.assertRefused(
            lambda: self.check.with_user(self.salesman_a).write({"user_id": self.salesman_b.id}),
            "hand one's check to another team",
        )
        # a supervisor records for the team
        self.Check.with_user(self.supervisor_a).create(
            {
                "partner_id": self.customer.id,
                "action_datetime": datetime(2026, 7, 2, 9, 0),
                "user_id": self.salesman_a2.id,
            }
        )
        # a done check stays as it was recorded: it is on the card and the scorecard
        done = self.Check.with_user(self.salesman_a).create(
            {"partner_id": self.customer.id, "action_datetime": datetime(2026, 7, 4, 9, 0), "expense_travel": 10}
        )
        done.action_done()
        for vals in (
            {"action_datetime": "2030-01-01 10:00:00"},
            {"partner_id": self.b_customer.id},
            {"expense_travel": 5000},
        ):
            self.assertRefused(
                lambda vals=vals: done.with_user(self.salesman_a).write(vals), f"edit a done check: {vals}"
            )
        future = self.Check.with_user(self.salesman_a).create(
            {"partner_id": self.customer.id, "action_datetime": fields.Datetime.now() + timedelta(days=400)}
        )
        self.assertRefused(future.action_done, "mark a check of next year done")
        self.assertEqual(self.card(self.customer).retention_last_contact_date, date(2026, 7, 4))

    def test_merge_takes_over_nobody_elses_customer(self):
        victim = self._customer("West Victim", user=self.salesman_a2)
        self.Check.with_user(self.salesman_a2).create(
            {"partner_id": victim.id, "action_datetime": datetime(2026, 7, 3, 9, 0), "competitor_situation": "Secret"}
        )
        self.assertRefused(
            lambda: self._merge(self.salesman_b, victim | self.b_customer, self.b_customer),
            "merge a customer of another team into one's own",
        )
        self.assertTrue(victim.exists())
        # nor merge a partner of one's own into another team's customer: it would rewrite its classes
        stray = self.Partner.with_user(self.salesman_b).create(
            {"name": "Stray", "is_company": True, "retention_closeness": "loose", "retention_key_influence": True}
        )
        self.assertRefused(
            lambda: self._merge(self.salesman_b, stray | victim, victim),
            "merge into a customer of another team",
        )
        self.assertFalse(self.card(victim).retention_key_influence)
        # one's own duplicates merge as in Odoo
        duplicate = self._customer("West Coast Trading (dup)", user=self.salesman_b)
        self._merge(self.salesman_b, duplicate | self.b_customer, self.b_customer)
        self.assertFalse(duplicate.exists())

    def test_borrower_reads_the_items_not_the_notes_files_or_searches(self):
        self.profile.message_post(body="Chairman's son starts university in Shanghai", message_type="comment")
        attachment = self.env["ir.attachment"].create(
            {"name": "family.txt", "raw": b"confidential", "res_model": self.profile._name, "res_id": self.profile.id}
        )
        for user, sees in ((self.borrower_during, False), (self.salesman_a, True), (self.supervisor_a, True)):
            Message = self.env["mail.message"].with_user(user)
            found = Message.search([("model", "=", self.profile._name), ("res_id", "=", self.profile.id)])
            self.assertEqual(bool(found.filtered(lambda m: "university" in str(m.sudo().body))), sees, user.login)
            files = (
                self.env["ir.attachment"]
                .with_user(user)
                .search([("res_model", "=", self.profile._name), ("res_id", "=", self.profile.id)])
            )
            self.assertEqual(files, attachment if sees else files.browse(), user.login)
            if sees:
                self.assertEqual(files.read(["raw"])[0]["raw"], b"confidential")
            else:
                with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule", "odoo.models"):
                    attachment.with_user(user).read(["raw"])
                with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule", "odoo.models"):
                    attachment.with_user(user).check("read")
            # a search on the content finds the profile only for its keepers
            by_content = self.Profile.with_user(user).search_count([("taboos", "ilike", "clock")])
            self.assertEqual(by_content, int(sees), user.login)
            by_key_date = self.env["retention.key.date"].with_user(user).search_count([("name", "ilike", "birthday")])
            self.assertEqual(by_key_date, int(sees), user.login)
            customers = self.Partner.with_user(user).search(
                [("retention_profile_ids", "any", [("taboos", "ilike", "clock")])]
            )
            self.assertEqual(customers, self.customer if sees else self.Partner, user.login)
        # the borrower still opens the profile, and the read is logged
        self.assertEqual(self.profile.with_user(self.borrower_during).read(["taboos"])[0]["taboos"], self.TABOO)
        self.assertTrue(self.Log.search([("user_id", "=", self.borrower_during.id), ("action", "=", "open")]))

"""What users type must be storable: NaN and infinity in any number, a NUL character in any text of the addon
are refused with a message naming the field, on create and on write, by the user who may type them, before
anything is written. The fields come from the models themselves: a new float or text field is covered."""

import math
import re
from datetime import date, datetime

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import MANAGER, SALESMAN, ProfileCommon

MODULE = "customer_retention"
NUMBER_TYPES = ("float", "monetary")
TEXT_TYPES = ("char", "text", "html")
NOT_NUMBERS = (math.nan, math.inf, -math.inf)
NUL = "Visit\x00 the chairman"


def typed_fields(env, types):
    """{model: [field names]} of the fields of this addon of ``types`` that users type: stored, neither computed,
    related nor read-only, and not set by the server only (``_server_fields``)."""
    found = {}
    for name in sorted(env.registry):
        model = env[name]
        if model._abstract or not model._auto:  # mixins, and the analyses (SQL views)
            continue
        server = set(model._server_field_names()) if "_server_field_names" in dir(model) else set()
        fnames = [
            fname
            for fname, field in model._fields.items()
            if MODULE in (field._modules or ())
            and field.type in types
            and field.store
            and not (field.compute or field.related or field.readonly)
            and fname not in server
        ]
        if fnames:
            found[name] = fnames
    return found


@tagged("post_install", "-at_install")
class TestInput(ProfileCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.settings_admin = new_test_user(cls.env, "ret_settings_admin", groups="base.group_system," + MANAGER)
        cls.borrower = new_test_user(cls.env, "ret_input_borrower", groups=SALESMAN)
        cls.second_customer = cls._customer("East Second Account", user=cls.salesman_a)
        cls.plan = (
            cls.env["retention.care.plan"]
            .with_user(cls.salesman_a)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "date_start": "2026-07-01",
                    "date_end": "2026-12-31",
                    "target_ids": [Command.create({"name": "Annual maintenance", "expected_amount": 5000})],
                    "action_ids": [Command.create({"name": "Visit the chairman", "date": "2026-07-15"})],
                    "obstacle_ids": [Command.create({"name": "Competitor offers 10 % less"})],
                    "contact_ids": [Command.create({"contact_id": cls.contact.id})],
                }
            )
        )
        cls.check = (
            cls.env["retention.action.check"]
            .with_user(cls.salesman_a)
            .create({"partner_id": cls.customer.id, "action_datetime": datetime(2026, 7, 10, 10, 0)})
        )
        cls.review = (
            cls.env["retention.card.review"]
            .with_user(cls.supervisor_a)
            .create({"salesperson_id": cls.salesman_a.id, "comment": "Cards complete"})
        )
        # a plan carried out, which its supervisor evaluates
        cls.done_plan = (
            cls.env["retention.care.plan"]
            .with_user(cls.salesman_a)
            .create(
                {
                    "partner_id": cls.second_customer.id,
                    "date_start": "2025-01-01",
                    "date_end": "2025-06-30",
                    "action_ids": [Command.create({"name": "Plant tour", "date": "2025-02-01"})],
                }
            )
        )
        cls.done_plan.action_submit()
        cls.done_plan.with_user(cls.supervisor_a).action_approve()
        cls.done_plan.with_user(cls.salesman_a).action_done()
        plan_line = {"plan_id": cls.plan.id}
        # per model: who types its fields, a record they may change and what they would create (None: they only
        # create, or only write)
        cls.typists = {
            "res.company": (cls.settings_admin, cls.env.company, {"name": "Typed Company"}),
            # playbooks: the customer activity plans, their names translated by the addon
            "mail.activity.plan": (
                cls.manager,
                cls.env.ref("customer_retention.mail_activity_plan_win_back"),
                {"name": "Typed Plan", "res_model": "res.partner"},
            ),
            "res.partner": (
                cls.supervisor_a,
                cls.customer,
                {"name": "Typed Customer", "is_company": True, "user_id": cls.salesman_a.id},
            ),
            "retention.action.check": (
                cls.salesman_a,
                cls.check,
                {"partner_id": cls.customer.id, "action_datetime": datetime(2026, 7, 20, 10, 0)},
            ),
            "retention.borrowing": (
                cls.borrower,
                None,
                {"partner_id": cls.customer.id, "reason": "Banquet", "duration_days": 2},
            ),
            "retention.card.review": (cls.supervisor_a, cls.review, {"salesperson_id": cls.salesman_a2.id}),
            "retention.care.plan": (
                cls.salesman_a,
                cls.plan,
                {"partner_id": cls.second_customer.id, "date_start": "2026-07-01", "date_end": "2026-12-31"},
            ),
            "retention.care.plan.action": (
                cls.salesman_a,
                cls.plan.action_ids,
                {**plan_line, "name": "Plant tour", "date": "2026-08-01"},
            ),
            "retention.care.plan.contact": (
                cls.salesman_a,
                cls.plan.contact_ids,
                {**plan_line, "contact_id": cls.contact.id},
            ),
            "retention.care.plan.obstacle": (cls.salesman_a, cls.plan.obstacle_ids, {**plan_line, "name": "Price"}),
            "retention.care.plan.target": (cls.salesman_a, cls.plan.target_ids, {**plan_line, "name": "Spare parts"}),
            "retention.key.date": (
                cls.salesman_a,
                cls.key_date,
                {"profile_id": cls.profile.id, "name": "Founding day", "date": date(1998, 5, 18)},
            ),
            "retention.profile": (cls.salesman_a, cls.profile, {"partner_id": cls.second_customer.id}),
            "retention.adoption.wizard": (
                cls.supervisor_a,
                None,
                {"partner_ids": [Command.set(cls.customer.ids)], "to_user_id": cls.salesman_a2.id, "reason": "Moved"},
            ),
            "retention.pool.return": (
                cls.salesman_a,
                None,
                {"partner_ids": [Command.set(cls.customer.ids)], "reason": "Not my territory"},
            ),
            "retention.care.plan.reject": (
                cls.supervisor_a,
                None,
                {"plan_ids": [Command.set(cls.plan.ids)], "reason": "Targets too low"},
            ),
            # duplicate check 客户查重
            "retention.duplicate.check": (cls.salesman_a, None, {"name": "Typed Trading Co"}),
        }

        # fields typed by someone else than the model's other fields, at another time
        cls.field_typists = {
            ("retention.care.plan", "evaluation_comment"): (cls.supervisor_a, cls.done_plan, None),
        }

    def _refused(self, model_name, fname, value, pattern):
        """Create and write ``value`` into ``fname`` as the user who types it: refused, nothing written."""
        user, record, create_vals = self.field_typists.get((model_name, fname)) or self.typists[model_name]
        model = self.env[model_name]
        field = model._fields[fname]
        regex = rf"{re.escape(field._description_string(self.env))} \({re.escape(model._description)}\) {pattern}"
        tables = [model._table]
        with self.subTest(model=model_name, field=fname, value=value, by=user.login):
            if create_vals is not None:
                self.assertRefusedUntouched(
                    lambda: model.with_user(user).create({**create_vals, fname: value}), regex, tables
                )
            if record is not None:
                self.assertRefusedUntouched(lambda: record.with_user(user).write({fname: value}), regex, tables)

    def test_every_typed_field_is_checked(self):
        """Every model with fields users type inherits the check, and each test below has who types them."""
        typed = typed_fields(self.env, (*NUMBER_TYPES, "integer", *TEXT_TYPES))
        self.assertLessEqual({"res.partner", "retention.care.plan.target", "retention.care.plan.reject"}, set(typed))
        guard = self.env.registry["retention.input.mixin"]
        for model_name in typed:
            self.assertTrue(issubclass(self.env.registry[model_name], guard), f"{model_name} is not checked")
        tested = {*typed_fields(self.env, NUMBER_TYPES), *typed_fields(self.env, TEXT_TYPES)}
        self.assertFalse(tested - set(self.typists), "add who types the fields of these models to TestInput.typists")

    def test_not_a_number_is_refused(self):
        """NaN, +infinity and -infinity in every float and amount field of the addon, and a number beyond 10^15,
        as the user who types it."""
        numbers = typed_fields(self.env, NUMBER_TYPES)
        self.assertLessEqual({"res.company", "retention.action.check", "retention.care.plan.target"}, set(numbers))
        for model_name, fnames in numbers.items():
            for fname in fnames:
                for value in NOT_NUMBERS:
                    self._refused(model_name, fname, value, "must be a number, not -?(NaN|Infinity)")
                self._refused(model_name, fname, 1e16, "is too large")
        # a text spelling of NaN is NaN too (Odoo would convert it)
        self._refused("retention.action.check", "expense_travel", "nan", "must be a number, not NaN")

    def test_nul_character_is_refused(self):
        """A NUL character in every text the addon stores gives a message, not a database error."""
        for model_name, fnames in typed_fields(self.env, TEXT_TYPES).items():
            for fname in fnames:
                self._refused(model_name, fname, NUL, "contains a NUL character")

    def test_nested_lines_are_checked(self):
        """A care plan saved with its lines (one2many commands, as the form sends them) is checked line by line,
        and what a user may type still passes."""
        Plan = self.env["retention.care.plan"].with_user(self.salesman_a)
        vals = self.typists["retention.care.plan"][2]
        for line in (
            {"expected_amount": math.nan},
            {"expected_profit": -math.inf},
            {"name": NUL},
        ):
            self.assertRefusedUntouched(
                lambda line=line: Plan.create(
                    {**vals, "target_ids": [Command.create({"name": "Spare parts", **line})]}
                ),
                r"(must be a number|contains a NUL character)",
                ["retention_care_plan", "retention_care_plan_target"],
            )
            self.assertRefusedUntouched(
                lambda line=line: self.plan.with_user(self.salesman_a).write(
                    {"target_ids": [Command.update(self.plan.target_ids.id, line)]}
                ),
                r"(must be a number|contains a NUL character)",
                ["retention_care_plan", "retention_care_plan_target"],
            )
        self.plan.with_user(self.salesman_a).write(
            {"target_ids": [Command.update(self.plan.target_ids.id, {"expected_amount": 1e15, "name": "Tab\there"})]}
        )
        self.assertAlmostEqual(self.plan.target_ids.expected_amount, 1e15, delta=1)
        self.assertEqual(self.plan.target_ids.name, "Tab\there")

    def test_system_figures_stay_the_servers(self):
        """NaN in a figure only the recompute writes is refused as a forged figure, not with a Python error."""
        for vals in ({"retention_revenue_total": math.nan}, {"retention_risk_score": math.inf}):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "can only be set by the application"):
                self.env["res.partner"].with_user(self.salesman_a).create({"name": "Forged", **vals})

import base64
import io
import json
from datetime import date, datetime, timedelta
from unittest.mock import patch

import lxml.html
import openpyxl
import openpyxl.utils
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfReader

from .common import CareCommon

# the analyses (SQL views) a supervisor reads, each under the same record rules
ANALYSES = (
    "retention.report.customer",
    "retention.report.scorecard",
    "retention.report.lifecycle",
    "retention.report.care.plan",
    "retention.review.status",
)


def words(node):
    """The text of an HTML node, its cells and lines separated by one space."""
    return " ".join(" ".join(node.itertext()).split())


@tagged("post_install", "-at_install")
class TestReports(CareCommon):
    """A hand-built team: cards set as the recompute would store them, plans moved through their workflow on
    known days, action checks and weekly reviews, inside and outside June 2026."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the analyses date overdue contacts against the database's today, not the frozen test clock
        cls.env.cr.execute("SELECT CURRENT_DATE")
        cls.db_today = cls.env.cr.fetchone()[0]
        cls.Wizard = cls.env["retention.report.wizard"]
        cls.Review = cls.env["retention.card.review"]
        past, future = cls.db_today - timedelta(days=10), cls.db_today + timedelta(days=10)
        cls.c1 = cls.customer  # salesman A: class A, growth, high risk, contact overdue, 1,200 overdue
        cls.c1.write({"phone": "+86 21 5555 0101", "email": "buyer@key-account.example", "street": "1 Century Ave"})
        cls.c2 = cls._customer("Steady Parts Co", user=cls.salesman_a)
        cls.c3 = cls._customer("Lost Trading Co", user=cls.salesman_a)
        cls.c4 = cls._customer("Falling Machines Co", user=cls.salesman_a2)
        cls.c5 = cls._customer("Western Tools Co", user=cls.salesman_b)
        cls.cards = {
            cls.c1: ("a", "growth", "high", past, 1200.0),
            cls.c2: ("b", "maturity", "low", future, 0.0),
            cls.c3: ("c", "churned", "medium", past, 0.0),
            cls.c4: ("a", "decline", "high", future, 0.0),
            cls.c5: ("b", "growth", "low", future, 300.0),
        }
        cls._set_cards()

    @classmethod
    def _set_cards(cls):
        """The cards as the nightly recompute would have stored them (a done action check refreshes its
        customer's card from its orders: these customers have none)."""
        company = cls.env.company
        for partner, (abc, stage, risk, next_contact, overdue) in cls.cards.items():
            cls.Partner._retention_sql_set(
                company,
                {
                    "retention_abc_class": abc,
                    "retention_lifecycle_stage": stage,
                    "retention_risk_level": risk,
                    "retention_risk_score": {"high": 80, "medium": 50, "low": 10}[risk],
                    "retention_next_contact_date": next_contact,
                    "retention_overdue_amount": overdue,
                    "retention_revenue_window": {"a": 8000.0, "b": 1500.0, "c": 500.0}[abc],
                },
                partner.ids,
            )

    def _in_june(self, when, method, records):
        with freeze_time(when):
            return method(records)

    def _build_activity(self):
        """Plans, checks and reviews of salesman A in and around June 2026."""
        plan = self._plan(date_start="2026-06-01", date_end="2026-12-31")
        self._in_june("2026-06-10", lambda p: p.with_user(self.salesman_a).action_submit(), plan)
        self._in_june("2026-06-12", lambda p: p.with_user(self.supervisor_a).action_approve(), plan)
        self._in_june("2026-06-25", lambda p: p.with_user(self.salesman_a).action_done(), plan)
        early = self._plan(partner_id=self.c2.id, date_start="2026-01-01", date_end="2026-05-31")
        self._in_june("2026-05-20", lambda p: p.with_user(self.salesman_a).action_submit(), early)
        self._in_june("2026-06-02", lambda p: p.with_user(self.supervisor_a).action_approve(), early)

        def check(user, partner, when, done=True, **expenses):
            record = self.Check.with_user(user).create(
                {"partner_id": partner.id, "action_datetime": when, "channel": "visit", **expenses}
            )
            if done:
                record.action_done()
            return record

        check(
            self.salesman_a,
            self.c1,
            datetime(2026, 6, 15, 9),
            expense_travel=100,
            expense_entertainment=250,
            expense_other=50,
        )
        check(self.salesman_a, self.c2, datetime(2026, 6, 16, 9), done=False, expense_travel=999)
        check(self.salesman_a, self.c2, datetime(2026, 7, 5, 9), expense_travel=777)
        check(self.salesman_b, self.c5, datetime(2026, 6, 20, 9), expense_travel=70)
        # reviews are recorded in the week they review
        reviews = self.Review.with_user(self.supervisor_a)
        self._in_june(
            "2026-06-24",
            lambda r: r.create({"salesperson_id": self.salesman_a.id, "partner_ids": self.c1.ids}),
            reviews,
        )
        self._in_june(
            "2026-06-08",
            lambda r: r.create({"salesperson_id": self.salesman_a.id, "comment": "Fill the phones"}),
            reviews,
        )
        self._in_june("2026-05-25", lambda r: r.create({"salesperson_id": self.salesman_a2.id}), reviews)
        self._set_cards()
        self.env.invalidate_all()

    def _june(self, user, **vals):
        return self.Wizard.with_user(user).create({"date_from": "2026-06-01", "date_to": "2026-06-30", **vals})

    def _scorecard_rows(self, wizard):
        """The rows of the wizard's scorecard, as its PDF and Excel read them."""
        return wizard.env["retention.report.scorecard"]._salesperson_rows(
            wizard._domain(), wizard.date_from, wizard.date_to
        )

    def test_scorecard_figures(self):
        self._build_activity()
        rows = {row["salesperson"]: row for row in self._scorecard_rows(self._june(self.supervisor_a))}
        self.assertEqual(set(rows), {self.salesman_a, self.salesman_a2})
        expected_a = {
            "customer_count": 3,
            "class_a": 1,
            "class_b": 1,
            "class_c": 1,
            "stage_acquisition": 0,
            "stage_growth": 1,
            "stage_maturity": 1,
            "stage_decline": 0,
            "stage_churned": 1,
            "at_risk": 1,
            "contact_overdue": 2,
            "plans_submitted": 1,  # the other one was submitted in May
            "plans_approved": 2,
            "plans_done": 1,
            "checks_done": 1,  # a planned check and a July check do not count
            "expense_travel": 100.0,
            "expense_entertainment": 250.0,
            "expense_other": 50.0,
            "expense_total": 400.0,
            # c1: phone, email, street and its contact = 4 of 21 items = 19.0 %; c2 and c3: 0 %
            "completeness": 6.3,
            "reviews_received": 2,
        }
        self.assertEqual({key: rows[self.salesman_a][key] for key in expected_a}, expected_a)
        self.assertEqual(
            (
                rows[self.salesman_a2]["customer_count"],
                rows[self.salesman_a2]["at_risk"],
                rows[self.salesman_a2]["reviews_received"],
            ),
            (1, 1, 0),
        )
        self.assertEqual(self.c1.retention_completeness, 19.0)
        # one grouped query whatever the number of customers and events, after the user's record rules (5 once the
        # caches are cleared), the wizard's values (1) and the salespeople of the supervisor's teams (1); the groups,
        # grouped by salesperson id, are then put in the order of their names (1)
        wizard = self._june(self.supervisor_a)
        self._scorecard_rows(wizard)
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=9):
            self._scorecard_rows(wizard)
        # the manager sees both teams; the West salesman only himself
        everyone = {row["salesperson"] for row in self._scorecard_rows(self._june(self.manager))}
        self.assertLessEqual({self.salesman_a, self.salesman_a2, self.salesman_b}, everyone)
        west = self._scorecard_rows(self._june(self.salesman_b))
        self.assertEqual(
            [(row["salesperson"], row["checks_done"], row["expense_travel"]) for row in west],
            [(self.salesman_b, 1, 70.0)],
        )

    def test_supervisor_counts_in_the_team_they_lead(self):
        """A supervisor leads the team without being a member: their own action checks count in that team."""
        self.assertFalse(self.supervisor_a.sale_team_id)
        self.Check.with_user(self.supervisor_a).create(
            {"partner_id": self.c1.id, "action_datetime": datetime(2026, 6, 18, 9), "channel": "gift"}
        ).action_done()
        rows = self.env["retention.report.scorecard"].search([("salesperson_id", "=", self.supervisor_a.id)])
        self.assertEqual(rows.team_id, self.team_a)
        self.assertEqual(sum(rows.mapped("checks_done")), 1)
        wizard = self._june(self.supervisor_a, team_id=self.team_a.id)
        seen = {row["salesperson"] for row in self._scorecard_rows(wizard)}
        self.assertIn(self.supervisor_a, seen)

    def test_pareto_lifecycle_and_evaluations(self):
        wizard = self._june(self.supervisor_a)
        rows = wizard.env["retention.report.customer"]._pareto_rows(wizard._domain())
        # team East: A = c1 + c4 (16,000), B = c2 (1,500), C = c3 (500) of 18,000
        self.assertEqual(
            [(row["customers"], row["revenue"], row["revenue_share"], row["cumulative_revenue_share"]) for row in rows],
            [(2, 16000.0, 88.89, 88.89), (1, 1500.0, 8.33, 97.22), (1, 500.0, 2.78, 100.0)],
        )
        self.assertEqual([row["cumulative_customer_share"] for row in rows], [50.0, 75.0, 100.0])
        funnel = dict(
            self.env["retention.report.customer"]
            .with_user(self.supervisor_a)
            ._read_group([("lifecycle_stage", "!=", False)], ["lifecycle_stage"], ["customer_count:sum"])
        )
        self.assertEqual(funnel, {"growth": 1, "maturity": 1, "churned": 1, "decline": 1})
        # churn and win-back from the class history
        History = self.env["retention.class.history"]
        History.create(
            [
                {
                    "partner_id": self.c3.id,
                    "company_id": self.env.company.id,
                    "kind": "stage",
                    "old_value": "decline",
                    "new_value": "churned",
                    "is_churn": True,
                    "date": "2026-03-01 00:00:00",
                },
                {
                    "partner_id": self.c1.id,
                    "company_id": self.env.company.id,
                    "kind": "stage",
                    "old_value": "churned",
                    "new_value": "growth",
                    "is_win_back": True,
                    "date": "2026-05-01 00:00:00",
                },
                {
                    "partner_id": self.c5.id,
                    "company_id": self.env.company.id,
                    "kind": "stage",
                    "old_value": "maturity",
                    "new_value": "churned",
                    "is_churn": True,
                    "date": "2026-05-01 00:00:00",
                },
            ]
        )
        moves = (
            self.env["retention.report.lifecycle"]
            .with_user(self.supervisor_a)
            ._read_group([], ["date:month"], ["churns:sum", "win_backs:sum"])
        )
        self.assertEqual([(month.month, churns, wins) for month, churns, wins in moves], [(3, 1, 0), (5, 0, 1)])
        # evaluations: effect is the mean of awareness, satisfaction and loyalty
        plan = self._plan(date_start="2026-06-01", date_end="2026-12-31")
        plan.with_user(self.salesman_a).action_submit()
        plan.with_user(self.supervisor_a).action_approve()
        plan.with_user(self.salesman_a).action_done()
        plan.with_user(self.supervisor_a).write(
            {
                "score_strategy": "4",
                "score_execution": "3",
                "score_awareness": "5",
                "score_satisfaction": "4",
                "score_loyalty": "3",
                "evaluation_comment": "Good follow-up",
            }
        )
        evaluation = (
            self.env["retention.report.care.plan"].with_user(self.supervisor_a).search([("plan_id", "=", plan.id)])
        )
        self.assertEqual((evaluation.score_effect, evaluation.score_overall), (4.0, 3.67))
        self.assertFalse(self.env["retention.report.care.plan"].with_user(self.salesman_b).search([]))

    def test_review_status_sums_the_customer_analysis(self):
        """The review status sums per salesperson (read through the salesperson index) what the customer analysis
        counts per customer: for every role, the same figures on the rows the user sees."""
        fields_ = ["customer_count", "at_risk", "contact_overdue"]
        for user in (self.manager, self.supervisor_a, self.supervisor_b, self.salesman_a):
            customers = self.env["retention.report.customer"].with_user(user)
            expected = {
                (salesperson.id, company.id): (count, at_risk, overdue, round(completeness, 1))
                for salesperson, company, count, at_risk, overdue, completeness in customers._read_group(
                    [("salesperson_id", "!=", False)],
                    ["salesperson_id", "company_id"],
                    ["customer_count:sum", "at_risk:sum", "contact_overdue:sum", "completeness:avg"],
                )
            }
            statuses = self.env["retention.review.status"].with_user(user).search([])
            got = {
                (status.salesperson_id.id, status.company_id.id): (
                    *(status[fname] for fname in fields_),
                    round(status.completeness, 1),
                )
                for status in statuses
            }
            self.assertTrue(got, user.login)
            self.assertEqual(got, expected, user.login)

    def test_supervisor_reads_exactly_the_rows_of_the_rules(self):
        """A supervisor's analyses are read through their teams' salespeople (``_led_salespeople``, a condition
        added for speed): exactly the rows the record rules allow, no fewer: those of the teams they lead
        (members, and a leader outside his team) and their own."""
        self._build_activity()
        # a supervisor holding customers of his own, not a member of the team he leads
        self.c4.write({"user_id": self.supervisor_a.id})
        self.env.flush_all()
        for model in ANALYSES:
            for supervisor in (self.supervisor_a, self.supervisor_b):
                every = self.env[model].sudo().search([])
                allowed = every.filtered(
                    lambda row, supervisor=supervisor: supervisor in (row.salesperson_id, row.supervisor_id)
                )
                self.assertEqual(self.env[model].with_user(supervisor).search([]).ids, allowed.ids, model)
            self.assertTrue(
                self.env[model].sudo().search([("salesperson_id", "=", self.supervisor_a.id)])
                or model != "retention.report.customer",
                "the supervisor's own customer is a row",
            )

    def test_groups_of_people_in_the_order_of_their_names(self):
        """Grouped by salesperson, team or customer, the analyses group by id and order the groups afterwards
        (``_read_group``): the same groups in the same order as Odoo's join on the names, ascending and
        descending, with the empty group where PostgreSQL puts it."""
        self._build_activity()
        # names whose order is not that of the ids
        self.salesman_a.name = "Zhu (last)"
        self.team_a.name = "Zone East"
        self.c1.name = "Zz Lost Trading"
        self.env.flush_all()
        checked = 0
        for model in ANALYSES:
            fields_ = self.env[model]._fields
            for user in (self.manager, self.supervisor_a):
                Analysis = self.env[model].with_user(user)
                for groupby in (
                    ["salesperson_id"],
                    ["team_id"],
                    ["salesperson_id", "team_id"],
                    ["team_id", "salesperson_id"],
                    ["partner_id"],
                ):
                    if not all(spec in fields_ for spec in groupby):
                        continue
                    for order in (None, f"{groupby[0]} desc", ",".join(f"{spec} DESC" for spec in groupby)):
                        self.assertIsNotNone(Analysis._retention_many2one_order(groupby, order))
                        grouped_first = Analysis._read_group([], groupby, ["__count"], order=order)
                        # with a limit, Odoo's own ordering (the rows joined to the names)
                        joined = Analysis._read_group(
                            [], groupby, ["__count"], order=order or ",".join(groupby), limit=10**6
                        )
                        self.assertEqual(grouped_first, joined, f"{model} {groupby} {order}")
                        checked += len(grouped_first) > 1
        self.assertGreater(checked, 20)
        # and the names put the groups in another order than their ids
        groups = self.env["retention.report.customer"].with_user(self.manager)._read_group([], ["partner_id"])
        ids = [partner.id for (partner,) in groups]
        self.assertNotEqual(ids, sorted(ids))

    def test_weekly_review(self):
        Status = self.env["retention.review.status"]
        with freeze_time("2026-06-24"):
            todo = Status.with_user(self.supervisor_a).search([("reviewed_this_week", "=", False)])
            self.assertEqual(todo.salesperson_id, self.salesman_a | self.salesman_a2)
            action = todo.filtered(lambda s: s.salesperson_id == self.salesman_a).action_review()
            self.assertEqual(set(action["context"]["default_partner_ids"]), {self.c1.id, self.c2.id, self.c3.id})
            review = self.Review.with_user(self.supervisor_a).create(
                {"salesperson_id": self.salesman_a.id, "partner_ids": self.c1.ids, "comment": "Call Lost Trading"}
            )
            self.assertEqual(
                (review.week, review.supervisor_id, review.customer_count), (date(2026, 6, 22), self.supervisor_a, 1)
            )
            self.assertIn(self.salesman_a.partner_id, review.message_partner_ids)
            todo = Status.with_user(self.supervisor_a).search([("reviewed_this_week", "=", False)])
            self.assertEqual(todo.salesperson_id, self.salesman_a2)
            self.assertTrue(
                Status.with_user(self.supervisor_a)
                .search([("salesperson_id", "=", self.salesman_a.id)])
                .reviewed_this_week
            )
            # one review per salesperson and week; the West supervisor may not review the East
            with self.assertRaisesRegex(ValidationError, "already been reviewed"):
                self.Review.with_user(self.supervisor_a).create({"salesperson_id": self.salesman_a.id})
            with self.assertRaisesRegex(ValidationError, "does not lead the sales team"):
                self.Review.with_user(self.supervisor_b).create({"salesperson_id": self.salesman_a2.id})
            # nor learns whether the East salesperson was reviewed this week: the team is checked first
            with self.assertRaisesRegex(ValidationError, "does not lead the sales team"):
                self.Review.with_user(self.supervisor_b).create({"salesperson_id": self.salesman_a.id})
            with self.assertRaisesRegex(ValidationError, "are not customers of"):
                self.Review.with_user(self.supervisor_a).create(
                    {"salesperson_id": self.salesman_a2.id, "partner_ids": self.c1.ids}
                )
            with self.assertRaisesRegex(AccessError, ""):
                self.Review.with_user(self.salesman_a).create({"salesperson_id": self.salesman_a2.id})
            # the salesperson reads their review but cannot change it; others do not see it
            self.assertEqual(review.with_user(self.salesman_a).comment, "Call Lost Trading")
            with self.assertRaisesRegex(AccessError, ""):
                review.with_user(self.salesman_a).write({"comment": "All fine"})
            with self.assertRaisesRegex(AccessError, ""):
                review.with_user(self.salesman_b).read(["comment"])
            with self.assertRaisesRegex(AccessError, ""):
                review.with_user(self.supervisor_b).read(["comment"])
            self.assertEqual(Status.with_user(self.salesman_b).search([]).salesperson_id, self.salesman_b)

    def test_excel_exports(self):
        self._build_activity()
        wizard = self._june(self.supervisor_a, report="scorecard")
        action = wizard.action_export_xlsx()
        self.assertIn(f"/web/content/retention.report.wizard/{wizard.id}/file/", action["url"])
        sheet = self._workbook(wizard).active
        self.assertEqual(sheet.freeze_panes, "A4")
        self.assertEqual(sheet["A3"].value, "Account Manager")
        header = [cell.value for cell in sheet[3]]
        names = [sheet.cell(row, 1).value for row in range(4, sheet.max_row + 1)]
        self.assertEqual(names, [self.salesman_a.name, self.salesman_a2.name, "Total"])
        total_row = sheet.max_row
        self.assertEqual(sheet.cell(total_row, header.index("Customers") + 1).value, 4)
        self.assertEqual(sheet.cell(total_row, header.index("Total Expenses") + 1).value, 400)
        self.assertEqual(sheet.cell(4, header.index("Total Expenses") + 1).number_format, "#,##0.00")

        pareto = self._workbook(self._export(self.supervisor_a, "pareto")).active
        self.assertEqual([pareto.cell(row, 2).value for row in range(4, 8)], [2, 1, 1, 4])
        self.assertEqual([pareto.cell(row, 6).value for row in range(4, 7)], [88.89, 8.33, 2.78])

        risk = self._workbook(self._export(self.supervisor_a, "risk")).active
        self.assertEqual(
            [risk.cell(row, 1).value for row in range(4, risk.max_row)], [self.c1.name, self.c4.name, self.c3.name]
        )
        self.assertIn("Key Account", risk.cell(4, 1).value)

        receivables = self._workbook(self._export(self.supervisor_a, "receivables"))
        by_customer, by_manager = receivables.worksheets
        self.assertEqual((by_customer.cell(4, 1).value, by_customer.cell(4, 4).value), (self.c1.name, 1200))
        self.assertEqual([by_manager.cell(4, col).value for col in (1, 2, 3)], [self.salesman_a.name, 1, 1200])

    def _export(self, user, report):
        wizard = self._june(user, report=report)
        wizard.action_export_xlsx()
        return wizard

    def _workbook(self, wizard):
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file)), data_only=True)

    def test_no_other_team_data_through_any_report(self):
        self._build_activity()
        east = {self.c1, self.c2, self.c3, self.c4}
        for report in ("scorecard", "pareto", "risk", "receivables"):
            wizard = self._export(self.salesman_b, report)
            cells = {
                str(cell.value)
                for sheet in self._workbook(wizard).worksheets
                for row in sheet.iter_rows()
                for cell in row
                if cell.value is not None
            }
            for name in [partner.name for partner in east] + [self.salesman_a.name, self.salesman_a2.name]:
                self.assertNotIn(name, cells, report)
        for model in ANALYSES:
            rows = self.env[model].with_user(self.salesman_b).search([])
            self.assertFalse(rows.filtered(lambda row: row.salesperson_id != self.salesman_b), model)
            self.assertFalse(
                self.env[model].with_user(self.salesman_b).search_count([("salesperson_id", "=", self.salesman_a.id)]),
                model,
            )
        # PDFs check access before rendering
        plan = self.Plan.search([("partner_id", "=", self.c1.id)])
        Report = self.env["ir.actions.report"]
        with self.assertRaisesRegex(AccessError, ""):
            Report.with_user(self.salesman_b)._render_qweb_html("customer_retention.report_care_plan", plan.ids)
        check = self.Check.search([("partner_id", "=", self.c1.id)])
        with self.assertRaisesRegex(AccessError, ""):
            Report.with_user(self.salesman_b)._render_qweb_html("customer_retention.report_action_check", check.ids)
        # someone else's export wizard (and its file) is out of reach
        wizard = self._export(self.supervisor_a, "risk")
        with self.assertRaisesRegex(AccessError, ""):
            wizard.with_user(self.salesman_b).read(["file"])

    def test_printed_documents(self):
        self._build_activity()
        plan = self.Plan.search([("partner_id", "=", self.c1.id)])
        Report = self.env["ir.actions.report"].with_user(self.supervisor_a)
        html = Report._render_qweb_html("customer_retention.report_care_plan", plan.ids)[0].decode()
        for text in (
            "Customer Care Plan",
            plan.name,
            "Key Account Co",
            "Biggest customer in the East",
            "Competitor offers 10 % less",
            "Visit the chairman",
            "Mr. Li",
            "(3) Relationship Action Plan",
        ):
            self.assertIn(text, html)
        check = self.Check.search([("partner_id", "=", self.c1.id)])
        html = Report._render_qweb_html("customer_retention.report_action_check", check.ids)[0].decode()
        self.assertIn("Customer Care Action Check", html)
        self.assertIn("400.00", html)
        wizard = self._june(self.supervisor_a)
        html = Report._render_qweb_html("customer_retention.report_scorecard", wizard.ids)[0].decode()
        self.assertIn(self.salesman_a.name, html)
        self.assertNotIn(self.salesman_b.name, html)
        # the supervisor reads the plan in Chinese when that is their language
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_retention"], ["zh_CN"], overwrite=True)
        self.supervisor_a.lang = "zh_CN"
        html = Report.with_context(lang="zh_CN")._render_qweb_html("customer_retention.report_care_plan", plan.ids)[0]
        self.assertIn("客户关怀计划", html.decode())

    # --- issue 16 point 7: reports a reader trusts ----------------------------------------------------
    def _scorecard_html(self, user, lang=None, **vals):
        """The scorecard as the user prints it (the HTML given to wkhtmltopdf)."""
        wizard = self._june(user, **vals)
        Report = self.env["ir.actions.report"].with_user(user).with_context(lang=lang or user.lang)
        return Report._render_qweb_html("customer_retention.report_scorecard", wizard.ids)[0].decode()

    def test_scorecard_pdf_says_what_it_covers(self):
        """Company, team, period, totals and page numbers are in the body of every page (wkhtmltopdf prints no
        header or footer), cut into pages by the report itself; plans submitted are called submitted."""
        self._build_activity()
        with patch.object(type(self.env["report.customer_retention.report_scorecard"]), "_rows_per_page", 1):
            html = self._scorecard_html(self.supervisor_a)
        root = lxml.html.fromstring(html)
        [article] = root.xpath("//div[contains(concat(' ', @class, ' '), ' article ')]")
        pages = article.xpath(".//div[contains(concat(' ', @class, ' '), ' o_rs_page ')]")
        self.assertEqual(len(pages), 2)  # two account managers, one per page
        for number, page in enumerate(pages, start=1):
            text = words(page)
            self.assertIn(self.env.company.name, text)
            self.assertIn("Sales Team East", text)
            self.assertIn("Period 2026-06-01 to 2026-06-30", text)
            self.assertIn(f"Page {number} / 2", text)
            self.assertIn("Plans Submitted", text)
        # an explicit break after the first page only, the totals on the last page only
        self.assertEqual(["o_rs_break" in page.get("class") for page in pages], [True, False])
        self.assertFalse(pages[0].xpath(".//tr[contains(@class, 'o_rs_total')]"))
        [totals] = pages[1].xpath(".//tr[contains(@class, 'o_rs_total')]")
        cells = [words(cell) for cell in totals.xpath("./td")]
        self.assertEqual(cells[0], "Total")
        self.assertEqual(cells[1], "4")  # customers of both account managers
        self.assertIn("400.00", cells[-2])  # total expenses
        self.assertEqual(cells[-1], "2")  # reviews received in June
        # the column is plans submitted in the period, never the state "Submitted" (待审批, pending approval)
        headers = [words(th) for th in article.xpath(".//thead//th")]
        self.assertNotIn("Submitted", headers)
        self.assertIn("Plans Submitted", headers)
        # styled whatever the port: every class of the body is defined by the report's own inline style, so
        # nothing depends on fetching the assets from web.base.url
        style = " ".join(article.xpath(".//style/text()"))
        classes = {
            name for node in article.iter() if isinstance(node.tag, str) for name in (node.get("class") or "").split()
        }
        classes -= {"article", "o_retention_scorecard"}
        self.assertTrue(classes)
        self.assertEqual({name for name in classes if f".{name}" not in style}, set())
        # a salesperson's scorecard covers herself
        html = self._scorecard_html(self.salesman_b, date_from="2020-01-01", date_to="2020-01-31")
        text = words(lxml.html.fromstring(html))
        self.assertIn(f"Account Manager {self.salesman_b.name}", text)
        self.assertIn("Page 1 / 1", text)
        self.assertNotIn(self.salesman_a.name, text)
        # in Chinese the column is no longer labelled pending approval
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_retention"], ["zh_CN"], overwrite=True)
        self.supervisor_a.lang = "zh_CN"
        html = self._scorecard_html(self.supervisor_a, lang="zh_CN")
        self.assertIn("业务员考核表", html)  # rendered in Chinese indeed
        self.assertNotIn("待审批", html)

    def test_pareto_shares_of_what_the_reader_sees(self):
        Customer = self.env["retention.report.customer"]
        domain = [("abc_class", "!=", False)]

        def pivot(user):
            """The shares per class as the pivot reads them, and the pivot's total row."""
            rows = Customer.with_user(user).read_group(
                domain, ["customer_share:sum", "revenue_share:sum"], ["abc_class"], lazy=False
            )
            [total] = Customer.with_user(user).read_group(domain, ["customer_share:sum", "revenue_share:sum"], [])
            return {row["abc_class"]: (row["customer_share"], row["revenue_share"]) for row in rows}, total

        # the supervisor: the 4 customers of team East, 18,000; the shares add up to 100 % over his rows
        shares, total = pivot(self.supervisor_a)
        self.assertEqual(shares, {"a": (50.0, 88.89), "b": (25.0, 8.33), "c": (25.0, 2.78)})
        self.assertEqual((total["customer_share"], total["revenue_share"]), (100.0, 100.0))
        self.assertAlmostEqual(sum(revenue for _count, revenue in shares.values()), 100.0, places=1)
        # the same shares in his Excel export
        pareto = self._workbook(self._export(self.supervisor_a, "pareto")).active
        self.assertEqual(
            [(pareto.cell(row, 3).value, pareto.cell(row, 6).value) for row in range(4, 7)],
            [shares["a"], shares["b"], shares["c"]],
        )
        # the salesperson: her 3 customers (10,000), in the pivot and on each of her rows (a list, an export):
        # whatever she reads, share and revenue give back her own total, never the company's (19,500)
        shares, _total = pivot(self.salesman_a)
        self.assertEqual(shares, {"a": (33.33, 80.0), "b": (33.33, 15.0), "c": (33.33, 5.0)})
        lines = Customer.with_user(self.salesman_a).search_read(
            domain, ["revenue_window", "revenue_share", "customer_share"]
        )
        self.assertEqual(len(lines), 3)
        for line in lines:
            self.assertAlmostEqual(line["revenue_window"] * 100.0 / line["revenue_share"], 10000.0, places=0)
            self.assertAlmostEqual(100.0 / line["customer_share"], 3.0, places=2)
        # the company's shares only for a retention manager
        company_revenue = sum(Customer.search([("company_id", "=", self.env.company.id)]).mapped("revenue_window"))
        self.assertGreaterEqual(company_revenue, 19500.0)
        line = Customer.with_user(self.manager).search([("partner_id", "=", self.c1.id)])
        self.assertAlmostEqual(line.revenue_share, round(8000.0 * 100.0 / company_revenue, 2), places=2)

    def test_funnel_in_stage_order(self):
        Customer = self.env["retention.report.customer"].with_user(self.supervisor_a)
        domain = [("lifecycle_stage", "!=", False)]
        expected = ["growth", "maturity", "decline", "churned"]  # team East has nobody in acquisition
        # graph and pivot (read_group), list grouped by stage (web_read_group), and the ORM
        graph = Customer.read_group(domain, ["customer_count:sum"], ["lifecycle_stage"], lazy=False)
        self.assertEqual([row["lifecycle_stage"] for row in graph], expected)
        listed = Customer.web_read_group(domain, ["customer_count:sum"], ["lifecycle_stage"])
        self.assertEqual([row["lifecycle_stage"] for row in listed["groups"]], expected)
        self.assertEqual([stage for (stage,) in Customer._read_group(domain, ["lifecycle_stage"])], expected)
        # the funnel graph keeps that order (no order by count)
        arch = self.env.ref("customer_retention.retention_report_customer_view_graph_funnel").arch
        self.assertNotIn("order=", arch)
        # the Excel funnel: every stage in order, shares of the team's customers, the period's win-backs
        self.env["retention.class.history"].create(
            {
                "partner_id": self.c1.id,
                "company_id": self.env.company.id,
                "kind": "stage",
                "old_value": "churned",
                "new_value": "growth",
                "is_win_back": True,
                "date": "2026-06-03 00:00:00",
            }
        )
        funnel = self._workbook(self._export(self.supervisor_a, "funnel")).active
        rows = [[funnel.cell(row, col).value for col in (1, 2, 3, 5, 6, 7)] for row in range(4, funnel.max_row + 1)]
        self.assertEqual(
            rows,
            [
                ["Acquisition", 0, 0.0, 0, 0, 0],
                ["Growth", 1, 25.0, 1, 1, 1],
                ["Maturity", 1, 25.0, 0, 0, 0],
                ["Decline", 1, 25.0, 1, 0, 0],
                ["Churned", 1, 25.0, 0, 0, 0],
                ["Total", 4, None, 2, 1, 1],
            ],
        )

    def test_no_sample_data_behind_empty_reports(self):
        """An empty report says so and how it fills, instead of showing Odoo's made-up sample figures."""
        views = self.env["ir.ui.view"].search([("model", "like", "retention."), ("type", "in", ("pivot", "graph"))])
        self.assertTrue(views)
        for view in views:
            self.assertNotIn("sample=", view.arch, view.name)
        actions = self.env["ir.actions.act_window"].search(
            [("res_model", "in", views.mapped("model")), ("view_mode", "like", "pivot")]
        )
        self.assertIn(self.env.ref("customer_retention.retention_report_care_plan_action"), actions)
        for action in actions:
            self.assertTrue(action.help, action.name)
        # and nothing to show indeed: no evaluation for the West salesman
        self.assertFalse(self.env["retention.report.care.plan"].with_user(self.salesman_b).search_count([]))

    def test_excel_totals_and_wrapping(self):
        """Totals only for what adds up (counts and amounts); long and multi-line text wrapped."""
        self._build_activity()
        factors = json.dumps([["trend", 20, [-40]], ["complaint", 15, [2, 1]]])
        self.Partner._retention_sql_set(self.env.company, {"retention_risk_factors": factors}, self.c1.ids)
        self.c1.invalidate_recordset()
        risk = self._workbook(self._export(self.supervisor_a, "risk")).active
        header = [cell.value for cell in risk[3]]
        total_row = risk.max_row
        column = {label: header.index(label) + 1 for label in header}
        self.assertEqual(risk.cell(total_row, 1).value, "Total")
        for label in ("Risk Score", "Why This Risk", "Last Order Date", "Next Contact Due", "ABC Class"):
            self.assertIsNone(risk.cell(total_row, column[label]).value, label)
        self.assertIsNotNone(risk.cell(total_row, column["Revenue Last 12 Months"]).value)
        reasons = risk.cell(4, column["Why This Risk"])
        self.assertEqual(risk.cell(4, 1).value, self.c1.name)
        self.assertEqual(len(reasons.value.splitlines()), 2)
        self.assertTrue(reasons.alignment.wrap_text)
        self.assertEqual(reasons.alignment.vertical, "top")
        width = risk.column_dimensions[openpyxl.utils.get_column_letter(column["Why This Risk"])].width
        self.assertGreaterEqual(width, 50)
        # the scorecard: counts and amounts summed, the card completeness (an average) not
        sheet = self._workbook(self._export(self.supervisor_a, "scorecard")).active
        header = [cell.value for cell in sheet[3]]
        total_row = sheet.max_row
        self.assertEqual(sheet.cell(total_row, header.index("Customers") + 1).value, 4)
        self.assertEqual(sheet.cell(total_row, header.index("Plans Submitted") + 1).value, 1)
        self.assertEqual(sheet.cell(total_row, header.index("Total Expenses") + 1).value, 400)
        self.assertIsNone(sheet.cell(total_row, header.index("Card Completeness (%)") + 1).value)
        # the Pareto: customers and revenue summed, shares and cumulative shares not
        pareto = self._workbook(self._export(self.supervisor_a, "pareto")).active
        self.assertEqual(
            [pareto.cell(pareto.max_row, col).value for col in range(1, 8)],
            ["Total", 4, None, None, 18000, None, None],
        )


@tagged("post_install", "-at_install")
class TestReportPdf(CareCommon, HttpCase):
    """Real PDF documents: wkhtmltopdf fetches the report's assets from the test server (an HttpCase shares its
    transaction with the server, a TransactionCase would leave wkhtmltopdf waiting on its locks)."""

    @mute_logger("odoo.addons.base.models.ir_actions_report")  # Debian's wkhtmltopdf warns it is unpatched
    def test_pdf_documents(self):
        plan = self._plan(date_start="2026-06-01", date_end="2026-12-31")
        wizard = (
            self.env["retention.report.wizard"]
            .with_user(self.supervisor_a)
            .create({"date_from": "2026-06-01", "date_to": "2026-06-30"})
        )
        Report = self.env["ir.actions.report"].with_user(self.supervisor_a)
        pdf, kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            "customer_retention.report_care_plan", plan.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"), pdf[:20])
        self.assertGreater(len(pdf), 5000)
        # the scorecard cuts its pages itself: one account manager per page here, two pages
        self._customer("Second Account Co", user=self.salesman_a2)
        with patch.object(type(self.env["report.customer_retention.report_scorecard"]), "_rows_per_page", 1):
            pdf, _kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
                "customer_retention.report_scorecard", wizard.ids
            )
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertEqual(len(PdfReader(io.BytesIO(pdf)).pages), 2)

"""Tooling check: uninstalling customer_retention is clean. In a throwaway database with the addon installed (a
copy of the database `make test` has just installed, or a fresh install when run on its own), it creates a
customer with a confirmed order and a data card, an activity of another app and the addon's warnings, an
activity plan with a step of each type, a care plan, an action check and a profile; uninstalls the addon with
the button of Apps (`button_immediate_uninstall`, in `odoo shell`); and checks that the log has no ERROR, that
nothing of the addon is left in the database (its activity types, their activities and the plan steps that use
them included) and that the other apps' data is all there.

Run by `make test` (or on its own: python -m unittest discover -s scripts/tests -p test_uninstall.py, with the
project's virtualenv, ODOO_SRC and the PG* variables of scripts/dev.sh)."""

import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import odoo_run  # noqa: E402

DATA = """
from datetime import timedelta
from odoo import Command, fields

today = fields.Date.context_today(env.user)
admin = env.ref("base.user_admin")
product = env["product.product"].create({"name": "Uninstall check service", "type": "service", "list_price": 250.0})
customer = env["res.partner"].create({"name": "Uninstall Check Customer", "is_company": True, "user_id": admin.id})
order = env["sale.order"].create(
    {"partner_id": customer.id, "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})]}
)
order.action_confirm()
env["retention.recompute"]._recompute(env.company, examine_all=True)
other = customer.activity_schedule("mail.mail_activity_data_todo", summary="Another app's reminder")
ours = customer.activity_schedule("customer_retention.mail_activity_type_contact_due", summary="Contact due")
plan = env["retention.care.plan"].create(
    {"partner_id": customer.id, "date_start": today, "date_end": today + timedelta(days=90)}
)
check = env["retention.action.check"].create({"partner_id": customer.id, "plan_id": plan.id})
profile = env["retention.profile"].create({"partner_id": customer.id})
profile.activity_schedule("customer_retention.mail_activity_type_key_date", summary="Birthday")
# an activity plan of the Discuss app with a step of another type and one of the addon's
steps = [
    ("mail.mail_activity_data_todo", "Send the catalogue"),
    ("customer_retention.mail_activity_type_contact_due", "Call"),
]
plan_of_steps = env["mail.activity.plan"].create({
    "name": "Uninstall check plan",
    "res_model": "res.partner",
    "template_ids": [
        Command.create({"activity_type_id": env.ref(xmlid).id, "summary": summary, "responsible_type": "on_demand"})
        for xmlid, summary in steps
    ],
})
# a night left half done: its table of the cards to examine stays until the next night
env.company.sudo().retention_night = {"step": "start"}
env["retention.recompute"]._retention_night_step(env.company, auto_commit=False)
assert env.company.sudo().retention_night["step"] == "cards"
env.flush_all()
card = customer.retention_order_count
types = env["ir.model.data"].search(
    [("module", "=", "customer_retention"), ("model", "=", "mail.activity.type")]
).mapped("res_id")
env.cr.commit()
result({"other": other.id, "types": types, "card": card, "customer": customer.id, "plan": plan_of_steps.id})
"""

UNINSTALL = """
env["ir.module.module"].search([("name", "=", "customer_retention")]).button_immediate_uninstall()
result(env["ir.module.module"].search([("name", "=", "customer_retention")]).state)
"""

# other apps' data that must survive: name -> SQL count
KEPT = {
    "partners": "SELECT count(*) FROM res_partner",
    "sale orders": "SELECT count(*) FROM sale_order",
    "order lines": "SELECT count(*) FROM sale_order_line",
    "products": "SELECT count(*) FROM product_product",
    "users": "SELECT count(*) FROM res_users",
    "messages on partners and orders": "SELECT count(*) FROM mail_message WHERE model IN ('res.partner', 'sale.order')",
}


class TestUninstall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not (odoo_run.odoo_src() / "odoo" / "release.py").is_file():
            raise unittest.SkipTest(f"no Odoo tree at {odoo_run.odoo_src()}")
        cls.db = odoo_run.check_name(os.environ.get("CR_TEST_DB", "retention_test") + "_uninstall")
        cls.tmp = tempfile.mkdtemp(prefix="cr-uninstall-")
        cls.addons = odoo_run.addons_path(REPO, parent=cls.tmp)
        installed = os.environ.get("CR_INSTALLED_DB")
        if installed and odoo_run.db_exists(odoo_run.check_name(installed)):
            odoo_run.createdb(cls.db, template=installed)  # seconds instead of a two-minute install
        else:
            odoo_run.install(cls.addons, cls.db, "--without-demo=all")

    @classmethod
    def tearDownClass(cls):
        odoo_run.dropdb(cls.db)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def count(self, sql):
        return int(odoo_run.psql(self.db, sql)[0][0])

    def test_uninstall_is_clean_and_keeps_other_apps_data(self):
        data, log = odoo_run.shell(self.addons, self.db, DATA)
        self.assertIsNotNone(data, log[-3000:])
        self.assertEqual(data["card"], 1, "the customer has a data card")
        # contact due, high risk, key date, protection ending, escalated
        self.assertEqual(len(data["types"]), 5)
        types = ",".join(map(str, data["types"]))
        ours = f"SELECT count(*) FROM mail_activity WHERE activity_type_id IN ({types})"
        self.assertGreaterEqual(self.count(ours), 2)
        kept = {name: self.count(sql) for name, sql in KEPT.items()}
        # the room left on the partners' pages for the cards' nightly writes
        options = "SELECT COALESCE(array_to_string(reloptions, ','), 'none') FROM pg_class WHERE relname='res_partner'"
        self.assertEqual(odoo_run.psql(self.db, options)[0][0], "fillfactor=70")

        state, log = odoo_run.shell(self.addons, self.db, UNINSTALL)
        self.assertEqual(state, "uninstalled", log[-3000:])
        self.assertEqual(odoo_run.problems(log), [], "the uninstall log has no ERROR")
        warnings = [line for line in log.splitlines() if " WARNING " in line and "retention" in line]
        self.assertEqual(warnings, [], "nor a WARNING about the addon")

        self.assertEqual({name: self.count(sql) for name, sql in KEPT.items()}, kept)
        self.assertEqual(self.count(f"SELECT count(*) FROM mail_activity WHERE id = {data['other']}"), 1)
        self.assertEqual(self.count(f"SELECT count(*) FROM res_partner WHERE id = {data['customer']}"), 1)
        # the activity plan stays, without its step of the addon's type
        steps = f"SELECT count(*) FROM mail_activity_plan_template WHERE plan_id = {data['plan']}"
        self.assertEqual(self.count(steps), 1)
        # nothing of the addon is left: its activity types and their activities, records, tables, columns, indexes
        self.assertEqual(self.count(f"SELECT count(*) FROM mail_activity_type WHERE id IN ({types})"), 0)
        self.assertEqual(self.count(ours), 0)
        self.assertEqual(self.count("SELECT count(*) FROM ir_model_data WHERE module = 'customer_retention'"), 0)
        self.assertEqual(self.count("SELECT count(*) FROM ir_model WHERE model LIKE 'retention.%'"), 0)
        leftovers = odoo_run.psql(
            self.db,
            r"""SELECT 'table ' || relname FROM pg_class
                 WHERE relkind IN ('r', 'v', 'm', 'S') AND relname LIKE 'retention\_%'
                UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE indexname LIKE '%retention%'
                UNION ALL SELECT 'column ' || table_name || '.' || column_name FROM information_schema.columns
                 WHERE table_schema = 'public' AND column_name LIKE 'retention\_%'""",
        )
        self.assertEqual(leftovers, [])
        self.assertEqual(odoo_run.psql(self.db, options)[0][0], "none", "res_partner's fillfactor is Odoo's again")


if __name__ == "__main__":
    unittest.main()

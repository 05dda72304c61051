from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ProfileCommon

KEEPERS = {"owner", "supervisor", "manager"}
EXPORTERS = {"supervisor", "manager"}
NOBODY = set()

# Who may do what, per model: the README's "Who sees what" table says the same.
EXPECTED = {
    "retention.profile": {
        "read": KEEPERS | {"borrower_during"},
        "write": KEEPERS,
        "create": KEEPERS,
        "unlink": {"manager"},
        "export": EXPORTERS,
    },
    "retention.key.date": {
        "read": KEEPERS | {"borrower_during"},
        "write": KEEPERS,
        "create": KEEPERS,
        "unlink": KEEPERS,
        "export": EXPORTERS,
    },
    "retention.borrowing": {
        "read": KEEPERS | {"borrower_during"},
        "write": NOBODY,
        "create": {"teammate", "other_team", "other_supervisor", "borrower_after"},
        "unlink": NOBODY,
        "export": KEEPERS | {"borrower_during"},
    },
    "retention.access.log": {
        "read": {"manager"},
        "write": NOBODY,
        "create": NOBODY,
        "unlink": NOBODY,
        "export": {"manager"},
    },
    "retention.owner.history": {
        "read": KEEPERS,
        "write": NOBODY,
        "create": NOBODY,
        "unlink": NOBODY,
        "export": KEEPERS,
    },
}


@tagged("post_install", "-at_install")
class TestProfileAccess(ProfileCommon):
    """Every role × every confidential model × read / write / create / unlink, through read, search_read,
    read_group, export_data, name_search and the partner form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.roles = {
            "owner": cls.salesman_a,
            "teammate": cls.salesman_a2,
            "other_team": cls.salesman_b,
            "supervisor": cls.supervisor_a,
            "other_supervisor": cls.supervisor_b,
            "borrower_before": cls.borrower_before,
            "borrower_during": cls.borrower_during,
            "borrower_after": cls.borrower_after,
            "manager": cls.manager,
            "other_company": cls.other_company_manager,
            "portal": cls.portal,
        }
        cls.env.ref("base.group_allow_export").write(
            {"users": [Command.link(user.id) for user in cls.roles.values() if not user.share]}
        )
        cls.history = cls.env["retention.owner.history"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.env.company.id,
                "from_user_id": cls.salesman_b.id,
                "to_user_id": cls.salesman_a.id,
                "user_id": cls.supervisor_a.id,
                "reason": "Territory change",
            }
        )
        cls.targets = {
            "retention.profile": cls.profile,
            "retention.key.date": cls.key_date,
            "retention.borrowing": cls.current,
            "retention.access.log": cls.Log.search([("borrowing_id", "=", cls.current.id)]),
            "retention.owner.history": cls.history,
        }

    # --- reads -------------------------------------------------------------------------------------
    def _quietly(self, call):
        """A search that the ACL refuses outright counts as an empty result."""
        try:
            return call()
        except AccessError:
            return None

    def _assert_reads(self, user, records, allowed):
        as_user = records.with_user(user)
        domain = [("id", "in", records.ids)]
        rows = self._quietly(lambda: as_user.search_read(domain, ["display_name"])) or []
        groups = self._quietly(lambda: as_user.read_group(domain, ["__count"], [])) or [{"__count": 0}]
        names = self._quietly(lambda: as_user.name_search("", domain)) or []
        if allowed:
            as_user.read(["display_name"])
            self.assertEqual({row["id"] for row in rows}, set(records.ids))
            self.assertEqual(groups[0]["__count"], len(records))
            self.assertEqual({name[0] for name in names}, set(records.ids))
        else:
            with self.assertRaises(AccessError):
                as_user.read(["display_name"])
            self.assertEqual(rows, [])
            self.assertEqual(groups[0]["__count"], 0)
            self.assertEqual(names, [])

    def _assert_export(self, user, records, allowed):
        as_user = records.with_user(user)
        if allowed:
            self.assertEqual(len(as_user.export_data(["id", "display_name"])["datas"]), len(records))
        else:  # AccessError, or Odoo's own UserError for users without the export right
            with self.assertRaises(UserError):
                as_user.export_data(["id", "display_name"])

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_read_matrix(self):
        for model, expected in EXPECTED.items():
            for role, user in self.roles.items():
                with self.subTest(model=model, role=role):
                    self._assert_reads(user, self.targets[model], role in expected["read"])
                    self._assert_export(user, self.targets[model], role in expected["export"])

    # --- writes ------------------------------------------------------------------------------------
    def _new_customer(self):
        return self._customer("Another confidential customer", user=self.salesman_a)

    def _create_as(self, model, user):
        company = self.env.company.id
        if model == "retention.profile":
            return self.Profile.with_user(user).create({"partner_id": self._new_customer().id, "company_id": company})
        if model == "retention.key.date":
            return self.key_date.with_user(user).create(
                {"profile_id": self.profile.id, "name": "Founding day", "date": "2001-09-18"}
            )
        if model == "retention.borrowing":
            return self.Borrowing.with_user(user).create(
                {"partner_id": self.customer.id, "company_id": company, "reason": "Visit", "duration_days": 2}
            )
        if model == "retention.access.log":
            return self.Log.with_user(user).create(
                {"partner_id": self.customer.id, "company_id": company, "action": "open"}
            )
        return (
            self.env[model]
            .with_user(user)
            .create({"partner_id": self.customer.id, "company_id": company, "to_user_id": user.id, "reason": "x"})
        )

    def _sacrificial(self, model):
        """A record like the target, to be deleted."""
        if model == "retention.profile":
            return self.Profile.create({"partner_id": self._new_customer().id})
        return self.targets[model].sudo().copy() if model == "retention.key.date" else self.targets[model]

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_write_matrix(self):
        values = {
            "retention.profile": {"taboos": "Changed"},
            "retention.key.date": {"name": "Changed"},
            "retention.borrowing": {"reason": "Changed"},
            "retention.access.log": {"note": "Changed"},
            "retention.owner.history": {"reason": "Changed"},
        }
        for model, expected in EXPECTED.items():
            for role, user in self.roles.items():
                target = self.targets[model].with_user(user)
                with self.subTest(model=model, role=role, op="write"):
                    if role in expected["write"]:
                        target.write(values[model])
                    else:
                        with self.assertRaises(AccessError):
                            target.write(values[model])
                with self.subTest(model=model, role=role, op="create"):
                    if role in expected["create"]:
                        self.assertTrue(self._create_as(model, user))
                    else:
                        with self.assertRaises(UserError):  # AccessError is a UserError
                            self._create_as(model, user)
                with self.subTest(model=model, role=role, op="unlink"):
                    victim = self._sacrificial(model).with_user(user)
                    if role in expected["unlink"]:
                        victim.unlink()
                        self.assertFalse(victim.sudo().exists())
                    else:
                        with self.assertRaises(AccessError):
                            victim.unlink()

    def test_log_immutable_even_for_superuser(self):
        log = self.targets["retention.access.log"].sudo()
        self.assertTrue(log)
        with self.assertRaises(AccessError):
            log.write({"note": "rewritten"})
        with self.assertRaises(AccessError):
            log.unlink()
        with self.assertRaises(AccessError):
            self.history.sudo().write({"reason": "rewritten"})

    # --- through the customer (res.partner) --------------------------------------------------------
    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_partner_form(self):
        """The Retention tab shows the profile to readers; others see that it exists and whom to ask."""
        spec = {
            "retention_profile_access": {},
            "retention_profile_keepers": {},
            "retention_profile_ids": {"fields": {"taboos": {}, "basic_traits": {}}},
        }
        expected_access = {
            "owner": "write",
            "supervisor": "write",
            "manager": "write",
            "borrower_during": "read",
            "other_company": "none",  # its company has no profile of this customer
        }
        for role, user in self.roles.items():
            if user.share:
                continue
            with self.subTest(role=role):
                for partner in (self.customer, self.contact):
                    values = partner.with_user(user).web_read(spec)[0]
                    self.assertEqual(values["retention_profile_access"], expected_access.get(role, "locked"))
                    readable = role in EXPECTED["retention.profile"]["read"]
                    self.assertEqual(self.TABOO in str(values["retention_profile_ids"]), readable)
                    if values["retention_profile_access"] == "locked":
                        self.assertIn(self.salesman_a.name, values["retention_profile_keepers"])
                        self.assertIn(self.supervisor_a.name, values["retention_profile_keepers"])

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_partner_export_and_search(self):
        """Profile fields are not reachable from the customer: export through it is for exporters only,
        searching customers on profile content is impossible."""
        path = ["name", "retention_profile_ids/taboos"]
        customer = self.customer.with_context(import_compat=False)
        for role in ("owner", "borrower_during"):
            with self.subTest(role=role), self.assertRaises(AccessError):
                customer.with_user(self.roles[role]).export_data(path)
        for role in ("owner", "other_team"):  # import-compatible exports give names only
            with self.subTest(role=role):
                rows = self.customer.with_user(self.roles[role]).export_data(path)["datas"]
                self.assertNotIn(self.TABOO, str(rows))
        rows = customer.with_user(self.salesman_b).export_data(path)["datas"]
        self.assertNotIn(self.TABOO, str(rows))
        rows = customer.with_user(self.supervisor_a).export_data(path)["datas"]
        self.assertIn(self.TABOO, str(rows))
        # searching customers on profile content finds only the profiles the user may read
        by_taboo = [("retention_profile_ids.taboos", "ilike", "clock")]
        self.assertFalse(self.Partner.with_user(self.salesman_b).search(by_taboo))
        self.assertEqual(self.Partner.with_user(self.salesman_a).search(by_taboo), self.customer)
        for role, user in self.roles.items():
            if role in EXPECTED["retention.profile"]["read"] or user.share:
                continue
            with self.subTest(role=role):
                found = self.Profile.with_user(user).search([("taboos", "ilike", "clock")])
                self.assertFalse(found)

    def test_portal_user_sees_nothing(self):
        for model in EXPECTED:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.portal).search([])

    def test_new_salesperson_gets_no_profile_right_by_team(self):
        """A salesperson joining team East reads nothing of the team's customers' profiles."""
        newcomer = new_test_user(self.env, "ret_newcomer", groups="sales_team.group_sale_salesman")
        self.team_a.member_ids = [Command.link(newcomer.id)]
        self.assertFalse(self.Profile.with_user(newcomer).search([]))

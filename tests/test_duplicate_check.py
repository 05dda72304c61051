from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from unittest.mock import patch

from psycopg2 import errors

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, Form, HttpCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.customer_retention.models import duplicate_keys as keys
from odoo.addons.customer_retention.models.duplicate_keys import CODE, NAME, PHONE, Card, best_match

from .common import MANAGER, SALESMAN, RaceCommon, RetentionCommon

HUAWEI_CODE = "91440300192203821T"
STEEL_CODE = "91310000MA1FL1234X"


class TestDuplicateKeys(BaseCase):
    """The normalization, without a database: what makes two cards the same customer."""

    def assertSameKey(self, normalize, values, expected):
        for value in values:
            with self.subTest(value=value):
                self.assertEqual(normalize(value), expected)

    def test_company_names(self):
        self.assertSameKey(
            keys.name_key,
            [
                "华为技术有限公司",
                "华为技术 有限公司",
                "华为技术（有限公司）",
                "华为技术股份有限公司",
                "华为技术有限责任公司",
                "华为技术集团有限公司",
                " 华为技术公司 ",
            ],
            "华为技术",
        )
        self.assertSameKey(
            keys.name_key,
            [
                "ACME Co., Ltd.",
                "Acme Limited",
                "ＡＣＭＥ　Ｃｏ．，Ｌｔｄ．",  # full-width, as typed with a Chinese input method
                "acme inc",
                "Acme, LLC",
                "ACME GmbH",
                "The Acme Company",
                "Acme Group Holdings Ltd",
            ],
            "acme",
        )
        self.assertEqual(keys.name_key("阿里巴巴（中国）有限公司"), keys.name_key("阿里巴巴(中国) 有限公司"))
        self.assertEqual(keys.name_key("阿里巴巴集团控股有限公司"), "阿里巴巴")
        # what tells two customers apart stays: the city, the trade, a word that only looks like a legal form
        self.assertNotEqual(keys.name_key("北京华为技术有限公司"), keys.name_key("华为技术有限公司"))
        self.assertNotEqual(keys.name_key("华为终端有限公司"), keys.name_key("华为技术有限公司"))
        self.assertEqual(keys.name_key("Company"), "company")
        self.assertEqual(keys.name_key("Coca-Cola Bottlers"), "cocacolabottlers")
        # too little to compare
        for value in ("", None, "A", "公", "---"):
            self.assertIsNone(keys.name_key(value))

    def test_phones(self):
        self.assertSameKey(
            keys.phone_key,
            [
                "13800138000",
                "138 0013 8000",
                "+86 138-0013-8000",
                "(+86) 13800138000",
                "0086 13800138000",
                "8613800138000",
                "１３８００１３８０００",  # full-width digits
                "+86 138 0013 8000 转 2",
            ],
            "13800138000",
        )
        self.assertSameKey(
            keys.phone_key,
            ["(010) 8888 6666", "010-88886666", "+86 10 8888 6666", "0086-10-88886666", "010-8888 6666 ext. 12"],
            "1088886666",
        )
        self.assertNotEqual(keys.phone_key("13800138001"), keys.phone_key("13800138000"))
        for value in ("", None, "110", "12345", "n/a"):
            self.assertIsNone(keys.phone_key(value))

    def test_codes(self):
        self.assertSameKey(
            keys.code_key,
            [
                HUAWEI_CODE,
                "9144 0300 1922 0382 1t",
                "91440300-192203821-T",
                "CN91440300192203821T",
                "ＣＮ" + HUAWEI_CODE,
            ],
            HUAWEI_CODE,
        )
        self.assertEqual(keys.code_key("CN 123456789012345"), "123456789012345")  # a 15-character tax number
        self.assertEqual(keys.code_key("BE0477472701"), "BE0477472701")
        for value in ("", None, "/", "N/A"):
            self.assertIsNone(keys.code_key(value))

    def test_masks_and_boxes(self):
        self.assertEqual(keys.mask_name("张伟"), "张**")
        self.assertEqual(keys.mask_name("Lina Zhou"), "L**")
        self.assertEqual(keys.mask_name(""), "**")
        self.assertEqual(
            keys.split_values("138 0013 8000, 010-8888 6666；021 5555 1234"),
            ["138 0013 8000", " 010-8888 6666", "021 5555 1234"],
        )
        self.assertEqual(keys.split_values(None), [])

    def test_cards(self):
        company = Card.of("华为技术有限公司", ["+86 138 0013 8000"], [HUAWEI_CODE], is_company=True, id=1)
        self.assertEqual(Card.of("华为技术", is_company=True).matches(company), (NAME,))
        self.assertEqual(Card.of("Other", ["13800138000"], ["CN" + HUAWEI_CODE]).matches(company), (CODE, PHONE))
        # two people of the same name are two customers; a person named like a company is that company
        zhang = Card.of("张伟", is_company=False, id=2)
        self.assertEqual(Card.of("张 伟", is_company=False).matches(zhang), ())
        self.assertEqual(Card.of("张伟", is_company=True).matches(zhang), (NAME,))
        self.assertEqual(Card.of("华为技术", is_company=False).matches(company), (NAME,))
        # company scopes: shared overlaps everything, two companies do not overlap
        scoped = Card.of("Scoped Co", company_id=3, id=4)
        self.assertEqual(Card.of("Scoped", company_id=5).matches(scoped), ())
        self.assertEqual(Card.of("Scoped", company_id=3).matches(scoped), (NAME,))
        self.assertEqual(Card.of("Scoped").matches(scoped), (NAME,))
        # the surest match first: more keys, then the strongest key, then the oldest card
        by_name = Card.of("Twin", id=7)
        by_phone = Card.of("Other", ["13900139000"], id=6)
        by_both = Card.of("Twin", ["13900139000"], id=8)
        self.assertEqual(
            best_match(Card.of("Twin", ["13900139000"]), [by_name, by_phone, by_both]), (by_both, (PHONE, NAME))
        )
        self.assertEqual(best_match(Card.of("Twin", ["13900139000"]), [by_name, by_phone]), (by_phone, (PHONE,)))
        self.assertEqual(best_match(Card.of("Nobody"), [by_name]), (None, ()))
        self.assertFalse(Card.of("", ["1"], ["/"]))
        self.assertEqual(company.lock_keys(), {"name:华为技术", "phone:13800138000", f"code:{HUAWEI_CODE}"})


class DuplicateCommon(RetentionCommon):
    """Three customers: one of salesman A (team East), one of salesman B (team West), one of the public pool."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.huawei = cls._customer(
            "华为技术有限公司", user=cls.salesman_a, phone="+86 138 0013 8000", vat=HUAWEI_CODE, city="Shenzhen"
        )
        cls.steel = cls._customer("Western Steel Ltd", user=cls.salesman_b, company_registry=STEEL_CODE)
        cls.pool = cls._customer("Pool Trading Co., Ltd.", mobile="010-8888 6666")
        # quoted, nobody holds it: a prospect of the public pool
        cls._order(cls.pool, 100, cls.TODAY - timedelta(days=30), state="draft")
        # nobody holds it and it was never quoted: no customer of the pool, whoever finds it takes it
        cls.free = cls._customer("Free Standing Ltd", phone="021 5555 0000")
        cls.Recompute._recompute(cls.env.company, cls.TODAY)
        cls.outsider = new_test_user(cls.env, "ret_outsider", groups="base.group_user,base.group_partner_manager")

    def _create(self, user, vals, **context):
        return self.Partner.with_user(user).with_context(**context).create({"is_company": True, **vals})

    def assertRefused(self, user, vals, *expected, absent=()):
        """Creating ``vals`` as ``user`` is refused with a message holding ``expected`` and none of ``absent``; no
        partner is created."""
        count = self.Partner.with_context(active_test=False).search_count([])
        with self.assertRaises(UserError) as caught, self.env.cr.savepoint():
            self._create(user, vals)
        message = str(caught.exception)
        for text in expected:
            self.assertIn(text, message)
        for text in absent:
            self.assertNotIn(text, message)
        self.assertEqual(self.Partner.with_context(active_test=False).search_count([]), count)
        return message


@tagged("post_install", "-at_install")
class TestDuplicateCheck(DuplicateCommon):
    # --- the keys -------------------------------------------------------------------------------
    def test_keys_are_stored_and_indexed(self):
        huawei = self.huawei
        self.assertEqual(
            (huawei.retention_name_key, huawei.retention_phone_key, huawei.retention_vat_key),
            ("华为技术", "13800138000", HUAWEI_CODE),
        )
        self.assertEqual(
            (self.steel.retention_registry_key, self.pool.retention_mobile_key), (STEEL_CODE, "1088886666")
        )
        contact = self.Partner.create({"name": "Mr. Ren", "parent_id": huawei.id, "phone": "13912345678"})
        self.assertFalse(contact.retention_name_key or contact.retention_phone_key or contact.retention_vat_key)
        huawei.write({"phone": "(0755) 2878 0808"})
        self.assertEqual(huawei.retention_phone_key, "75528780808")
        indexes = dict(
            self.env.execute_query(
                SQL(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'res_partner' AND indexname LIKE %s",
                    "%retention_%key%",
                )
            )
        )
        for column in ("phone", "mobile", "vat", "registry"):
            self.assertIn(f"res_partner__retention_{column}_key_index", indexes)
            self.assertIn(
                f"WHERE (retention_{column}_key IS NOT NULL)", indexes[f"res_partner__retention_{column}_key_index"]
            )
        self.assertIn('(retention_name_key COLLATE "C")', indexes["res_partner_retention_name_key_index"])

    def test_keys_are_never_typed(self):
        """A form, an import or an RPC call cannot hide a customer from the check by writing its keys."""
        partner = self._create(self.salesman_b, {"name": "Fresh Foods Co", "retention_name_key": "zzz"})
        self.assertEqual(partner.retention_name_key, "freshfoods")
        partner.with_user(self.salesman_b).write({"retention_name_key": False, "retention_phone_key": "1"})
        self.assertEqual((partner.retention_name_key, partner.retention_phone_key), ("freshfoods", False))
        # a user outside the retention groups creates partners too: their keys are computed all the same
        vendor = self.Partner.with_user(self.outsider).create({"name": "Paper Supplies Ltd", "phone": "021 5555 1234"})
        self.assertEqual((vendor.retention_name_key, vendor.retention_phone_key), ("papersupplies", "2155551234"))

    # --- creation refused: each key, each role ------------------------------------------------------
    def test_refused_for_each_key_with_the_holders_name_by_role(self):
        holder = self.salesman_a.name
        attempts = {
            "name": {"name": "华为技术（有限公司）"},
            "phone": {"name": "Shenzhen Telecom Kit", "mobile": "13800138000"},
            "credit code": {"name": "HW Tech", "vat": "CN" + HUAWEI_CODE},
        }
        for match, vals in attempts.items():
            with self.subTest(match=match):
                same = f"(same {match if match != 'credit code' else 'credit code / tax ID'})"
                self.assertRefused(self.salesman_a, vals, "华为技术有限公司 already exists", same, "is yours")
                for user in (self.salesman_a2, self.supervisor_a, self.manager):
                    self.assertRefused(user, vals, same, f"{holder} holds it. Ask them")
                message = self.assertRefused(
                    self.salesman_b,
                    vals,
                    same,
                    "r** (another sales team) holds it. Ask your supervisor",
                    absent=[holder],
                )
                self.assertNotIn("ret_sales_a", message)
                self.assertRefused(self.supervisor_b, vals, "(another sales team)", absent=[holder])

    def test_pool_customer_is_offered_for_claim(self):
        self.assertRefused(
            self.salesman_b,
            {"name": "POOL TRADING CO LTD"},
            "Pool Trading Co., Ltd. already exists (same name)",
            "in the public pool: claim it",
        )
        self.assertRefused(
            self.salesman_a, {"name": "New Name", "phone": "+86 10 8888 6666"}, "(same phone)", "public pool"
        )
        self.assertRefused(
            self.salesman_a,
            {"name": "FREE STANDING LTD."},
            "Free Standing Ltd already exists (same name) and nobody holds it: open it",
            absent=["public pool"],
        )

    def test_several_keys_and_scopes(self):
        # the card the new one matches most surely is named, with everything they share
        self.assertRefused(
            self.salesman_b,
            {"name": "Pool Trading", "vat": HUAWEI_CODE, "phone": "13800138000"},
            "华为技术有限公司 already exists (same credit code / tax ID, phone)",
        )
        # another company's customer is not a duplicate of this company's; a shared one is everyone's
        company_2 = self.env["res.company"].create({"name": "Retention Company 2"})
        self.salesman_b.write({"company_ids": [Command.link(company_2.id)]})
        self.steel.company_id = self.env.company
        other = self._create(self.salesman_b, {"name": "Western Steel", "company_id": company_2.id})
        self.assertEqual(other.company_id, company_2)
        self.assertRefused(self.salesman_b, {"name": "Western Steel"}, "(same name)")

    def test_people_of_the_same_name_are_two_customers(self):
        first = self._create(self.salesman_a, {"name": "张伟", "is_company": False})
        second = self._create(self.salesman_b, {"name": "张 伟", "is_company": False})
        self.assertEqual(len(first | second), 2)
        # a company named like a person who is a customer is that customer; so is a person named like a company
        self.assertRefused(self.salesman_b, {"name": "张伟", "is_company": True}, "张伟 already exists (same name)")
        self.assertRefused(self.salesman_b, {"name": "Western Steel", "is_company": False}, "Western Steel Ltd already")
        # quick create of a many2one ("Create ..."): a person, checked all the same
        with self.assertRaisesRegex(UserError, "Western Steel Ltd already exists"):
            self.Partner.with_user(self.salesman_a).name_create("Western Steel Limited")

    def test_within_one_call(self):
        with self.assertRaisesRegex(UserError, "TWIN CO., LTD. is given twice \\(same name\\)"):
            self.Partner.with_user(self.salesman_a).create(
                [{"name": "Twin Co", "is_company": True}, {"name": "TWIN CO., LTD.", "is_company": True}]
            )
        self.assertFalse(self.Partner.search([("name", "ilike", "twin")]))

    # --- changes ------------------------------------------------------------------------------------
    def test_changes_that_make_a_duplicate(self):
        own = self._create(self.salesman_b, {"name": "Eastern Foods Co"})
        with self.assertRaisesRegex(UserError, "r\\*\\* \\(another sales team\\) holds it"):
            own.with_user(self.salesman_b).write({"name": "华为技术"})
        with self.assertRaisesRegex(
            UserError, "Western Steel Ltd already exists \\(same credit code / tax ID\\) and is yours"
        ):
            own.with_user(self.salesman_b).write({"vat": STEEL_CODE})
        self.assertEqual(own.name, "Eastern Foods Co")
        # a customer archived while another took its place is not brought back as a second card
        twin = self.Partner.create({"name": "Eastern Foods Ltd", "is_company": True, "active": False})
        with self.assertRaisesRegex(UserError, "Eastern Foods Co already exists"):
            twin.with_user(self.salesman_b).action_unarchive()
        # duplicates older than the check stay editable: only what a change adds is checked
        older = self.Partner.create({"name": "华为技术", "is_company": True, "user_id": self.salesman_b.id})
        older.with_user(self.salesman_b).write({"city": "Dongguan", "phone": "0769 2288 0000"})
        self.assertEqual(older.city, "Dongguan")

    # --- import -------------------------------------------------------------------------------------
    def test_import_refused_and_nothing_written(self):
        Partner = self.Partner.with_user(self.salesman_b)
        count = self.Partner.search_count([])
        fields = ["name", "phone", "is_company"]
        result = Partner.load(fields, [["New Buyer Co", "021 5555 1234", "1"], ["华为技术有限公司", "", "1"]])
        self.assertFalse(result["ids"])
        refused = [message for message in result["messages"] if message["type"] == "error"]
        self.assertTrue(refused)
        for message in refused:
            self.assertIn("华为技术有限公司 already exists (same name)", message["message"])
        self.assertIn({"from": 1, "to": 1}, [message["rows"] for message in refused], "the second row is named")
        # twice in one file: the second row is refused
        result = Partner.load(fields, [["Twin Buyer", "", "1"], ["TWIN BUYER LTD", "", "1"]])
        self.assertFalse(result["ids"])
        self.assertIn("Twin Buyer already exists (same name)", result["messages"][-1]["message"])
        self.assertEqual(self.Partner.search_count([]), count)
        result = Partner.load(fields, [["New Buyer Co", "021 5555 1234", "1"]])
        self.assertEqual(len(result["ids"]), 1, result["messages"])

    # --- what is not checked --------------------------------------------------------------------------
    def test_contacts_and_odoo_flows_are_not_blocked(self):
        # contacts of a customer: same name or phone as another customer, for the salesperson who adds them
        contact = self._create(
            self.salesman_b,
            {"name": "华为技术", "parent_id": self.steel.id, "mobile": "13800138000", "is_company": False},
        )
        self.assertEqual(contact.commercial_partner_id, self.steel)
        # a company and a user are created with their own partner (an administrator is a retention manager)
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group(MANAGER.split(",")[-1]))
        company = self.env["res.company"].with_user(admin).create({"name": "Western Steel Ltd", "vat": STEEL_CODE})
        self.assertEqual(company.partner_id.name, "Western Steel Ltd")
        user = new_test_user(self.env(user=admin), "ret_hw", groups=SALESMAN, name="华为技术")
        self.assertEqual(user.partner_id.name, "华为技术")
        # neither is a customer the next check finds
        self.assertRefused(
            self.salesman_a, {"name": "Western Steel"}, "Western Steel Ltd already exists", absent=["yours"]
        )
        # renaming a user or a company renames their partner: not checked either
        user.with_user(admin).write({"name": "Pool Trading"})
        company.with_user(admin).write({"phone": "13800138000"})
        # a person with a tax ID makes their company (Odoo's "Create company"): the person is not its duplicate
        person = self._create(
            self.salesman_b,
            {"name": "Li Ming", "is_company": False, "company_name": "Li Ming Trading", "vat": "CN110108199001011234"},
        )
        person.with_user(self.salesman_b).create_company()
        self.assertEqual(person.parent_id.name, "Li Ming Trading")
        # Merge Contacts brings a customer's keys onto the one kept while the other still exists
        twin = self.Partner.create(
            {"name": "Steel West", "is_company": True, "user_id": self.salesman_b.id, "phone": "021 6666 7777"}
        )
        wizard = self.env["base.partner.merge.automatic.wizard"].with_user(admin)
        wizard._merge((twin | self.steel).ids, self.steel)
        self.assertEqual(self.steel.retention_phone_key, "2166667777")
        self.assertFalse(twin.exists())

    def test_only_sudo_bypasses(self):
        forged = {
            "retention_duplicate_skip": True,
            "retention_merge": True,
            "retention_duplicate_except": [self.huawei.id],
        }
        with self.assertRaisesRegex(UserError, "already exists"):
            self._create(self.salesman_b, {"name": "华为技术"}, **forged)
        duplicate = self.Partner.with_user(self.salesman_b).sudo().create({"name": "华为技术", "is_company": True})
        self.assertEqual(duplicate.retention_name_key, "华为技术")
        # users outside the retention groups (accounting, purchase) are not salespeople creating customers
        vendor = self.Partner.with_user(self.outsider).create({"name": "Western Steel", "is_company": True})
        self.assertTrue(vendor)

    # --- the cost of the check ----------------------------------------------------------------------
    def test_query_count(self):
        """Refusing or accepting a customer is two queries (the keys' rows, one search), whatever the number of
        customers and keys; the screen is a fixed number of queries, whatever it finds."""
        Partner = self.Partner.with_user(self.salesman_b)
        card = Card.of("华为技术有限公司", ["13800138000", "010-8888 6666"], [HUAWEI_CODE, STEEL_CODE])
        with self.assertRaises(UserError):
            Partner._retention_refuse_duplicates([(card, "Huawei")])
        self.env.flush_all()
        with self.assertQueryCount(2):
            Partner._retention_refuse_duplicates(
                [(Card.of("Nobody Yet Co", ["13300133000", "021 5555 1234"], [STEEL_CODE + "0"]), "Nobody Yet Co")]
            )
        for index in range(30):
            self.Partner.create({"name": f"华为技术 {index}", "is_company": True, "user_id": self.salesman_a2.id})
        Wizard = self.env["retention.duplicate.check"].with_user(self.supervisor_a)
        spec = {
            "partner_ids": {"fields": {"name": {}, "retention_duplicate_state": {}, "retention_duplicate_holder": {}}},
            "result": {},
        }
        # rights, rules and groups cached once
        Wizard.onchange({"name": "Western Steel", "phone": False, "code": False}, ["name"], spec)
        counts = []
        for name in ("华为技术", "Western Steel"):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = Wizard.onchange({"name": name, "phone": False, "code": False}, ["name"], spec)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertTrue(result["value"]["partner_ids"])
        self.assertEqual(counts[0], counts[1], "as many queries for 21 customers found as for 1")
        self.assertLessEqual(counts[0], 8)


@tagged("post_install", "-at_install")
class TestDuplicateCheckScreen(DuplicateCommon):
    """The menu Duplicate Check 客户查重 and the partner form's warning, per role."""

    def _screen(self, user, **values):
        return self.env["retention.duplicate.check"].with_user(user).create(values)

    def _found(self, user, **values):
        """{customer name: (state, holder)} as the screen shows them to ``user``."""
        screen = self._screen(user, **values)
        return {
            partner.name: (partner.retention_duplicate_state, partner.retention_duplicate_holder)
            for partner in screen.partner_ids
        }

    def test_screen_per_role(self):
        holder = self.salesman_a.name
        self.assertEqual(self._found(self.salesman_a, name="华为"), {"华为技术有限公司": ("own", holder)})
        self.assertEqual(self._found(self.salesman_a2, name="华为"), {"华为技术有限公司": ("named", holder)})
        self.assertEqual(
            self._found(self.supervisor_a, phone="+86 138 0013 8000"), {"华为技术有限公司": ("named", holder)}
        )
        self.assertEqual(self._found(self.manager, code=HUAWEI_CODE.lower()), {"华为技术有限公司": ("named", holder)})
        for user in (self.salesman_b, self.supervisor_b):
            found = self._found(user, name="华为技术股份有限公司")
            self.assertEqual(found, {"华为技术有限公司": ("masked", "r** (another sales team)")})
        # several boxes at once, several numbers in one, the pool
        found = self._found(self.salesman_b, name="western", phone="13800138000, 010 8888 6666")
        self.assertEqual(
            found,
            {
                "华为技术有限公司": ("masked", "r** (another sales team)"),
                "Western Steel Ltd": ("own", self.salesman_b.name),
                "Pool Trading Co., Ltd.": ("pool", "Public pool"),
            },
        )
        self.assertEqual(
            self._found(self.salesman_b, phone="+86 21 5555 0000"), {"Free Standing Ltd": ("free", "Nobody")}
        )
        screen = self._screen(self.salesman_b, name="Nobody Like This Ltd")
        self.assertFalse(screen.partner_ids)
        self.assertEqual(screen.result, "No existing customer has this name, phone number or code.")

    def test_screen_shows_only_masked_data(self):
        """What the screen hands the client for another team's customer: the customer's name and a mask."""
        spec = {
            "partner_ids": {"fields": {"name": {}, "retention_duplicate_state": {}, "retention_duplicate_holder": {}}},
            "result": {},
        }
        result = (
            self.env["retention.duplicate.check"]
            .with_user(self.salesman_b)
            .onchange({"name": "华为", "phone": False, "code": False}, ["name"], spec)
        )
        self.assertIn("r** (another sales team)", str(result))
        self.assertNotIn("ret_sales_a", str(result))
        view = self.env.ref("customer_retention.retention_duplicate_check_view_form").arch
        self.assertIn('no_open="1"', view)
        self.assertNotIn("user_id", view)

    def test_claim_is_offered_in_the_pool(self):
        screen = self._screen(self.salesman_b, name="pool trading")
        pool = screen.partner_ids
        self.assertEqual(pool, self.pool)
        self.assertEqual(pool.retention_duplicate_state, "pool")
        arch = self.env["retention.duplicate.check"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_retention_duplicate_claim"', arch)
        self.assertIn("invisible=\"retention_duplicate_state != 'pool'\"", arch)
        # the button claims the customer through the pool's own claim (with its caps and checks)
        claims = []

        def claim(records):
            claims.append(records)
            return "claimed"

        with patch.object(type(self.env["res.partner"]), "action_retention_claim", claim, create=True):
            self.assertEqual(pool.with_user(self.salesman_b).action_retention_duplicate_claim(), "claimed")
        self.assertEqual(claims, [pool])
        self.assertEqual(claims[0].env.user, self.salesman_b)
        # and for real: the pool's claim, its history and the customer held
        pool.with_user(self.salesman_b).action_retention_duplicate_claim()
        self.assertEqual(self.pool.user_id, self.salesman_b)
        history = self.env["retention.owner.history"].search([("partner_id", "=", self.pool.id)])
        self.assertEqual((history.kind, history.to_user_id), ("claim", self.salesman_b))
        # a customer someone holds is not claimed from here
        with self.assertRaisesRegex(
            UserError, "no longer in the public pool: r\\*\\* \\(another sales team\\) holds it"
        ):
            self.huawei.with_user(self.salesman_b).action_retention_duplicate_claim()

    def test_open_only_what_the_user_may_know(self):
        action = self.huawei.with_user(self.salesman_a2).action_retention_duplicate_open()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.huawei.id))
        action = self.free.with_user(self.salesman_b).action_retention_duplicate_open()
        self.assertEqual(action["res_id"], self.free.id)
        with self.assertRaisesRegex(UserError, "not in the public pool \\(never quoted\\): open it"):
            self.free.with_user(self.salesman_b).action_retention_duplicate_claim()
        with self.assertRaisesRegex(UserError, "held by another sales team"):
            self.huawei.with_user(self.salesman_b).action_retention_duplicate_open()

    def test_users_outside_the_retention_groups_are_refused(self):
        Wizard = self.env["retention.duplicate.check"].with_user(self.outsider)
        with mute_logger("odoo.addons.base.models.ir_model", "odoo.models"):
            with self.assertRaises(AccessError):
                Form(Wizard)
            with self.assertRaises(AccessError):
                Wizard.create({"name": "华为"})
            with self.assertRaises(AccessError):
                Wizard.onchange({"name": "华为", "phone": False, "code": False}, ["name"], {"partner_ids": {}})
            with self.assertRaises(AccessError):
                self.huawei.with_user(self.outsider).read(["retention_duplicate_holder"])
        menu = self.env.ref("customer_retention.retention_duplicate_check_menu")
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(self.outsider)._visible_menu_ids())
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.salesman_b)._visible_menu_ids())

    def test_partner_form_warns_while_typing(self):
        form = Form(self.Partner.with_user(self.salesman_b).with_context(default_is_company=True))
        self.assertFalse(form.retention_duplicate_warning)
        form.name = "华为技术股份有限公司"
        self.assertEqual(
            form.retention_duplicate_warning, "华为技术有限公司 (same name) is held by r** (another sales team)."
        )
        form.name = "Brand New Tea Co"
        form.mobile = "+86 10 8888 6666"
        self.assertEqual(
            form.retention_duplicate_warning, "Pool Trading Co., Ltd. (same phone) is in the public pool: claim it."
        )
        form.mobile = False
        self.assertFalse(form.retention_duplicate_warning)
        form.save()
        # an existing card does not warn about itself; a contact never warns
        huawei = Form(self.huawei.with_user(self.salesman_a))
        self.assertFalse(huawei.retention_duplicate_warning)
        huawei.city = "Dongguan"
        self.assertFalse(huawei.retention_duplicate_warning)
        # a saved card edited into another customer's phone warns too
        steel = Form(self.steel.with_user(self.salesman_b))
        steel.phone = "+86 13800138000"
        self.assertEqual(
            steel.retention_duplicate_warning, "华为技术有限公司 (same phone) is held by r** (another sales team)."
        )
        contact = Form(self.Partner.with_user(self.salesman_b).with_context(default_parent_id=self.steel.id))
        contact.name = "华为技术"
        self.assertFalse(contact.retention_duplicate_warning)
        arch = self.Partner.with_user(self.salesman_b).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('widget="retention_duplicate_warning"', arch)


@tagged("post_install", "-at_install")
class TestDuplicateRace(RaceCommon):
    """Two salespeople create the same customer at the same moment, each transaction past the check before the
    other commits (the pattern of ``test_database_rules.TestRaces``): one card is committed, the other salesperson
    is told it exists."""

    @contextmanager
    def _world(self):
        def build(env):
            users = [
                new_test_user(env, f"ret_dup_race_{index}", groups=SALESMAN, name=f"Race Seller {index}")
                for index in range(2)
            ]
            return SimpleNamespace(uids=[user.id for user in users])

        def remove(env, world):
            partners = env["res.partner"].with_context(active_test=False).search([("name", "ilike", "race duplicate")])
            env.execute_query(
                SQL(
                    "DELETE FROM retention_duplicate_key WHERE key IN %s",
                    ("name:raceduplicate", "phone:13700137000"),
                )
            )
            partners.unlink()
            self._remove_users(env, world.uids)

        with self._committed_world(build, remove) as world:
            yield world

    def test_two_creations_at_the_same_moment(self):
        with self._world() as world:

            def create(env):
                names = {world.uids[0]: "Race Duplicate Co., Ltd.", world.uids[1]: "RACE DUPLICATE LIMITED"}
                return env["res.partner"].create({"name": names[env.uid], "is_company": True, "phone": "13700137000"})

            outcomes = self._race(world.uids, create)
            refused = [outcome for outcome in outcomes if outcome.error]
            self.assertEqual(len(refused), 1, outcomes)
            self.assertIsInstance(refused[0].error, UserError)
            winner = next(outcome.result for outcome in outcomes if not outcome.error)
            # the database stopped the second transaction, Odoo's retry met the check
            self.assertEqual(len(refused[0].failures), 1)
            self.assertIsInstance(refused[0].failures[0], errors.SerializationFailure)
            with self._committed() as env:
                created = env["res.partner"].search([("retention_name_key", "=", "raceduplicate")])
                self.assertEqual(len(created), 1)
                self.assertEqual(created.ids, winner)
                # the check's message (in the loser's language), naming the card that was committed
                self.assertIn(created.name, refused[0].error.args[0])
                self.assertNotIn("Race Seller", refused[0].error.args[0])


@tagged("post_install", "-at_install")
class TestDuplicateTour(DuplicateCommon, HttpCase):
    """The partner form's warning and its button, in a browser."""

    def test_form_warning_opens_the_duplicate_check(self):
        self.start_tour(
            "/odoo/action-customer_retention.res_partner_action_retention/new",
            "customer_retention_duplicate_warning",
            login="ret_sales_b",
        )
        self.assertFalse(self.Partner.search([("name", "=", "华为技术股份有限公司")]))
        self.assertFalse(
            self.env["retention.duplicate.check"].search([]), "the check opened over the form saved nothing"
        )

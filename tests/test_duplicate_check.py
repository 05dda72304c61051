from odoo.tests import BaseCase

from odoo.addons.customer_retention.models import duplicate_keys as keys
from odoo.addons.customer_retention.models.duplicate_keys import CODE, NAME, PHONE, Card, best_match

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

from pathlib import Path

import polib

from odoo.tests import tagged
from odoo.tools.translate import TranslationModuleReader

from odoo.addons.base.tests.common import BaseCommon

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestTranslations(BaseCommon):
    """Every translatable term of the installed addon ships in Chinese."""

    def test_zh_cn_is_complete(self):
        terms = {
            source
            for _module, _type, _name, _res_id, source, _value, _comments in TranslationModuleReader(
                self.env.cr, modules=["customer_retention"]
            )
            if source
        }
        self.assertGreater(len(terms), 150)
        translated = {
            entry.msgid: entry.msgstr
            for entry in polib.pofile(str(I18N / "zh_CN.po"))
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
        }
        missing = sorted(terms - set(translated))
        self.assertFalse(missing, f"terms missing from i18n/zh_CN.po (run `make pot`): {missing}")
        in_pot = {entry.msgid for entry in polib.pofile(str(I18N / "customer_retention.pot"))}
        self.assertFalse(sorted(terms - in_pot), "i18n/customer_retention.pot is out of date (run `make pot`)")

    def test_chinese_labels_loaded(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_retention"], ["zh_CN"], overwrite=True)
        partner = self.env["res.partner"].with_context(lang="zh_CN")
        stages = dict(partner._fields["retention_lifecycle_stage"]._description_selection(partner.env))
        self.assertEqual(stages["churned"], "客户流失")
        self.assertEqual(partner._fields["retention_abc_class"]._description_string(partner.env), "ABC分类")

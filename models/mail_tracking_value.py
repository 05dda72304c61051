from odoo import models


class MailTrackingValue(models.Model):
    _inherit = "mail.tracking.value"

    def _tracking_value_format_model(self, model):
        """A tracked change of one of the addon's selections (ABC class, lifecycle stage, risk level, the manual
        classifications, the states of plans and checks) keeps the labels in the language of whoever made the
        change, the nightly recompute included: each reader reads them in their own language."""
        formatted = super()._tracking_value_format_model(model)
        if not model or not formatted:
            return formatted
        relabel = self._retention_relabel_map(model, {values["fieldName"] for values in formatted})
        for values in formatted:
            labels = relabel.get(values["fieldName"])
            if not labels:
                continue
            for side in ("oldValue", "newValue"):
                label = values[side]["value"]
                values[side]["value"] = labels.get(label, label)
        return formatted

    def _retention_relabel_map(self, model, fnames):
        """{field name: {label in any installed language: label in the reader's}} for the selections of the
        addon among ``fnames`` of ``model``. A label matches in the reader's language first, then in English, then
        in the other languages; a label that matches none (a translation changed since) reads as it was stored."""
        Model = self.env[model]
        selections = [
            field
            for fname in fnames
            if (field := Model._fields.get(fname))
            and field.type == "selection"
            and isinstance(field.selection, list)
            and "customer_retention" in field._modules
        ]
        if not selections:
            return {}
        reader = self.env.lang or "en_US"
        langs = [reader, "en_US"] + [code for code, _name in self.env["res.lang"].get_installed() if code != reader]
        relabel = {}
        for field in selections:
            wanted = dict(field._description_selection(self.with_context(lang=reader).env))
            labels = {}
            for lang in langs:
                for value, label in field._description_selection(self.with_context(lang=lang).env):
                    labels.setdefault(label, wanted.get(value, label))
            relabel[field.name] = labels
        return relabel

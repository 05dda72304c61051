from odoo import api, models
from odoo.tools.misc import format_amount, format_date


class RetentionReportDocument(models.AbstractModel):
    """Printed documents check access themselves: the records are read with the user's rights before anything
    is rendered (a report's groups only hide its menu entry)."""

    _name = "retention.report.document"
    _description = "Retention Printed Document"

    _document_model = None

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env[self._document_model].browse(docids)
        docs.check_access("read")
        env = self.env

        def label(record, fname):
            """The translated label of a selection value."""
            return dict(record._fields[fname]._description_selection(env)).get(record[fname], "")

        return {
            "doc_ids": docids,
            "doc_model": self._document_model,
            "docs": docs,
            "label": label,
            "format_date": lambda value: format_date(env, value) if value else "",
            "format_amount": lambda value, currency: format_amount(env, value or 0.0, currency),
        }


class ReportCarePlan(models.AbstractModel):
    _name = "report.customer_retention.report_care_plan"
    _inherit = ["retention.report.document"]
    _description = "Care Plan Report"

    _document_model = "retention.care.plan"


class ReportActionCheck(models.AbstractModel):
    _name = "report.customer_retention.report_action_check"
    _inherit = ["retention.report.document"]
    _description = "Action Check Report"

    _document_model = "retention.action.check"


class ReportScorecard(models.AbstractModel):
    _name = "report.customer_retention.report_scorecard"
    _inherit = ["retention.report.document"]
    _description = "Scorecard Report"

    _document_model = "retention.report.wizard"

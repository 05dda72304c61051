from odoo import api, fields, models
from odoo.tools.misc import format_amount, format_date

from .retention_report_scorecard import AMOUNT_MEASURES, AVERAGE_MEASURES, SCORECARD_MEASURES


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
    # rows of the printed scorecard per page: each page is cut by the report itself, as Debian's wkhtmltopdf
    # (unpatched Qt) prints no header or footer
    _rows_per_page = 20

    @api.model
    def _get_report_values(self, docids, data=None):
        values = super()._get_report_values(docids, data)
        values["scorecard"] = self._scorecard
        return values

    @api.model
    def _scorecard(self, wizard):
        """The printed scorecard of the wizard's parameters: its scope, and its rows cut into pages, each page
        with its number and the last one with the totals."""
        wizard.ensure_one()
        scorecard = self.env["retention.report.scorecard"]
        parameters = (wizard._domain(), wizard.date_from, wizard.date_to)
        rows = scorecard._salesperson_rows(*parameters)
        size = self._rows_per_page
        chunks = [rows[start : start + size] for start in range(0, len(rows), size)] or [[]]
        currency = self.env.company.currency_id

        def cell(name, value):
            if name in AMOUNT_MEASURES:
                return format_amount(self.env, value or 0.0, currency)
            return f"{value or 0.0:.1f}" if name in AVERAGE_MEASURES else str(value or 0)

        def cells(row):
            return [cell(name, row[name]) for name in SCORECARD_MEASURES]

        pages = [
            {
                "rows": [(row["salesperson"].name or self.env._("No account manager"), cells(row)) for row in chunk],
                "number": self.env._("Page %(page)s / %(pages)s", page=index, pages=len(chunks)),
                "last": index == len(chunks),
            }
            for index, chunk in enumerate(chunks, start=1)
        ]
        today = fields.Date.context_today(wizard)
        return {
            "scope": wizard._scope(period=True),
            "as_of": format_date(self.env, today),
            "printed": self.env._(
                "Printed by %(user)s on %(date)s", user=self.env.user.name, date=format_date(self.env, today)
            ),
            "pages": pages,
            "totals": cells(scorecard._totals(*parameters)),
        }

"""The Excel sheets of the supervisor reports: the rows the analyses give the user for the wizard's parameters (read
with the user's own rights), laid out as ``xlsx.Sheet``; ``xlsx.build_workbook`` writes them."""

from odoo import fields
from odoo.tools.misc import format_date

from .retention_report_scorecard import AMOUNT_MEASURES, AVERAGE_MEASURES, SCORECARD_MEASURES
from .xlsx import Column, Sheet, build_workbook

# reports whose figures depend on the period (the others describe the cards as they are today)
PERIOD_REPORTS = ("scorecard", "funnel")


def measure_kind(name):
    """The Excel column kind of a scorecard measure."""
    if name in AMOUNT_MEASURES:
        return "amount"
    return "percent" if name in AVERAGE_MEASURES else "count"


def scorecard_sheets(wizard):
    env = wizard.env
    scorecard = env["retention.report.scorecard"]
    columns = [Column(env._("Account Manager"))] + [
        Column(scorecard._fields[name]._description_string(env), measure_kind(name), 12) for name in SCORECARD_MEASURES
    ]
    rows = [
        [row["salesperson"].name or env._("No account manager")] + [row[name] for name in SCORECARD_MEASURES]
        for row in scorecard._salesperson_rows(wizard._domain(), wizard.date_from, wizard.date_to)
    ]
    return [Sheet(env._("Scorecard"), env._("Salesperson Scorecard"), columns, rows)]


def pareto_sheets(wizard):
    env = wizard.env
    columns = [
        Column(env._("ABC Class")),
        Column(env._("Customers"), "count"),
        Column(env._("Customer Share (%)"), "share"),
        Column(env._("Cumulative Customers (%)"), "share"),
        Column(env._("Revenue (ABC Window)"), "amount", 18),
        Column(env._("Revenue Share (%)"), "share"),
        Column(env._("Cumulative Revenue (%)"), "share"),
    ]
    keys = (
        "abc_class",
        "customers",
        "customer_share",
        "cumulative_customer_share",
        "revenue",
        "revenue_share",
        "cumulative_revenue_share",
    )
    rows = [[row[key] for key in keys] for row in env["retention.report.customer"]._pareto_rows(wizard._domain())]
    return [Sheet(env._("ABC Pareto"), env._("ABC Pareto"), columns, rows)]


def funnel_sheets(wizard):
    env = wizard.env
    columns = [
        Column(env._("Lifecycle Stage")),
        Column(env._("Customers"), "count"),
        Column(env._("Customer Share (%)"), "share"),
        Column(env._("Revenue Last 12 Months"), "amount", 18),
        Column(env._("At Risk"), "count"),
        Column(env._("Entered in Period"), "count"),
        Column(env._("Won Back in Period"), "count"),
    ]
    keys = ("stage", "customers", "customer_share", "revenue_12m", "at_risk", "entries", "win_backs")
    funnel = env["retention.report.customer"]._funnel_rows(wizard._domain(), wizard.date_from, wizard.date_to)
    rows = [[row[key] for key in keys] for row in funnel]
    return [Sheet(env._("Lifecycle Funnel"), env._("Lifecycle Funnel"), columns, rows)]


def risk_sheets(wizard):
    env = wizard.env
    columns = [
        Column(env._("Customer")),
        Column(env._("Account Manager")),
        Column(env._("Sales Team")),
        Column(env._("Risk Level")),
        Column(env._("Risk Score"), "score", 10),
        Column(env._("Why This Risk"), width=60, wrap=True),
        Column(env._("ABC Class")),
        Column(env._("Last Order Date"), "date", 12),
        Column(env._("Next Contact Due"), "date", 12),
        Column(env._("Revenue Last 12 Months"), "amount", 18),
    ]
    report = env["retention.report.customer"]
    risk_labels = dict(report._fields["risk_level"]._description_selection(env))
    abc_labels = dict(report._fields["abc_class"]._description_selection(env))
    rows = [
        [
            line.partner_id.display_name,
            line.salesperson_id.name or "",
            line.team_id.name or "",
            risk_labels.get(line.risk_level, ""),
            line.risk_score,
            line.risk_reasons or "",
            abc_labels.get(line.abc_class, ""),
            line.last_order_date,
            line.next_contact_date,
            line.revenue_12m,
        ]
        for line in report._risk_lines(wizard._domain())
    ]
    return [Sheet(env._("Risk List"), env._("Risk List"), columns, rows)]


def receivables_sheets(wizard):
    env = wizard.env
    report = env["retention.report.customer"]
    by_customer = [
        [line.partner_id.display_name, line.salesperson_id.name or "", line.team_id.name or "", line.overdue_amount]
        for line in report._receivable_lines(wizard._domain())
    ]
    by_salesperson = [
        [salesperson.name or env._("No account manager"), count, amount]
        for salesperson, count, amount in report._receivables_by_salesperson(wizard._domain())
    ]
    customer, manager = env._("Customer"), env._("Account Manager")
    overdue = env._("Overdue Receivables")
    return [
        Sheet(
            env._("By Customer"),
            env._("Receivables Check"),
            [
                Column(customer),
                Column(manager),
                Column(env._("Sales Team")),
                Column(overdue, "amount", 18),
            ],
            by_customer,
        ),
        Sheet(
            env._("By Account Manager"),
            env._("Receivables Check"),
            [Column(manager), Column(env._("Customers"), "count"), Column(overdue, "amount", 18)],
            by_salesperson,
        ),
    ]


SHEETS = {
    "scorecard": scorecard_sheets,
    "pareto": pareto_sheets,
    "funnel": funnel_sheets,
    "risk": risk_sheets,
    "receivables": receivables_sheets,
}


def report_workbook(wizard):
    """The .xlsx file of the wizard's report: its sheets, each under what the report covers (and the date of the
    cards, for a report without a period)."""
    env = wizard.env
    sheets = SHEETS[wizard.report](wizard)
    period = wizard.report in PERIOD_REPORTS
    scope = [value for _label, value in wizard._scope(period=period)]
    if not period:
        scope.append(env._("As of %(date)s", date=format_date(env, fields.Date.context_today(wizard))))
    for sheet in sheets:
        sheet.subtitle = " · ".join(scope)
        sheet.totals_label = env._("Total")
    return build_workbook(sheets)

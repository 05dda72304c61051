"""Excel workbooks for the supervisor reports: plain data in, bytes out (no ORM here)."""

import io
import unicodedata
from dataclasses import dataclass, field

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

# column kinds and their number formats
FORMATS = {
    "text": None,
    "date": "yyyy-mm-dd",
    "count": "#,##0",
    "amount": "#,##0.00",
    "score": "0",
    "percent": "0.0",
    "share": "0.00",
}
# kinds that add up: only counts and amounts get a sum on the totals row. A score, a rate, a share (of the rows
# shown) or a date summed means nothing, so their cells of the totals row stay empty.
ADDITIVE = {"count", "amount"}
# widths, in characters of a Latin font, of a column sized to its content
MIN_WIDTH, MAX_WIDTH = 8, 40


@dataclass
class Column:
    """A column of a sheet; without a ``width`` it is as wide as its content (within bounds). A ``wrap`` column
    breaks long text and multi-line values into lines in its cells."""

    label: str
    kind: str = "text"
    width: int | None = None
    wrap: bool = False

    @property
    def additive(self):
        return self.kind in ADDITIVE


@dataclass
class Sheet:
    name: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    totals_label: str = "Total"
    subtitle: str = ""


def display_width(value):
    """The width of a cell's text in characters of a Latin font: the longest line, a Chinese character twice."""
    if value is None or value is False:
        return 0
    lines = value.splitlines() if isinstance(value, str) else [f"{value:,.2f}" if isinstance(value, float) else value]
    return max(
        (sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in str(line)) for line in lines),
        default=0,
    )


def column_width(column, values):
    """The set width of the column, else the width of its widest value (the header wraps), within bounds."""
    if column.width:
        return column.width
    widest = max((display_width(value) for value in values), default=0)
    label = max((display_width(word) for word in column.label.split()), default=0)
    return min(max(widest + 2, label + 2, MIN_WIDTH), MAX_WIDTH)


def build_workbook(sheets):
    """An .xlsx file with one sheet per ``Sheet``: a title, a bold header row frozen under the title, the rows
    in the number format of their column (long text wrapped, top-aligned), an autofilter, and a totals row with
    the sums of the additive columns (counts and amounts) only."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "remove_timezone": True})
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    header_format = workbook.add_format(
        {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
    )

    def cell_format(kind, wrap=False, total=False):
        properties = {"valign": "top"}
        if FORMATS[kind]:
            properties["num_format"] = FORMATS[kind]
        if wrap:
            properties["text_wrap"] = True
        if total:
            properties.update(bold=True, top=1)
        return workbook.add_format(properties)

    formats = {(kind, wrap): cell_format(kind, wrap) for kind in FORMATS for wrap in (False, True)}
    total_formats = {kind: cell_format(kind, total=True) for kind in FORMATS}
    for sheet in sheets:
        worksheet = workbook.add_worksheet(sheet.name[:31])
        worksheet.write(0, 0, sheet.title, title_format)
        if sheet.subtitle:
            worksheet.write(1, 0, sheet.subtitle)
        header_row = 2
        for col, column in enumerate(sheet.columns):
            values = [row[col] for row in sheet.rows]
            worksheet.set_column(col, col, column_width(column, values), formats[column.kind, column.wrap])
            worksheet.write(header_row, col, column.label, header_format)
        worksheet.freeze_panes(header_row + 1, 0)
        first = header_row + 1
        for offset, row in enumerate(sheet.rows):
            for col, (column, value) in enumerate(zip(sheet.columns, row, strict=True)):
                cell = formats[column.kind, column.wrap]
                if value is None or value is False:
                    worksheet.write_blank(first + offset, col, None, cell)
                elif column.kind == "date":
                    worksheet.write_datetime(first + offset, col, value, cell)
                elif column.kind == "text":
                    worksheet.write_string(first + offset, col, str(value), cell)
                else:
                    worksheet.write(first + offset, col, value, cell)
        last = first + len(sheet.rows) - 1
        if sheet.rows:
            worksheet.autofilter(header_row, 0, last, len(sheet.columns) - 1)
        totals_row = first + len(sheet.rows)
        worksheet.write(totals_row, 0, sheet.totals_label, total_formats["text"])
        for col, column in enumerate(sheet.columns[1:], start=1):
            if not column.additive:
                continue
            value = sum(row[col] or 0 for row in sheet.rows)
            if sheet.rows:
                cells = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"
                worksheet.write_formula(totals_row, col, f"=SUM({cells})", total_formats[column.kind], value)
            else:
                worksheet.write_number(totals_row, col, value, total_formats[column.kind])
    workbook.close()
    return output.getvalue()

"""Excel workbooks for the supervisor reports: plain data in, bytes out (no ORM here)."""

import io
from dataclasses import dataclass, field

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

# column kinds and their number formats
FORMATS = {
    "text": None,
    "date": "yyyy-mm-dd",
    "integer": "#,##0",
    "amount": "#,##0.00",
    "percent": "0.0",
    "share": "0.00",
}
# kinds summed on the totals row; "percent" (a rate per row) is averaged, "share" (a part of a whole) summed
TOTALLED = {"integer", "amount", "share"}


@dataclass
class Column:
    label: str
    kind: str = "text"
    width: int = 14


@dataclass
class Sheet:
    name: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    totals_label: str = "Total"
    subtitle: str = ""


def build_workbook(sheets):
    """An .xlsx file with one sheet per ``Sheet``: a title, a bold header row frozen under the title, the rows
    in the number format of their column, an autofilter, and a totals row (sums; averages of rates)."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "remove_timezone": True})
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    header_format = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    formats = {kind: workbook.add_format({"num_format": fmt} if fmt else {}) for kind, fmt in FORMATS.items()}
    total_formats = {
        kind: workbook.add_format({"bold": True, "top": 1, **({"num_format": fmt} if fmt else {})})
        for kind, fmt in FORMATS.items()
    }
    for sheet in sheets:
        worksheet = workbook.add_worksheet(sheet.name[:31])
        worksheet.write(0, 0, sheet.title, title_format)
        if sheet.subtitle:
            worksheet.write(1, 0, sheet.subtitle)
        header_row = 2
        for col, column in enumerate(sheet.columns):
            worksheet.set_column(col, col, column.width)
            worksheet.write(header_row, col, column.label, header_format)
        worksheet.freeze_panes(header_row + 1, 0)
        first = header_row + 1
        for offset, row in enumerate(sheet.rows):
            for col, (column, value) in enumerate(zip(sheet.columns, row, strict=True)):
                if value is None or value is False:
                    worksheet.write_blank(first + offset, col, None, formats[column.kind])
                elif column.kind == "date":
                    worksheet.write_datetime(first + offset, col, value, formats["date"])
                else:
                    worksheet.write(first + offset, col, value, formats[column.kind])
        last = first + len(sheet.rows) - 1
        if sheet.rows:
            worksheet.autofilter(header_row, 0, last, len(sheet.columns) - 1)
        totals_row = first + len(sheet.rows)
        worksheet.write(totals_row, 0, sheet.totals_label, total_formats["text"])
        for col, column in enumerate(sheet.columns[1:], start=1):
            if column.kind not in TOTALLED | {"percent"} or not sheet.rows:
                continue
            values = [row[col] or 0 for row in sheet.rows]
            function = "AVERAGE" if column.kind == "percent" else "SUM"
            value = sum(values) / len(values) if column.kind == "percent" else sum(values)
            cells = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"
            worksheet.write_formula(totals_row, col, f"={function}({cells})", total_formats[column.kind], value)
    workbook.close()
    return output.getvalue()

#!/usr/bin/env python3
"""Print the first sheet of an .xlsx file as JSON, read by openpyxl (an independent reader).

    python3 scripts/xlsx-readback.py FILE.xlsx [--formats]

Output: a JSON list of rows, each a list of cell values: numbers as numbers, text as text,
empty cells as null (dates, if any, as ISO text). With --formats, each cell is instead an
object {"v": value, "fmt": number_format, "bold": bool, "quotePrefix": bool}, and a final line
reports the frozen pane and column widths -- handy for checking what EstateSheets writes.

Needs openpyxl (`pip install openpyxl`).
"""
import datetime
import json
import sys

try:
    import openpyxl
except ImportError:  # pragma: no cover
    sys.exit("openpyxl is required: pip install openpyxl")


def plain(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return value


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    with_formats = "--formats" in argv
    if len(args) != 1:
        sys.exit(__doc__)
    # Not read_only: that mode does not expose styles, widths or panes.
    workbook = openpyxl.load_workbook(args[0], data_only=True, read_only=False)
    sheet = workbook.worksheets[0]
    rows = []
    for row in sheet.iter_rows():
        if with_formats:
            rows.append([
                {
                    "v": plain(cell.value),
                    "fmt": cell.number_format,
                    "bold": bool(cell.font and cell.font.b),
                    "quotePrefix": bool(cell.quotePrefix),
                }
                for cell in row
            ])
        else:
            rows.append([plain(cell.value) for cell in row])
    json.dump(rows, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    if with_formats:
        widths = {key: dim.width for key, dim in sorted(sheet.column_dimensions.items())}
        json.dump({"sheets": workbook.sheetnames, "freeze_panes": sheet.freeze_panes, "widths": widths},
                  sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)

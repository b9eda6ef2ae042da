#!/usr/bin/env python3
"""Reads every report's .xlsx with openpyxl and compares it with the same report's JSON:
each figure the same number, money formatted "#,##0.00", areas "0.00", rates "0.00%", the
header row frozen, columns at least as wide as their titles, a file name with the project.
Usage: report-check.py BASE_URL USER PASSWORD PROJECT_CODE"""
import datetime, http.client, io, json, sys, urllib.parse
from decimal import Decimal
try:
    import openpyxl
except ImportError:
    raise SystemExit("pip install openpyxl")

base, user, password, code = sys.argv[1:5]
u = urllib.parse.urlparse(base)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def get(path, token=None, method="GET", body=None, accept="application/json"):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    h = {"Accept": accept, "Content-Type": "application/json"}
    if token: h["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body else None, h)
    r = c.getresponse(); data = r.read()
    if r.status != 200: raise SystemExit(f"{path} -> {r.status} {data[:300]!r}")
    return r, data


_, d = get("/api/v1/auth/login", method="POST", body={"username": user, "password": password})
token = json.loads(d)["token"]
_, d = get("/api/v1/projects?perPage=200", token)
project = next(p for p in json.loads(d)["items"] if p["code"] == code)
pid = project["id"]
problems = []


def check(cond, what):
    if not cond: problems.append(what)


def num(v):
    """A cell value as Decimal (None for an empty cell)."""
    if v is None: return None
    assert isinstance(v, (int, float)), f"not a number: {v!r}"
    return Decimal(str(v))


def workbook(path):
    r, data = get(path, token, accept=XLSX)
    check("spreadsheetml" in r.getheader("Content-Type", ""), f"{path}: content type {r.getheader('Content-Type')}")
    disposition = urllib.parse.unquote(r.getheader("Content-Disposition") or "")
    check(code in disposition and ".xlsx" in disposition, f"{path}: file name {disposition!r}")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        check(ws.freeze_panes == "A2", f"{path} {ws.title}: header not frozen ({ws.freeze_panes})")
        for cell in ws[1]:
            width = ws.column_dimensions[cell.column_letter].width or 0
            title = str(cell.value or "")
            need = sum(2 if ord(ch) > 0x2E80 else 1 for ch in title)
            check(width >= need, f"{path} {ws.title}: column {cell.column_letter} ({title}) is {width} wide, title needs {need}")
    return disposition, wb


FORMATS = {"money": "#,##0.00", "area": "0.00", "percent": "0.00%", "integer": "0"}


def same(ws, row, col, expected, kind, what):
    cell = ws.cell(row=row, column=col)
    value = num(cell.value)
    if kind == "percent":
        expected = None if expected is None else Decimal(expected) / 100
    elif expected is not None:
        expected = Decimal(str(expected))
    check(value == expected, f"{what}: sheet {value} != JSON {expected}")
    if cell.value is not None:
        check(cell.number_format == FORMATS[kind], f"{what}: format {cell.number_format!r}, wanted {FORMATS[kind]!r}")


def figure_cells(f, contacts=True):
    out = []
    if contacts: out += [(f["calls"], "integer"), (f["visitsFirst"], "integer"), (f["visitsReturn"], "integer")]
    for deal in ("subscriptions", "contracts", "cancellations", "terminations"):
        out += [(f[deal]["count"], "integer"), (f[deal]["area"], "area"), (f[deal]["amount"], "money")]
    out += [(f["collections"]["count"], "integer"), (f["collections"]["amount"], "money")]
    return out


def compare_row(ws, row, first_col, cells, what):
    for i, (v, kind) in enumerate(cells):
        same(ws, row, first_col + i, v, kind, f"{what} col {first_col + i}")


today = datetime.date.today()
month_start = today.replace(day=1)
checked = 0

# Sales report: this month by week and by day, and the daily report of today.
for frm, to, g in [(month_start, today, "week"), (month_start, today, "day"), (today, today, "day"),
                   (today.replace(month=1, day=1), today, "month")]:
    q = f"projectId={pid}&from={frm}&to={to}&granularity={g}"
    _, d = get(f"/api/v1/reports/sales?{q}", token)
    rep = json.loads(d)
    name, wb = workbook(f"/api/v1/reports/sales/export?{q}")
    if frm == to: check(str(frm) in name and ("日报" in name or "daily" in name), f"daily report file name {name!r}")
    summary, series, buildings, layouts, consultants = wb.worksheets
    for row, key in [(2, "total"), (3, "previousTotal"), (4, "cumulative")]:
        compare_row(summary, row, 3, figure_cells(rep[key]), f"{g} summary {key}")
    check(series.max_row == len(rep["buckets"]) + 2, f"{g}: {series.max_row - 2} bucket rows for {len(rep['buckets'])}")
    for i, b in enumerate(rep["buckets"]):
        check(series.cell(row=i + 2, column=1).value == b["label"], f"{g} bucket {i} label")
        compare_row(series, i + 2, 2, figure_cells(b["figures"]), f"{g} bucket {b['label']}")
    for ws, rows in [(buildings, rep["byBuilding"]), (layouts, rep["byLayout"])]:
        for i, b in enumerate(rows):
            check(ws.cell(row=i + 2, column=1).value == b["name"], f"{ws.title} row {i} name")
            cells = figure_cells(b["figures"], contacts=False)
            inv = b["inventory"]
            cells += [(inv["units"], "integer"), (inv["units"] - inv["unreleased"], "integer"),
                      (inv["subscribed"] + inv["signed"] + inv["delivered"], "integer"),
                      (inv["available"] + inv["withheld"] + inv["reserved"], "integer"),
                      (inv["remainingArea"], "area"), (inv["remainingListTotal"], "money"), (inv["sellThrough"], "percent")]
            compare_row(ws, i + 2, 2, cells, f"{ws.title} {b['name']}")
    for i, c in enumerate(rep["byConsultant"]):
        compare_row(consultants, i + 2, 2, figure_cells(c["figures"]), f"consultant {c['name']}")
    checked += 1

# Collections: months, and the ageing bands.
frm = today.replace(month=1, day=1)
q = f"projectId={pid}&from={frm}&to={today}"
_, d = get(f"/api/v1/reports/collections?{q}", token)
rep = json.loads(d)
_, wb = workbook(f"/api/v1/reports/collections/export?{q}")
months, by_kind, ageing = wb.worksheets
for i, m in enumerate(rep["months"]):
    check(months.cell(row=i + 2, column=1).value == m["month"], f"month {i} label")
    compare_row(months, i + 2, 2, [(m["planned"], "money"), (m["collectedOnPlan"], "money"), (m.get("rate"), "percent"),
                                   (m["collected"], "money")], f"collections {m['month']}")
    check(m.get("rate") is None or float(m["rate"]) <= 100, f"collection rate of {m['month']} above 100 %")
for i, a in enumerate(rep["ageing"] + [rep["ageingTotal"]]):
    compare_row(ageing, i + 2, 2, [(a["items"], "integer"), (a["days0to30"], "money"), (a["days31to90"], "money"),
                                   (a["days91to180"], "money"), (a["over180"], "money"), (a["total"], "money")], f"ageing row {i}")
kinds = [(m["month"], k) for m in rep["months"] for k in m["byKind"]]
check(by_kind.max_row == len(kinds) + 1, "by-kind rows")
for i, (month, k) in enumerate(kinds):
    compare_row(by_kind, i + 2, 3, [(k["planned"], "money"), (k["collectedOnPlan"], "money"), (k.get("rate"), "percent"),
                                    (k["collected"], "money")], f"by kind {month} {k['kind']}")
checked += 1

# Consultant ranking.
q = f"projectId={pid}&from={month_start}&to={today}"
_, d = get(f"/api/v1/reports/consultants?{q}", token)
rep = json.loads(d)
_, wb = workbook(f"/api/v1/reports/consultants/export?{q}")
ws = wb.worksheets[0]
for i, r in enumerate(rep["rows"]):
    check(ws.cell(row=i + 2, column=2).value == r["name"], f"ranking row {i} name")
    compare_row(ws, i + 2, 1, [(r.get("rank"), "integer")], f"rank {i}")
    compare_row(ws, i + 2, 3, [(r["calls"], "integer"), (r["visits"], "integer"), (r["visitsFirst"], "integer"),
                               (r.get("conversion"), "percent"), (r["subscriptions"]["count"], "integer"),
                               (r["subscriptions"]["amount"], "money"), (r["contracts"]["count"], "integer"),
                               (r["contracts"]["area"], "area"), (r["contracts"]["amount"], "money"),
                               (r["collections"]["amount"], "money")], f"ranking {r['name']}")
checked += 1

if problems:
    print("\n".join(problems[:50]))
    raise SystemExit(f"report-check: {len(problems)} problems")
print(f"report-check: {checked} workbooks match their JSON reports")

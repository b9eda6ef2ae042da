#!/usr/bin/env python3
"""Benchmark (not a test): the sales reports over three years of one big project.

Usage: scripts/bench/reports.py --bin PATH/estate --work-dir DIR [--engines sqlite,pg] [--pg-url URL]
                                [--sales 100000] [--receipts 1000000] [--contacts 300000] [--customers N]
                                [--consultants 10] [--requests 20] [--raw-runs 10] [--endpoints salesDay,…] [--plans]
                                [--seed 1] [--extra-sql "CREATE INDEX …"]… [--json-out FILE]
Normally started by scripts/bench/reports, which builds the binary and provides PostgreSQL.
Python 3.9+, standard library only; PostgreSQL needs `psql` (the bulk load and the raw SQL run through it).

For each engine:
  1. `estate serve --demo` on a fresh data dir (migrations, demo users, project HXY); the server stops;
  2. the column formats are read back from the demo's own rows (UUIDs, datetimes, booleans as the
     app stores them on that engine), every NOT NULL column of the tables filled is checked against
     what the loader writes, and one new project BENCH 压测项目 (a copy of the demo project's row) is
     bulk-loaded straight into the database: consultants (new users, password demo1234, plus the demo
     consultant), ~20 buildings and sales+10 % units, one subscription per sale with its buyer
     (customer + sale_buyers), contracts (~85 %, a few terminated), the payment plan, receipts and
     refunds spread over the plan items (the items' confirmed/pending sums kept as the app keeps
     them), mortgages, live unit claims, customers and their calls/visits, monthly sales targets and
     the number series; 3 years ending today (Beijing days). SQLite: executemany in one transaction
     (synchronous=OFF), then ANALYZE; PostgreSQL: psql \\copy, then VACUUM ANALYZE;
  3. per report endpoint (sales by day for last month: the headline, goal ≤ 500 ms; sales by month
     for the 12 months before this one; collections, consultants and the sales .xlsx export for last
     month; the dashboard): the server restarted (SQLite: its file dropped from the OS page cache; a
     pg-temp PostgreSQL restarted), sign in as general-manager, the first request timed (cold), then
     --requests more on the same keep-alive connection (warm: p50/p95/max); last month's figures the
     loader knows (subscriptions, contracts, money in, calls, visits…) are looked for in the JSON;
     an endpoint that answers anything but 200 is reported with its status and skipped;
  4. raw SQL on the same data, timed directly (Python sqlite3 / psql \\timing): the plain yardstick
     (confirmed receipts up to the end of last month), and each report's own SELECTs, taken from a
     debug log of one more request (ESTATE_LOG_LEVEL=debug) and re-run with their binds, with the
     plans of the slowest; the ratio report ÷ its own SQL is PERFORMANCE.md's (≤ 1.5×).
Times are client side (time.perf_counter(), request sent → last body byte); server means come
from /metrics, and an X-Response-Time / Server-Timing header is shown if the app sends one.
Exit status: 0 when it ran (see PROBLEM lines), 1 on a setup failure.
"""
import argparse
import collections
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

USERNAME, DEMO_PASSWORD = "general-manager", "demo1234"    # DemoSeeder: the GM acts company-wide and sees reports
ADMIN_PASSWORD = "bench-admin-" + os.urandom(6).hex()
DEMO_CODE = "HXY"
PROJECT_CODE, PROJECT_NAME = "BENCH", "压测项目"
BJ = dt.timezone(dt.timedelta(hours=8))                    # CalendarDay.zone (Asia/Shanghai, no DST)
ORD_1970 = dt.date(1970, 1, 1).toordinal()
GOAL_MS = 500                                              # the monthly report, per engine

# What the loader writes, table by table, in load order (foreign keys). Optional columns (added by
# CreateReports) are left out, with a note, when the binary's migrations do not have them yet.
TABLES = {
    "users": ["id", "username", "display_name", "password_hash", "is_disabled", "failed_logins", "locked_until",
              "last_login_at", "created_at", "updated_at"],
    "role_grants": ["id", "user_id", "role", "project_id", "created_at"],
    "layouts": ["id", "project_id", "name", "description", "created_at"],
    "buildings": ["id", "project_id", "name", "sort_order", "floors", "entrances"],
    "units": ["id", "project_id", "building_id", "entrance", "floor", "room", "code", "layout", "orientation", "usage",
              "built_area", "inner_area", "pricing_basis", "list_unit_price", "list_total", "floor_price", "status", "updated_at"],
    "customers": ["id", "project_id", "name", "mobile", "mobile_suffix", "gender", "address", "source", "grade", "owner_id",
                  "owned_since", "protected_until", "tags", "notes", "merged_into", "last_contact_at", "next_step",
                  "visit_count", "call_count", "created_by", "created_at", "updated_at"],
    "subscriptions": ["id", "project_id", "number", "unit_id", "status", "list_total_fen", "final_total_fen",
                      "effective_permyriad", "rules", "special_permyriad", "payment_method", "deposit_fen", "contract_deadline",
                      "consultant_id", "note", "cancelled_on", "cancel_reason", "deposit_outcome", "created_by", "created_at",
                      "updated_at", "subscribed_on"],
    "sale_buyers": ["id", "subscription_id", "customer_id", "position", "share", "is_current", "added_at"],
    "contracts": ["id", "project_id", "subscription_id", "number", "unit_id", "status", "buyer_kind", "payment_method",
                  "total_fen", "unit_price_fen", "contract_area", "pricing_basis", "penalty_rate", "clauses", "delivery_due_on",
                  "title_days", "review_status", "review_note", "reviewed_by", "reviewed_at", "signed_on", "online_sign_no",
                  "online_sign_on", "filing_no", "filing_on", "delivered_on", "title_stage", "title_certificate_no",
                  "terminated_on", "termination_reason", "created_by", "created_at", "updated_at"],
    "mortgages": ["contract_id", "project_id", "bank_id", "loan_type", "commercial_fen", "provident_fen", "term_months",
                  "stage", "stage_since", "collecting_on", "submitted_on", "approved_on", "disbursed_on", "staff_id"],
    "payment_items": ["id", "project_id", "subscription_id", "kind", "seq", "amount_fen", "due_on", "confirmed_fen",
                      "pending_in_fen", "pending_out_fen", "is_live"],
    "receipts": ["id", "project_id", "number", "kind", "subscription_id", "item_id", "amount_fen", "method", "received_on",
                 "payer", "reference", "status", "confirmed_by", "confirmed_by_name", "confirmed_at", "created_by",
                 "created_by_name", "created_at"],
    "customer_contacts": ["id", "project_id", "customer_id", "kind", "call_direction", "visit_kind", "party_size",
                          "consultant_id", "occurred_at", "interests", "notes", "next_step", "created_by", "created_at",
                          "occurred_on"],
    "unit_claims": ["id", "project_id", "unit_id", "kind", "customer_name", "customer_mobile", "note", "expires_at",
                    "is_live", "created_by", "created_at"],
    "sales_targets": ["id", "project_id", "month", "consultant_id", "subscriptions", "contract_fen", "collection_fen",
                      "updated_by", "updated_at"],
    "number_series": ["series", "value"],
}
OPTIONAL_TABLES = {"sales_targets"}
OPTIONAL_COLUMNS = {("subscriptions", "subscribed_on"), ("customer_contacts", "occurred_on")}
# Every table the schema had when this script was written: a new one (a summary table the reports
# keep, say) is named in the output, since the loader does not fill it.
KNOWN_TABLES = set(TABLES) | {
    "_fluent_migrations", "projects", "auth_sessions", "audit_log", "release_batches", "unit_events", "price_lists",
    "price_list_items", "discount_rules", "approvals", "approval_steps", "banks", "contract_documents", "penalty_waivers",
    "idempotency_keys", "delivery_batches", "delivery_slots", "sale_events", "sqlite_stat1", "sqlite_stat4", "sqlite_sequence"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
         "刚", "桂英", "建华", "文", "华", "红", "建国", "志强", "晓东", "雪", "婷", "慧", "鑫", "宇", "浩", "思远", "子涵", "欣怡",
         "梓萱", "一鸣", "嘉怡", "俊杰", "海燕", "玉兰", "春梅", "国庆", "建军", "丹", "琳", "斌"]
CONSULTANT_NAMES = ["刘畅", "陈思琪", "杨帆", "黄晓明", "吴悦", "郑凯", "王可欣", "何嘉伟", "林晓燕", "高远", "罗丹", "梁宇航",
                    "宋佳", "唐磊", "许诺", "韩雪", "冯子轩", "邓超", "曹颖", "彭博"]
SOURCES = ["自然到访", "来电", "老带新", "渠道分销", "中介", "线上推广", "户外广告", "展会活动", "电话拓客", "其他"]
LAYOUTS = [  # name, built area (hundredths m²), inner/built, weight, orientation
    ("3室2厅2卫", 11856, 0.80, 30, "南北"), ("2室2厅1卫", 8932, 0.80, 28, "南"), ("3室2厅1卫", 10520, 0.80, 20, "南"),
    ("4室2厅2卫", 14318, 0.79, 14, "南北"), ("1室1厅1卫", 5616, 0.82, 8, "东南")]
BANKS = ["中国工商银行", "中国建设银行", "招商银行", "中国银行", "中国农业银行"]
INTERESTS = ["", "", "三居 南向", "两居 低总价", "四居 大平层", "学区", "高楼层", "边套"]
CANCEL_REASONS = ["客户资金周转困难", "家庭意见不一致", "选择了其他楼盘", "购房资格不符"]
TERMINATION_REASONS = ["贷款未获批", "客户个人原因", "购房资格审核未通过"]
ENDPOINTS = [  # key, label
    ("salesDay", "sales, last month by day"),
    ("salesMonth", "sales, last 12 months by month"),
    ("collections", "collections, last month"),
    ("consultants", "consultants, last month"),
    ("export", "sales export (xlsx), last month"),
    ("dashboard", "dashboard (today, this month)"),     # not in the brief; it exists, so it is timed too
]


class BenchError(Exception):
    """Something the benchmark cannot go on from."""


def log(msg):
    print(f"· {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- HTTP

class Client:
    """One keep-alive HTTP/1.1 connection, reopened only if the server closes it."""

    def __init__(self, port, timeout=600):
        self.port, self.timeout = port, timeout
        self.conn, self.headers, self.reconnects = None, {}, -1
        self.last_headers = {}

    def request(self, method, path, body=None, headers=None):
        h = dict(self.headers)
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
            h["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                self.conn.connect()
                self.reconnects += 1
            try:
                t0 = time.perf_counter()
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                t = time.perf_counter() - t0
                self.last_headers = {k.lower(): v for k, v in resp.getheaders()}
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, data, t
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.BadStatusLine):
                self.close()
                if attempt == 2:
                    raise

    def expect(self, method, path, body=None, ok=(200,)):
        status, data, t = self.request(method, path, body)
        if status not in ok:
            raise BenchError(f"{method} {path} → {status}: {data[:800].decode('utf-8', 'replace')}")
        return json.loads(data.decode("utf-8")) if data else None, t

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def metrics_scrape(c):
    """Prometheus histogram sums/counts per (method, route) from /metrics."""
    status, data, _ = c.request("GET", "/metrics", headers={"Authorization": None})
    out = {}
    if status != 200:
        return out
    for line in data.decode("utf-8", "replace").splitlines():
        m = re.match(r'^(\w+?)_(sum|count)\{([^}]*)\}\s+(\S+)', line)
        if not m or "duration" not in m.group(1):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3)))
        out.setdefault((labels.get("method", ""), labels.get("route", "")), {})[m.group(2)] = float(m.group(4))
    return out


def server_mean_ms(before, after, route_suffix):
    s = n = 0.0
    for (method, route), v in after.items():
        if method != "GET" or not route.startswith("/api/") or not route.endswith(route_suffix):
            continue
        b = before.get((method, route), {})
        s += v.get("sum", 0) - b.get("sum", 0)
        n += v.get("count", 0) - b.get("count", 0)
    return (s / n * 1000) if n else None


def timing_header(headers):
    """The app's own timing of the request, if it sends one (none did when this was written)."""
    for k in ("x-response-time", "server-timing", "x-runtime", "x-request-duration", "x-process-time"):
        if k in headers:
            return k, headers[k]
    return None


def header_ms(name, value):
    m = re.search(r'(?:dur=)?([\d.]+)\s*(ms|s)?', value)
    if not m:
        return None
    v = float(m.group(1))
    return v * 1000 if (m.group(2) == "s" or (name == "x-runtime" and not m.group(2))) else v


# ---------------------------------------------------------------- figures

def pct(sorted_values, p):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def summary_ms(ms):
    ms = sorted(ms)
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50": pct(ms, 50), "p95": pct(ms, 95), "max": ms[-1], "min": ms[0], "mean": statistics.fmean(ms)}


def fmt_ms(v):
    return "—" if v is None or v != v else (f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 1000 else f"{v:,.0f}")


def fmt_ratio(a, b):
    return "—" if not a or not b or a != a or b != b else f"{a / b:.1f}×"


# ---------------------------------------------------------------- the server

class Server:
    def __init__(self, binary, data_dir, log_dir, database_url=None):
        self.binary, self.data_dir, self.log_dir, self.database_url = binary, data_dir, log_dir, database_url
        self.proc, self.port, self.starts, self.log_path = None, None, 0, None

    def command(self, *arguments):
        """Runs `estate <arguments>` against the same database; returns (seconds, output)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ESTATE_") and k != "DATABASE_URL"}
        env.update({"ESTATE_DATA_DIR": self.data_dir, "ESTATE_BCRYPT_COST": "4", "ESTATE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    # Measured searches by full mobile far exceed the per-user hourly limit a person has.
                    "ESTATE_METRICS_ADDRESS": "off", "ESTATE_EXACT_SEARCHES_PER_HOUR": "1000000"})
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        t0 = time.perf_counter()
        out = subprocess.run([self.binary, *arguments], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise BenchError(f"estate {' '.join(arguments)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
        return time.perf_counter() - t0, out.stdout.strip()

    def start(self, demo=False, log_level=None):
        self.stop()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ESTATE_") and k != "DATABASE_URL"}
        env.update({"ESTATE_DATA_DIR": self.data_dir, "ESTATE_HOST": "127.0.0.1", "ESTATE_PORT": str(self.port),
                    "ESTATE_BCRYPT_COST": "4", "ESTATE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    # Measured searches by full mobile far exceed the per-user hourly limit a person has.
                    "ESTATE_METRICS_ADDRESS": "off", "ESTATE_EXACT_SEARCHES_PER_HOUR": "1000000"})
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if log_level:
            env["ESTATE_LOG_LEVEL"] = log_level
        self.starts += 1
        self.log_path = os.path.join(self.log_dir, f"server-{self.starts:02d}{'-demo' if demo else ''}.log")
        args = [self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)] + (["--demo"] if demo else [])
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(args, env=env, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"estate serve exited ({self.proc.returncode}); {self.log_path}:\n{self.tail()}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"estate serve did not answer /health in 300 s; {self.log_path}:\n{self.tail()}")
            time.sleep(0.05)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def tail(self, n=30):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def warnings(self):
        out = []
        for name in sorted(os.listdir(self.log_dir)):
            if not name.startswith("server-"):
                continue
            with open(os.path.join(self.log_dir, name), encoding="utf-8", errors="replace") as f:
                out += [f"{name}: {line.rstrip()[:300]}" for line in f if re.match(r'^\[ (WARNING|ERROR|CRITICAL) \]', line)]
        return out


def sign_in(server, username=USERNAME, password=DEMO_PASSWORD):
    c = Client(server.port)
    body, _ = c.expect("POST", "/api/v1/auth/login", {"username": username, "password": password})
    c.headers["Authorization"] = f"Bearer {body['token']}"
    c.headers["Accept-Language"] = "en"
    return c


# ---------------------------------------------------------------- the database side

def fast_uuid4(rng):
    n = rng.getrandbits(128)
    n = (n & ~(0xc000 << 48)) | (0x8000 << 48)
    n = (n & ~(0xf000 << 64)) | (4 << 76)
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class SQLiteDB:
    engine = "sqlite"

    def __init__(self, path):
        self.path = path

    def connect(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 30000")
        return db

    def tables(self):
        db = self.connect()
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        db.close()
        return names

    def columns(self, table):
        """{column: (not null without default, declared type)}; {} if there is no such table."""
        db = self.connect()
        rows = db.execute(f"PRAGMA table_info({table})").fetchall()
        db.close()
        return {r[1]: (bool(r[3]) and r[4] is None and not r[5], r[2]) for r in rows}

    def query(self, sql, args=()):
        db = self.connect()
        rows = db.execute(sql, args).fetchall()
        db.close()
        return rows

    def formats(self):
        """How this database stores a UUID, a datetime and a boolean, from the demo's rows."""
        db = self.connect()
        samples = {
            "uuid": db.execute("SELECT typeof(id), id FROM projects WHERE code = ?", (DEMO_CODE,)).fetchone(),
            "datetime": db.execute("SELECT typeof(created_at), created_at FROM projects WHERE code = ?", (DEMO_CODE,)).fetchone(),
            "bool": db.execute("SELECT typeof(is_active), is_active FROM projects WHERE code = ?", (DEMO_CODE,)).fetchone(),
        }
        # the same from a row the sale services wrote with SQLKit binds, when the demo has one
        for col, key in (("created_at", "datetime2"), ("id", "uuid2")):
            r = db.execute(f"SELECT typeof({col}), {col} FROM receipts LIMIT 1").fetchone()
            if r:
                samples[key] = r
        r = db.execute("SELECT typeof(is_live), is_live FROM payment_items LIMIT 1").fetchone()
        if r:
            samples["bool2"] = r
        db.close()
        if not samples["uuid"]:
            raise BenchError(f"no demo project {DEMO_CODE} in {self.path}")
        return samples

    def project_row(self):
        db = self.connect()
        cur = db.execute("SELECT * FROM projects WHERE code = ?", (DEMO_CODE,))
        cols = [d[0] for d in cur.description]
        row = cur.fetchone()
        db.close()
        return dict(zip(cols, row))

    def sink(self, schema, work):
        return SQLiteSink(self, schema)

    def after_load(self):
        db = self.connect()
        t0 = time.perf_counter()
        db.execute("ANALYZE")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        return time.perf_counter() - t0, "ANALYZE"

    def execute(self, sql):
        db = self.connect()
        db.execute(sql)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()

    def size(self):
        return sum(os.path.getsize(self.path + s) for s in ("", "-wal") if os.path.exists(self.path + s))

    def drop_os_cache(self):
        if not hasattr(os, "posix_fadvise"):
            return None
        done = 0
        for suffix in ("", "-wal", "-shm"):
            p = self.path + suffix
            if os.path.exists(p):
                fd = os.open(p, os.O_RDONLY)
                try:
                    os.fsync(fd)
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    done += 1
                finally:
                    os.close(fd)
        return "SQLite file pages dropped from the OS page cache before each cold start (posix_fadvise DONTNEED)" if done else None

    def time_sql(self, sql, args, runs):
        """Warm times (ms) of one statement through Python's sqlite3, and its first row."""
        db = self.connect()
        row = db.execute(sql, args).fetchall()                    # warm-up, not counted
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            row = db.execute(sql, args).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        plan = [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql, args)]
        db.close()
        return times, row[:1], plan

    def time_stmt(self, sql, logged_binds, runs):
        """A statement the app ran (?N placeholders, binds as the debug log prints them), timed
        warm; (times ms, row count, plan)."""
        sql = re.sub(r'\$(\d+)', r'?\1', sql)
        binds = [int(b) if re.fullmatch(r'-?\d+', b) else 1 if b == "true" else 0 if b == "false" else None if b == "nil" else b
                 for b in logged_binds]
        db = self.connect()
        t0 = time.perf_counter()
        rows = db.execute(sql, binds).fetchall()              # warm-up, not counted
        if time.perf_counter() - t0 > 0.5:
            runs = min(runs, 3)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            rows = db.execute(sql, binds).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        depth, plan = {0: -1}, []
        for node, parent, _, detail in db.execute("EXPLAIN QUERY PLAN " + sql, binds):
            depth[node] = depth.get(parent, -1) + 1
            plan.append("  " * depth[node] + detail)
        db.close()
        return times, len(rows), plan

    def how(self):
        return f"Python sqlite3 (SQLite {sqlite3.sqlite_version}; the app links its own SQLite)"


class SQLiteSink:
    """executemany into one open transaction, flushed every 50,000 rows of a table."""

    def __init__(self, db, schema):
        self.schema = schema
        self.conn = db.connect()
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -262144")
        self.conn.execute("PRAGMA foreign_keys = OFF")          # rows come in generation order, not key order
        self.conn.execute("BEGIN IMMEDIATE")
        self.buf, self.counts, self.insert_s = {}, collections.Counter(), 0.0

    def add(self, table, row):
        b = self.buf.get(table)
        if b is None:
            b = self.buf[table] = []
        b.append(row)
        if len(b) >= 50_000:
            self.flush(table)

    def flush(self, table):
        rows = self.buf.pop(table, [])
        if not rows:
            return
        cols, keep = self.schema[table]
        if keep is not None:
            rows = [tuple(r[i] for i in keep) for r in rows]
        t0 = time.perf_counter()
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
        self.insert_s += time.perf_counter() - t0
        self.counts[table] += len(rows)

    def insert_one(self, table, cols, values):
        self.conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)

    def finish(self):
        for t in list(self.buf):
            self.flush(t)
        t0 = time.perf_counter()
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()
        self.insert_s += time.perf_counter() - t0
        return self.insert_s


class PostgresDB:
    engine = "postgres"

    def __init__(self, url, pg_temp_dir=None, pg_bin=None):
        self.url, self.pg_temp_dir, self.pg_bin = url, pg_temp_dir, pg_bin
        if not shutil.which("psql"):
            raise BenchError("PostgreSQL needs psql on PATH (apt-get install postgresql-client)")

    def psql(self, sql, stdin=None, check=True):
        args = ["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t"]
        r = subprocess.run(args + (["-c", sql] if sql is not None else []), input=stdin, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise BenchError(f"psql: {(sql or stdin or '')[:300]}\n{r.stderr.strip()}")
        return r.stdout

    def tables(self):
        return self.psql("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").split()

    def columns(self, table):
        out = self.psql("SELECT column_name, is_nullable, coalesce(column_default, ''), data_type FROM information_schema.columns "
                        f"WHERE table_name = '{table}' AND table_schema = current_schema()")
        cols = {}
        for line in out.splitlines():
            name, nullable, default, dtype = line.split("\t")
            cols[name] = (nullable == "NO" and default == "", dtype)
        return cols

    def query(self, sql, args=()):
        for a in args:
            sql = sql.replace("?", "'" + str(a).replace("'", "''") + "'", 1)
        return [tuple(line.split("\t")) for line in self.psql(sql).splitlines()]

    def formats(self):
        types = {c: t for c, (_, t) in self.columns("projects").items()}
        pid = self.psql(f"SELECT id FROM projects WHERE code = '{DEMO_CODE}'").strip()
        if not pid:
            raise BenchError(f"no demo project {DEMO_CODE} in the database")
        samples = {"uuid": (types["id"], pid), "datetime": (types["created_at"], None), "bool": (types["is_active"], None)}
        rtypes = {c: t for c, (_, t) in self.columns("receipts").items()}
        if rtypes:
            samples["datetime2"] = (rtypes["created_at"], None)
        return samples

    def project_row(self):
        cols = list(self.columns("projects"))
        out = self.psql(f"SELECT {', '.join(f'{c}::text' for c in cols)} FROM projects WHERE code = '{DEMO_CODE}'")
        values = out.rstrip("\n").split("\t")
        nulls = self.psql(f"SELECT {', '.join(f'({c} IS NULL)::int' for c in cols)} FROM projects WHERE code = '{DEMO_CODE}'")
        isnull = nulls.strip().split("\t")
        return {c: (None if n == "1" else v) for c, v, n in zip(cols, values, isnull)}

    def sink(self, schema, work):
        return PGSink(self, schema, work)

    def after_load(self):
        t0 = time.perf_counter()
        self.psql("VACUUM ANALYZE")
        return time.perf_counter() - t0, "VACUUM ANALYZE"

    def execute(self, sql):
        self.psql(sql)

    def size(self):
        try:
            return int(self.psql("SELECT pg_database_size(current_database())").strip())
        except (BenchError, ValueError):
            return None

    def drop_os_cache(self):
        """With a pg-temp server: restart PostgreSQL (empty shared buffers) and drop its files
        from the OS page cache."""
        if not (self.pg_temp_dir and self.pg_bin):
            return None
        data = os.path.join(self.pg_temp_dir, "data")
        cmd = f"{self.pg_bin}/pg_ctl -D {data} -m fast -w restart -l {self.pg_temp_dir}/server.log"
        r = subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", cmd] if os.geteuid() == 0 else ["sh", "-c", cmd],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"pg_ctl restart failed: {r.stderr.strip()}")
        for root, _, files in os.walk(os.path.join(data, "base")):
            for name in files:
                try:
                    fd = os.open(os.path.join(root, name), os.O_RDONLY)
                except OSError:
                    continue
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                finally:
                    os.close(fd)
        return "PostgreSQL restarted and its files dropped from the OS page cache before each cold start"

    def time_sql(self, sql, args, runs):
        """Warm times (ms) of one statement in one psql session (\\timing: round trip on the
        socket, as the app sees it), its first row, and its plan."""
        def lit(v):
            return "'" + str(v).replace("'", "''") + "'"
        q = sql
        for a in args:
            q = q.replace("?", lit(a), 1)
        script = f"{q};\n\\timing on\n" + f"{q};\n" * runs + "\\timing off\n" + f"EXPLAIN {q};\n"
        out = self.psql(None, stdin=script)
        times = [float(m) for m in re.findall(r'^Time: ([\d.]+) ms', out, re.M)]
        lines = [l for l in out.splitlines() if l and not l.startswith(("Time:", "Timing is"))]
        first = tuple(lines[0].split("\t")) if lines else ()
        plan_start = next((i for i, l in enumerate(lines) if re.search(r'(Scan|Aggregate|Sort|Append|Result|Gather)', l)), len(lines))
        return times, [first], lines[plan_start:]

    def time_stmt(self, sql, logged_binds, runs):
        """A statement the app ran ($N placeholders, binds as the debug log prints them) with the
        binds inlined, timed warm in one psql session; (times ms, row count, plan)."""
        def lit(b):
            return "NULL" if b == "nil" else "'" + b.replace("'", "''") + "'"
        q = re.sub(r'\$(\d+)', lambda m: lit(logged_binds[int(m.group(1)) - 1]) if int(m.group(1)) <= len(logged_binds) else m.group(0), sql)
        first = self.psql(None, stdin=f"\\timing on\n{q};\n")
        t_first = [float(m) for m in re.findall(r'^Time: ([\d.]+) ms', first, re.M)]
        n_rows = len([l for l in first.splitlines() if l and not l.startswith(("Time:", "Timing is"))])
        if t_first and t_first[0] > 500:
            runs = min(runs, 3)
        out = self.psql(None, stdin="\\o /dev/null\n\\timing on\n" + f"{q};\n" * runs + "\\timing off\n\\o\n" + f"EXPLAIN {q};\n")
        times = [float(m) for m in re.findall(r'^Time: ([\d.]+) ms', out, re.M)]
        plan = [l for l in out.splitlines() if l and not l.startswith(("Time:", "Timing is"))]
        return times, n_rows, plan

    def how(self):
        return "psql \\timing (one session, round trip on the socket)"


class PGSink:
    """Rows as COPY text files, one per table, then psql \\copy in load order."""

    def __init__(self, db, schema, work):
        self.db, self.schema, self.dir = db, schema, tempfile.mkdtemp(prefix="copy-", dir=work)
        self.files, self.counts, self.insert_s = {}, collections.Counter(), 0.0
        self.extra = []

    @staticmethod
    def cell(v):
        if v is None:
            return r"\N"
        if v is True:
            return "t"
        if v is False:
            return "f"
        if isinstance(v, str):
            return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return str(v)

    def add(self, table, row):
        f = self.files.get(table)
        if f is None:
            f = self.files[table] = open(os.path.join(self.dir, table + ".tsv"), "w", encoding="utf-8")
        cols, keep = self.schema[table]
        if keep is not None:
            row = [row[i] for i in keep]
        cell = self.cell
        f.write("\t".join([cell(v) for v in row]) + "\n")
        self.counts[table] += 1

    def insert_one(self, table, cols, values):
        self.extra.append((table, cols, values))

    def finish(self):
        for f in self.files.values():
            f.close()
        t0 = time.perf_counter()
        for table, cols, values in self.extra:        # the project row first: everything refers to it
            self.db.psql(None, stdin=f"\\copy {table} ({', '.join(cols)}) FROM STDIN\n" + "\t".join(self.cell(v) for v in values) + "\n\\.\n")
        for table in TABLES:
            if table in self.files:
                t1 = time.perf_counter()
                cols, _ = self.schema[table]
                self.db.psql(f"\\copy {table} ({', '.join(cols)}) FROM '{os.path.join(self.dir, table + '.tsv')}'")
                log(f"  \\copy {table}: {self.counts[table]:,} rows in {time.perf_counter() - t1:.1f} s")
        self.insert_s = time.perf_counter() - t0
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.insert_s


# ---------------------------------------------------------------- column formats

def codecs(samples, engine):
    """(uuid text → stored, epoch seconds → stored, descriptions), copied from the demo's rows."""
    kind, value = samples["uuid"]
    if engine == "postgres":
        enc_uuid, uuid_desc = (lambda s: s), f"PostgreSQL {kind}"
    elif kind == "text":
        upper = value.upper() == value
        enc_uuid, uuid_desc = ((lambda s: s.upper()) if upper else (lambda s: s)), f"TEXT {'upper' if upper else 'lower'} case"
    elif kind == "blob":
        import uuid as uuid_mod
        enc_uuid, uuid_desc = (lambda s: uuid_mod.UUID(s).bytes), "16-byte BLOB"
    else:
        raise BenchError(f"unknown UUID storage {samples['uuid']!r}")
    if "uuid2" in samples and samples["uuid2"][0] != kind:
        raise BenchError(f"UUIDs stored two ways: {samples['uuid']!r} (Fluent) vs {samples['uuid2']!r} (SQLKit)")

    kind, value = samples["datetime"]
    if "datetime2" in samples and samples["datetime2"][0] != kind:
        raise BenchError(f"datetimes stored two ways: {samples['datetime']!r} vs {samples['datetime2']!r}")
    if engine == "postgres":
        if "with time zone" in kind:
            enc_ts = lambda e: dt.datetime.fromtimestamp(e, dt.timezone.utc).isoformat(sep=" ")
        elif kind.startswith("timestamp"):
            enc_ts = lambda e: dt.datetime.fromtimestamp(e, dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
        else:
            raise BenchError(f"unknown datetime column type {kind!r}")
        ts_desc = kind
    elif kind == "real":
        enc_ts, ts_desc = float, "REAL seconds since 1970"
    elif kind == "integer":
        enc_ts, ts_desc = int, "INTEGER seconds since 1970"
    elif kind == "text":
        known = [(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$", "%Y-%m-%d %H:%M:%S.%f", 3),
                 (r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", "%Y-%m-%d %H:%M:%S", 0),
                 (r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", "%Y-%m-%dT%H:%M:%S.%fZ", 3),
                 (r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", "%Y-%m-%dT%H:%M:%SZ", 0)]
        for pattern, fmt, cut in known:
            if re.match(pattern, value):
                def enc_ts(e, fmt=fmt, cut=cut):
                    s = dt.datetime.fromtimestamp(e, dt.timezone.utc).strftime(fmt)
                    return (s[:-4] + s[-1:]) if cut and s.endswith("Z") else (s[:-3] if cut else s)
                break
        else:
            raise BenchError(f"unknown date text format {value!r}")
        ts_desc = f"TEXT like {value!r}"
    else:
        raise BenchError(f"unknown datetime storage {samples['datetime']!r}")

    bkind, bvalue = samples["bool"]
    if engine == "sqlite" and (bkind != "integer" or bvalue not in (0, 1)):
        raise BenchError(f"booleans are not stored as 0/1 integers: {samples['bool']!r}")
    if "bool2" in samples and samples["bool2"][0] != bkind:
        raise BenchError(f"booleans stored two ways: {samples['bool']!r} vs {samples['bool2']!r}")
    return enc_uuid, enc_ts, {"uuid": uuid_desc, "datetime": ts_desc, "bool": "PostgreSQL boolean" if engine == "postgres" else "INTEGER 0/1"}


def check_schema(db, notes):
    """{table: (columns present, positions to keep or None)}; refuses a NOT NULL column the loader
    does not fill."""
    schema = {}
    for table, cols in TABLES.items():
        actual = db.columns(table)
        if not actual:
            if table in OPTIONAL_TABLES:
                notes.append(f"no table {table} (CreateReports not in this binary): not loaded")
                continue
            raise BenchError(f"no table {table} in the database")
        missing = [c for c in cols if c not in actual]
        for c in missing:
            if (table, c) not in OPTIONAL_COLUMNS:
                raise BenchError(f"{table}.{c} is not in the database (the schema changed; update TABLES in reports.py)")
            notes.append(f"no column {table}.{c} (CreateReports not in this binary): not loaded")
        unfilled = [c for c, (required, _) in actual.items() if required and c not in cols]
        if unfilled:
            raise BenchError(f"{table} has NOT NULL columns the loader does not fill: {', '.join(unfilled)} "
                             f"(update TABLES and the generator in reports.py)")
        keep = [i for i, c in enumerate(cols) if c in actual]
        schema[table] = ([cols[i] for i in keep], None if len(keep) == len(cols) else keep)
    new = sorted(t for t in db.tables() if t not in KNOWN_TABLES and not t.startswith("pg_"))
    if new:
        notes.append(f"tables new since this script was written, NOT filled by the loader: {', '.join(new)} "
                     f"(a summary the reports keep would be empty for the bench project)")
    return schema


# ---------------------------------------------------------------- the data

class Days:
    """Beijing days as ordinals, with their text and epoch."""

    def __init__(self, today):
        self.today = today.toordinal()
        self.text = {}

    def s(self, o):
        t = self.text.get(o)
        if t is None:
            t = self.text[o] = dt.date.fromordinal(o).isoformat()
        return t

    @staticmethod
    def epoch(o, seconds=0.0):
        """Epoch seconds of `seconds` after midnight of Beijing day `o`."""
        return (o - ORD_1970) * 86400 - 8 * 3600 + seconds


def month_start(o, plus=0):
    d = dt.date.fromordinal(o)
    i = d.year * 12 + d.month - 1 + plus
    return dt.date(i // 12, i % 12 + 1, 1).toordinal()


def periods(today_o):
    """(from, to) ordinals: last month, and the 12 whole months ending with it."""
    last_to = month_start(today_o) - 1
    return {"month": (month_start(today_o, -1), last_to), "year": (month_start(today_o, -12), last_to)}


def generate(args, rng, sink, enc_uuid, enc_ts, ref, project_row, now_epoch, days):
    """Writes the bench project into `sink`. Returns (project id, facts, expected figures)."""
    T = days.today
    start = T - 3 * 365 + 1
    P = periods(T)
    m_from, m_to = P["month"]
    now_s = now_epoch - 60

    def uid():
        return enc_uuid(fast_uuid4(rng))

    def ts(o, seconds):
        return enc_ts(min(Days.epoch(o, seconds), now_s))

    def day_time(o, lo=9, hi=20):
        return min(Days.epoch(o, rng.uniform(lo * 3600, hi * 3600)), now_s)

    ds = days.s
    pid_raw = fast_uuid4(rng)
    pid = enc_uuid(pid_raw)
    facts = collections.Counter()
    exp = collections.Counter()                       # last month's figures, to look for in the answers

    # --- the project: the demo's row with a new id, code and name
    row = dict(project_row)
    row["id"], row["code"], row["name"] = pid, PROJECT_CODE, PROJECT_NAME
    if "created_at" in row:
        row["created_at"] = enc_ts(Days.epoch(start - 60, 9 * 3600))
    if "updated_at" in row:
        row["updated_at"] = enc_ts(now_s)
    sink.insert_one("projects", list(row), list(row.values()))

    # --- consultants: the demo consultant and new users (password demo1234: the demo's hash)
    consultants = [(ref["users"]["consultant"], "consultant", "孙丽娜")]
    hash_ = ref["password_hash"]
    t_users = Days.epoch(start - 30, 10 * 3600)
    for i in range(args.consultants):
        u = uid()
        name = CONSULTANT_NAMES[i % len(CONSULTANT_NAMES)] + ("" if i < len(CONSULTANT_NAMES) else str(i // len(CONSULTANT_NAMES)))
        sink.add("users", (u, f"bench-consultant-{i + 1:02d}", name, hash_, False, 0, None, None, enc_ts(t_users), enc_ts(t_users)))
        consultants.append((u, f"bench-consultant-{i + 1:02d}", name))
    for u, _, _ in consultants:
        sink.add("role_grants", (uid(), u, "consultant", pid, enc_ts(t_users)))
    for role, username in (("sales_manager", "sales-manager"), ("finance", "finance"), ("cs_manager", "cs-manager"),
                           ("cs_staff", "cs-staff")):
        if username in ref["users"]:
            sink.add("role_grants", (uid(), ref["users"][username], role, pid, enc_ts(t_users)))
    finance_id, finance_name = ref["users"].get("finance"), ref["names"].get("finance", "周敏")
    manager_id = ref["users"].get("sales-manager")
    c_weights = [rng.uniform(0.5, 1.5) for _ in consultants]

    # --- layouts, buildings, units
    n_units = int(round(args.sales * 1.1))
    for name, area, _, _, _ in LAYOUTS:
        sink.add("layouts", (uid(), pid, name, f"{name} {area / 100:.0f}㎡", enc_ts(t_users)))
    n_buildings = args.buildings
    per_building = -(-n_units // n_buildings)
    units = []                           # (id, code, list_total, built_area, pricing basis, index)
    layout_w = [l[3] for l in LAYOUTS]
    for b in range(1, n_buildings + 1):
        count = min(per_building, n_units - len(units))
        if count <= 0:
            break
        floors = rng.choice([18, 26, 28, 32, 33])
        entrances = max(1, -(-count // (floors * 4)))
        bid = uid()
        sink.add("buildings", (bid, pid, f"{b}号楼", b, floors, entrances))
        base = rng.randrange(1_500_000, 2_600_000, 10_000)          # fen per m²
        made = 0
        for e in range(1, entrances + 1):
            for f in range(1, floors + 1):
                for r in range(1, 5):
                    if made >= count:
                        break
                    lay = LAYOUTS[rng.choices(range(len(LAYOUTS)), layout_w)[0]]
                    built = lay[1] + rng.randrange(-150, 151)
                    inner = int(built * lay[2])
                    price = base + (f - 1) * 15_000 + (60_000 if r in (1, 4) else 0)
                    total = (built * price + 50) // 100
                    units.append([uid(), f"{b}-{e}-{f}{r:02d}", lay[0], lay[4], built, inner, price, total, bid, e, f, f"{r:02d}"])
                    made += 1
    rng.shuffle(units)
    unit_status = ["available"] * len(units)
    unit_updated = [Days.epoch(start - 10, 9 * 3600)] * len(units)
    claims = []

    # --- the sales, in day order
    weights = []
    for o in range(start, T + 1):
        w = 1.6 if dt.date.fromordinal(o).weekday() >= 5 else 1.0
        weights.append(w * (0.8 + 0.4 * (o - start) / (T - start + 1)))
    sale_days = sorted(rng.choices(range(start, T + 1), weights, k=args.sales))
    n_customers = max(args.customers or int(args.sales * 1.5), args.sales)
    buyers = []                                  # per sale: (customer index) = sale index
    sales = []
    banks = ref["banks"]
    contract_no = 0
    for i, o_s in enumerate(sale_days):
        s = {"i": i, "id": uid(), "o": o_s, "t": day_time(o_s), "unit": i, "consultant": rng.choices(range(len(consultants)), c_weights)[0]}
        u = units[i]
        m = rng.random() * 100
        method = "full" if m < 20 else "commercial_loan" if m < 68 else "provident_loan" if m < 80 else "combined_loan" if m < 92 else "instalment"
        rules, rate, cut = [], 10_000, 0
        if method == "full":
            rules, rate = ["一次性付款"], 9_800
        elif method != "instalment":
            rules, rate = ["按揭"], 9_900
        if rng.random() < 0.1:
            rules.append("老带新")
            cut = 1_000_000
        final = (u[7] * rate + 5_000) // 10_000 - cut
        deposit = min(rng.choice([5_000_000, 5_000_000, 10_000_000, 20_000_000]), final // 5)
        s.update(method=method, rules="|".join(rules), list=u[7], final=final, eff=(final * 10_000 + u[7] // 2) // u[7],
                 deposit=deposit, deadline=min(o_s + 15, o_s + 30))
        # what became of it
        r = rng.random()
        end = T
        if r < 0.05:
            fate = "cancelled"
            s["cancel_o"] = min(T, o_s + rng.randint(1, 20))
            s["outcome"] = "refund" if rng.random() < 0.8 else "forfeit"
            end = s["cancel_o"]
        elif r < 0.90:
            draft_o = o_s + rng.randint(1, 5)
            sign_o = draft_o + rng.randint(2, 25)
            if draft_o > T:
                fate = "active"
            elif sign_o > T:
                fate = "draft"
            else:
                fate = "signed"
                if rng.random() < 0.023:
                    term_o = sign_o + rng.randint(20, 400)
                    if term_o <= T:
                        fate = "terminated"
                        s["term_o"] = term_o
                        end = term_o - 1
                if fate == "signed" and T - sign_o > 400 and rng.random() < 0.8:
                    s["delivered_o"] = min(T, sign_o + rng.randint(360, 420))
            s["draft_o"], s["sign_o"] = draft_o, sign_o
        else:
            fate = "active"
        s["fate"] = fate
        # the plan: the deposit at 认购, the rest with the contract
        items = [["deposit", s["deposit"], o_s]]
        if fate in ("draft", "signed", "terminated"):
            due1 = s["draft_o"] + rng.randint(7, 20)
            loan = prov = 0
            inst = []
            if method == "commercial_loan":
                loan = int(final * rng.choice([0.5, 0.6, 0.65, 0.7])) // 1_000_000 * 1_000_000
            elif method == "provident_loan":
                prov = min(int(final * 0.5) // 1_000_000 * 1_000_000, 120_000_000)
            elif method == "combined_loan":
                prov = min(int(final * 0.3) // 1_000_000 * 1_000_000, 60_000_000)
                loan = int(final * 0.4) // 1_000_000 * 1_000_000
            elif method == "instalment":
                part = int(final * 0.2) // 10_000 * 10_000
                inst = [(part, due1 + 90), (part, due1 + 180)]
            down = final - deposit - loan - prov - sum(a for a, _ in inst)
            if down <= 0:
                raise BenchError(f"plan of sale {i} does not add up (down payment {down})")
            items.append(["down_payment", down, due1])
            items += [["instalment", a, d] for a, d in inst]
            loan_due = due1 + rng.randint(30, 90)
            if loan:
                items.append(["mortgage", loan, loan_due])
            if prov:
                items.append(["provident_loan", prov, loan_due])
            if rng.random() < 0.9:
                items.append(["maintenance_fund", u[4] * 80, due1])         # 80 元/m²
            s["loan"], s["prov"] = loan, prov
        s["items"] = items
        # the mortgage's stages, and when the lender paid
        loan_day = None
        if fate in ("signed", "terminated") and (s.get("loan") or s.get("prov")):
            c_o = s["sign_o"]
            sub_o = c_o + rng.randint(5, 15)
            app_o = sub_o + rng.randint(5, 15)
            dis_o = app_o + rng.randint(3, 15)
            stage, since = "collecting", c_o
            for st, so in (("submitted", sub_o), ("approved", app_o), ("disbursed", dis_o)):
                if so <= end and not (st == "disbursed" and rng.random() < 0.05):
                    stage, since = st, so
            s["mortgage"] = (stage, since, c_o, sub_o if sub_o <= end else None, app_o if stage in ("approved", "disbursed") else None,
                             dis_o if stage == "disbursed" else None)
            if stage == "disbursed":
                loan_day = dis_o
        # money in: entries (item index, amount, first day, last day, is loan)
        entries = []
        for k, (kind, amount, due) in enumerate(items):
            if kind == "deposit":
                if fate == "active" and o_s > T - 3 and rng.random() < 0.3:
                    continue                                                  # not paid yet
                entries.append((k, amount, o_s, min(o_s + 1, end, T)))
            elif kind in ("mortgage", "provident_loan"):
                if loan_day is not None:
                    entries.append((k, amount, loan_day, loan_day, True))
            elif kind == "maintenance_fund" or due <= end + 3:
                if due > end and kind != "maintenance_fund":
                    continue
                if kind == "maintenance_fund" and fate not in ("signed", "terminated"):
                    continue
                x = rng.random()
                paid = amount if x < 0.93 else amount // 2 if x < 0.97 else 0
                if paid <= 0:
                    continue
                lo, hi = max(o_s, due - 10), min(end, due + 25, T)
                if lo > hi:
                    continue
                entries.append((k, paid, lo, hi))
        s["entries"] = entries
        sales.append(s)
        # expected figures for last month
        if m_from <= o_s <= m_to:
            exp["subscriptions"] += 1
            exp["subscriptionFen"] += final
        if fate == "cancelled" and m_from <= s["cancel_o"] <= m_to:
            exp["cancellations"] += 1
        if fate in ("signed", "terminated") and m_from <= s["sign_o"] <= m_to:
            exp["contracts"] += 1
            exp["contractFen"] += final
        facts["fate:" + fate] += 1

    # --- how many receipts each payment is split into, to make --receipts in all
    n_entries = sum(len(s["entries"]) for s in sales)
    refunds = 0
    for s in sales:
        if s["fate"] == "cancelled" and s["outcome"] == "refund":
            refunds += len(s["entries"])
        elif s["fate"] == "terminated":
            refunds += len({e[0] for e in s["entries"]})
    n_rejected = int(args.receipts * 0.015)
    extra = args.receipts - n_entries - refunds - n_rejected
    if extra < 0:
        n_rejected = max(0, n_rejected + extra)
        extra = 0
    flat = [(si, ei) for si, s in enumerate(sales) for ei, e in enumerate(s["entries"]) if len(e) == 4]
    kind_w = {"deposit": 0.3, "down_payment": 3.0, "instalment": 2.0, "maintenance_fund": 0.3}
    split = collections.Counter()
    if extra and flat:
        w = [kind_w.get(sales[si]["items"][sales[si]["entries"][ei][0]][0], 1.0) for si, ei in flat]
        split = collections.Counter(rng.choices(range(len(flat)), w, k=extra))
    rejected = collections.Counter(rng.choices(range(len(flat)), k=n_rejected)) if flat and n_rejected else collections.Counter()
    parts_of = {}
    for j, (si, ei) in enumerate(flat):
        if split.get(j) or rejected.get(j):
            parts_of[(si, ei)] = (1 + split.get(j, 0), rejected.get(j, 0))

    # --- customers and their contacts
    mobiles = set()

    def mobile():
        while True:
            m = f"1{rng.choice('35789')}{rng.randrange(10 ** 9):09d}"
            if m not in mobiles:
                mobiles.add(m)
                return m

    customers = []                       # (id, name, mobile, owner index or None)
    for ci in range(n_customers):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        owner = sales[ci]["consultant"] if ci < len(sales) else (rng.choices(range(len(consultants)), c_weights)[0] if rng.random() < 0.6 else None)
        customers.append((uid(), name, mobile(), owner))
    contact_count = [0] * n_customers
    if args.contacts >= n_customers:
        contact_count = [1] * n_customers
        more = args.contacts - n_customers
        cw = [3.0 if ci < len(sales) else 1.0 for ci in range(n_customers)]
        for ci, n in collections.Counter(rng.choices(range(n_customers), cw, k=more)).items():
            contact_count[ci] += n
    else:
        for ci in range(args.contacts):
            contact_count[ci] = 1
    protect_base = now_epoch + 5 * 86400
    for ci, (cid, name, mob, owner) in enumerate(customers):
        n = contact_count[ci]
        if ci < len(sales):
            o_sale = sales[ci]["o"]
            first = max(start, o_sale - rng.randint(0, 45))
            last = min(T, o_sale + 60)
        else:
            first = rng.randint(start, T)
            last = min(T, first + 90)
        ctimes = sorted([day_time(first)] + [day_time(rng.randint(first, last)) for _ in range(n - 1)]) if n else []
        visits = calls = 0
        for k, t in enumerate(ctimes):
            o = int((t + 8 * 3600) // 86400) + ORD_1970
            if (k == 0 and rng.random() < 0.7) or (k > 0 and rng.random() < 0.4):
                kind, direction, vk, party = "visit", None, ("first" if visits == 0 else "return"), rng.randint(1, 4)
                visits += 1
            else:
                kind, direction, vk, party = "call", ("inbound" if k == 0 or rng.random() < 0.25 else "outbound"), None, None
                calls += 1
            cons = owner if owner is not None else rng.randrange(len(consultants))
            cu = consultants[cons][0]
            sink.add("customer_contacts", (uid(), pid, cid, kind, direction, vk, party, cu, enc_ts(t), rng.choice(INTERESTS), "", "",
                                           cu, enc_ts(min(t + 600, now_s)), ds(o)))
            if m_from <= o <= m_to:
                exp["calls" if kind == "call" else "firstVisits" if vk == "first" else "returnVisits"] += 1
        created = (ctimes[0] - 300) if ctimes else day_time(first)
        if ci < len(sales):
            created = min(created, sales[ci]["t"] - 600)
        last_contact = ctimes[-1] if ctimes else None
        owner_id = consultants[owner][0] if owner is not None else None
        sink.add("customers", (cid, pid, name, mob, mob[-4:], rng.choice(["male", "female", "unknown"]), "", rng.choice(SOURCES),
                               rng.choice("ABCCD"), owner_id, enc_ts(created) if owner_id else None,
                               # owners' protection runs out in the future: the lapse job leaves the bench project alone
                               enc_ts(protect_base + rng.randint(0, 55) * 86400) if owner_id else None,
                               "", "", None, enc_ts(last_contact) if last_contact else None, "", visits, calls,
                               consultants[owner if owner is not None else 0][0], enc_ts(created),
                               enc_ts(max(created, last_contact or created))))
        facts["contacts"] += n

    # --- second pass: subscriptions, contracts, plans, receipts
    sk = tk = 0
    received_last_month = 0
    for si, s in enumerate(sales):
        i, o_s, fate = s["i"], s["o"], s["fate"]
        u = units[s["unit"]]
        cons_id, cons_user, cons_name = consultants[s["consultant"]]
        cust = customers[i]
        t_sub = s["t"]
        live = fate in ("active", "draft", "signed")
        status = {"cancelled": "cancelled", "active": "active", "draft": "active"}.get(fate, "contracted")
        last_t = t_sub
        if fate == "cancelled":
            last_t = day_time(s["cancel_o"])
        elif fate in ("signed", "terminated"):
            last_t = day_time(s["sign_o"])
        sink.add("subscriptions", (s["id"], pid, f"RG{i + 1:06d}", u[0], status, s["list"], s["final"], s["eff"], s["rules"], 10_000,
                                   s["method"], s["deposit"], ds(s["deadline"]), cons_id, "",
                                   ds(s["cancel_o"]) if fate == "cancelled" else None,
                                   rng.choice(CANCEL_REASONS) if fate == "cancelled" else None,
                                   s["outcome"] if fate == "cancelled" else None, cons_id, enc_ts(t_sub), enc_ts(last_t), ds(o_s)))
        sink.add("sale_buyers", (uid(), s["id"], cust[0], 0, 10_000, True, enc_ts(t_sub)))
        # the unit
        if fate in ("active", "draft"):
            unit_status[s["unit"]] = "subscribed"
            claims.append((s["unit"], "subscription", cust, f"认购 RG{i + 1:06d}", cons_id, t_sub))
        elif fate == "signed":
            unit_status[s["unit"]] = "delivered" if "delivered_o" in s else "signed"
            claims.append((s["unit"], "contract", cust, f"认购 RG{i + 1:06d}", cons_id, t_sub))
        unit_updated[s["unit"]] = day_time(s.get("delivered_o") or s.get("term_o") or s.get("cancel_o") or s.get("sign_o") or o_s)
        # the contract
        if fate in ("draft", "signed", "terminated"):
            contract_no += 1
            cid = uid()
            signed = fate != "draft"
            sign_o = s["sign_o"]
            t_draft = day_time(s["draft_o"])
            review = "approved" if signed or rng.random() < 0.5 else "pending"
            online_o = sign_o + rng.randint(1, 5) if signed and sign_o + 5 <= T else None
            filing_o = online_o + rng.randint(5, 10) if online_o and online_o + 10 <= T else None
            contract_end = s.get("term_o") or s.get("delivered_o") or (sign_o if signed else s["draft_o"])
            area = u[4]
            sink.add("contracts", (cid, pid, s["id"], f"HT{contract_no:06d}", u[0], "draft" if not signed else fate, 
                                   rng.choices(["local_individual", "nonlocal_individual", "company"], [85, 12, 3])[0], s["method"],
                                   s["final"], (s["final"] * 100 + area // 2) // area, area, "built_area", 50, "",
                                   ds(max(sign_o, s["draft_o"]) + rng.randint(365, 730)), 365, review, "",
                                   "cs-staff" if review == "approved" else None,
                                   enc_ts(min(t_draft + 86400, now_s)) if review == "approved" else None,
                                   ds(sign_o) if signed else None,
                                   f"WQ{ds(online_o).replace('-', '')}{rng.randrange(10_000):04d}" if online_o else "",
                                   ds(online_o) if online_o else None,
                                   f"BA{ds(filing_o).replace('-', '')}{rng.randrange(10_000):04d}" if filing_o else "",
                                   ds(filing_o) if filing_o else None, ds(s["delivered_o"]) if "delivered_o" in s else None,
                                   "none", "", ds(s["term_o"]) if fate == "terminated" else None,
                                   rng.choice(TERMINATION_REASONS) if fate == "terminated" else "", cons_id,
                                   enc_ts(t_draft), enc_ts(day_time(min(contract_end, T)))))
            if "mortgage" in s:
                stage, since, c_o, sub_o, app_o, dis_o = s["mortgage"]
                loan_type = {"commercial_loan": "commercial", "provident_loan": "provident", "combined_loan": "combined"}[s["method"]]
                sink.add("mortgages", (cid, pid, rng.choice(banks)[0], loan_type, s["loan"], s["prov"], rng.choice([240, 300, 360]),
                                       stage, ds(since), ds(c_o), ds(sub_o) if sub_o else None, ds(app_o) if app_o else None,
                                       ds(dis_o) if dis_o else None, finance_id))
        # receipts
        items = s["items"]
        item_ids = [uid() for _ in items]
        confirmed = [0] * len(items)
        pending = [0] * len(items)
        payer = cust[1]
        for ei, e in enumerate(s["entries"]):
            k, amount, lo, hi = e[0], e[1], e[2], e[3]
            is_loan = len(e) == 5
            n_parts, n_rej = parts_of.get((si, ei), (1, 0))
            yuan, rest = divmod(amount, 100)
            n_parts = max(1, min(n_parts, yuan))
            cuts = sorted(rng.sample(range(1, yuan), n_parts - 1)) if n_parts > 1 else []
            bounds = [0] + cuts + [yuan]
            amounts = [(bounds[j + 1] - bounds[j]) * 100 for j in range(n_parts)]
            amounts[-1] += rest
            rdays = sorted(rng.randint(lo, hi) for _ in range(n_parts))
            rows = [(a, d, None) for a, d in zip(amounts, rdays)]
            for _ in range(n_rej):                                    # a payment finance did not find, paid again later
                j = rng.randrange(n_parts)
                rows.append((amounts[j], rng.randint(lo, rdays[j]), "rejected"))
            for a, d, st in rows:
                if st is None:
                    age = T - d
                    p = 0.6 if age < 7 else 0.1 if age < 30 else 0.005
                    st = "pending" if live and rng.random() < p else "confirmed"
                t = day_time(d, 9, 18)
                if is_loan:
                    method, who, rname, ref_text = "loan_disbursement", finance_id, finance_name, "放款"
                    pay = rng.choice(banks)[1]
                else:
                    method = rng.choices(["transfer", "pos", "cash", "cheque"], [55, 30, 5, 10])[0]
                    who, rname, pay = cons_id, cons_name, payer
                    ref_text = f"POS {rng.randrange(10 ** 6):06d}" if method == "pos" else ""
                if st == "pending":
                    pending[k] += a
                    conf = (None, None, None)
                else:
                    if st == "confirmed":
                        confirmed[k] += a
                        if m_from <= d <= m_to:
                            received_last_month += a
                    conf = (finance_id, finance_name, enc_ts(min(t + rng.uniform(3600, 2 * 86400), now_s)))
                sk += 1
                sink.add("receipts", (uid(), pid, f"SK{sk:06d}", "receipt", s["id"], item_ids[k], a, method, ds(d), pay, ref_text, st,
                                      conf[0], conf[1], conf[2], who, rname, enc_ts(t)))
                facts["receipts:" + st] += 1
        # refunds: 退订 pays the deposit back (unless forfeited); 退房 everything confirmed
        if (fate == "cancelled" and s["outcome"] == "refund") or fate == "terminated":
            when = s.get("cancel_o") or s.get("term_o")
            reason = "退订退款" if fate == "cancelled" else "退房退款"
            for k in sorted(range(len(items)), reverse=True):
                if confirmed[k] <= 0:
                    continue
                a = confirmed[k]
                d = min(T, when + rng.randint(0, 10))
                t = day_time(d, 9, 18)
                confirmed[k] -= a
                if m_from <= d <= m_to:
                    received_last_month -= a
                tk += 1
                sink.add("receipts", (uid(), pid, f"TK{tk:06d}", "refund", s["id"], item_ids[k], -a, "transfer", ds(d),
                                      "贷款银行" if items[k][0] in ("mortgage", "provident_loan") else "买受人", reason, "confirmed",
                                      finance_id, finance_name, enc_ts(min(t + 3600, now_s)), manager_id, "赵磊", enc_ts(t)))
                facts["receipts:refund"] += 1
        for k, (kind, amount, due) in enumerate(items):
            sink.add("payment_items", (item_ids[k], pid, s["id"], kind, k + 1, amount, ds(due), confirmed[k], pending[k], 0, live))
    exp["receivedFen"] = received_last_month

    # --- units (status known now), their live claims
    w_rest = ["available"] * 45 + ["withheld"] * 15 + ["unreleased"] * 40
    for j, u in enumerate(units):
        st = unit_status[j]
        if j >= len(sales):
            st = rng.choice(w_rest)
        facts["unit:" + st] += 1
        sink.add("units", (u[0], pid, u[8], u[9], u[10], u[11], u[1], u[2], u[3], "residential", u[4], u[5], "built_area", u[6], u[7],
                           u[7] * 95 // 100, st, enc_ts(unit_updated[j])))
    for j, kind, cust, note, by, t in claims:
        sink.add("unit_claims", (uid(), pid, units[j][0], kind, cust[1], cust[2], note, None, True, by, enc_ts(t)))

    # --- monthly targets (the project's and each consultant's), a little above what was sold
    by_month = collections.Counter()
    fen_month = collections.Counter()
    for s in sales:
        key = ds(s["o"])[:7]
        by_month[key] += 1
        fen_month[key] += s["final"]
    total_w = sum(c_weights)
    for key in sorted(by_month):
        f = rng.uniform(0.9, 1.25)
        sink.add("sales_targets", (uid(), pid, key, None, int(by_month[key] * f), int(fen_month[key] * f),
                                   int(fen_month[key] * f * 0.8), manager_id, enc_ts(now_s)))
        for ci, (cu, _, _) in enumerate(consultants):
            share = c_weights[ci] / total_w
            sink.add("sales_targets", (uid(), pid, key, cu, max(1, int(by_month[key] * f * share)), int(fen_month[key] * f * share),
                                       int(fen_month[key] * f * share * 0.8), manager_id, enc_ts(now_s)))

    # --- the number series, so documents the app numbers next do not collide with these
    series_key = pid_raw.upper()                         # Swift's UUID.uuidString
    for prefix, value in (("RG", len(sales)), ("HT", contract_no), ("SK", sk), ("TK", tk)):
        sink.add("number_series", (f"{prefix}:{series_key}", value))

    facts.update({"units": len(units), "sales": len(sales), "contracts": contract_no, "customers": n_customers,
                  "receipts": sk + tk, "consultants": len(consultants)})
    return pid, pid_raw, facts, dict(exp)


def reference(db, engine):
    """Demo users (ids as stored), the password hash of demo1234, the banks."""
    users, names = {}, {}
    for username, uid, name, h in db.query("SELECT username, id, display_name, password_hash FROM users WHERE username IN "
                                           "('consultant', 'sales-manager', 'finance', 'cs-manager', 'cs-staff', 'general-manager')"):
        users[username], names[username] = uid, name
        if username == "consultant":
            hash_ = h
    if "consultant" not in users:
        raise BenchError(f"demo users missing: found {sorted(users)}")
    banks = [(b, n) for b, n in db.query("SELECT id, name FROM banks")]
    if not banks:
        raise BenchError("no banks in the demo (the loader puts mortgages with the demo's banks)")
    return {"users": users, "names": names, "password_hash": hash_, "banks": banks}


# ---------------------------------------------------------------- the endpoints

def endpoint_paths(pid_text, P, days):
    mf, mt = (days.s(o) for o in P["month"])
    yf, yt = (days.s(o) for o in P["year"])
    q = urllib.parse.urlencode
    return {
        "salesDay": ("/reports/sales", "/api/v1/reports/sales?" + q({"projectId": pid_text, "from": mf, "to": mt, "granularity": "day"})),
        "salesMonth": ("/reports/sales", "/api/v1/reports/sales?" + q({"projectId": pid_text, "from": yf, "to": yt, "granularity": "month"})),
        "collections": ("/reports/collections", "/api/v1/reports/collections?" + q({"projectId": pid_text, "from": mf, "to": mt})),
        "consultants": ("/reports/consultants", "/api/v1/reports/consultants?" + q({"projectId": pid_text, "from": mf, "to": mt})),
        "export": ("/reports/sales/export", "/api/v1/reports/sales/export?" + q({"projectId": pid_text, "from": mf, "to": mt, "granularity": "day"})),
        "dashboard": ("/reports/dashboard", "/api/v1/reports/dashboard?" + q({"projectId": pid_text})),
    }


def leaves(body):
    """Every number and string in a JSON answer, as text, for finding the expected figures."""
    out = set()

    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, bool) or v is None:
            pass
        elif isinstance(v, (int, float)):
            out.add(str(v))
            if float(v).is_integer():
                out.add(str(int(v)))
            out.add(f"{v:.2f}")
        elif isinstance(v, str):
            out.add(v.replace(",", ""))
    walk(body)
    return out


def look_for(expected, body):
    """Which of last month's figures (counts, and fen amounts as fen or yuan) appear in the answer."""
    found = leaves(body)
    hits = {}
    for k, v in expected.items():
        forms = {str(v)}
        if k.endswith("Fen"):
            forms |= {f"{v / 100:.2f}", str(v / 100)} | ({str(v // 100)} if v % 100 == 0 else set())
        hits[k] = bool(forms & found)
    return hits


def run_endpoints(server, db, pid_text, P, days, expected, args, res):
    paths = endpoint_paths(pid_text, P, days)
    out = {}
    cache_note = None
    for key, label in ENDPOINTS:
        route, path = paths[key]
        server.stop()
        cache_note = db.drop_os_cache() or cache_note
        server.start()
        c = sign_in(server)
        status, data, t = c.request("GET", path)
        hdr = timing_header(c.last_headers)
        e = {"path": path, "status": status, "coldMs": t * 1000, "bytes": len(data),
             "contentType": c.last_headers.get("content-type", ""), "timingHeader": hdr}
        log(f"[{res['engine']}] {key}: cold {t * 1000:.1f} ms → {status} ({len(data):,} bytes)")
        if status != 200:
            e["body"] = data[:300].decode("utf-8", "replace")
            out[key] = e
            c.close()
            continue
        if key == "export":
            if not data.startswith(b"PK"):
                res["problems"].add(f"export: not an xlsx (zip) file: content-type {e['contentType']!r}, starts {data[:20]!r}")
        else:
            try:
                body = json.loads(data)
                if key == "salesDay":
                    e["figuresFound"] = look_for(expected, body)
            except ValueError:
                res["problems"].add(f"{key}: the answer is not JSON ({e['contentType']})")
        before = metrics_scrape(c)
        times, header_times = [], []
        for _ in range(args.requests):
            st, d, t = c.request("GET", path)
            if st != 200:
                res["problems"].add(f"{key}: {st} on a warm request: {d[:200]!r}")
                break
            times.append(t * 1000)
            h = timing_header(c.last_headers)
            if h:
                v = header_ms(*h)
                if v is not None:
                    header_times.append(v)
        after = metrics_scrape(c)
        e["warm"] = summary_ms(times)
        e["serverMeanMs"] = server_mean_ms(before, after, route)
        if header_times:
            e["headerMs"] = summary_ms(header_times)
        e["reconnects"] = c.reconnects
        out[key] = e
        c.close()
    server.stop()
    res["notes"].append(cache_note or "the OS page cache was not dropped before cold starts (only the server restarted)")
    return out


# ---------------------------------------------------------------- raw SQL yardsticks

def yardstick(db, pkey, to_day, runs):
    """The plain aggregate the brief names: confirmed money up to the end of last month."""
    sql = "SELECT COUNT(*), SUM(amount_fen) FROM receipts WHERE project_id = ? AND status = 'confirmed' AND received_on <= ?"
    times, first, plan = db.time_sql(sql, (pkey, to_day), runs)
    return {"sql": sql, "binds": [str(pkey), to_day], "ms": summary_ms(times), "first": [list(map(str, r)) for r in first],
            "plan": plan[:12]}


def logged_statements(log_text):
    """(SQL, binds as logged) of the statements a request ran, from a debug log excerpt:
    `[ DEBUG ] Executing query [binds: [...], database-id: …, request-id: …, sql: SELECT …] (file:line)`,
    the SQL running on over several lines."""
    entries, cur = [], None
    for line in log_text.splitlines():
        if line.startswith("[ "):
            if cur is not None:
                entries.append(cur)
            cur = line if line.startswith("[ DEBUG ] Executing query [") else None
        elif cur is not None:
            cur += "\n" + line
    if cur is not None:
        entries.append(cur)
    out = []
    for e in entries:
        m = re.match(r'^\[ DEBUG \] Executing query \[binds: \[(.*?)\], database-id: [^,]*, request-id: ([^,\]]*), sql: (.*)\] \([^()]*\)\s*$',
                     e, re.S)
        if m and m.group(2).strip() and m.group(2).strip() != "none":
            out.append((m.group(3).strip(), m.group(1)))
    return out


def request_sql(server, db, paths, endpoints, runs, res):
    """Each endpoint that answered 200, once more with ESTATE_LOG_LEVEL=debug: the SELECTs it ran,
    each timed directly on the database (its raw SQL, PERFORMANCE.md), slowest first."""
    server.start(log_level="debug")
    c = sign_in(server)
    out = {}
    for key, _ in ENDPOINTS:
        if endpoints.get(key, {}).get("status") != 200:
            continue
        with open(server.log_path, "rb") as f:
            start = len(f.read())
        c.request("GET", paths[key][1])
        time.sleep(0.3)
        with open(server.log_path, "rb") as f:
            f.seek(start)
            text = f.read().decode("utf-8", "replace")
        stmts = logged_statements(text)
        timed, skipped = [], 0
        for sql, logged in stmts:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                skipped += 1
                continue
            binds = [v.strip() for v in logged.split(", ")] if logged.strip() else []
            try:
                times, first, plan = db.time_stmt(sql, binds, runs)
            except (BenchError, sqlite3.Error) as e:
                res["problems"].add(f"{key}: could not re-run a statement of the request ({str(e)[:200]}): {sql[:120]}")
                continue
            timed.append({"sql": sql, "binds": binds, "ms": summary_ms(times), "plan": plan[:14], "rows": first})
        timed.sort(key=lambda t: -(t["ms"].get("p50") or 0))
        out[key] = {"statements": timed, "notSelect": skipped, "sumP50": sum(t["ms"].get("p50") or 0 for t in timed)}
    c.close()
    server.stop()
    return out


# ---------------------------------------------------------------- one engine

class Problems(list):
    def add(self, p):
        if p not in self and len(self) < 40:
            self.append(p)


def run_engine(engine, args, work):
    rng = random.Random(args.seed)
    res = {"engine": engine, "problems": Problems(), "notes": []}
    data_dir = os.path.join(work, f"data-{engine}")
    log_dir = os.path.join(work, f"logs-{engine}")
    os.makedirs(data_dir)
    os.makedirs(log_dir)
    if engine == "sqlite":
        db = SQLiteDB(os.path.join(data_dir, "estate.sqlite"))
        server = Server(args.bin, data_dir, log_dir)
    else:
        db = PostgresDB(args.pg_url, args.pg_temp_dir, args.pg_bin)
        server = Server(args.bin, data_dir, log_dir, database_url=args.pg_url)
    try:
        # --- 1. migrations and the demo
        log(f"[{engine}] estate serve --demo (migrations, demo users and project {DEMO_CODE})")
        t0 = time.perf_counter()
        server.start(demo=True)
        res["firstStartSeconds"] = time.perf_counter() - t0
        c = sign_in(server)                                  # the GM signs in: the run would fail later otherwise
        c.close()
        server.stop()

        # --- 2. the load
        samples = db.formats()
        enc_uuid, enc_ts, desc = codecs(samples, engine)
        schema = check_schema(db, res["notes"])
        ref = reference(db, engine)
        now_epoch = time.time()
        days = Days(dt.datetime.now(BJ).date())
        P = periods(days.today)
        log(f"[{engine}] generating and loading: {args.sales:,} sales, {args.receipts:,} receipts, {args.contacts:,} contacts "
            f"(UUIDs {desc['uuid']}, datetimes {desc['datetime']}, booleans {desc['bool']})")
        t0 = time.perf_counter()
        sink = db.sink(schema, work)
        pkey, pid_raw, facts, expected = generate(args, rng, sink, enc_uuid, enc_ts, ref, db.project_row(), now_epoch, days)
        t_gen = time.perf_counter() - t0
        t_insert = sink.finish()
        t_total = time.perf_counter() - t0
        t_analyze, analyze_how = db.after_load()
        # The reports read daily rows the app keeps with every fact; a bulk load bypasses the app,
        # so they are computed once from the loaded records (`estate reports rebuild`).
        t_rebuild, rebuild_out = server.command("reports", "rebuild", "--project", PROJECT_CODE)
        log(f"[{engine}] estate reports rebuild: {rebuild_out} ({t_rebuild:.1f} s)")
        res["notes"].append(f"estate reports rebuild --project {PROJECT_CODE}: {rebuild_out} ({t_rebuild:.1f} s wall)")
        t_analyze2, _ = db.after_load()
        t_analyze += t_analyze2
        rows = dict(sink.counts)
        res["load"] = {"rows": rows, "totalRows": sum(rows.values()), "seconds": t_total + t_analyze,
                       "generateAndInsertSeconds": t_total,
                       "insertSeconds": t_insert, "generateSeconds": t_total - t_insert if engine == "sqlite" else t_gen,
                       "analyzeSeconds": t_analyze, "analyze": analyze_how, "formats": desc, "facts": dict(facts),
                       "bytes": db.size(), "today": days.s(days.today), "periods": {k: [days.s(a), days.s(b)] for k, (a, b) in P.items()}}
        res["projectId"] = pid_raw
        res["expected"] = expected
        log(f"[{engine}] loaded {sum(rows.values()):,} rows in {t_total:.1f} s (insert {t_insert:.1f} s) + {analyze_how} {t_analyze:.1f} s")
        # the load as the app sees it
        n = db.query("SELECT COUNT(*) FROM receipts WHERE project_id = ?", (pkey,))[0][0]
        if int(n) != rows.get("receipts", 0):
            res["problems"].add(f"{n} receipts in the project after the load (expected {rows.get('receipts')})")
        bad = db.query("SELECT COUNT(*) FROM payment_items i LEFT JOIN (SELECT item_id, SUM(amount_fen) AS s FROM receipts "
                       "WHERE project_id = ? AND status = 'confirmed' GROUP BY item_id) r ON r.item_id = i.id "
                       "WHERE i.project_id = ? AND i.confirmed_fen <> COALESCE(r.s, 0)", (pkey, pkey))[0][0]
        if int(bad):
            res["problems"].add(f"{bad} payment items whose confirmed_fen is not the sum of their confirmed receipts")
        for ddl in args.extra_sql:
            log(f"[{engine}] --extra-sql {ddl}")
            t0 = time.perf_counter()
            db.execute(ddl)
            res["notes"].append(f"--extra-sql ({time.perf_counter() - t0:.1f} s): {ddl}")

        # --- 3. the endpoints
        server.start()
        c = sign_in(server)
        projects, _ = c.expect("GET", "/api/v1/projects")
        items = projects["items"] if isinstance(projects, dict) else projects
        pid_text = next((p["id"] for p in items if p.get("code") == PROJECT_CODE), None)
        if not pid_text:
            raise BenchError(f"the GM does not see project {PROJECT_CODE}: {[p.get('code') for p in items]}")
        c.close()
        res["endpoints"] = run_endpoints(server, db, pid_text, P, days, expected, args, res)

        # --- 4. the raw SQL, on the same data: the plain yardstick, and each report's own statements
        log(f"[{engine}] raw SQL: the yardstick, then each report's statements from a debug log")
        res["raw"] = yardstick(db, pkey, days.s(P["month"][1]), args.raw_runs)
        res["requestSql"] = request_sql(server, db, endpoint_paths(pid_text, P, days), res["endpoints"], args.raw_runs, res)
        res["rawHow"] = db.how()
        res["warnings"] = server.warnings()
    finally:
        server.stop()
    return res


# ---------------------------------------------------------------- report

def report(results, args):
    out = []
    p = out.append
    p("")
    p(f"EstateDesk reports benchmark · project {PROJECT_CODE}: {args.sales:,} sales, {args.receipts:,} receipts, "
      f"{args.contacts:,} contacts over 3 years · {args.requests} warm requests per endpoint after 1 cold · "
      f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    for r in results:
        ld = r["load"]
        p("")
        p(f"== {r['engine']} ==  load {ld['totalRows']:,} rows in {ld['generateAndInsertSeconds']:.1f} s (insert {ld['insertSeconds']:.1f} s) "
          f"+ {ld['analyze']} {ld['analyzeSeconds']:.1f} s; {(ld['bytes'] or 0) / 1e6:,.0f} MB; "
          f"UUIDs {ld['formats']['uuid']}, datetimes {ld['formats']['datetime']}")
        p("   rows: " + ", ".join(f"{t} {n:,}" for t, n in ld["rows"].items()))
        f = ld["facts"]
        p("   sales: " + ", ".join(f"{k[5:]} {v:,}" for k, v in sorted(f.items()) if k.startswith("fate:"))
          + " · receipts: " + ", ".join(f"{k[9:]} {v:,}" for k, v in sorted(f.items()) if k.startswith("receipts:"))
          + " · units: " + ", ".join(f"{k[5:]} {v:,}" for k, v in sorted(f.items()) if k.startswith("unit:")))
        mf, mt = ld["periods"]["month"]
        yf, yt = ld["periods"]["year"]
        p(f"   today {ld['today']} (Beijing); last month {mf}…{mt}; 12 months {yf}…{yt}; expected last month: "
          + ", ".join(f"{k} {v:,}" for k, v in r["expected"].items()))
        raw = r["raw"]
        base = raw["ms"].get("p50")
        own = r.get("requestSql", {})
        p(f"   {'GET /api/v1/reports/…':<34} {'status':>6} {'cold':>8} {'n':>3} {'p50':>8} {'p95':>8} {'max':>8} {'server':>8} "
          f"{'own SQL':>8} {'÷own':>6} {'÷yard':>7}  size")
        for key, label in ENDPOINTS:
            e = r["endpoints"].get(key, {})
            w = e.get("warm", {})
            sql_ms = own.get(key, {}).get("sumP50")
            p(f"   {label:<34} {e.get('status', '—')!s:>6} {fmt_ms(e.get('coldMs')):>8} {w.get('n', 0):>3} {fmt_ms(w.get('p50')):>8} "
              f"{fmt_ms(w.get('p95')):>8} {fmt_ms(w.get('max')):>8} {fmt_ms(e.get('serverMeanMs')):>8} {fmt_ms(sql_ms):>8} "
              f"{fmt_ratio(w.get('p50'), sql_ms):>6} {fmt_ratio(w.get('p50'), base):>7}  {e.get('bytes', 0) / 1000:.1f} kB")
            if e.get("status") not in (None, 200):
                p(f"      {e.get('body', '')[:200]}")
            if e.get("timingHeader"):
                p(f"      {e['timingHeader'][0]}: {e['timingHeader'][1]} (warm p50 by the header: {fmt_ms(e.get('headerMs', {}).get('p50'))} ms)")
            if e.get("figuresFound"):
                ff = e["figuresFound"]
                p(f"      last month's figures found in the answer: {sum(ff.values())}/{len(ff)} "
                  f"({', '.join(k + (' ✓' if v else ' ✗') for k, v in ff.items())})")
        p("   (cold = first request after a server restart; server = mean from /metrics; own SQL = Σ p50 of the SELECTs the request "
          "ran, re-run directly; ÷yard = p50 ÷ the yardstick below)")
        shown = re.sub(r"\s+", " ", raw["sql"])
        p(f"   yardstick ({r['rawHow']}, p50 of {raw['ms'].get('n')}): {fmt_ms(base)} ms  {shown}  → {raw['first'][0] if raw['first'] else ''}")
        for line in raw["plan"][:4]:
            p(f"      {line}")
        for key, label in ENDPOINTS:
            o = own.get(key)
            if not o:
                continue
            st = o["statements"]
            p(f"   -- {label}: {len(st)} SELECTs (+{o['notSelect']} other), Σ p50 {fmt_ms(o['sumP50'])} ms"
              + ("; slowest:" if st else ""))
            for t in st[: (len(st) if args.plans else 3)]:
                sql = re.sub(r"\s+", " ", t["sql"])
                p(f"      {fmt_ms(t['ms'].get('p50')):>8} ms  {t['rows']:>6} rows  {sql[:170]}")
                for line in t["plan"][: (14 if args.plans else 5)]:
                    p(f"{'':<31}{line}")
        head = r["endpoints"].get("salesDay", {})
        hw = head.get("warm", {})
        if hw.get("n"):
            def ok(v):
                return "ok" if v <= GOAL_MS else "OVER"
            p(f"   headline: monthly sales report by day — warm p50 {fmt_ms(hw['p50'])} ms, p95 {fmt_ms(hw['p95'])} ms ({ok(hw['p95'])}), "
              f"cold {fmt_ms(head['coldMs'])} ms ({ok(head['coldMs'])}) against the goal of ≤ {GOAL_MS} ms; "
              f"{fmt_ratio(hw['p50'], own.get('salesDay', {}).get('sumP50'))} its own SQL run directly (PERFORMANCE.md: ≤ 1.5×), "
              f"{fmt_ratio(hw['p50'], base)} the yardstick")
        else:
            p(f"   headline: the monthly sales report answered {head.get('status')} — not timed")
        for n in r["notes"]:
            p(f"   note: {n}")
        for w in r.get("warnings", [])[:10]:
            p(f"   server log: {w}")
        for pr in r["problems"]:
            p(f"   PROBLEM: {pr}")
    if len(results) > 1:
        p("")
        p(f"{'warm p50 / p95 ms (status)':<40}" + "".join(f"{r['engine']:>24}" for r in results))
        for key, label in ENDPOINTS:
            cells = []
            for r in results:
                e = r["endpoints"].get(key, {})
                w = e.get("warm", {})
                cells.append(f"{fmt_ms(w.get('p50'))} / {fmt_ms(w.get('p95'))}" if w.get("n") else f"({e.get('status')})")
            p(f"{label:<40}" + "".join(f"{c:>24}" for c in cells))
        p(f"{'load (s)':<40}" + "".join(f"{r['load']['seconds']:>24.1f}" for r in results))
    p("")
    print("\n".join(out), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="the estate binary")
    ap.add_argument("--work-dir", help="data dirs and server logs (default: a new temp dir)")
    ap.add_argument("--engines", default="sqlite", help="comma-separated: sqlite, pg")
    ap.add_argument("--pg-url", default=os.environ.get("DATABASE_URL"), help="an empty PostgreSQL database (default DATABASE_URL)")
    ap.add_argument("--pg-temp-dir", help="a scripts/pg-temp folder: restarted for cold figures")
    ap.add_argument("--pg-bin", help="the PostgreSQL bin dir of --pg-temp-dir")
    ap.add_argument("--sales", type=int, default=100_000, help="subscriptions (one unit, one buyer each)")
    ap.add_argument("--receipts", type=int, default=1_000_000, help="receipts and refunds in all")
    ap.add_argument("--contacts", type=int, default=300_000, help="calls and visits")
    ap.add_argument("--customers", type=int, default=0, help="customers (default 1.5 × sales; at least one per sale)")
    ap.add_argument("--consultants", type=int, default=10, help="new consultant users (the demo consultant sells too)")
    ap.add_argument("--buildings", type=int, default=20)
    ap.add_argument("--requests", type=int, default=20, help="warm requests per endpoint")
    ap.add_argument("--raw-runs", type=int, default=10, help="warm runs of each raw SQL yardstick")
    ap.add_argument("--endpoints", default=",".join(k for k, _ in ENDPOINTS),
                    help=f"which to time, comma-separated (default all: {', '.join(k for k, _ in ENDPOINTS)})")
    ap.add_argument("--plans", action="store_true", help="print every statement of each report with its whole plan, not the 3 slowest")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--extra-sql", action="append", default=[],
                    help="a statement run on the database after the load, before timing (repeatable), e.g. a candidate index")
    ap.add_argument("--json-out")
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if any(e not in ("sqlite", "pg") for e in engines):
        ap.error("--engines: sqlite and/or pg")
    if "pg" in engines and not args.pg_url:
        ap.error("pg needs --pg-url or DATABASE_URL")
    if args.sales < 10 or args.receipts < 0 or args.contacts < 0:
        ap.error("--sales ≥ 10")
    wanted = [k.strip() for k in args.endpoints.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in dict(ENDPOINTS)]
    if unknown:
        ap.error(f"--endpoints: unknown {', '.join(unknown)} (known: {', '.join(k for k, _ in ENDPOINTS)})")
    ENDPOINTS[:] = [(k, label) for k, label in ENDPOINTS if k in wanted]
    work = args.work_dir or tempfile.mkdtemp(prefix="estate-reports-bench.")
    os.makedirs(work, exist_ok=True)
    results = []
    for e in engines:
        results.append(run_engine("postgres" if e == "pg" else "sqlite", args, work))
    report(results, args)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"args": {k: v for k, v in vars(args).items() if k not in ("pg_url",)}, "results": results},
                      f, ensure_ascii=False, indent=2, default=str)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        main()
    except BenchError as e:
        print(f"\nbenchmark stopped: {e}", file=sys.stderr)
        sys.exit(1)

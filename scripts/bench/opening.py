#!/usr/bin/env python3
"""Benchmark (not a test) of the opening-day selection engine (issue 18, "The engine's numbers").

Usage: scripts/bench/opening.py --bin PATH [--buyers 20000] [--connections 1024] [--units 500] [--hot 50]
                                [--hot-share 0.9] [--servers 1|2] [--port 8140] [--reread-after 3]
                                [--deadline 900] [--raw-seconds 8] [--raw-concurrency N] [--keep]
With DATABASE_URL set it runs on that PostgreSQL server (a scratch database it creates and drops); without,
on SQLite in a temporary data dir. Normally started by scripts/bench/opening (which also starts a throw-away
PostgreSQL for --pg / --two-servers).

  1. starts `estate serve` (--servers of them on PostgreSQL, on --port, --port+1), ESTATE_TRUSTED_PROXIES=127.0.0.1
     so every simulated buyer is its own address (X-Forwarded-For), a known ESTATE_SECRET_KEY, bcrypt cost 4;
  2. setup through the staff API: a project, --units units imported from CSV with list prices, an opening
     (registration order, quota 1, deposit 50,000, confirm 60 s) with all units released to it, one 认筹
     registration through the API as the template; then --buyers - 1 more customers and registrations copied
     from it straight into `customers` / `opening_registrations` (one INSERT … SELECT each, as
     DemoOpeningStory does); the order drawn and batches planned through the API so every buyer's window is
     open; one buyer session each inserted straight into `opening_sessions` (token hash = hex HMAC-SHA256 of
     "session|<token>" under HKDF(HKDF(master, "estatedesk/personal-data-lookup"), "estatedesk/opening-sign-in")),
     one token checked through the API; the event scheduled and opened (staff action, or its clock);
  3. the race: --buyers buyers over --connections keep-alive connections (asyncio, a small HTTP/1.1 client),
     --hot-share of them preferring the same --hot units: choose (POST …/selections, Idempotency-Key) → confirm;
     a refusal "taken" makes the buyer try the next unit it still believes open; after --reread-after refusals
     in a row (or with nothing left it believes open) it re-reads the event's units; it stops with a unit or when
     a re-read shows nothing open or held ("nothing left"). 429 and 503 opening_busy (the server's admission
     limit) with Retry-After are waited on and counted, not errors;
  4. figures: throughput, latency percentiles per request kind and of select+confirm, time to sell out, errors
     by kind, the database's counts after the run (units taken = subscriptions = distinct units: zero oversell),
     every buyer's answer, the server-side means from /metrics, CPU seconds of client / server(s) / database;
  5. the raw yardstick from the same run: the selection path's conditional UPDATE on opening_units issued directly
     (PostgreSQL: pgbench, extended protocol; SQLite: threads with their own connections, BEGIN IMMEDIATE,
     synchronous=FULL) at the same concurrency (PostgreSQL: capped below max_connections) and at the server's
     own write concurrency, and the ratios selection path / raw.
Exit 0 when it ran; 1 on a setup failure or any oversell.
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

try:
    import resource
except ImportError:  # pragma: no cover
    resource = None

ADMIN_PASSWORD = "bench-opening-admin-1"
MANAGER_PASSWORD = "Bench-opening-mgr-7"
METRICS_TOKEN = "bench-opening-metrics-token-1"
# A fixed master secret (32 bytes, base64) so the bench can make buyer session tokens the server accepts.
SECRET = base64.b64encode(hashlib.sha256(b"estatedesk opening bench").digest()).decode()
UNIT_HEADER = ["楼栋", "单元", "楼层", "房号", "房间编码", "户型", "朝向", "用途", "建筑面积", "套内面积",
               "计价方式", "表价单价", "表价总价", "底价"]
ROOM_SPEC = {1: ("C户型", 143.87, 118.02), 2: ("B户型", 118.46, 96.20), 3: ("B户型", 118.46, 96.20),
             4: ("A户型", 89.32, 72.15), 5: ("A户型", 89.32, 72.15), 6: ("A户型", 89.32, 72.15),
             7: ("A户型", 89.32, 72.15), 8: ("B户型", 118.46, 96.20), 9: ("B户型", 118.46, 96.20),
             10: ("C户型", 143.87, 118.02)}
LAYOUTS = [("A户型", "3室2厅2卫"), ("B户型", "4室2厅2卫"), ("C户型", "2室2厅1卫")]
TAKEN = "opening_unit_taken"


class SetupError(Exception):
    pass


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg():
    try:
        return open("/proc/loadavg").read().strip()
    except OSError:
        return "?"


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]


def fmt(v):
    return "—" if v != v else (f"{v:.1f}" if v < 100 else f"{v:.0f}")


def hkdf_sha256(ikm, info, length=32):
    """RFC 5869 with no salt (CryptoKit's HKDF without a salt: a hash-length of zeros)."""
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def session_key(master_b64):
    lookup = hkdf_sha256(base64.b64decode(master_b64), b"estatedesk/personal-data-lookup")
    return hkdf_sha256(lookup, b"estatedesk/opening-sign-in")


def resident_id(base17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return base17 + "10X98765432"[sum(int(c) * w for c, w in zip(base17, weights)) % 11]


def cpu_seconds(pid):
    """utime + stime of a process (and its threads) in seconds, or None."""
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def children_cpu(ppid):
    """CPU seconds of the direct children of ppid (PostgreSQL's backends under its postmaster), living ones."""
    total = 0.0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(f[1]) == ppid:
            total += (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    return total


# ---------------------------------------------------------------- blocking HTTP for setup

import http.client


class Client:
    def __init__(self, port, token=None):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.headers = {"Accept-Language": "en"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method, path, body=None, headers=None, raw=None):
        h = dict(self.headers)
        h.update(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            h["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                payload = r.read()
                try:
                    parsed = json.loads(payload) if payload[:1] in (b"{", b"[") else payload
                except ValueError:
                    parsed = payload
                return r.status, parsed
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        raise SetupError(f"{method} {path}: connection failed")

    def ok(self, method, path, body=None, want=(200, 201, 202, 204), headers=None, raw=None):
        s, b = self.call(method, path, body, headers, raw)
        if s not in want:
            raise SetupError(f"{method} {path} → {s}: {str(b)[:800]}")
        return b


def sign_in(port, user, password):
    b = Client(port).ok("POST", "/api/v1/auth/login", {"username": user, "password": password})
    return Client(port, b["token"])


# ---------------------------------------------------------------- databases

class SQLiteDB:
    engine = "sqlite"

    def __init__(self, path):
        self.path = path
        self.uuid_blob = None

    def connect(self):
        c = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        c.execute("PRAGMA busy_timeout = 30000")
        return c

    def q(self, sql, args=()):
        c = self.connect()
        try:
            return c.execute(sql, [self.bind(a) for a in args]).fetchall()
        finally:
            c.close()

    def bind(self, a):
        if isinstance(a, uuid.UUID):
            return a.bytes if self.uuid_blob else str(a).upper()
        return a

    def new_id_sql(self):
        if self.uuid_blob:
            return "randomblob(16)"
        return ("upper(hex(randomblob(4))||'-'||hex(randomblob(2))||'-4'||substr(hex(randomblob(2)),2)||'-A'||"
                "substr(hex(randomblob(2)),2)||'-'||hex(randomblob(6)))")

    def columns(self, table):
        return [r[1] for r in self.q(f"PRAGMA table_info({table})")]


class PostgresDB:
    engine = "postgres"
    uuid_blob = False

    def __init__(self, url):
        self.url = url

    def q(self, sql, args=()):
        for a in args:
            sql = sql.replace("?", "'" + str(a).replace("'", "''") + "'", 1)
        r = subprocess.run(["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SetupError(f"psql: {sql[:300]}\n{r.stderr}")
        return [tuple(l.split("\t")) for l in r.stdout.splitlines()]

    def bind(self, a):
        return a

    def columns(self, table):
        return [r[0] for r in self.q("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                     "AND table_schema = 'public' ORDER BY ordinal_position", (table,))]


# ---------------------------------------------------------------- setup

def unit_csv(n):
    lines = [",".join(UNIT_HEADER)]
    floors = (n + 9) // 10
    k = 0
    for f in range(1, floors + 1):
        for r in range(1, 11):
            if k == n:
                break
            layout, built, inner = ROOM_SPEC[r]
            lines.append(",".join(["1号楼", "1", str(f), f"{r:02d}", "", layout, "南", "住宅", f"{built:.2f}", f"{inner:.2f}",
                                   "按建筑面积", f"{16800 + f * 150:.2f}", "", ""]))
            k += 1
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def setup(a, db, port):
    """Everything before the race. Returns a dict with the ids, the tokens and the units."""
    t_setup = time.perf_counter()
    admin = sign_in(port, "admin", ADMIN_PASSWORD)
    code = "OB" + uuid.uuid4().hex[:6].upper()
    project = admin.ok("POST", "/api/v1/projects", {"code": code, "name": "开盘压测", "city": "成都"})
    pid = project["id"]
    for name, desc in LAYOUTS:
        admin.ok("POST", f"/api/v1/projects/{pid}/layouts", {"name": name, "description": desc})
    imp = admin.ok("POST", f"/api/v1/projects/{pid}/units/import?fileName=opening-bench.csv", raw=unit_csv(a.units),
                   headers={"Content-Type": "text/csv"})
    if imp.get("imported") != a.units:
        raise SetupError(f"unit import: {imp}")
    u = admin.ok("POST", "/api/v1/users", {"username": f"bench-om-{code.lower()}", "displayName": "压测销售经理", "password": MANAGER_PASSWORD})
    admin.ok("POST", f"/api/v1/users/{u['id']}/grants", {"role": "sales_manager", "projectId": pid})
    mgr = sign_in(port, f"bench-om-{code.lower()}", MANAGER_PASSWORD)
    units, page = [], 1
    while True:
        d = mgr.ok("GET", f"/api/v1/projects/{pid}/units?perPage=200&page={page}")
        units.extend(d["items"])
        if not d["items"] or len(units) >= d.get("total", 0):
            break
        page += 1
    if len(units) != a.units:
        raise SetupError(f"{len(units)} units listed, {a.units} imported")
    now = datetime.now(timezone.utc)
    ev = mgr.ok("POST", "/api/v1/openings", {
        "projectId": pid, "name": "压测开盘", "orderKind": "registration", "quota": 1, "deposit": "50000.00",
        "paymentMethod": "full", "contractDays": 7, "confirmSeconds": 60,
        # Started a minute ago: the batch windows (planned from the start) are open the moment it opens.
        "startsAt": iso(now - timedelta(seconds=60)), "endsAt": iso(now + timedelta(hours=10))})
    eid = ev["id"]
    ev = mgr.ok("POST", f"/api/v1/openings/{eid}/units", {"unitIds": [x["id"] for x in units]})
    if ev.get("unitCount") != a.units:
        raise SetupError(f"opening has {ev.get('unitCount')} units, {a.units} released to it")
    # The template buyer through the API (认筹: ID checked and sealed, 诚意金 against a receipt).
    tmpl_mobile = "13700000001"
    reg = mgr.ok("POST", f"/api/v1/openings/{eid}/registrations", {
        "name": "压测买家", "mobile": tmpl_mobile, "idKind": "resident_id", "idNumber": resident_id("11010519900101123"),
        "sincerity": "20000.00", "eligible": True, "eligibilityNote": "限购资格已核（压测）"},
        headers={"Idempotency-Key": "bench-" + uuid.uuid4().hex})
    log(f"project {code} with {a.units} units released to the opening; template registration {reg['number']}")
    # Copies of it, straight into the database.
    t0 = time.perf_counter()
    bulk_buyers(db, pid, eid, a.buyers - 1)
    n = int(db.q("SELECT COUNT(*) FROM opening_registrations WHERE event_id = ?", (db_uuid(db, eid),))[0][0])
    if n != a.buyers:
        raise SetupError(f"{n} registrations in the opening, {a.buyers} wanted")
    log(f"bulk-inserted {a.buyers - 1:,} customers and registrations in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    order = mgr.ok("POST", f"/api/v1/openings/{eid}/lottery")
    log(f"order drawn over {len(order['entries']):,} registrations in {time.perf_counter() - t0:.1f} s")
    size = min(a.buyers, 20_000)
    batches = mgr.ok("POST", f"/api/v1/openings/{eid}/batches", {"size": size, "minutes": 600, "gapMinutes": 0})["items"]
    mgr.ok("POST", f"/api/v1/openings/{eid}/actions", {"action": "schedule"})
    # One session per buyer, straight into opening_sessions.
    t0 = time.perf_counter()
    mobiles = [r[0] for r in db.q("SELECT mobile FROM opening_registrations WHERE event_id = ? ORDER BY mobile", (db_uuid(db, eid),))]
    tokens = insert_sessions(db, mobiles)
    log(f"{len(tokens):,} buyer sessions inserted in {time.perf_counter() - t0:.1f} s")
    # Check one token through the API: the buyer sees the opening, its rank and its batch.
    probe = Client(port, tokens[0][1])
    mine = probe.ok("GET", "/api/v1/buyer/openings")["items"]
    seat = next((x for x in mine if x["id"] == eid), None)
    if not seat or seat.get("rank") is None or not seat.get("batch"):
        raise SetupError(f"GET /api/v1/buyer/openings with a bench token: {mine}")
    forged = Client(port, "x" + tokens[0][1][1:]).call("GET", "/api/v1/buyer/openings")[0]
    if forged != 401:
        raise SetupError(f"a forged buyer token got {forged}, not 401")
    log(f"a bench token signs in (rank {seat['rank']}, batch {seat['batch']['seq']} "
        f"{seat['batch']['opensAt']}–{seat['batch']['closesAt']}); a forged one gets 401; {len(batches)} batch(es)")
    snapshot = probe.ok("GET", f"/api/v1/buyer/openings/{eid}/units")
    if len(snapshot["items"]) != a.units or any(x["status"] != "open" for x in snapshot["items"]):
        raise SetupError(f"units before the race: {len(snapshot['items'])}, statuses {set(x['status'] for x in snapshot['items'])}")
    log(f"setup took {time.perf_counter() - t_setup:.1f} s")
    return {"project": pid, "code": code, "event": eid, "tokens": tokens, "units": [x["unitId"] for x in snapshot["items"]],
            "mgr": mgr}


def db_uuid(db, s):
    return db.bind(uuid.UUID(s)) if db.engine == "sqlite" else s


def bulk_buyers(db, pid, eid, n):
    """n customers and registrations copied from the template (the event's only registration so far)."""
    if n <= 0:
        return
    ccols = db.columns("customers")
    rcols = db.columns("opening_registrations")
    if db.engine == "sqlite":
        db.uuid_blob = db.q("SELECT typeof(id) FROM opening_events LIMIT 1")[0][0] == "blob"
        e = db.bind(uuid.UUID(eid))
        tmpl = db.q("SELECT customer_id FROM opening_registrations WHERE event_id = ?", (uuid.UUID(eid),))
        if len(tmpl) != 1:
            raise SetupError(f"expected one template registration, found {len(tmpl)}")
        cust = tmpl[0][0]
        mobile = "'139' || printf('%08d', x)"
        csel = {"id": db.new_id_sql(), "name": "'压测买家' || x", "mobile": mobile, "mobile_suffix": "printf('%04d', x % 10000)"}
        rsel = {"id": db.new_id_sql(), "number": "'RB' || printf('%06d', x)", "customer_id": "c.id", "mobile": "c.mobile",
                "receipt_number": "'CB' || printf('%06d', x)", "rank": "NULL", "lottery_key": "NULL", "picks": "0",
                "status": "'active'", "eligible": "1"}
        c = db.connect()
        c.execute("BEGIN IMMEDIATE")
        c.execute(f"""WITH RECURSIVE s(x) AS (SELECT 2 UNION ALL SELECT x + 1 FROM s WHERE x < {n + 1})
                      INSERT INTO customers ({', '.join(ccols)})
                      SELECT {', '.join(csel.get(k, 't.' + k) for k in ccols)} FROM s, (SELECT * FROM customers WHERE id = ?) t""", (cust,))
        c.execute(f"""WITH RECURSIVE s(x) AS (SELECT 2 UNION ALL SELECT x + 1 FROM s WHERE x < {n + 1})
                      INSERT INTO opening_registrations ({', '.join(rcols)})
                      SELECT {', '.join(rsel.get(k, 't.' + k) for k in rcols)}
                      FROM s JOIN customers c ON c.project_id = t.project_id AND c.mobile = '139' || printf('%08d', s.x)
                                              AND c.merged_into IS NULL,
                           (SELECT * FROM opening_registrations WHERE event_id = ?) t""", (e,))
        c.execute("COMMIT")
        c.execute("ANALYZE")
        c.close()
    else:
        mobile = "'139' || lpad(x::text, 8, '0')"
        csel = {"id": "gen_random_uuid()", "name": "'压测买家' || x", "mobile": mobile, "mobile_suffix": "lpad((x % 10000)::text, 4, '0')"}
        rsel = {"id": "gen_random_uuid()", "number": "'RB' || lpad(x::text, 6, '0')", "customer_id": "c.id", "mobile": "c.mobile",
                "receipt_number": "'CB' || lpad(x::text, 6, '0')", "rank": "NULL", "lottery_key": "NULL", "picks": "0",
                "status": "'active'", "eligible": "true"}
        db.q(f"""INSERT INTO customers ({', '.join(ccols)})
                 SELECT {', '.join(csel.get(k, 't.' + k) for k in ccols)} FROM generate_series(2, {n + 1}) x,
                 (SELECT c.* FROM customers c JOIN opening_registrations r ON r.customer_id = c.id WHERE r.event_id = '{eid}') t""")
        db.q(f"""INSERT INTO opening_registrations ({', '.join(rcols)})
                 SELECT {', '.join(rsel.get(k, 't.' + k) for k in rcols)}
                 FROM generate_series(2, {n + 1}) x JOIN customers c ON c.project_id = '{pid}' AND c.mobile = '139' || lpad(x::text, 8, '0')
                      AND c.merged_into IS NULL,
                      (SELECT * FROM opening_registrations WHERE event_id = '{eid}') t""")
        db.q("ANALYZE customers")
        db.q("ANALYZE opening_registrations")


def insert_sessions(db, mobiles):
    """One live session per buyer; returns [(mobile, token)]."""
    key = session_key(SECRET)
    now = time.time()
    rows = []
    for m in mobiles:
        token = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
        rows.append((m, token, hmac.new(key, f"session|{token}".encode(), hashlib.sha256).hexdigest()))
    if db.engine == "sqlite":
        c = db.connect()
        c.execute("BEGIN IMMEDIATE")
        c.execute("DELETE FROM opening_sessions")
        c.executemany("INSERT INTO opening_sessions (id, token_hash, mobile, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                      [(db.bind(uuid.uuid4()), h, m, now, now + 86400) for m, _, h in rows])
        c.execute("COMMIT")
        c.close()
    else:
        data = "".join(f"{uuid.uuid4()}\t{h}\t{m}\n" for m, _, h in rows)
        sql = ("BEGIN; DELETE FROM opening_sessions; CREATE TEMP TABLE s (id uuid, token_hash text, mobile text); "
               "COPY s FROM STDIN; INSERT INTO opening_sessions (id, token_hash, mobile, created_at, expires_at) "
               "SELECT id, token_hash, mobile, now(), now() + interval '1 day' FROM s; COMMIT;")
        r = subprocess.run(["psql", db.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], input=data, capture_output=True, text=True)
        if r.returncode != 0:
            # psql -c with COPY FROM STDIN reads the data from stdin
            raise SetupError(f"sessions: {r.stderr}")
    return [(m, t) for m, t, _ in rows]


# ---------------------------------------------------------------- the race client

class Stats:
    def __init__(self):
        self.lat = {}          # kind -> [ms]
        self.codes = {}        # (kind, status, code) -> n
        self.errors = {}       # description -> n
        self.pairs = []        # select+confirm on-wire ms of each win
        self.pairs_wall = []   # from sending the choose to the confirmation's answer, waits for a connection included
        self.queue_wait = []   # ms waiting for a free connection
        self.wins = []         # (t, unit)
        self.outcomes = {}
        self.requests = 0
        self.chooses_answered = 0   # 201 or 409 answers to a choose
        self.chooses_at_win = []    # that count at each confirmation
        self.cut = 0                # buyers stopped by the bench's deadline
        self.shed = 0               # chooses turned away 503 opening_busy (the server's admission limit), then retried
        self.first_t = None
        self.last_t = None

    def add(self, kind, ms, status, code):
        self.lat.setdefault(kind, []).append(ms)
        k = (kind, status, code)
        self.codes[k] = self.codes.get(k, 0) + 1
        self.requests += 1

    def error(self, what):
        self.errors[what] = self.errors.get(what, 0) + 1


class Conn:
    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self):
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:
                pass
        self.reader = self.writer = None


class Pool:
    def __init__(self, port, size):
        self.port, self.size = port, size
        self.free = asyncio.Queue()
        self.conns = [Conn(port) for _ in range(size)]

    async def open(self):
        for i in range(0, self.size, 64):
            await asyncio.gather(*(c.open() for c in self.conns[i:i + 64]))
        for c in self.conns:
            self.free.put_nowait(c)

    def close(self):
        for c in self.conns:
            c.close()


async def fetch(pool, stats, method, path, token, ip, body=None, key=None, timeout=60.0):
    """One request on a pooled keep-alive connection. Returns (status, headers, body bytes, on-wire ms, wait ms);
    status is 0 on a timeout or a broken connection (the connection is replaced)."""
    t_wait = time.perf_counter()
    conn = await pool.free.get()
    t0 = time.perf_counter()
    wait_ms = (t0 - t_wait) * 1000
    data = b"" if body is None else json.dumps(body).encode()
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{pool.port}\r\nAuthorization: Bearer {token}\r\n"
            f"X-Forwarded-For: {ip}\r\nAccept-Language: en\r\nContent-Length: {len(data)}\r\n")
    if body is not None:
        head += "Content-Type: application/json\r\n"
    if key:
        head += f"Idempotency-Key: {key}\r\n"
    try:
        if conn.writer is None:
            await conn.open()
        conn.writer.write(head.encode() + b"\r\n" + data)

        async def read():
            raw = await conn.reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            hdrs = {}
            for l in lines[1:]:
                if ":" in l:
                    k, v = l.split(":", 1)
                    hdrs[k.strip().lower()] = v.strip()
            if hdrs.get("transfer-encoding", "").lower() == "chunked":
                payload = b""
                while True:
                    size = int((await conn.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                    chunk = await conn.reader.readexactly(size + 2)
                    if size == 0:
                        break
                    payload += chunk[:-2]
            else:
                payload = await conn.reader.readexactly(int(hdrs.get("content-length", "0")))
            return status, hdrs, payload
        status, hdrs, payload = await asyncio.wait_for(read(), timeout)
        ms = (time.perf_counter() - t0) * 1000
        if hdrs.get("connection", "").lower() == "close":
            conn.close()
        return status, hdrs, payload, ms, wait_ms
    except asyncio.TimeoutError:
        stats.error(f"timeout (> {timeout:.0f} s) on {method} {re.sub('[0-9a-fA-F-]{36}', '…', path)}")
        conn.close()
        return 0, {}, b"", (time.perf_counter() - t0) * 1000, wait_ms
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as e:
        stats.error(f"connection error {type(e).__name__} on {method} {re.sub('[0-9a-fA-F-]{36}', '…', path)}")
        conn.close()
        return 0, {}, b"", (time.perf_counter() - t0) * 1000, wait_ms
    finally:
        pool.free.put_nowait(conn)


def problem_code(payload):
    try:
        return json.loads(payload).get("code") or ""
    except (ValueError, AttributeError):
        return ""


async def buyer(k, st, pool, token, prefs, index_of, eid, a, t_end):
    ip = f"127.{1 + (k >> 16)}.{(k >> 8) & 255}.{k & 255}"
    sel_path = f"/api/v1/buyer/openings/{eid}/selections"
    units_path = f"/api/v1/buyer/openings/{eid}/units"
    not_open = set()        # indices this buyer believes taken or held
    refusals_in_row = 0
    rereads = 0

    async def reread():
        """The event's units as this buyer's page shows them now: (open count, held count) or None."""
        nonlocal not_open
        while time.perf_counter() < t_end:
            s, h, p, ms, _ = await fetch(pool, st, "GET", units_path, token, ip, timeout=a.request_timeout)
            st.add("units", ms, s, "")
            if s == 200:
                items = json.loads(p)["items"]
                not_open = {index_of[x["unitId"]] for x in items if x["status"] != "open"}
                return sum(1 for x in items if x["status"] == "open"), sum(1 for x in items if x["status"] == "held")
            if s == 429:
                await asyncio.sleep(float(h.get("retry-after", "1")))
                continue
            if s >= 500 or s == 0:
                if s:
                    st.error(f"GET units → {s} {problem_code(p)}")
                await asyncio.sleep(0.2)
                continue
            st.error(f"GET units → {s} {problem_code(p)}")
            return None
        return None

    while time.perf_counter() < t_end:
        unit = next((u for u in prefs if u not in not_open), None)
        if unit is None or refusals_in_row >= a.reread_after:
            refusals_in_row = 0
            rereads += 1
            seen = await reread()
            if seen is None:
                break
            open_n, held_n = seen
            if open_n == 0 and held_n == 0:
                st.outcomes["nothing left (re-read: every unit taken)"] = st.outcomes.get("nothing left (re-read: every unit taken)", 0) + 1
                st.last_t = time.perf_counter()
                return
            if open_n == 0:
                await asyncio.sleep(1.0)    # only holds left: one may lapse, or be confirmed
            continue
        key = uuid.uuid4().hex
        t_pair = time.perf_counter()
        while True:
            s, h, p, ms, wait = await fetch(pool, st, "POST", sel_path, token, ip, {"unitId": a.unit_ids[unit]}, key, a.request_timeout)
            st.queue_wait.append(wait)
            if s == 429 or (s == 503 and problem_code(p) == "opening_busy"):
                # Over the limits, or shed by the server's admission limit: wait as told, ask again (not an error).
                st.add("choose→429" if s == 429 else "choose→503 shed", ms, s, problem_code(p))
                if s == 503:
                    st.shed += 1
                await asyncio.sleep(float(h.get("retry-after", "1")))
                t_pair = time.perf_counter()
                if time.perf_counter() < t_end:
                    continue
            elif s == 0 or s >= 500:
                # No answer, or a server error: the same choice again with the same key (a hold made meanwhile is replayed).
                code = problem_code(p) if s else ""
                st.add("choose→error", ms, s, code)
                if s:
                    st.error(f"choose → {s} {code}")
                await asyncio.sleep(0.2)
                if time.perf_counter() < t_end:
                    continue
            break
        if s == 429 or s == 0 or s >= 500:
            break   # the deadline passed while retrying
        if s == 201:
            st.chooses_answered += 1
            st.add("choose→201 held", ms, s, "")
            sel = json.loads(p)
            choose_ms = ms
            while True:
                s2, h2, p2, ms2, _ = await fetch(pool, st, "POST", f"{sel_path}/{sel['id']}/confirmation", token, ip, None, None,
                                                a.request_timeout)
                if s2 == 0 or s2 >= 500:
                    st.add("confirm", ms2, s2, problem_code(p2) if s2 else "")
                    if s2:
                        st.error(f"confirm → {s2} {problem_code(p2)}")
                    await asyncio.sleep(0.2)   # confirming twice answers the same confirmation
                    if time.perf_counter() < t_end:
                        continue
                break
            code2 = problem_code(p2) if s2 != 200 else ""
            st.add("confirm", ms2, s2, code2)
            if s2 == 200 and json.loads(p2).get("status") == "confirmed":
                now = time.perf_counter()
                st.pairs.append(choose_ms + ms2)
                st.pairs_wall.append((now - t_pair) * 1000)
                st.wins.append((now, a.unit_ids[unit]))
                st.chooses_at_win.append(st.chooses_answered)
                st.outcomes["bought a unit"] = st.outcomes.get("bought a unit", 0) + 1
                st.last_t = now
                return
            st.error(f"confirm → {s2} {code2}")
            not_open.add(unit)
            continue
        code = problem_code(p) if s else ""
        if s == 409 and code == TAKEN:
            st.chooses_answered += 1
            st.add("choose→409 taken", ms, s, code)
            not_open.add(unit)
            refusals_in_row += 1
            continue
        # Any other answer is definite but unexpected in this race (quota, window, not open, paused …).
        st.add(f"choose→{s} {code}", ms, s, code)
        st.error(f"choose → {s} {code}")
        st.outcomes[f"refused: {s} {code}"] = st.outcomes.get(f"refused: {s} {code}", 0) + 1
        st.last_t = time.perf_counter()
        return
    st.cut += 1


async def race(a, setup_info, ports):
    if resource:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = min(hard, max(soft, a.connections + 512))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    st = Stats()
    per = [a.connections // len(ports) + (1 if i < a.connections % len(ports) else 0) for i in range(len(ports))]
    pools = [Pool(p, n) for p, n in zip(ports, per)]
    for p in pools:
        await p.open()
    a.unit_ids = setup_info["units"]
    index_of = {u: i for i, u in enumerate(a.unit_ids)}
    rng = random.Random(a.seed)
    hot = list(range(min(a.hot, len(a.unit_ids))))
    rest = list(range(len(hot), len(a.unit_ids)))
    tokens = setup_info["tokens"]
    prefs = []
    hot_buyers = 0
    for k in range(len(tokens)):
        if rng.random() < a.hot_share:
            h, r = hot[:], rest[:]
            rng.shuffle(h)
            rng.shuffle(r)
            prefs.append(h + r)
            hot_buyers += 1
        else:
            allu = list(range(len(a.unit_ids)))
            rng.shuffle(allu)
            prefs.append(allu)
    order = list(range(len(tokens)))
    rng.shuffle(order)
    st.hot_buyers = hot_buyers
    t0 = time.perf_counter()
    st.first_t = t0
    t_end = t0 + a.deadline
    tasks = [asyncio.create_task(buyer(k, st, pools[k % len(pools)], tokens[k][1], prefs[k], index_of, setup_info["event"], a, t_end))
             for k in order]

    async def progress():
        while True:
            await asyncio.sleep(30)
            answered = sum(st.outcomes.values())
            print(f"[{time.strftime('%H:%M:%S')}]   {time.perf_counter() - t0:.0f} s: {st.requests:,} requests, {len(st.wins)} sold, "
                  f"{answered:,}/{len(tasks):,} buyers answered, load {loadavg().split(' ')[0]}", flush=True)
    ticker = asyncio.create_task(progress())
    done, pending = await asyncio.wait(tasks, timeout=a.deadline + 10)
    st.t1 = time.perf_counter()
    ticker.cancel()
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.wait(pending, timeout=30)
    st.t0 = t0
    # Whoever has no recorded answer was stopped by the deadline (counted once, however it stopped).
    st.cut = len(tasks) - sum(st.outcomes.values())
    if st.cut:
        await asyncio.sleep(5)   # let the server finish what was in flight before the database is read
    for p in pools:
        p.close()
    return st


# ---------------------------------------------------------------- server metrics

METRIC = re.compile(r'^(\w+?)_(sum|count)\{([^}]*)\}\s+(\S+)')


def scrape(port):
    s, body = Client(port).call("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    out = {}
    if s != 200 or not isinstance(body, bytes):
        return out
    for line in body.decode("utf-8", "replace").splitlines():
        m = METRIC.match(line)
        if not m or "duration" not in m.group(1):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3)))
        key = (labels.get("method", ""), labels.get("route", ""))
        out.setdefault(key, {})[m.group(2)] = float(m.group(4))
    return out


def metric_means(before, after):
    rows = []
    for key, v in after.items():
        b = before.get(key, {})
        n = v.get("count", 0) - b.get("count", 0)
        if n > 0 and "/buyer/" in key[1]:
            rows.append((key[0], key[1], int(n), (v.get("sum", 0) - b.get("sum", 0)) / n * 1000))
    return sorted(rows, key=lambda r: -r[2])


# ---------------------------------------------------------------- checks after the race

def db_checks(db, pid, eid):
    e, p = db_uuid(db, eid), db_uuid(db, pid)
    one = lambda sql, args: [int(x) if x not in (None, "") else 0 for x in db.q(sql, args)[0]]
    c = {}
    c["units_taken"], = one("SELECT COUNT(*) FROM opening_units WHERE event_id = ? AND status = 'taken'", (e,))
    c["units_held"], = one("SELECT COUNT(*) FROM opening_units WHERE event_id = ? AND status = 'held'", (e,))
    c["units_open"], = one("SELECT COUNT(*) FROM opening_units WHERE event_id = ? AND status = 'open'", (e,))
    c["subs"], c["subs_distinct_units"] = one("SELECT COUNT(*), COUNT(DISTINCT unit_id) FROM subscriptions WHERE project_id = ?", (p,))
    c["sel_confirmed"], c["sel_confirmed_units"], c["sel_confirmed_buyers"] = one(
        "SELECT COUNT(*), COUNT(DISTINCT unit_id), COUNT(DISTINCT registration_id) FROM opening_selections WHERE event_id = ? AND status = 'confirmed'", (e,))
    c["sel_held"], = one("SELECT COUNT(*) FROM opening_selections WHERE event_id = ? AND status = 'held'", (e,))
    c["sel_expired"], = one("SELECT COUNT(*) FROM opening_selections WHERE event_id = ? AND status = 'expired'", (e,))
    c["over_quota"], = one("SELECT COUNT(*) FROM opening_registrations WHERE event_id = ? AND picks > 1", (e,))
    c["log_lines"], = one("SELECT COUNT(*) FROM opening_log WHERE event_id = ?", (e,))
    rows = db.q("SELECT line FROM opening_log WHERE event_id = ?", (e,)) if c["log_lines"] < 2_000_000 else []
    kinds = {}
    for (line,) in rows:
        parts = line.split("|")
        k = parts[2] + (":" + parts[-1] if parts[2] == "refuse" else "")
        kinds[k] = kinds.get(k, 0) + 1
    c["log_kinds"] = kinds
    c["inventory"] = {r[0]: int(r[1]) for r in db.q("SELECT status, COUNT(*) FROM units WHERE project_id = ? GROUP BY status", (p,))}
    return c


# ---------------------------------------------------------------- the raw yardstick

RAW_UPDATE = ("UPDATE opening_units SET status = 'held', held_by = {held_by}, held_until = {until}, selection_id = {sel} "
              "WHERE event_id = {event} AND unit_id = {unit} AND status = 'open' RETURNING code")


def raw_postgres(db, eid, concurrency, seconds, rows, tmp):
    """pgbench, extended protocol (as PostgresNIO sends): the selection's conditional UPDATE, one per transaction,
    on `rows` scratch rows of opening_units (removed afterwards). Returns (tps, mean latency ms, hit share)."""
    db.q(f"""INSERT INTO opening_units (id, event_id, unit_id, code, list_total_fen, status)
             SELECT gen_random_uuid(), '{eid}', md5('raw' || x)::uuid, 'RAW-' || x, 100000000, 'open' FROM generate_series(1, {rows}) x""")
    db.q("ANALYZE opening_units")
    script = os.path.join(tmp, f"raw-{concurrency}.sql")
    with open(script, "w") as f:
        f.write(f"\\set k random(1, {rows})\n")
        f.write(RAW_UPDATE.format(held_by="gen_random_uuid()", until="now() + interval '60 seconds'", sel="gen_random_uuid()",
                                  event=f"'{eid}'", unit="md5('raw' || :k)::uuid") + ";\n")
    try:
        r = subprocess.run(["pgbench", "-n", "-M", "extended", "-c", str(concurrency), "-j", "2", "-T", str(seconds), "-f", script, db.url],
                           capture_output=True, text=True, cwd=tmp)
        if r.returncode != 0:
            raise SetupError("pgbench: " + r.stderr[-2000:])
        tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", r.stdout).group(1))
        lat = re.search(r"latency average = ([0-9.]+) ms", r.stdout)
        held = int(db.q(f"SELECT COUNT(*) FROM opening_units WHERE event_id = '{eid}' AND code LIKE 'RAW-%' AND status = 'held'")[0][0])
        done = int(re.search(r"number of transactions actually processed: (\d+)", r.stdout).group(1))
        return tps, float(lat.group(1)) if lat else float("nan"), held / max(1, done)
    finally:
        db.q(f"DELETE FROM opening_units WHERE event_id = '{eid}' AND code LIKE 'RAW-%'")


def raw_sqlite(db, eid, concurrency, seconds, rows):
    """Threads, each with its own connection (WAL, synchronous=FULL, busy_timeout 5 s as the app sets), each
    transaction BEGIN IMMEDIATE; the conditional UPDATE; COMMIT, on `rows` scratch rows (removed afterwards).
    Returns (tps of committed UPDATEs, mean latency ms, hit share, busy errors)."""
    e = db_uuid(db, eid)
    ids = [uuid.uuid4() for _ in range(rows)]
    c = db.connect()
    c.execute("BEGIN IMMEDIATE")
    c.executemany("INSERT INTO opening_units (id, event_id, unit_id, code, list_total_fen, status) VALUES (?, ?, ?, ?, ?, 'open')",
                  [(db.bind(uuid.uuid4()), e, db.bind(u), f"RAW-{i}", 100000000) for i, u in enumerate(ids)])
    c.execute("COMMIT")
    c.close()
    bound = [db.bind(u) for u in ids]
    sql = RAW_UPDATE.format(held_by="?", until="?", sel="?", event="?", unit="?")
    lock = threading.Lock()
    res = {"n": 0, "hit": 0, "ms": 0.0, "busy": 0}
    start = threading.Barrier(concurrency + 1)
    stop_at = [0.0]

    def worker(k):
        rng = random.Random(k)
        conn = db.connect()
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA busy_timeout = 5000")
        n = hit = busy = 0
        ms = 0.0
        start.wait()
        while time.perf_counter() < stop_at[0]:
            t = time.perf_counter()
            try:
                conn.execute("BEGIN IMMEDIATE")
                r = conn.execute(sql, (db.bind(uuid.uuid4()), time.time() + 60, db.bind(uuid.uuid4()), e, rng.choice(bound))).fetchall()
                conn.execute("COMMIT")
            except sqlite3.OperationalError:
                busy += 1
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.OperationalError:
                    pass
                continue
            ms += (time.perf_counter() - t) * 1000
            n += 1
            hit += 1 if r else 0
        conn.close()
        with lock:
            res["n"] += n
            res["hit"] += hit
            res["ms"] += ms
            res["busy"] += busy

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(concurrency)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + 1e9
    start.wait()
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    c = db.connect()
    c.execute("DELETE FROM opening_units WHERE event_id = ? AND code LIKE 'RAW-%'", (e,))
    c.close()
    return res["n"] / wall, res["ms"] / max(1, res["n"]), res["hit"] / max(1, res["n"]), res["busy"]


# ---------------------------------------------------------------- main

def start_server(a, k, port, tmp, url):
    env = {k2: v for k2, v in os.environ.items() if not k2.startswith("ESTATE_") and k2 != "DATABASE_URL"}
    data = os.path.join(tmp, f"data{k}" if url else "data")
    os.makedirs(data, exist_ok=True)
    env.update({"ESTATE_DATA_DIR": data, "ESTATE_HOST": "127.0.0.1", "ESTATE_PORT": str(port), "ESTATE_BCRYPT_COST": "4",
                "ESTATE_METRICS_ADDRESS": "off", "ESTATE_METRICS_TOKEN": METRICS_TOKEN, "ESTATE_LOG_LEVEL": "warning",
                "ESTATE_TRUSTED_PROXIES": "127.0.0.1", "ESTATE_SECRET_KEY": SECRET, "ESTATE_ADMIN_PASSWORD": ADMIN_PASSWORD})
    # Tuning settings under test pass through (the others are the bench's own).
    for k2 in ("ESTATE_SQLITE_POOL", "ESTATE_DB_POOL", "ESTATE_OPENING_QUEUE_WAIT_MS"):
        if os.environ.get(k2):
            env[k2] = os.environ[k2]
    if url:
        env["DATABASE_URL"] = url
    import socket
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("127.0.0.1", port))
    except OSError:
        raise SetupError(f"port {port} is taken (another server?)")
    finally:
        probe.close()
    logf = open(os.path.join(tmp, f"server{k}.log"), "w")
    p = subprocess.Popen([a.bin, "serve", "--hostname", "127.0.0.1", "--port", str(port)], env=env, stdout=logf, stderr=subprocess.STDOUT)
    for _ in range(1200):
        try:
            if Client(port).call("GET", "/health")[0] == 200:
                return p
        except (OSError, SetupError):
            pass
        if p.poll() is not None:
            raise SetupError(f"server {k} stopped: see {tmp}/server{k}.log:\n" + open(os.path.join(tmp, f"server{k}.log")).read()[-1500:])
        time.sleep(0.1)
    p.kill()
    p.wait()
    raise SetupError(f"server {k} did not answer /health in 120 s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=".build/debug/estate")
    ap.add_argument("--buyers", type=int, default=20_000)
    ap.add_argument("--connections", type=int, default=1024)
    ap.add_argument("--units", type=int, default=500)
    ap.add_argument("--hot", type=int, default=50)
    ap.add_argument("--hot-share", type=float, default=0.9)
    ap.add_argument("--servers", type=int, default=1, choices=(1, 2))
    ap.add_argument("--port", type=int, default=8140)
    ap.add_argument("--reread-after", type=int, default=3, help="refusals in a row before a buyer re-reads the units")
    ap.add_argument("--deadline", type=float, default=900, help="seconds the race may take; a buyer without an answer then is reported")
    ap.add_argument("--request-timeout", type=float, default=60)
    ap.add_argument("--raw-seconds", type=int, default=8)
    ap.add_argument("--raw-concurrency", type=int, default=None, help="default: --connections (PostgreSQL: at most 900)")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.hot > a.units or a.buyers < 1 or a.units < 1:
        sys.exit("need 1 ≤ --hot ≤ --units and --buyers ≥ 1")
    try:
        import uvloop
        uvloop.install()
        loop_name = "uvloop"
    except ImportError:
        loop_name = "asyncio (pip install uvloop for a lighter client)"
    url = os.environ.get("DATABASE_URL")
    if a.servers == 2 and not url:
        sys.exit("two servers need PostgreSQL (DATABASE_URL, or scripts/bench/opening --two-servers)")
    tmp = tempfile.mkdtemp(prefix="estate-opening-bench-")
    scratch = None
    servers = []
    rc = 0
    load_start = loadavg()
    print(f"load average at start: {load_start}  ({os.cpu_count()} CPUs)", flush=True)
    try:
        if url:
            scratch = f"bench_opening_{os.getpid()}"
            subprocess.run(["psql", url, "-X", "-q", "-c", f"CREATE DATABASE {scratch}"], check=True)
            url = url.rsplit("/", 1)[0] + "/" + scratch
        db = PostgresDB(url) if url else SQLiteDB(os.path.join(tmp, "data", "estate.sqlite"))
        ports = [a.port + i for i in range(a.servers)]
        log(f"engine {db.engine}, {a.servers} server process(es) on {ports}, binary {a.bin}, data {tmp}")
        for i, port in enumerate(ports):
            servers.append(start_server(a, i, port, tmp, url))
        info = setup(a, db, ports[0])
        eid = info["event"]
        mgr = info["mgr"]
        # Open: the staff action (the clock may have opened it first: the start was a minute ago).
        s, b = mgr.call("POST", f"/api/v1/openings/{eid}/actions", {"action": "open"})
        for _ in range(50):
            state = mgr.ok("GET", f"/api/v1/openings/{eid}")["state"]
            if state == "open":
                break
            time.sleep(0.1)
        else:
            raise SetupError(f"the opening did not open (staff action → {s}: {str(b)[:300]}; state {state})")
        log(f"opening open ({'staff action' if s == 200 else 'its clock'}); the race: {a.buyers:,} buyers, {a.connections} connections, "
            f"{a.units} units, {a.hot} hot for {a.hot_share:.0%} of buyers; client loop {loop_name}")
        before = [scrape(p) for p in ports]
        cpu0 = {"client": time.process_time(), "servers": [cpu_seconds(p.pid) for p in servers]}
        pg_pid = None
        if db.engine == "postgres" and os.environ.get("PGTEMP_DIR"):
            try:
                pg_pid = int(open(os.path.join(os.environ["PGTEMP_DIR"], "data", "postmaster.pid")).readline())
                cpu0["pg"] = children_cpu(pg_pid) + (cpu_seconds(pg_pid) or 0)
            except (OSError, ValueError):
                pg_pid = None
        load_race0 = loadavg()
        st = asyncio.run(race(a, info, ports))
        load_race1 = loadavg()
        cpu1 = {"client": time.process_time(), "servers": [cpu_seconds(p.pid) for p in servers]}
        if pg_pid:
            cpu1["pg"] = children_cpu(pg_pid) + (cpu_seconds(pg_pid) or 0)
        after = [scrape(p) for p in ports]
        state = mgr.ok("GET", f"/api/v1/openings/{eid}")
        # The servers stop before the database is read and the raw yardstick runs: nothing in flight, nothing beside it.
        for p in servers:
            p.terminate()
        for p in servers:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log("race over, servers stopped; checking the database")
        checks = db_checks(db, info["project"], eid)
        # The raw yardstick, same run.
        raw_c = a.raw_concurrency or a.connections
        if db.engine == "postgres":
            raw_c = min(raw_c, 900)
            pool_c = 16 * a.servers
            log(f"raw: pgbench -c {raw_c} and -c {pool_c}, {a.raw_seconds} s each")
            raw_same = raw_postgres(db, eid, raw_c, a.raw_seconds, 200_000, tmp)
            raw_pool = raw_postgres(db, eid, pool_c, a.raw_seconds, 200_000, tmp)
        else:
            pool_c = 1
            log(f"raw: {raw_c} threads and 1 thread, {a.raw_seconds} s each")
            raw_same = raw_sqlite(db, eid, raw_c, a.raw_seconds, 200_000)
            raw_pool = raw_sqlite(db, eid, 1, a.raw_seconds, 200_000)
        verify = None
        venv = {k: v for k, v in os.environ.items() if not k.startswith("ESTATE_") and k != "DATABASE_URL"}
        venv.update({"ESTATE_DATA_DIR": os.path.join(tmp, "data0" if url else "data"), "ESTATE_SECRET_KEY": SECRET,
                     "ESTATE_LOG_LEVEL": "warning", "ESTATE_METRICS_ADDRESS": "off"})
        if url:
            venv["DATABASE_URL"] = url
        r = subprocess.run([a.bin, "opening", "verify", eid], env=venv, capture_output=True, text=True, timeout=600)
        verify = (r.returncode, (r.stdout + r.stderr).strip())
        rc = report(a, db, st, checks, state, before, after, cpu0, cpu1, raw_same, raw_pool, raw_c, pool_c, verify, load_start,
                    load_race0, load_race1, servers)
    except SetupError as e:
        print(f"\nSETUP FAILED: {e}", flush=True)
        rc = 1
    finally:
        for p in servers:
            p.terminate()
        for p in servers:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        if scratch:
            subprocess.run(["psql", os.environ["DATABASE_URL"], "-X", "-q", "-c", f"DROP DATABASE IF EXISTS {scratch}"])
        for k in range(len(servers)):
            path = os.path.join(tmp, f"server{k}.log")
            if os.path.exists(path):
                bad = [l for l in open(path, errors="replace") if re.match(r"^\[ (WARNING|ERROR|CRITICAL) \]", l)]
                if bad:
                    print(f"server {k} logged {len(bad)} warning/error line(s); first ones:")
                    for l in bad[:5]:
                        print("   " + l.rstrip()[:400])
        if a.keep or rc:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"load average at end: {loadavg()}", flush=True)
    sys.exit(rc)


def report(a, db, st, c, state, before, after, cpu0, cpu1, raw_same, raw_pool, raw_c, pool_c, verify, load_start, l0, l1, servers):
    out = []
    p = out.append
    dur = st.t1 - st.t0
    sold = len(st.wins)
    sellout = (max(t for t, _ in st.wins) - st.t0) if st.wins else float("nan")
    p("")
    p(f"EstateDesk opening bench · engine {db.engine} · {a.servers} server process(es) · binary {a.bin}")
    p(f"sizes: {a.buyers:,} buyers ({st.hot_buyers:,} preferring the {a.hot} hot units), {a.connections} keep-alive connections, "
      f"{a.units} units, quota 1, re-read after {a.reread_after} refusals in a row")
    p(f"load average: at start {load_start} · race start {l0} · race end {l1}")
    p("")
    p(f"race: {dur:.1f} s {'until every buyer had an answer' if not st.cut else '(cut by --deadline)'}; "
      + (f"sold out (last confirmation) after {sellout:.2f} s" if sold == a.units else f"{sold} of {a.units} units sold, the last after {sellout:.2f} s"))
    p(f"throughput: {sold / sellout if sold else 0:.1f} confirmed selections/s (over the sell-out time); "
      f"{st.requests / dur:.0f} requests/s over the race ({st.requests:,} requests)")
    chooses = sum(n for (k, s, _), n in st.codes.items() if k.startswith("choose") and s not in (0, 429) and k != "choose→503 shed")
    p("")
    p(f"{'request (client side, on the wire)':<34} {'n':>8} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}   ms")
    for kind in sorted(st.lat):
        v = st.lat[kind]
        p(f"{kind:<34} {len(v):>8} {fmt(pct(v, 50)):>8} {fmt(pct(v, 95)):>8} {fmt(pct(v, 99)):>8} {fmt(max(v)):>8}")
    p(f"{'select+confirm (the two on the wire)':<34} {len(st.pairs):>8} {fmt(pct(st.pairs, 50)):>8} {fmt(pct(st.pairs, 95)):>8} "
      f"{fmt(pct(st.pairs, 99)):>8} {fmt(max(st.pairs) if st.pairs else float('nan')):>8}")
    p(f"{'select+confirm (buyer wall clock)':<34} {len(st.pairs_wall):>8} {fmt(pct(st.pairs_wall, 50)):>8} {fmt(pct(st.pairs_wall, 95)):>8} "
      f"{fmt(pct(st.pairs_wall, 99)):>8} {fmt(max(st.pairs_wall) if st.pairs_wall else float('nan')):>8}   (waits for a free connection included)")
    p(f"{'wait for a free connection':<34} {len(st.queue_wait):>8} {fmt(pct(st.queue_wait, 50)):>8} {fmt(pct(st.queue_wait, 95)):>8} "
      f"{fmt(pct(st.queue_wait, 99)):>8} {fmt(max(st.queue_wait) if st.queue_wait else float('nan')):>8}")
    p("")
    p("answers by kind: " + ", ".join(f"{k} {s}{(' ' + code) if code else ''}: {n:,}" for (k, s, code), n in sorted(st.codes.items(), key=lambda x: -x[1])))
    errors = sum(st.errors.values())
    p(f"shed by the server's admission limit (503 opening_busy, waited Retry-After and asked again): {st.shed:,}")
    p(f"errors (5xx, timeouts, broken connections, unexpected answers): {errors}" + ("" if not errors else " — " + "; ".join(f"{k}: {n}" for k, n in sorted(st.errors.items(), key=lambda x: -x[1]))))
    p("")
    answered = sum(st.outcomes.values())
    p("buyers' answers: " + ", ".join(f"{k}: {n:,}" for k, n in sorted(st.outcomes.items(), key=lambda x: -x[1]))
      + (f", stopped by the bench's --deadline {a.deadline:.0f} s before an answer: {st.cut:,}" if st.cut else "")
      + f"  → {'every buyer got a definite answer' if answered == a.buyers else f'{a.buyers - answered:,} buyers without a definite answer'}")
    client_units = [u for _, u in st.wins]
    oversell = []
    if c["subs"] != c["subs_distinct_units"]:
        oversell.append(f"{c['subs']} subscriptions for {c['subs_distinct_units']} distinct units")
    if c["sel_confirmed"] != c["sel_confirmed_units"]:
        oversell.append(f"{c['sel_confirmed']} confirmed selections for {c['sel_confirmed_units']} distinct units")
    if c["sel_confirmed"] != c["sel_confirmed_buyers"]:
        oversell.append(f"{c['sel_confirmed']} confirmed selections by {c['sel_confirmed_buyers']} buyers (quota 1)")
    if not (c["units_taken"] == c["subs"] == c["sel_confirmed"]):
        oversell.append(f"units taken {c['units_taken']} ≠ subscriptions {c['subs']} ≠ confirmed selections {c['sel_confirmed']}")
    if len(client_units) != len(set(client_units)) or len(client_units) > c["subs"] or (not st.cut and len(client_units) != c["subs"]):
        oversell.append(f"buyers told 'confirmed': {len(client_units)} for {len(set(client_units))} units; subscriptions {c['subs']}")
    if c["subs"] > a.units or c["over_quota"]:
        oversell.append(f"{c['subs']} subscriptions for {a.units} units; {c['over_quota']} buyers over quota")
    p(f"database after the race: units taken {c['units_taken']}, held {c['units_held']}, open {c['units_open']}; subscriptions {c['subs']} "
      f"for {c['subs_distinct_units']} distinct units; confirmed selections {c['sel_confirmed']} ({c['sel_confirmed_units']} units, "
      f"{c['sel_confirmed_buyers']} buyers), still held {c['sel_held']}, lapsed {c['sel_expired']}; buyers told 'confirmed': {len(client_units)}")
    p(f"  → {'ZERO OVERSELL' if not oversell else 'OVERSELL: ' + '; '.join(oversell)}; the 楼盘表 of the project: {c['inventory']}")
    p(f"the opening: state {state['state']}, console {state.get('console')}, log {c['log_lines']:,} lines "
      f"({', '.join(f'{k} {n:,}' for k, n in sorted(c['log_kinds'].items(), key=lambda x: -x[1]))})")
    if verify:
        p(f"estate opening verify: exit {verify[0]}: " + " / ".join(verify[1].splitlines()[-4:]))
    p("")
    p("server side (/metrics, mean per route over the race):")
    for i, (b, aft) in enumerate(zip(before, after)):
        for m, route, n, mean in metric_means(b, aft):
            p(f"  server {i}: {m} {route}: {n:,} requests, mean {mean:.1f} ms")
    cs = [(x1 - x0) if x0 is not None and x1 is not None else float("nan") for x0, x1 in zip(cpu0["servers"], cpu1["servers"])]
    cpu_line = f"CPU seconds during the race ({dur:.1f} s wall, 2 cores = {2 * dur:.0f} CPU-s): client {cpu1['client'] - cpu0['client']:.1f}, " + \
        ", ".join(f"server {i} {x:.1f}" for i, x in enumerate(cs))
    if "pg" in cpu0 and "pg" in cpu1:
        cpu_line += f", PostgreSQL {cpu1['pg'] - cpu0['pg']:.1f}"
    p(cpu_line)
    p("")
    # The raw yardstick and the ratios.
    answered_chooses = sum(n for (k, s, _), n in st.codes.items() if k.startswith("choose") and s not in (0, 429) and s < 500)  # 503 shed excluded by s < 500
    holds = sum(n for (k, s, _), n in st.codes.items() if k == "choose→201 held")
    sel_rate = answered_chooses / dur
    win_rate = sold / sellout if sold else 0.0
    if db.engine == "postgres":
        p(f"raw: the selection's conditional UPDATE on opening_units by pgbench (extended protocol), 200,000 scratch rows, {a.raw_seconds} s:")
        p(f"  at {raw_c} clients{' (capped by max_connections)' if raw_c < (a.raw_concurrency or a.connections) else ''}: "
          f"{raw_same[0]:,.0f} UPDATE/s, mean latency {raw_same[1]:.1f} ms, {raw_same[2]:.0%} took a row")
        p(f"  at {pool_c} clients (the server's pool, 8 per event loop): {raw_pool[0]:,.0f} UPDATE/s, mean latency {raw_pool[1]:.2f} ms, {raw_pool[2]:.0%} took a row")
    else:
        p(f"raw: the selection's conditional UPDATE on opening_units, BEGIN IMMEDIATE … COMMIT, synchronous=FULL, 200,000 scratch rows, {a.raw_seconds} s:")
        p(f"  {raw_c} threads, a connection each: {raw_same[0]:,.0f} UPDATE/s, mean latency {raw_same[1]:.1f} ms, {raw_same[2]:.0%} took a row, "
          f"{raw_same[3]} 'database is locked'")
        p(f"  1 thread (the app's one writer): {raw_pool[0]:,.0f} UPDATE/s, mean latency {raw_pool[1]:.2f} ms, {raw_pool[2]:.0%} took a row")
    sell_rate = st.chooses_at_win[-1] / sellout if st.chooses_at_win else 0.0
    p(f"selections answered during the sell-out: {st.chooses_at_win[-1] if st.chooses_at_win else 0:,} in {sellout:.1f} s = {sell_rate:,.0f}/s; "
      f"over the whole race {sel_rate:,.0f}/s")
    p(f"ratio selection path / raw (same concurrency): selections answered {sel_rate:,.0f}/s ÷ {raw_same[0]:,.0f}/s = {sel_rate / max(raw_same[0], 1e-9):.1%}; "
      f"confirmed {win_rate:,.1f}/s ÷ raw = {win_rate / max(raw_same[0], 1e-9):.1%}")
    p(f"ratio selection path / raw ({'server pool' if db.engine == 'postgres' else 'one writer'}): selections answered {sel_rate / max(raw_pool[0], 1e-9):.1%}; "
      f"confirmed {win_rate / max(raw_pool[0], 1e-9):.1%}")
    p(f"  (selections answered = every choose answered 201 or 409 over the whole race, {answered_chooses:,}; confirmed = units sold ÷ time to sell out)")
    allp = [x for k, v in st.lat.items() for x in v]
    p("")
    p(f"goals (issue 18): errors {errors} (0) · oversell {'none' if not oversell else 'YES'} (none) · p99 select+confirm "
      f"{fmt(pct(st.pairs, 99))} ms (≤ 500) · p99 of all requests {fmt(pct(allp, 99))} ms · selection path / raw "
      f"{sel_rate / max(raw_same[0], 1e-9):.0%} (≥ 45 %)")
    print("\n".join(out), flush=True)
    return 1 if oversell else 0


if __name__ == "__main__":
    main()

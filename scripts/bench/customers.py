#!/usr/bin/env python3
"""Benchmark (not a test): customer search by mobile suffix over 200,000 customers in one project.

Usage: scripts/bench/customers.py --bin PATH/estate --work-dir DIR [--engines sqlite,pg] [--pg-url URL]
                                  [--count 200000] [--requests 200] [--cold-runs 5] [--creates 50] [--seed 1]
                                  [--extra-sql "CREATE INDEX …"]… [--json-out FILE]
Normally started by scripts/bench/customers, which builds the binary and provides PostgreSQL.
Python 3.9+, standard library only; PostgreSQL needs `psql` (the bulk load and EXPLAIN run through it).

For each engine:
  1. `estate serve --demo` on a fresh data dir (migrations, demo users, project HXY; should --demo
     fail, the same users and project are made through the API as the first admin, and the run says
     so); as the demo sales manager, POST /api/v1/customers creates one reference customer
     (13800138000); the server stops;
  2. that row is read back from the database to copy how the app stores UUIDs, dates and every
     other column, and --count rows are bulk-inserted straight into `customers` (SQLite: the file
     under the data dir, one transaction; PostgreSQL: psql \\copy, then ANALYZE as autovacuum would);
  3. cold: for each query kind, --cold-runs times: restart the server (SQLite: the file's pages are
     dropped from the OS cache first; a pg-temp PostgreSQL is restarted), sign in, time the first
     request of that kind;
  4. warm: one server, --requests sequential requests per kind over one keep-alive connection:
     a random 4-digit suffix each time (≈ count/10,000 hits), a random existing full mobile,
     the name substring 客户12 (10,000 hits at 200k), and the list without q (all of them);
     each answer's total is checked against what was inserted; then --creates POSTs of new customers
     and as many of existing mobiles (409), since every create first looks its mobile up;
  5. the SQL the server ran for each kind (and for one create) is taken from its debug log
     (ESTATE_LOG_LEVEL=debug, on a separate restart) and explained: SQLite EXPLAIN QUERY PLAN (+ the
     same SQL timed through Python's sqlite3, whose SQLite may be older than the app's), PostgreSQL
     EXPLAIN (ANALYZE, BUFFERS).
--extra-sql runs statements after the load (e.g. a candidate index, or ANALYZE) to try them without
changing the app.
Times are client side (time.perf_counter(), request sent → last body byte); server means come
from /metrics. Exit status: 0 when it ran (see PROBLEM lines), 1 on a setup/endpoint failure.
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
import uuid

USERNAME, DEMO_PASSWORD = "sales-manager", "demo1234"    # DemoSeeder
ADMIN_PASSWORD = "bench-admin-" + os.urandom(6).hex()       # ESTATE_ADMIN_PASSWORD: the first admin without --demo
PROJECT_CODE = "HXY"
REF_MOBILE, REF_NAME = "13800138000", "测试"
NAME_QUERY = "客户12"
OWNERS = ["sales-manager", "consultant"]              # demo users who own some customers; the rest are in the pool
KINDS = [                                              # (key, label)
    ("suffix", "q=<4 digits> (mobile suffix)"),
    ("mobile", "q=<11 digits> (full mobile)"),
    ("name", f"q={NAME_QUERY} (name substring)"),
    ("all", "no q (whole project, page 1)"),
]
COLUMNS = ["id", "project_id", "name", "mobile", "mobile_suffix", "gender", "address", "source", "grade", "owner_id",
           "owned_since", "protected_until", "tags", "notes", "merged_into", "next_step", "visit_count", "call_count",
           "created_by", "created_at", "updated_at"]
EXPLAINED = [k for k, _ in KINDS] + ["create"]       # the SQL of these is taken from the debug log and explained


class BenchError(Exception):
    """Something the benchmark cannot go on from."""


def log(msg):
    print(f"· {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- HTTP

class Client:
    """One keep-alive HTTP/1.1 connection, reopened only if the server closes it."""

    def __init__(self, port, timeout=300):
        self.port, self.timeout = port, timeout
        self.conn, self.headers, self.reconnects = None, {}, -1

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


def server_mean_ms(before, after, route_suffix="/customers", want="GET"):
    s = n = 0.0
    for (method, route), v in after.items():
        if method != want or not route.startswith("/api/") or not route.endswith(route_suffix):
            continue
        b = before.get((method, route), {})
        s += v.get("sum", 0) - b.get("sum", 0)
        n += v.get("count", 0) - b.get("count", 0)
    return (s / n * 1000) if n else None


# ---------------------------------------------------------------- figures

def pct(sorted_values, p):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def summary(times_s):
    ms = sorted(t * 1000 for t in times_s)
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50": pct(ms, 50), "p95": pct(ms, 95), "max": ms[-1], "min": ms[0],
            "mean": statistics.fmean(ms)}


def fmt_ms(v):
    return "—" if v is None or v != v else (f"{v:.2f}" if v < 10 else f"{v:.1f}")


# ---------------------------------------------------------------- the server

class Server:
    def __init__(self, binary, data_dir, log_dir, database_url=None):
        self.binary, self.data_dir, self.log_dir, self.database_url = binary, data_dir, log_dir, database_url
        self.proc, self.port, self.starts, self.log_path = None, None, 0, None
        self.password = DEMO_PASSWORD          # of the users the benchmark signs in as

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
        self.log_path = os.path.join(self.log_dir, f"server-{self.starts:02d}{'-demo' if demo else ''}{'-' + log_level if log_level else ''}.log")
        args = [self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)] + (["--demo"] if demo else [])
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(args, env=env, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
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
                raise BenchError(f"estate serve did not answer /health in 180 s; {self.log_path}:\n{self.tail()}")
            time.sleep(0.05)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
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
        """WARNING/ERROR lines of every log this server wrote."""
        out = []
        for name in sorted(os.listdir(self.log_dir)):
            if not name.startswith("server-"):
                continue
            with open(os.path.join(self.log_dir, name), encoding="utf-8", errors="replace") as f:
                out += [f"{name}: {line.rstrip()[:300]}" for line in f if re.match(r'^\[ (WARNING|ERROR|CRITICAL) \]', line)]
        return out


def sign_in(server, username=USERNAME, password=None):
    c = Client(server.port)
    body, _ = c.expect("POST", "/api/v1/auth/login", {"username": username, "password": password or server.password})
    c.headers["Authorization"] = f"Bearer {body['token']}"
    c.headers["Accept-Language"] = "en"
    return c


# ---------------------------------------------------------------- the database side

class SQLiteDB:
    engine = "sqlite"

    def __init__(self, path):
        self.path = path

    def connect(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 30000")
        return db

    def reference(self, ref_id):
        """The reference row, column by column: (storage class, value)."""
        db = self.connect()
        cols = [r[1] for r in db.execute("PRAGMA table_info(customers)")]
        key = uuid.UUID(ref_id)
        row = None
        for candidate in (key.bytes, str(key).upper(), str(key)):
            row = db.execute(f"SELECT {', '.join(f'typeof({c}), {c}' for c in cols)} FROM customers WHERE id = ?",
                             (candidate,)).fetchone()
            if row:
                break
        db.close()
        if not row:
            raise BenchError(f"the reference customer {ref_id} is not in {self.path} (UUIDs stored some other way?)")
        return {c: (row[2 * i], row[2 * i + 1]) for i, c in enumerate(cols)}

    def user_ids(self, usernames, sample_uuid):
        db = self.connect()
        rows = db.execute(f"SELECT username, id FROM users WHERE username IN ({','.join('?' * len(usernames))})",
                          usernames).fetchall()
        db.close()
        return {u: i for u, i in rows}

    def insert(self, rows):
        db = self.connect()
        db.execute("PRAGMA foreign_keys = ON")
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(f"INSERT INTO customers ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)
        db.execute("COMMIT")
        t_insert = time.perf_counter() - t0
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        return t_insert, self.stats_note()

    def stats_note(self):
        db = self.connect()
        stats = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0]
        db.close()
        return "sqlite_stat1 present (ANALYZE was run)" if stats else "no ANALYZE statistics (the app never runs ANALYZE)"

    def execute(self, sql):
        db = self.connect()
        db.execute(sql)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()

    def existing(self, project_key):
        """(mobile, name, live) of the project's customers."""
        db = self.connect()
        rows = db.execute("SELECT mobile, name, merged_into IS NULL FROM customers WHERE project_id = ?", (project_key,)).fetchall()
        db.close()
        return [(m, n, bool(live)) for m, n, live in rows]

    def count(self, project_key):
        db = self.connect()
        n = db.execute("SELECT count(*) FROM customers WHERE project_id = ?", (project_key,)).fetchone()[0]
        db.close()
        return n

    def drop_os_cache(self):
        """Drops the database file's pages from the OS page cache (the file is clean after the
        server's shutdown): the next read comes from disk. Returns a note, or None if impossible."""
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
        return "SQLite file pages dropped from the OS page cache before each restart (posix_fadvise DONTNEED)" if done else None

    def explain(self, sql, binds, runs=30):
        db = self.connect()
        sqlite_sql = re.sub(r'\$(\d+)', r'?\1', sql)
        plan = db.execute("EXPLAIN QUERY PLAN " + sqlite_sql, binds).fetchall()
        # the tree as sqlite3's shell prints it
        depth, lines = {0: -1}, []
        for node, parent, _, detail in plan:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            rows = db.execute(sqlite_sql, binds).fetchall()
            times.append(time.perf_counter() - t0)
        db.close()
        got = rows[0][0] if sqlite_sql.startswith("SELECT COUNT(") and rows else len(rows)
        return lines, summary(times), f"Python sqlite3 {sqlite3.sqlite_version}, answered {got}"


class PostgresDB:
    engine = "postgres"

    def __init__(self, url, pg_temp_dir=None, pg_bin=None):
        self.url, self.pg_temp_dir, self.pg_bin = url, pg_temp_dir, pg_bin
        if not shutil.which("psql"):
            raise BenchError("PostgreSQL needs psql on PATH (apt-get install postgresql-client)")

    def psql(self, sql, stdin=None, check=True):
        r = subprocess.run(["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-c", sql],
                           input=stdin, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise BenchError(f"psql: {sql[:300]}\n{r.stderr.strip()}")
        return r.stdout

    def reference(self, ref_id):
        types = dict(line.split("\t") for line in self.psql(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'customers' "
            "AND table_schema = current_schema()").splitlines())
        cols = list(types)
        out = self.psql(f"SELECT {', '.join(f'{c}::text' for c in cols)} FROM customers WHERE id = '{uuid.UUID(ref_id)}'")
        if not out.strip():
            raise BenchError(f"the reference customer {ref_id} is not in the database")
        values = out.rstrip("\n").split("\t")
        return {c: (types[c], None if v == "" and types[c] not in ("text", "character varying") else v)
                for c, v in zip(cols, values)}

    def user_ids(self, usernames, sample_uuid):
        out = self.psql(f"SELECT username, id FROM users WHERE username IN ({','.join(repr(u) for u in usernames)})")
        return {u: i for u, i in (line.split("\t") for line in out.splitlines())}

    def insert(self, rows):
        def cell(v):
            if v is None:
                return r"\N"
            return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False, encoding="utf-8") as f:
            for r in rows:
                f.write("\t".join(cell(v) for v in r) + "\n")
            path = f.name
        try:
            t0 = time.perf_counter()
            self.psql(f"\\copy customers ({', '.join(COLUMNS)}) FROM '{path}'")
            t_insert = time.perf_counter() - t0
        finally:
            os.unlink(path)
        self.psql("ANALYZE customers")
        return t_insert, "ANALYZE customers run after the load (as autovacuum would within a minute)"

    def execute(self, sql):
        self.psql(sql)

    def existing(self, project_key):
        out = self.psql(f"SELECT mobile, name, (merged_into IS NULL)::int FROM customers WHERE project_id = '{project_key}'")
        return [(m, n, live == "1") for m, n, live in (line.split("\t") for line in out.splitlines())]

    def count(self, project_key):
        return int(self.psql(f"SELECT count(*) FROM customers WHERE project_id = '{project_key}'").strip())

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
        return "PostgreSQL restarted and its files dropped from the OS page cache before each restart"

    def explain(self, sql, binds, runs=None):
        def lit(v):
            return "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"
        q = f"PREPARE bench_q AS {sql};\nEXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_q({', '.join(lit(b) for b in binds)});" \
            if binds else f"EXPLAIN (ANALYZE, BUFFERS) {sql}"
        r = subprocess.run(["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"], input=q,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"EXPLAIN failed: {r.stderr.strip()}\n{q}")
        lines = [line for line in r.stdout.splitlines() if line.strip()]
        exec_ms = next((float(m.group(1)) for line in lines for m in [re.search(r'Execution Time: ([\d.]+) ms', line)] if m), None)
        return lines, {"n": 1, "p50": exec_ms, "p95": exec_ms, "max": exec_ms}, "EXPLAIN ANALYZE execution time"


# ---------------------------------------------------------------- column formats

def uuid_codec(sample):
    """A function turning a uuid.UUID into the stored form, copied from a stored sample."""
    storage, value = sample
    if storage == "blob" and isinstance(value, bytes) and len(value) == 16:
        return lambda u: u.bytes, "16-byte BLOB"
    if storage == "text":
        upper = value.upper() == value
        return (lambda u: str(u).upper()) if upper else (lambda u: str(u)), f"TEXT {'upper' if upper else 'lower'} case"
    if storage == "uuid":                                               # PostgreSQL
        return lambda u: str(u), "uuid"
    raise BenchError(f"unknown UUID storage {sample!r}")


def date_codec(sample):
    """A function turning an aware datetime into the stored form, copied from a stored sample."""
    storage, value = sample
    if storage == "real":
        return lambda d: d.timestamp(), "REAL seconds since 1970"
    if storage == "integer":
        return lambda d: int(d.timestamp()), "INTEGER seconds since 1970"
    if storage == "text":
        known = [(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$", lambda d: d.strftime("%Y-%m-%d %H:%M:%S.") + f"{d.microsecond // 1000:03d}"),
                 (r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
                 (r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"),
                 (r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))]
        for pattern, f in known:
            if re.match(pattern, value):
                return (lambda d, f=f: f(d.astimezone(dt.timezone.utc))), f"TEXT like {value!r}"
        raise BenchError(f"unknown date text format {value!r}")
    if storage.startswith("timestamp"):                                 # PostgreSQL
        return lambda d: d.isoformat(), storage
    raise BenchError(f"unknown date storage {sample!r}")


# ---------------------------------------------------------------- one engine

def load(db, ref, args, rng):
    """Bulk-inserts args.count customers shaped like the reference row. Returns facts and the data."""
    cols = ref["row"]
    enc_uuid, uuid_desc = uuid_codec(cols["id"])
    enc_date, date_desc = date_codec(cols["created_at"])
    # every column of the reference row, checked against what we are about to write
    expect = {"gender": "unknown", "address": "", "source": "", "grade": "C", "tags": "", "notes": "", "next_step": "",
              "visit_count": 0, "call_count": 0, "mobile_suffix": ref["mobile"][-4:], "mobile": ref["mobile"], "name": REF_NAME}
    mismatch = [f"{k}={cols[k][1]!r}" for k, v in expect.items() if k in cols and str(cols[k][1]) != str(v)]
    if mismatch:
        raise BenchError(f"the reference row differs from what the load writes: {', '.join(mismatch)}")
    project = uuid.UUID(ref["projectId"])
    project_key = enc_uuid(project)
    users = db.user_ids(OWNERS, cols["id"])
    if len(users) != len(OWNERS):
        raise BenchError(f"demo users missing: found {sorted(users)}")
    def as_uuid(v):
        return uuid.UUID(bytes=v) if isinstance(v, bytes) else uuid.UUID(str(v))
    owner_keys = [enc_uuid(as_uuid(users[u])) for u in OWNERS]
    creator = owner_keys[0]

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    existing = db.existing(project_key)             # the reference row, and whatever the demo seeded
    mobiles, seen = [], {m for m, _, _ in existing}
    while len(mobiles) < args.count:
        m = f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"
        if m not in seen:
            seen.add(m)
            mobiles.append(m)
    rows = []
    for i, m in enumerate(mobiles, start=1):
        created = now - dt.timedelta(seconds=rng.randint(3600, 730 * 86400), milliseconds=rng.randint(0, 999))
        updated = min(now, created + dt.timedelta(seconds=rng.randint(0, 90 * 86400)))
        owner = owner_keys[i % len(owner_keys)] if rng.random() < 0.5 else None
        # owned: protection runs out in the future, so the lapse job does not touch them during the run
        owned_since = enc_date(created) if owner else None
        protected = enc_date(now + dt.timedelta(days=rng.randint(5, 30))) if owner else None
        rows.append((enc_uuid(uuid.UUID(int=rng.getrandbits(128), version=4)), project_key, f"客户{i:06d}", m, m[-4:],
                     "unknown", "", "", "C", owner, owned_since, protected, "", "", None, "", 0, 0, creator,
                     enc_date(created), enc_date(updated)))
    t_insert, stats_note = db.insert(rows)
    total = db.count(project_key)
    if total != args.count + len(existing):
        raise BenchError(f"{total} customers in the project after the load (expected {args.count + len(existing)})")
    live = [(m, n) for m, n, is_live in existing if is_live]
    suffix_counts = collections.Counter(m[-4:] for m in mobiles)
    suffix_counts.update(m[-4:] for m, _ in live)
    expect_totals = {"suffix": suffix_counts, "all": args.count + len(live),
                     "name": sum(1 for i in range(1, args.count + 1) if NAME_QUERY in f"客户{i:06d}")
                     + sum(1 for _, n in live if NAME_QUERY in n)}
    pool = sum(1 for r in rows if r[9] is None)
    facts = {"rows": args.count, "insertSeconds": t_insert, "total": total, "before": len(existing), "uuidStorage": uuid_desc,
             "dateStorage": date_desc, "statistics": stats_note, "pool": pool,
             "referenceRow": {k: (s, v.hex() if isinstance(v, bytes) else v) for k, (s, v) in cols.items()},
             "hitsPerSuffix": {"mean": statistics.fmean(suffix_counts.values()), "max": max(suffix_counts.values()),
                               "suffixesWithNone": 10_000 - len(suffix_counts)}}
    return facts, mobiles, expect_totals


def enc_key(ref):
    """The project id as the database stores it."""
    return uuid_codec(ref["row"]["id"])[0](uuid.UUID(ref["projectId"]))


def path_for(pid, q=None):
    params = {"projectId": pid, "perPage": 50}
    if q is not None:
        params["q"] = q
    return "/api/v1/customers?" + urllib.parse.urlencode(params)


def term_for(kind, rng, mobiles):
    if kind == "suffix":
        return f"{rng.randrange(10_000):04d}"
    if kind == "mobile":
        return rng.choice(mobiles)
    if kind == "name":
        return NAME_QUERY
    return None


def check_answer(kind, term, body, expected_total, problems):
    total, items = body.get("total"), body.get("items", [])
    if total != expected_total:
        problems.add(f"{kind} q={term}: total {total} (expected {expected_total})")
    if kind == "suffix":
        bad = [i["mobile"] for i in items if not i["mobile"].endswith(term)]
        if bad:
            problems.add(f"suffix q={term}: items whose mobile does not end in it, e.g. {bad[:2]}")
    elif kind == "name":
        bad = [i["name"] for i in items if NAME_QUERY not in i["name"] and "*" not in i["name"]]
        if bad:
            problems.add(f"name q={term}: items without it in the name, e.g. {bad[:2]}")
    if len(items) != min(50, expected_total):
        problems.add(f"{kind} q={term}: {len(items)} items on page 1 (expected {min(50, expected_total)})")


def expected_total(kind, term, totals):
    if kind == "suffix":
        return totals["suffix"].get(term, 0)
    if kind == "mobile":
        return 1                                    # the mobiles asked for are among those the load inserted
    return totals[kind]


def api_setup(server):
    """What --demo gives this benchmark, through the API as the first admin: project HXY, a sales
    manager and a consultant on it (same user names as the demo, another password)."""
    admin = sign_in(server, "admin", ADMIN_PASSWORD)
    project, _ = admin.expect("POST", "/api/v1/projects", {"code": PROJECT_CODE, "name": "华熙悦府", "city": "成都"}, ok=(200, 201))
    server.password = "Bench-" + os.urandom(9).hex()
    for username, role, name in [("sales-manager", "sales_manager", "赵磊"), ("consultant", "consultant", "孙丽娜")]:
        user, _ = admin.expect("POST", "/api/v1/users", {"username": username, "displayName": name, "password": server.password},
                               ok=(200, 201))
        admin.expect("POST", f"/api/v1/users/{user['id']}/grants", {"role": role, "projectId": project["id"]}, ok=(200, 201))
    admin.close()


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
        # --- 1. migrations, demo, one customer through the API
        log(f"[{engine}] estate serve --demo (migrations, demo users and project {PROJECT_CODE})")
        t0 = time.perf_counter()
        try:
            server.start(demo=True)
            res["setup"] = "estate serve --demo"
        except BenchError as e:
            # the demo seed is one transaction: a failure leaves the migrated, empty database
            last = [line for line in str(e).splitlines() if line.strip()][-1]
            res["problems"].add(f"`estate serve --demo` failed on a fresh {engine} database: {last.strip()[:300]} "
                                f"(set up through the API instead)")
            log(f"[{engine}] --demo failed ({last.strip()[:200]}); setting up {PROJECT_CODE} and the users through the API")
            server.start()
            api_setup(server)
            res["setup"] = "the API (admin: POST /projects, /users, /users/{id}/grants), --demo having failed"
        res["firstStartSeconds"] = time.perf_counter() - t0
        c = sign_in(server)
        projects, _ = c.expect("GET", "/api/v1/projects")
        items = projects["items"] if isinstance(projects, dict) else projects
        pid = next((p["id"] for p in items if p.get("code") == PROJECT_CODE), None)
        if not pid:
            raise BenchError(f"no project {PROJECT_CODE} in GET /api/v1/projects: {[p.get('code') for p in items]}")
        for n in range(20):                         # 13800138000, unless the demo has it already
            ref_mobile = f"{int(REF_MOBILE) + n}"
            status, data, t = c.request("POST", "/api/v1/customers", {"projectId": pid, "name": REF_NAME, "mobile": ref_mobile})
            if status != 409:
                break
        if status != 201:
            raise BenchError(f"POST /api/v1/customers → {status}: {data[:500].decode('utf-8', 'replace')}")
        created = json.loads(data)
        res["createMs"] = t * 1000
        c.close()
        server.stop()
        ref = {"projectId": pid, "customerId": created["id"], "mobile": ref_mobile, "row": db.reference(created["id"])}

        # --- 2. the bulk load
        log(f"[{engine}] inserting {args.count:,} customers straight into the database")
        res["load"], mobiles, totals = load(db, ref, args, rng)
        suffix_counts = totals["suffix"]
        res["projectId"] = pid
        for ddl in args.extra_sql:
            log(f"[{engine}] --extra-sql {ddl}")
            t0 = time.perf_counter()
            db.execute(ddl)
            res["notes"].append(f"--extra-sql ({time.perf_counter() - t0:.1f} s): {ddl}")
        if args.extra_sql and engine == "sqlite":
            res["load"]["statistics"] = db.stats_note()

        # --- 3. cold: the first request of each kind after a restart
        cold = {}
        cache_note = None
        for kind, _ in KINDS:
            times = []
            for _ in range(args.cold_runs):
                server.stop()                           # before a PostgreSQL restart, which it would see
                cache_note = db.drop_os_cache() or cache_note
                server.start()
                c = sign_in(server)
                term = term_for(kind, rng, mobiles)
                status, data, t = c.request("GET", path_for(pid, term))
                if status != 200:
                    raise BenchError(f"GET {path_for(pid, term)} → {status}: {data[:500]!r}")
                check_answer(kind, term, json.loads(data), expected_total(kind, term, totals), res["problems"])
                times.append(t)
                c.close()
            cold[kind] = summary(times)
            log(f"[{engine}] cold {kind}: {', '.join(f'{x * 1000:.1f}' for x in times)} ms")
        res["cold"] = cold
        res["notes"].append(cache_note or "the OS page cache was not dropped before restarts (only the server restarted)")

        # --- 4. warm
        server.start()
        c = sign_in(server)
        for kind, _ in KINDS:                                           # warm-up, not counted
            for _ in range(10):
                c.expect("GET", path_for(pid, term_for(kind, rng, mobiles)))
        _, baseline_health, _ = c.request("GET", "/health")
        warm = {}
        for kind, _ in KINDS:
            log(f"[{engine}] warm {kind}: {args.requests} requests")
            before = metrics_scrape(c)
            times, sizes, answered = [], [], []
            for _ in range(args.requests):
                term = term_for(kind, rng, mobiles)
                status, data, t = c.request("GET", path_for(pid, term))
                if status != 200:
                    raise BenchError(f"GET {path_for(pid, term)} → {status}: {data[:500]!r}")
                times.append(t)
                sizes.append(len(data))
                body = json.loads(data)
                answered.append(body.get("total", 0))
                check_answer(kind, term, body, expected_total(kind, term, totals), res["problems"])
            after = metrics_scrape(c)
            warm[kind] = {**summary(times), "serverMeanMs": server_mean_ms(before, after), "bytes": statistics.fmean(sizes),
                          "hits": statistics.fmean(answered)}
        # creating customers: every POST first looks the mobile up (the duplicate check, DOMAIN §3.1)
        taken = set(mobiles) | {m for m, _, _ in db.existing(enc_key(ref))}
        def new_mobile():
            while True:
                m = f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"
                if m not in taken:
                    taken.add(m)
                    return m
        for key, n, body_of, ok in [
                ("createNew", args.creates, lambda i: {"projectId": pid, "name": f"新客{i:05d}", "mobile": new_mobile()}, 201),
                ("createDuplicate", args.creates, lambda i: {"projectId": pid, "name": f"重复{i:05d}", "mobile": rng.choice(mobiles)}, 409)]:
            if n <= 0:
                continue
            log(f"[{engine}] {key}: {n} POST /api/v1/customers")
            before = metrics_scrape(c)
            times = []
            for i in range(n):
                status, data, t = c.request("POST", "/api/v1/customers", body_of(i))
                if status != ok:
                    raise BenchError(f"POST /api/v1/customers → {status} (expected {ok}): {data[:500]!r}")
                times.append(t)
            after = metrics_scrape(c)
            warm[key] = {**summary(times), "serverMeanMs": server_mean_ms(before, after, want="POST")}
        health = [c.request("GET", "/health", headers={"Authorization": None})[2] for _ in range(args.requests)]
        warm["health"] = summary(health)
        res["warm"] = warm
        res["reconnects"] = c.reconnects
        c.close()

        # --- 5. the SQL the server runs, and its plan
        log(f"[{engine}] one request of each kind with ESTATE_LOG_LEVEL=debug, then EXPLAIN")
        server.start(log_level="debug")
        c = sign_in(server)
        terms = {"suffix": "0000" if suffix_counts.get("0000") else next(iter(suffix_counts)), "mobile": mobiles[0],
                 "name": NAME_QUERY, "all": None, "create": "13900139000"}
        marks = {}
        for kind in EXPLAINED:
            with open(server.log_path, "rb") as f:
                start = len(f.read())
            if kind == "create":
                c.expect("POST", "/api/v1/customers", {"projectId": pid, "name": "计划", "mobile": terms[kind]}, ok=(201, 409))
            else:
                c.expect("GET", path_for(pid, terms[kind]))
            time.sleep(0.2)
            with open(server.log_path, "rb") as f:
                f.seek(start)
                marks[kind] = f.read().decode("utf-8", "replace")
        c.close()
        server.stop()
        res["explain"] = {}
        for kind in EXPLAINED:
            stmts = customer_statements(marks[kind])
            if not stmts:
                res["problems"].add(f"no customers SQL found in the debug log for {kind} ({server.log_path})")
                continue
            out = []
            for sql, logged_binds in stmts:
                binds = binds_for(engine, sql, logged_binds, ref, terms[kind], db)
                try:
                    plan, t, how = db.explain(sql, binds)
                except (BenchError, sqlite3.Error) as e:
                    plan, t, how = [f"(explain failed: {e})"], {"n": 0}, ""
                out.append({"sql": sql, "binds": [b.hex() if isinstance(b, bytes) else b for b in binds], "plan": plan,
                            "dbTime": t, "dbTimeHow": how})
            res["explain"][kind] = out
            if engine == "sqlite" and kind == "suffix":
                text = "\n".join(line for s in out for line in s["plan"])
                if "customers_suffix_idx" not in text:
                    res["problems"].add("the suffix query does not use customers_suffix_idx")
        res["warnings"] = server.warnings()
    finally:
        server.stop()
    return res


def customer_statements(log_text):
    """(SQL, logged binds text) of the request's statements on `customers` in a debug log excerpt:
    `[ DEBUG ] Executing query [binds: [...], database-id: …, request-id: …, sql: SELECT …] (file:line)`."""
    out = []
    for line in log_text.splitlines():
        if "request-id:" not in line or 'FROM "customers"' not in line:
            continue                                # the background jobs' queries carry no request id
        m = re.search(r'sql: (.*)\] \([^()]*\)\s*$', line)
        if m:
            b = re.search(r'binds: \[(.*?)\], database-id', line)
            out.append((m.group(1).strip(), b.group(1) if b else ""))
    return out


def binds_for(engine, sql, logged, ref, term, db):
    """The statement's binds in order, rebuilt from what each placeholder compares to (the log
    prints them only as text)."""
    enc_uuid, _ = uuid_codec(ref["row"]["id"])
    pid = enc_uuid(uuid.UUID(ref["projectId"]))
    binds = []
    for m in re.finditer(r'("?\w+"?)\s*(=|LIKE|IN \(|>=|<=|<|>)\s*[\$\?](\d+)', sql):
        col = m.group(1).strip('"')
        if col == "project_id":
            binds.append(pid)
        elif col == "mobile_suffix":
            binds.append(term)
        elif col == "mobile":
            binds.append(term)
        elif col == "name":
            binds.append("%" + term + "%")
        else:
            binds.append(None)
    n = len(set(re.findall(r'[\$\?](\d+)', sql)))
    raw = [v.strip().strip('"') for v in logged.split(", ")] if logged else []
    if len(raw) == n and (n != len(binds) or None in binds):
        # placeholders we could not place: the logged values (UUIDs print as the app stores them on SQLite)
        return [b if b is not None else r for b, r in zip(binds, raw)] if n == len(binds) else raw
    return binds + [None] * (n - len(binds))


# ---------------------------------------------------------------- report

def report(results, args):
    out = []
    p = out.append
    p("")
    p(f"EstateDesk customer search benchmark · {args.count:,} customers in project {PROJECT_CODE} · "
      f"{args.requests} warm requests per kind, {args.cold_runs} cold starts per kind · {os.cpu_count()} CPUs, "
      f"load {os.getloadavg()[0]:.2f}")
    for r in results:
        ld = r["load"]
        p("")
        p(f"== {r['engine']} ==  load: {ld['rows']:,} rows in {ld['insertSeconds']:.1f} s; UUIDs as {ld['uuidStorage']}, "
          f"dates as {ld['dateStorage']}; {ld['statistics']}")
        p(f"   {ld['before']} customers in the project before (the reference row and the demo's); hits per suffix: mean "
          f"{ld['hitsPerSuffix']['mean']:.1f}, max {ld['hitsPerSuffix']['max']}; of those loaded {ld['pool']:,} in the pool, "
          f"the rest owned by {', '.join(OWNERS)}; set up by {r.get('setup')}")
        ref = ld["referenceRow"]
        p("   reference row (POST /api/v1/customers, read back): " + ", ".join(
            f"{k} {s}:{v!r}" for k, (s, v) in ref.items() if k in ("id", "project_id", "owner_id", "created_at", "updated_at",
                                                                   "owned_since", "protected_until", "mobile_suffix", "visit_count")))
        p(f"   {'GET /api/v1/customers?projectId=…&perPage=50&…':<44} {'':>5} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8} "
          f"{'server':>8}  {'hits':>7}  size")
        for kind, label in KINDS:
            w, cd = r["warm"][kind], r["cold"][kind]
            p(f"   {label:<44} {'warm':>5} {w['n']:>4} {fmt_ms(w['p50']):>8} {fmt_ms(w['p95']):>8} {fmt_ms(w['max']):>8} "
              f"{fmt_ms(w.get('serverMeanMs')):>8}  {w['hits']:>7,.0f}  {w['bytes'] / 1000:.1f} kB")
            p(f"   {'':<44} {'cold':>5} {cd['n']:>4} {fmt_ms(cd['p50']):>8} {fmt_ms(cd['p95']):>8} {fmt_ms(cd['max']):>8}")
        for key, label in [("createNew", "POST /api/v1/customers (new mobile → 201)"),
                           ("createDuplicate", "POST /api/v1/customers (existing → 409)")]:
            w = r["warm"].get(key)
            if w and w.get("n"):
                p(f"   {label:<44} {'warm':>5} {w['n']:>4} {fmt_ms(w['p50']):>8} {fmt_ms(w['p95']):>8} {fmt_ms(w['max']):>8} "
                  f"{fmt_ms(w.get('serverMeanMs')):>8}")
        h = r["warm"]["health"]
        p(f"   {'baseline GET /health (SELECT 1)':<44} {'warm':>5} {h['n']:>4} {fmt_ms(h['p50']):>8} {fmt_ms(h['p95']):>8} "
          f"{fmt_ms(h['max']):>8}")
        p("   (cold = first request of that kind after a server restart and sign-in; server = mean from /metrics)")
        for kind in EXPLAINED:
            for s in r.get("explain", {}).get(kind, []):
                what = "count" if "COUNT(" in s["sql"].upper() else "page" if kind != "create" else "lookup"
                dbt = s["dbTime"]
                shown = re.sub(r'SELECT "c"\."id", .*? AS "owner_name"', 'SELECT "c".<23 record columns>, "u"."display_name" AS "owner_name"', s["sql"])
                p(f"   -- {kind} ({what}): {shown}")
                p(f"      binds {s['binds']}; database alone: p50 {fmt_ms(dbt.get('p50'))} ms ({s['dbTimeHow']})")
                for line in s["plan"]:
                    p(f"      {line}")
        for n in r["notes"]:
            p(f"   note: {n}")
        for w in r.get("warnings", [])[:10]:
            p(f"   server log: {w}")
        for pr in r["problems"]:
            p(f"   PROBLEM: {pr}")
    if len(results) > 1:
        p("")
        p(f"{'warm p50 / p95 ms':<46}" + "".join(f"{r['engine']:>20}" for r in results))
        for kind, label in KINDS + [("createNew", "POST a new customer"), ("createDuplicate", "POST an existing mobile (409)")]:
            if all(r["warm"].get(kind, {}).get("n") for r in results):
                p(f"{label:<46}" + "".join(f"{fmt_ms(r['warm'][kind]['p50']) + ' / ' + fmt_ms(r['warm'][kind]['p95']):>20}" for r in results))
    p("")
    s = [f"{r['engine']} suffix p50 {fmt_ms(r['warm']['suffix']['p50'])} ms, p95 {fmt_ms(r['warm']['suffix']['p95'])} ms, "
         f"cold max {fmt_ms(r['cold']['suffix']['max'])} ms" for r in results]
    p("; ".join(s) + f" ({sum(len(r['problems']) for r in results)} problems)")
    print("\n".join(out), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="the estate binary")
    ap.add_argument("--work-dir", help="data dirs and server logs (default: a new temp dir)")
    ap.add_argument("--engines", default="sqlite", help="comma-separated: sqlite, pg")
    ap.add_argument("--pg-url", default=os.environ.get("DATABASE_URL"), help="an empty PostgreSQL database (default DATABASE_URL)")
    ap.add_argument("--pg-temp-dir", help="a scripts/pg-temp folder: restarted for cold figures")
    ap.add_argument("--pg-bin", help="the PostgreSQL bin dir of --pg-temp-dir")
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--requests", type=int, default=200, help="warm requests per kind (≥ 200 for the figures)")
    ap.add_argument("--cold-runs", type=int, default=5, help="server restarts per kind for the cold figures")
    ap.add_argument("--creates", type=int, default=50, help="POST /api/v1/customers after the searches: new, then duplicate mobiles")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--extra-sql", action="append", default=[],
                    help="a statement run on the database after the load, before timing (repeatable): "
                         "to try an index without changing the app, e.g. \"CREATE INDEX … ON customers (…)\"")
    ap.add_argument("--json-out")
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if any(e not in ("sqlite", "pg") for e in engines):
        ap.error("--engines: sqlite and/or pg")
    if "pg" in engines and not args.pg_url:
        ap.error("pg needs --pg-url or DATABASE_URL")
    work = args.work_dir or tempfile.mkdtemp(prefix="estate-cust-bench.")
    os.makedirs(work, exist_ok=True)
    results = []
    for e in engines:
        results.append(run_engine("postgres" if e == "pg" else "sqlite", args, work))
    report(results, args)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(results, f, ensure_ascii=False, indent=2, default=str)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        main()
    except BenchError as e:
        print(f"\nbenchmark stopped: {e}", file=sys.stderr)
        sys.exit(1)

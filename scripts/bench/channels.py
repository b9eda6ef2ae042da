#!/usr/bin/env python3
"""Benchmark (not a test) of 报备 and the channel report over a project with many registrations.

Usage: scripts/bench/channels.py --bin .build/debug/estate [--registrations 500000] [--brokers 64] [--per-broker 15]
                                 [--report-runs 5] [--port 8113] [--keep]
With DATABASE_URL set it runs on that PostgreSQL database (a scratch database it creates and drops);
without, on SQLite in a temporary data dir. Normally started by scripts/bench/channels.

  1. starts `estate serve --demo` (seed ~60-90 s) and waits for it;
  2. bulk-loads N registrations into the demo project HXY straight into channel_registrations with one
     INSERT … SELECT (copies of a demo registration: new ids, numbers and mobiles, spread over a year, 95 %
     lapsed and 5 % visited, so none holds a number the run registers), then ANALYZE;
  3. register: --brokers brokers (new users, role agent, linked to the demo agency) each POST --per-broker
     registrations of new mobiles, all brokers at once (one keep-alive connection each): p50/p99/max; raw
     baseline from the same run: the same count of single-row INSERTs of a registration by as many
     concurrent connections (PostgreSQL: pgbench -c; SQLite: threads, one connection each);
  4. the funnel report GET /api/v1/reports/channels over the last year: --report-runs warm runs (median),
     beside its SQL (the registrations GROUP BY channel, the visits GROUP BY channel, the attributions)
     run directly on the database; ratio = report / raw (PERFORMANCE.md goal ≤ 1.5×).
Prints the figures; exit 0 when it ran.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

PASSWORD = "demo1234"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Client:
    def __init__(self, port, token=None):
        self.port, self.conn = port, http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=self.headers)
                r = self.conn.getresponse()
                raw = r.read()
                return r.status, (json.loads(raw) if raw and raw[:1] in (b"{", b"[") else raw)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        raise RuntimeError(f"{method} {path}: connection failed")

    def ok(self, method, path, body=None, want=(200, 201, 202, 204)):
        s, b = self.call(method, path, body)
        if s not in want:
            raise RuntimeError(f"{method} {path} → {s}: {b!r:.400}")
        return b


def sign_in(port, user):
    b = Client(port).ok("POST", "/api/v1/auth/login", {"username": user, "password": PASSWORD})
    return Client(port, b["token"])


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]


class SQLiteDB:
    engine = "sqlite"

    def __init__(self, path):
        self.path = path

    def connect(self):
        c = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        c.execute("PRAGMA busy_timeout = 30000")
        return c

    def one(self, sql, args=()):
        c = self.connect()
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def run(self, sql, args=()):
        c = self.connect()
        try:
            c.execute(sql, args)
        finally:
            c.close()


class PostgresDB:
    engine = "postgres"

    def __init__(self, url):
        self.url = url

    def one(self, sql, args=()):
        for a in args:
            sql = sql.replace("?", "'" + str(a).replace("'", "''") + "'", 1)
        r = subprocess.run(["psql", self.url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-c", sql], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {sql[:200]}\n{r.stderr}")
        return [tuple(l.split("\t")) for l in r.stdout.splitlines()]

    def run(self, sql, args=()):
        self.one(sql, args)


COLUMNS = ["id", "number", "project_id", "channel_id", "broker_id", "customer_name", "mobile", "masked", "lock_key", "status", "reason",
           "rule_id", "rule_version", "facts", "verdict", "valid_until", "visited_at", "visit_until", "visit_confirmed_by", "customer_id",
           "reminded_at", "lapsed_at", "decided_by", "decided_at", "decision_note", "note", "created_at", "updated_at"]


def bulk_load(db, project_id, n, span_days=360):
    """N copies of one demo registration of the project, each a new number, mobile (150…) and time."""
    step = span_days * 86400 / n
    if db.engine == "sqlite":
        kinds = dict(db.one("SELECT 'id', typeof(id) FROM channel_registrations LIMIT 1")
                     + db.one("SELECT 'created_at', typeof(created_at) FROM channel_registrations LIMIT 1"))
        pid = db.one("SELECT project_id FROM channel_registrations WHERE number LIKE 'BB%' LIMIT 1")[0][0]
        idx = "randomblob(16)" if kinds["id"] == "blob" else "upper(hex(randomblob(4))||'-'||hex(randomblob(2))||'-4'||substr(hex(randomblob(2)),2)||'-A'||substr(hex(randomblob(2)),2)||'-'||hex(randomblob(6)))"
        if kinds["created_at"] in ("real", "integer"):
            t = lambda col: f"t.{col} - x * {step}"
            visited = f"t.created_at - x * {step} + 3600"
        else:
            t = lambda col: f"strftime('%Y-%m-%dT%H:%M:%SZ', t.{col}, '-' || CAST(x * {step} AS INTEGER) || ' seconds')"
            visited = f"strftime('%Y-%m-%dT%H:%M:%SZ', t.created_at, '-' || CAST(x * {step} - 3600 AS INTEGER) || ' seconds')"
        mobile = "'150' || printf('%08d', x)"
        sel = {"id": idx, "number": "'BX' || printf('%07d', x)", "mobile": mobile, "masked": "'150****' || substr(printf('%08d', x), 5, 4)",
               "lock_key": mobile, "status": "CASE WHEN x % 20 = 0 THEN 'visited' ELSE 'lapsed' END",
               "visited_at": f"CASE WHEN x % 20 = 0 THEN {visited} ELSE NULL END", "customer_name": "'压测客户' || x",
               "created_at": t("created_at"), "updated_at": t("created_at"), "lapsed_at": f"CASE WHEN x % 20 = 0 THEN NULL ELSE {t('created_at')} END",
               "visit_until": "NULL", "valid_until": "NULL", "customer_id": "NULL"}
        cols = ", ".join(COLUMNS)
        exprs = ", ".join(sel.get(c, f"t.{c}") for c in COLUMNS)
        c = db.connect()
        c.execute("BEGIN")
        c.execute(f"""WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n})
                      INSERT INTO channel_registrations ({cols}) SELECT {exprs} FROM s,
                      (SELECT * FROM channel_registrations WHERE project_id = ? AND mobile IS NOT NULL ORDER BY created_at LIMIT 1) t""", (pid,))
        c.execute("COMMIT")
        c.execute("ANALYZE")
        c.close()
    else:
        mobile = "'150' || lpad(x::text, 8, '0')"
        sel = {"id": "gen_random_uuid()", "number": "'BX' || lpad(x::text, 7, '0')", "mobile": mobile,
               "masked": "'150****' || substr(lpad(x::text, 8, '0'), 5, 4)", "lock_key": mobile,
               "status": "CASE WHEN x % 20 = 0 THEN 'visited' ELSE 'lapsed' END",
               "visited_at": f"CASE WHEN x % 20 = 0 THEN t.created_at - (x * {step} - 3600) * interval '1 second' END",
               "customer_name": "'压测客户' || x", "created_at": f"t.created_at - x * {step} * interval '1 second'",
               "updated_at": f"t.created_at - x * {step} * interval '1 second'",
               "lapsed_at": f"CASE WHEN x % 20 <> 0 THEN t.created_at - x * {step} * interval '1 second' END",
               "visit_until": "NULL", "valid_until": "NULL", "customer_id": "NULL"}
        cols = ", ".join(COLUMNS)
        exprs = ", ".join(sel.get(c, f"t.{c}") for c in COLUMNS)
        db.run(f"""INSERT INTO channel_registrations ({cols}) SELECT {exprs} FROM generate_series(1, {n}) x,
                   (SELECT * FROM channel_registrations WHERE project_id = '{project_id}' AND mobile IS NOT NULL ORDER BY created_at LIMIT 1) t""")
        db.run("VACUUM ANALYZE channel_registrations")


def raw_inserts(db, project_id, total, concurrency, tmp):
    """The raw yardstick: `total` single-row INSERTs of a registration (a copy of one), `concurrency` at once; ms each."""
    if db.engine == "postgres":
        script = os.path.join(tmp, "insert.sql")
        cols = ", ".join(COLUMNS)
        exprs = ", ".join({"id": "gen_random_uuid()", "number": "'BR' || :n", "mobile": "'152' || lpad(:n::text, 8, '0')",
                           "lock_key": "'152' || lpad(:n::text, 8, '0')", "status": "'lapsed'"}.get(c, f"t.{c}") for c in COLUMNS)
        with open(script, "w") as f:
            f.write("\\set n random(1, 99999999)\n")
            f.write(f"INSERT INTO channel_registrations ({cols}) SELECT {exprs} FROM (SELECT * FROM channel_registrations "
                    f"WHERE project_id = '{project_id}' AND mobile IS NOT NULL LIMIT 1) t ON CONFLICT DO NOTHING;\n")
        per = max(1, total // concurrency)
        r = subprocess.run(["pgbench", "-n", "-M", "extended", "-c", str(concurrency), "-j", "2", "-t", str(per), "-f", script, "-l",
                            "--log-prefix", os.path.join(tmp, "pgb"), db.url], capture_output=True, text=True, cwd=tmp)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        ms = []
        for name in os.listdir(tmp):
            if name.startswith("pgb"):
                for line in open(os.path.join(tmp, name)):
                    ms.append(int(line.split()[2]) / 1000)
        return ms
    ms, lock = [], threading.Lock()
    template = db.one("SELECT id FROM channel_registrations WHERE mobile IS NOT NULL LIMIT 1")[0][0]

    def worker(k):
        c = db.connect()
        mine = []
        for i in range(total // concurrency):
            n = k * 100000 + i
            t0 = time.perf_counter()
            c.execute("BEGIN IMMEDIATE")
            c.execute(f"INSERT INTO channel_registrations ({', '.join(COLUMNS)}) SELECT "
                      + ", ".join({"id": "randomblob(16)" if isinstance(template, bytes) else "upper(hex(randomblob(16)))",
                                   "number": "'BR' || ?", "mobile": "'152' || printf('%08d', ?)", "lock_key": "'152' || printf('%08d', ?)",
                                   "status": "'lapsed'"}.get(col, col) for col in COLUMNS)
                      + " FROM channel_registrations WHERE id = ?", (n, n, n, template))
            c.execute("COMMIT")
            mine.append((time.perf_counter() - t0) * 1000)
        c.close()
        with lock:
            ms.extend(mine)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug/estate")
    ap.add_argument("--registrations", type=int, default=500_000)
    ap.add_argument("--brokers", type=int, default=64)
    ap.add_argument("--per-broker", type=int, default=15)
    ap.add_argument("--report-runs", type=int, default=5)
    ap.add_argument("--port", type=int, default=8113)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="estate-channels-bench-")
    url = os.environ.get("DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESTATE_") and k != "DATABASE_URL"}
    env.update({"ESTATE_DATA_DIR": tmp, "ESTATE_PORT": str(a.port), "ESTATE_HOST": "127.0.0.1", "ESTATE_BCRYPT_COST": "4",
                "ESTATE_METRICS_ADDRESS": "off", "ESTATE_LOG_LEVEL": "warning"})
    scratch = None
    if url:
        scratch = f"bench_channels_{os.getpid()}"
        subprocess.run(["psql", url, "-X", "-q", "-c", f"CREATE DATABASE {scratch}"], check=True)
        url = url.rsplit("/", 1)[0] + "/" + scratch
        env["DATABASE_URL"] = url
    db = PostgresDB(url) if url else SQLiteDB(os.path.join(tmp, "estate.sqlite"))
    log(f"engine {db.engine}, data {tmp}; seeding the demo …")
    server = subprocess.Popen([a.bin, "serve", "--demo", "--hostname", "127.0.0.1", "--port", str(a.port)], env=env,
                              stdout=open(os.path.join(tmp, "server.log"), "w"), stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                if Client(a.port).call("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise RuntimeError("server stopped: see " + os.path.join(tmp, "server.log"))
            time.sleep(1)
        admin, manager = sign_in(a.port, "admin"), sign_in(a.port, "channel-manager")
        project = next(p for p in admin.ok("GET", "/api/v1/projects")["items"] if p["code"] == "HXY")["id"]
        agency = next(c for c in manager.ok("GET", f"/api/v1/channels?projectId={project}")["items"] if c["kind"] == "agency")["id"]
        t0 = time.perf_counter()
        bulk_load(db, project, a.registrations)
        total = db.one("SELECT COUNT(*) FROM channel_registrations")[0][0]
        log(f"loaded {a.registrations:,} registrations in {time.perf_counter() - t0:.1f} s ({total} in the table)")
        # Brokers.
        tokens = []
        for k in range(a.brokers):
            name = f"bench-broker-{k:03d}"
            u = admin.ok("POST", "/api/v1/users", {"username": name, "displayName": f"压测经纪人{k}", "password": PASSWORD})
            admin.ok("POST", f"/api/v1/users/{u['id']}/grants", {"role": "agent", "projectId": project})
            manager.ok("POST", f"/api/v1/channels/{agency}/brokers", {"projectId": project, "userId": u["id"]})
            tokens.append(sign_in(a.port, name).headers["Authorization"].split()[1])
        results, lock, statuses = [], threading.Lock(), {}

        def broker(k):
            c = Client(a.port, tokens[k])
            mine = []
            for i in range(a.per_broker):
                mobile = f"151{k:03d}{i:05d}"
                t = time.perf_counter()
                s, _ = c.call("POST", "/api/v1/registrations", {"projectId": project, "channelId": agency, "mobile": mobile, "customerName": "压测"})
                mine.append(((time.perf_counter() - t) * 1000, s))
            with lock:
                results.extend(mine)
        threads = [threading.Thread(target=broker, args=(k,)) for k in range(a.brokers)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        for _, s in results:
            statuses[s] = statuses.get(s, 0) + 1
        ms = [m for m, _ in results]
        raw = raw_inserts(db, project, len(ms), a.brokers, tmp)
        # The report.
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
        start = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 - 365 * 86400))
        path = f"/api/v1/reports/channels?projectId={project}&from={start}&to={today}"
        manager.ok("GET", path)
        rep = []
        for _ in range(a.report_runs):
            t = time.perf_counter()
            body = manager.ok("GET", path)
            rep.append((time.perf_counter() - t) * 1000)
        queries = [
            "SELECT channel_id, COUNT(*) FROM channel_registrations WHERE project_id = ? AND created_at >= ? AND created_at < ? AND status <> 'refused' GROUP BY channel_id",
            "SELECT channel_id, COUNT(*) FROM channel_registrations WHERE project_id = ? AND visited_at >= ? AND visited_at < ? GROUP BY channel_id",
            "SELECT channel_id, subscription_number FROM channel_attributions WHERE project_id = ? AND status = 'attributed' AND subscribed_at >= ? AND subscribed_at < ?",
        ]
        sample = db.one("SELECT created_at FROM channel_registrations ORDER BY created_at LIMIT 1")[0][0]
        lo = sample
        hi = db.one("SELECT MAX(created_at) FROM channel_registrations")[0][0]
        raw_report = []
        for _ in range(a.report_runs):
            t = time.perf_counter()
            for q in queries:
                db.one(q, (project if db.engine == "postgres" else db.one("SELECT project_id FROM channel_registrations LIMIT 1")[0][0], lo, hi))
            raw_report.append((time.perf_counter() - t) * 1000)
        print()
        print(f"engine: {db.engine}; binary: {a.bin}; registrations in the project: {total}")
        print(f"register, {a.brokers} brokers × {a.per_broker} at once: {len(ms)} requests in {wall:.1f} s ({len(ms) / wall:.0f}/s), "
              f"statuses {statuses}; p50 {statistics.median(ms):.1f} ms, p99 {pct(ms, 99):.1f} ms, max {max(ms):.1f} ms")
        print(f"raw INSERT of a registration, {a.brokers} at once: {len(raw)} rows; p50 {statistics.median(raw):.1f} ms, p99 {pct(raw, 99):.1f} ms"
              f"  → ratio p99 {pct(ms, 99) / max(pct(raw, 99), 0.001):.1f}×")
        print(f"funnel report (last 365 days): median {statistics.median(rep):.1f} ms (runs {', '.join(f'{x:.0f}' for x in rep)}); total row "
              f"{body['total']['registrations']} registrations / {body['total']['visits']} visits")
        print(f"its SQL run directly (psql/sqlite3 round trips included on PostgreSQL): median {statistics.median(raw_report):.1f} ms"
              f"  → ratio {statistics.median(rep) / max(statistics.median(raw_report), 0.001):.2f}×")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if scratch:
            subprocess.run(["psql", os.environ["DATABASE_URL"], "-X", "-q", "-c", f"DROP DATABASE IF EXISTS {scratch}"])
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept {tmp}")


if __name__ == "__main__":
    main()

import EstateCore
import FluentKit
import Foundation
import SQLKit
import Vapor

/// 日汇总: the report figures per project and day, kept by the transaction that makes each fact
/// (PERFORMANCE.md: a month's report must not scan a project's history). Each fact adds to four
/// rows of its day — the project's (`all`), its building's, its layout's and its consultant's
/// (contacts only to `all` and the consultant's) — with one UPSERT each. A change that moves a
/// sale's facts (换房) takes the whole sale out and puts it back. `rebuild` recomputes every row
/// from the records; the tests hold the kept rows to it.
enum ReportLedger {
    /// The counters of one row, in column order.
    struct Delta: Sendable, Equatable {
        var calls = 0, visitsFirst = 0, visitsReturn = 0
        var subN = 0, subArea: Int64 = 0, subFen: Int64 = 0
        var conN = 0, conArea: Int64 = 0, conFen: Int64 = 0
        var canN = 0, canArea: Int64 = 0, canFen: Int64 = 0
        var terN = 0, terArea: Int64 = 0, terFen: Int64 = 0
        var recN = 0, recFen: Int64 = 0

        static let columns = ["calls", "visits_first", "visits_return", "sub_n", "sub_area", "sub_fen", "con_n", "con_area", "con_fen",
                              "can_n", "can_area", "can_fen", "ter_n", "ter_area", "ter_fen", "rec_n", "rec_fen"]

        var values: [Int64] {
            [Int64(calls), Int64(visitsFirst), Int64(visitsReturn), Int64(subN), subArea, subFen, Int64(conN), conArea, conFen,
             Int64(canN), canArea, canFen, Int64(terN), terArea, terFen, Int64(recN), recFen]
        }

        var isZero: Bool { values.allSatisfy { $0 == 0 } }

        static func += (a: inout Delta, b: Delta) {
            a.calls += b.calls; a.visitsFirst += b.visitsFirst; a.visitsReturn += b.visitsReturn
            a.subN += b.subN; a.subArea += b.subArea; a.subFen += b.subFen
            a.conN += b.conN; a.conArea += b.conArea; a.conFen += b.conFen
            a.canN += b.canN; a.canArea += b.canArea; a.canFen += b.canFen
            a.terN += b.terN; a.terArea += b.terArea; a.terFen += b.terFen
            a.recN += b.recN; a.recFen += b.recFen
        }

        func scaled(_ sign: Int) -> Delta {
            let s = Int64(sign)
            return Delta(calls: calls * sign, visitsFirst: visitsFirst * sign, visitsReturn: visitsReturn * sign,
                         subN: subN * sign, subArea: subArea * s, subFen: subFen * s, conN: conN * sign, conArea: conArea * s, conFen: conFen * s,
                         canN: canN * sign, canArea: canArea * s, canFen: canFen * s, terN: terN * sign, terArea: terArea * s, terFen: terFen * s,
                         recN: recN * sign, recFen: recFen * s)
        }

        /// As report figures.
        var figures: SalesFigures {
            var f = SalesFigures()
            f.calls = calls; f.visitsFirst = visitsFirst; f.visitsReturn = visitsReturn
            f.subscriptions = Deal(count: subN, area: Area(hundredths: Int(subArea)), amount: Money(fen: subFen))
            f.contracts = Deal(count: conN, area: Area(hundredths: Int(conArea)), amount: Money(fen: conFen))
            f.cancellations = Deal(count: canN, area: Area(hundredths: Int(canArea)), amount: Money(fen: canFen))
            f.terminations = Deal(count: terN, area: Area(hundredths: Int(terArea)), amount: Money(fen: terFen))
            f.collections = Collected(count: recN, amount: Money(fen: recFen))
            return f
        }
    }

    /// Where a fact lands: its day and its cuts.
    struct Key: Hashable, Sendable {
        var day: String
        var dim: String
        var key: String
    }

    /// One fact as read from the records.
    struct Fact: Decodable, Sendable {
        var day: String
        var buildingId: UUID?
        var layout: String?
        var consultantId: UUID?
        var kind: String?
        var n: Int
        var area: Int64?
        var amount: Int64?
    }

    enum Source: CaseIterable { case subscriptions, cancellations, contracts, terminations, collections, contacts }

    static func delta(_ f: Fact, _ source: Source) -> Delta {
        var d = Delta()
        let (n, area, fen) = (f.n, f.area ?? 0, f.amount ?? 0)
        switch source {
        case .subscriptions: d.subN = n; d.subArea = area; d.subFen = fen
        case .cancellations: d.canN = n; d.canArea = area; d.canFen = fen
        case .contracts: d.conN = n; d.conArea = area; d.conFen = fen
        case .terminations: d.terN = n; d.terArea = area; d.terFen = fen
        case .collections: d.recN = n; d.recFen = fen
        case .contacts:
            switch f.kind {
            case "call": d.calls = n
            case "first": d.visitsFirst = n
            case "return": d.visitsReturn = n
            default: break
            }
        }
        return d
    }

    /// The rows a fact adds to.
    static func keys(_ f: Fact, _ source: Source) -> [Key] {
        var k = [Key(day: f.day, dim: "all", key: "")]
        if source != .contacts {
            if let b = f.buildingId { k.append(Key(day: f.day, dim: "building", key: b.uuidString)) }
            if let l = f.layout { k.append(Key(day: f.day, dim: "layout", key: l)) }
        }
        k.append(Key(day: f.day, dim: "consultant", key: f.consultantId?.uuidString ?? ""))
        return k
    }

    /// The facts of a source, grouped by day and cut; `scope` narrows them (a sale, a receipt,
    /// a contact, or a whole project for the rebuild).
    static func facts(_ source: Source, scope: SQLQueryString, on sql: any SQLDatabase) async throws -> [Fact] {
        let query: SQLQueryString
        switch source {
        case .subscriptions:
            query = """
                SELECT s.subscribed_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(s.final_total_fen) AS BIGINT) AS amount
                FROM subscriptions s JOIN units u ON u.id = s.unit_id
                WHERE \(scope) AND s.subscribed_on IS NOT NULL
                GROUP BY s.subscribed_on, u.building_id, u.layout, s.consultant_id
                """
        case .cancellations:
            query = """
                SELECT s.cancelled_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(s.final_total_fen) AS BIGINT) AS amount
                FROM subscriptions s JOIN units u ON u.id = s.unit_id
                WHERE \(scope) AND s.status = 'cancelled' AND s.cancelled_on IS NOT NULL
                GROUP BY s.cancelled_on, u.building_id, u.layout, s.consultant_id
                """
        case .contracts:
            query = """
                SELECT c.signed_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(c.total_fen) AS BIGINT) AS amount
                FROM contracts c JOIN subscriptions s ON s.id = c.subscription_id JOIN units u ON u.id = c.unit_id
                WHERE \(scope) AND c.signed_on IS NOT NULL
                GROUP BY c.signed_on, u.building_id, u.layout, s.consultant_id
                """
        case .terminations:
            // 退房 ends a signed contract; a draft that goes with a 退订 is not one.
            query = """
                SELECT c.terminated_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(u.built_area) AS BIGINT) AS area, CAST(SUM(c.total_fen) AS BIGINT) AS amount
                FROM contracts c JOIN subscriptions s ON s.id = c.subscription_id JOIN units u ON u.id = c.unit_id
                WHERE \(scope) AND c.status = 'terminated' AND c.signed_on IS NOT NULL AND c.terminated_on IS NOT NULL
                GROUP BY c.terminated_on, u.building_id, u.layout, s.consultant_id
                """
        case .collections:
            query = """
                SELECT r.received_on AS day, u.building_id, u.layout, s.consultant_id, COUNT(*) AS n,
                       CAST(SUM(r.amount_fen) AS BIGINT) AS amount
                FROM receipts r JOIN subscriptions s ON s.id = r.subscription_id JOIN units u ON u.id = s.unit_id
                WHERE \(scope) AND r.status = 'confirmed'
                GROUP BY r.received_on, u.building_id, u.layout, s.consultant_id
                """
        case .contacts:
            query = """
                SELECT k.occurred_on AS day, k.consultant_id, CASE WHEN k.kind = 'call' THEN 'call' ELSE k.visit_kind END AS kind,
                       COUNT(*) AS n
                FROM customer_contacts k
                WHERE \(scope) AND k.occurred_on IS NOT NULL
                GROUP BY k.occurred_on, k.consultant_id, CASE WHEN k.kind = 'call' THEN 'call' ELSE k.visit_kind END
                """
        }
        return try await sql.raw(query).all(decoding: Fact.self, with: SQLRowDecoder.snakeCase)
    }

    /// Adds each fact (times `sign`) to its rows.
    static func post(_ facts: [(Fact, Source)], projectID: UUID, sign: Int = 1, on sql: any SQLDatabase) async throws {
        var rows: [Key: Delta] = [:]
        for (f, source) in facts {
            let d = delta(f, source).scaled(sign)
            for k in keys(f, source) { rows[k, default: Delta()] += d }
        }
        // Always in the same order, so two transactions touching the same rows never wait on each other in a cycle.
        for (k, d) in rows.sorted(by: { ($0.key.day, $0.key.dim, $0.key.key) < ($1.key.day, $1.key.dim, $1.key.key) }) where !d.isZero {
            try await upsert(projectID, k, d, on: sql)
        }
    }

    static func upsert(_ projectID: UUID, _ k: Key, _ d: Delta, on sql: any SQLDatabase) async throws {
        let cols = Delta.columns.joined(separator: ", ")
        let values = d.values.map { "\($0)" }.joined(separator: ", ")
        let updates = Delta.columns.map { "\($0) = report_daily.\($0) + excluded.\($0)" }.joined(separator: ", ")
        try await sql.raw("""
            INSERT INTO report_daily (project_id, day, dim, dim_key, \(unsafeRaw: cols))
            VALUES (\(bind: projectID), \(bind: k.day), \(bind: k.dim), \(bind: k.key), \(unsafeRaw: values))
            ON CONFLICT (project_id, dim, dim_key, day) DO UPDATE SET \(unsafeRaw: updates)
            """).run()
    }

    // MARK: The write paths

    /// Takes the sale's row lock (a no-op update; SQLite's writes are one at a time anyway).
    static func lockSale(_ id: UUID, on sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE subscriptions SET updated_at = updated_at WHERE id = \(bind: id)").run()
    }

    static func subscription(_ id: UUID, projectID: UUID, on sql: any SQLDatabase) async throws {
        try await post(try await facts(.subscriptions, scope: "s.id = \(bind: id)", on: sql).map { ($0, .subscriptions) }, projectID: projectID, on: sql)
    }

    static func cancellation(_ id: UUID, projectID: UUID, on sql: any SQLDatabase) async throws {
        try await post(try await facts(.cancellations, scope: "s.id = \(bind: id)", on: sql).map { ($0, .cancellations) }, projectID: projectID, on: sql)
    }

    static func signing(_ contractID: UUID, projectID: UUID, on sql: any SQLDatabase) async throws {
        try await post(try await facts(.contracts, scope: "c.id = \(bind: contractID)", on: sql).map { ($0, .contracts) }, projectID: projectID, on: sql)
    }

    static func termination(_ contractID: UUID, projectID: UUID, on sql: any SQLDatabase) async throws {
        try await post(try await facts(.terminations, scope: "c.id = \(bind: contractID)", on: sql).map { ($0, .terminations) }, projectID: projectID, on: sql)
    }

    static func receipt(_ id: UUID, projectID: UUID, on sql: any SQLDatabase) async throws {
        try await post(try await facts(.collections, scope: "r.id = \(bind: id)", on: sql).map { ($0, .collections) }, projectID: projectID, on: sql)
    }

    static func contact(_ id: UUID, projectID: UUID, on sql: any SQLDatabase) async throws {
        try await post(try await facts(.contacts, scope: "k.id = \(bind: id)", on: sql).map { ($0, .contacts) }, projectID: projectID, on: sql)
    }

    /// Every fact of one sale, times `sign`: out before a change that moves them, back in after.
    static func sale(_ id: UUID, projectID: UUID, sign: Int, on sql: any SQLDatabase) async throws {
        var all: [(Fact, Source)] = []
        for source in Source.allCases where source != .contacts {
            let scope: SQLQueryString = source == .collections ? "r.subscription_id = \(bind: id)"
                : (source == .contracts || source == .terminations) ? "c.subscription_id = \(bind: id)" : "s.id = \(bind: id)"
            all += try await facts(source, scope: scope, on: sql).map { ($0, source) }
        }
        try await post(all, projectID: projectID, sign: sign, on: sql)
    }

    /// The rows as the records say they should be, for one project.
    static func expected(_ projectID: UUID, on sql: any SQLDatabase) async throws -> [Key: Delta] {
        var rows: [Key: Delta] = [:]
        for source in Source.allCases {
            let scope: SQLQueryString
            switch source {
            case .subscriptions, .cancellations: scope = "s.project_id = \(bind: projectID)"
            case .contracts, .terminations: scope = "c.project_id = \(bind: projectID)"
            case .collections: scope = "r.project_id = \(bind: projectID)"
            case .contacts: scope = "k.project_id = \(bind: projectID)"
            }
            for f in try await facts(source, scope: scope, on: sql) {
                let d = delta(f, source)
                for k in keys(f, source) { rows[k, default: Delta()] += d }
            }
        }
        return rows.filter { !$0.value.isZero }
    }

    /// The rows as kept.
    static func kept(_ projectID: UUID, on sql: any SQLDatabase) async throws -> [Key: Delta] {
        struct R: Decodable {
            var day: String; var dim: String; var dimKey: String
            var calls: Int; var visitsFirst: Int; var visitsReturn: Int; var subN: Int; var subArea: Int64; var subFen: Int64
            var conN: Int; var conArea: Int64; var conFen: Int64; var canN: Int; var canArea: Int64; var canFen: Int64
            var terN: Int; var terArea: Int64; var terFen: Int64; var recN: Int; var recFen: Int64
        }
        let rows = try await sql.raw("SELECT * FROM report_daily WHERE project_id = \(bind: projectID)")
            .all(decoding: R.self, with: SQLRowDecoder.snakeCase)
        var out: [Key: Delta] = [:]
        for r in rows {
            let d = Delta(calls: r.calls, visitsFirst: r.visitsFirst, visitsReturn: r.visitsReturn, subN: r.subN, subArea: r.subArea, subFen: r.subFen,
                          conN: r.conN, conArea: r.conArea, conFen: r.conFen, canN: r.canN, canArea: r.canArea, canFen: r.canFen,
                          terN: r.terN, terArea: r.terArea, terFen: r.terFen, recN: r.recN, recFen: r.recFen)
            if !d.isZero { out[Key(day: r.day, dim: r.dim, key: r.dimKey)] = d }
        }
        return out
    }

    /// Recomputes a project's rows from its records (after a bulk load, or to repair).
    static func rebuild(_ projectID: UUID, on sql: any SQLDatabase) async throws -> Int {
        // No fact may land between reading the records and replacing the rows (SQLite: the write gate).
        if sql.dialect.name == "postgresql" { try await sql.raw("LOCK TABLE report_daily IN SHARE ROW EXCLUSIVE MODE").run() }
        let rows = try await expected(projectID, on: sql)
        try await sql.delete(from: "report_daily").where("project_id", .equal, projectID).run()
        let cols = ["project_id", "day", "dim", "dim_key"] + Delta.columns
        let all = Array(rows)
        for start in stride(from: 0, to: all.count, by: 500) {
            var insert = sql.insert(into: "report_daily").columns(cols)
            for (k, d) in all[start..<min(start + 500, all.count)] {
                let row: [any SQLExpression] = [SQLBind(projectID), SQLBind(k.day), SQLBind(k.dim), SQLBind(k.key)] + d.values.map { SQLBind($0) }
                insert = insert.values(row)
            }
            try await insert.run()
        }
        return rows.count
    }
}

/// Report upkeep for the `estate reports` command.
public enum ReportMaintenance {
    /// Rebuilds the daily rows of one project (by code) or of all; returns the rows written.
    public static func rebuild(projectCode: String?, app: Application) async throws -> Int {
        struct P: Decodable { var id: UUID }
        let sql = app.db as! any SQLDatabase
        var q = sql.select().column("id").from("projects")
        if let projectCode { q = q.where("code", .equal, projectCode) }
        var n = 0
        for p in try await q.all(decoding: P.self) {
            n += try await app.services.store(app.db).write { tx in try await ReportLedger.rebuild(p.id, on: tx as! any SQLDatabase) }
        }
        return n
    }
}

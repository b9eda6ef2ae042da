import EstateCore
import EstateSheets
import FluentKit
import Foundation
import SQLKit

/// 话单导入: a CDR export (.csv, UTF-8 or GBK) in Asterisk's `Master.csv` layout or our own template.
/// All rows or none: every bad row is named (line, column, reason) and nothing is written; a call
/// whose id is already stored (or earlier in the file) is skipped, so a file imported twice adds nothing.
public struct CDRImportService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public enum Layout: String, Sendable { case asterisk, template }

    public struct Outcome: Sendable, Equatable {
        public var layout: Layout
        public var encoding: String
        public var rows: Int
        public var imported: Int
        public var skipped: Int
    }

    public static let maxRows = 50_000

    /// Our template's columns: field, Chinese and English titles, required.
    static let columns: [(field: String, zh: String, en: String, required: Bool)] = [
        ("callId", "通话ID", "Call ID", true), ("direction", "方向", "Direction", true), ("number", "号码", "Number", true),
        ("queue", "技能组", "Queue", false), ("agent", "坐席账号", "Agent", false), ("offeredAt", "来电时间", "Offered at", true),
        ("answeredAt", "接听时间", "Answered at", false), ("endedAt", "结束时间", "Ended at", true),
        ("holdSeconds", "保持秒数", "Hold seconds", false), ("wrapSeconds", "话后秒数", "Wrap-up seconds", false),
        ("category", "类别", "Category", false), ("satisfaction", "满意度", "Satisfaction", false),
    ]

    /// The template as CSV (UTF-8 with a BOM, for Chinese Excel): the header and two example rows.
    public static func template(zh: Bool) -> Data {
        let header = columns.map { zh ? $0.zh : $0.en }
        let rows: [[SheetCell]] = [
            ["pbx-20261201-0001", zh ? "呼入" : "inbound", "13800138000", "hotline", "cc-agent-01", "2026-12-01 09:15:02",
             "2026-12-01 09:15:14", "2026-12-01 09:19:40", "20", "45", "repair", "5"].map { .text($0) },
            ["pbx-20261201-0002", zh ? "呼入" : "inbound", "13900139000", "hotline", "", "2026-12-01 09:16:30", "",
             "2026-12-01 09:17:05", "", "", "", ""].map { .text($0) },
        ]
        return CSVWriter.data(header: header, rows: rows)
    }

    /// "2026-12-01 09:15:02" (or with a T, or "/" between the date's parts) in Beijing time, as PBXs in China write it.
    static func time(_ raw: String) -> Date? {
        let s = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: "T", with: " ")
        let parts = s.split(separator: " ")
        guard parts.count == 2, let day = CalendarDay(String(parts[0])) else { return nil }
        let hms = parts[1].split(separator: ":").map { Int($0) }
        guard hms.count == 3, let h = hms[0], let m = hms[1], let sec = hms[2], (0..<24).contains(h), (0..<60).contains(m), (0..<60).contains(sec)
        else { return nil }
        return day.start + Double(h * 3600 + m * 60 + sec)
    }

    /// A row as a call, or its problems.
    struct Parsed { var line: Int; var draft: CallService.Draft; var agent: String?; var agentColumn: String? = nil }

    public func importFile(_ data: Data, projectID: UUID?, fileName: String, context: AuditContext) async throws -> Outcome {
        let (encoding, rows) = try Self.read(data)
        let layout: Layout = rows.first.map(Self.isTemplateHeader) == true ? .template : .asterisk
        var problems: [Problem.RowError] = []
        var parsed: [Parsed] = []
        switch layout {
        case .asterisk:
            for r in rows { Self.asterisk(r, into: &parsed, problems: &problems) }
        case .template:
            var columnOf: [String: Int] = [:]
            for (i, title) in rows[0].cells.enumerated() {
                let t = title.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "*", with: "")
                if t.isEmpty { continue }
                guard let c = Self.columns.first(where: { $0.zh == t || $0.en.lowercased() == t.lowercased() || $0.field.lowercased() == t.lowercased() }) else {
                    problems.append(.init(row: rows[0].number, column: UnitImportService.letter(i), field: nil, code: "import_unknown_column", value: t))
                    continue
                }
                if columnOf[c.field] != nil {
                    problems.append(.init(row: rows[0].number, column: UnitImportService.letter(i), field: c.field, code: "import_duplicate_column", value: t))
                } else { columnOf[c.field] = i }
            }
            for c in Self.columns where c.required && columnOf[c.field] == nil {
                problems.append(.init(row: rows[0].number, column: nil, field: c.field, code: "import_missing_column", value: c.zh))
            }
            if !problems.isEmpty { throw UnitImportService.failed(problems) }
            for r in rows.dropFirst() { Self.template(r, columnOf, into: &parsed, problems: &problems) }
        }
        guard !parsed.isEmpty || !problems.isEmpty else { throw Problem(.unprocessableEntity, "import_empty") }

        // Agents by login; an unknown login in our template is a mistake, in a PBX's channel name it is a phone nobody signed up.
        let ids = try await StaffDirectory.ids(usernames: parsed.compactMap(\.agent), sql: store.sql)
        for i in parsed.indices {
            guard let a = parsed[i].agent else { continue }
            if let id = ids[a] { parsed[i].draft.agentID = id } else if layout == .template {
                problems.append(.init(row: parsed[i].line, column: parsed[i].agentColumn, field: "agent", code: "cdr_agent_unknown", value: a))
            }
        }
        if !problems.isEmpty { throw UnitImportService.failed(problems.sorted { ($0.row, $0.column ?? "") < ($1.row, $1.column ?? "") }) }

        let at = now(), count = parsed.count, encodingName = encoding
        let drafts = parsed.map { var d = $0.draft; d.projectID = projectID; return d }
        return try await store.audited(context) { tx in
            let sql = tx as! any SQLDatabase
            // Calls already stored, or earlier in the file: skipped.
            var seen = Set<String>()
            for chunk in drafts.compactMap(\.externalID).chunked(500) {
                struct R: Decodable { var external_id: String }
                for r in try await sql.select().column("external_id").from("calls").where("external_id", .in, SQLBind.group(Array(chunk))).all(decoding: R.self) {
                    seen.insert(r.external_id)
                }
            }
            var fresh: [CallService.Draft] = []
            for d in drafts where seen.insert(d.externalID ?? "").inserted { fresh.append(d) }
            try await CallService.insertMany(fresh, at: at, by: context.actorID, on: sql)
            let outcome = Outcome(layout: layout, encoding: encodingName, rows: count, imported: fresh.count, skipped: count - fresh.count)
            return (outcome, AuditEntry(action: "call.import", entity: "call", entityID: nil, projectID: projectID,
                                        summary: "imported \(fresh.count) calls from \(fileName) (\(layout.rawValue), \(count - fresh.count) already there)",
                                        after: ["file": fileName, "imported": "\(fresh.count)", "skipped": "\(count - fresh.count)"]))
        }
    }

    /// The file's rows, with the same refusals as the other imports.
    static func read(_ data: Data) throws -> (String, [SheetRow]) {
        do {
            let r = try CSVReader.rows(data, limits: SheetLimits(maxRows: maxRows + 1))
            guard !r.rows.isEmpty else { throw Problem(.unprocessableEntity, "import_empty") }
            return (r.encoding.rawValue, r.rows)
        } catch let e as SpreadsheetError {
            switch e.kind {
            case .tooManyRows: throw Problem(.unprocessableEntity, "import_too_many_rows", arguments: ["max": "\(maxRows)"])
            case .tooLarge: throw Problem(.unprocessableEntity, "import_too_large", arguments: ["max": "\(maxRows)", "reason": e.detail])
            case .badEncoding: throw Problem(.unprocessableEntity, "import_bad_encoding", arguments: ["reason": e.detail])
            case .notAZip, .missingPart, .badXML: throw Problem(.unprocessableEntity, "import_unreadable", arguments: ["reason": e.detail])
            }
        }
    }

    /// Our header names the call id column (a Master.csv row may hold "Queue" as its application, so one title is not enough).
    static func isTemplateHeader(_ row: SheetRow) -> Bool {
        let titles = row.cells.map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "*", with: "").lowercased() }
        return titles.contains { ["通话id", "call id", "callid"].contains($0) }
    }

    // MARK: Asterisk Master.csv

    /// accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end,
    /// duration, billsec, disposition, amaflags, uniqueid[, userfield]: uniqueid (`loguniqueid=yes`) is the call id.
    static func asterisk(_ r: SheetRow, into parsed: inout [Parsed], problems: inout [Problem.RowError]) {
        var bad: [Problem.RowError] = []
        func cell(_ i: Int) -> String { i < r.cells.count ? r.cells[i].trimmingCharacters(in: .whitespaces) : "" }
        func fail(_ i: Int?, _ field: String, _ code: String, _ value: String? = nil) {
            bad.append(.init(row: r.number, column: i.map(UnitImportService.letter), field: field, code: code, value: value))
        }
        guard r.cells.count >= 17 else {
            problems.append(.init(row: r.number, column: nil, field: nil, code: "cdr_asterisk_columns", value: "\(r.cells.count)"))
            return
        }
        let uniqueid = cell(16)
        if uniqueid.isEmpty || uniqueid.count > 120 { fail(16, "uniqueid", "cdr_call_id_missing") }
        let context = cell(3).lowercased()
        let outbound = context.contains("internal") || context.contains("outbound") || context.contains("outgoing")
        let rawNumber = outbound ? cell(2) : cell(1)
        let number = CallerNumber.normalized(rawNumber)
        if number == nil { fail(outbound ? 2 : 1, outbound ? "dst" : "src", "call_number_invalid", rawNumber) }
        let start = time(cell(9)), end = time(cell(11))
        if start == nil { fail(9, "start", "cdr_time_invalid", cell(9)) }
        if end == nil { fail(11, "end", "cdr_time_invalid", cell(11)) }
        let answeredRaw = cell(10)
        let answeredAt = answeredRaw.isEmpty ? nil : time(answeredRaw)
        if !answeredRaw.isEmpty && answeredAt == nil { fail(10, "answer", "cdr_time_invalid", answeredRaw) }
        let answered = cell(14).uppercased() == "ANSWERED" && answeredAt != nil
        var queue = CallService.defaultQueue
        if cell(7).lowercased() == "queue", let q = cell(8).split(separator: ",").first.map(String.init)?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            queue = q
        }
        if queue.count > 40 { fail(8, "lastdata", "call_queue_invalid", queue) }
        // The agent's channel: the called one inbound, the calling one outbound; "SIP/cc-agent-01-0000001a" → "cc-agent-01".
        var agent: String?
        let agentChannel = cell(outbound ? 5 : 6)
        if answered, let slash = agentChannel.firstIndex(of: "/") {
            var peer = String(agentChannel[agentChannel.index(after: slash)...])
            if let dash = peer.lastIndex(of: "-") { peer = String(peer[..<dash]) }
            if !peer.isEmpty && peer.count <= 64 { agent = peer }
        }
        guard bad.isEmpty, let start, let end, let number else { problems += bad; return }
        do {
            let timing = try CallTiming(offeredAt: start, answeredAt: answered ? answeredAt : nil, endedAt: end)
            parsed.append(Parsed(line: r.number, draft: CallService.Draft(
                direction: outbound ? .outbound : .inbound, number: number, queue: queue, timing: timing, externalID: uniqueid, source: .import),
                agent: agent))
        } catch {
            problems.append(.init(row: r.number, column: UnitImportService.letter(11), field: "end", code: "call_times_out_of_order", value: nil))
        }
    }

    // MARK: Our template

    static func template(_ r: SheetRow, _ columnOf: [String: Int], into parsed: inout [Parsed], problems: inout [Problem.RowError]) {
        var bad: [Problem.RowError] = []
        func cell(_ f: String) -> String {
            guard let i = columnOf[f], i < r.cells.count else { return "" }
            return r.cells[i].trimmingCharacters(in: .whitespaces)
        }
        func fail(_ f: String, _ code: String, _ value: String? = nil) {
            bad.append(.init(row: r.number, column: columnOf[f].map(UnitImportService.letter), field: f, code: code, value: value))
        }
        let id = cell("callId")
        if id.isEmpty || id.count > 120 { fail("callId", "cdr_call_id_missing") }
        let direction: CallDirection? = switch cell("direction").lowercased() {
        case "呼入", "inbound", "in": .inbound
        case "呼出", "outbound", "out": .outbound
        default: nil
        }
        if direction == nil { fail("direction", "cdr_direction_invalid", cell("direction")) }
        let number = CallerNumber.normalized(cell("number"))
        if number == nil { fail("number", "call_number_invalid", cell("number")) }
        let queue = cell("queue").isEmpty ? CallService.defaultQueue : cell("queue")
        if queue.count > 40 { fail("queue", "call_queue_invalid", queue) }
        let offered = time(cell("offeredAt")), ended = time(cell("endedAt"))
        if offered == nil { fail("offeredAt", "cdr_time_invalid", cell("offeredAt")) }
        if ended == nil { fail("endedAt", "cdr_time_invalid", cell("endedAt")) }
        let answered = cell("answeredAt").isEmpty ? nil : time(cell("answeredAt"))
        if !cell("answeredAt").isEmpty && answered == nil { fail("answeredAt", "cdr_time_invalid", cell("answeredAt")) }
        func seconds(_ f: String) -> Int {
            if cell(f).isEmpty { return 0 }
            guard let n = Int(cell(f)), (0...86_400).contains(n) else { fail(f, "call_duration_invalid", cell(f)); return 0 }
            return n
        }
        let hold = seconds("holdSeconds"), wrap = seconds("wrapSeconds")
        let category = cell("category").isEmpty ? nil : cell("category")
        if let c = category, c.count > 40 { fail("category", "too_long", c) }
        var satisfaction: Int?
        if !cell("satisfaction").isEmpty {
            if let s = Int(cell("satisfaction")), (1...5).contains(s) { satisfaction = s } else { fail("satisfaction", "call_satisfaction_invalid", cell("satisfaction")) }
        }
        let agent = cell("agent").isEmpty ? nil : cell("agent")
        guard bad.isEmpty, let direction, let number, let offered, let ended else { problems += bad; return }
        do {
            let timing = try CallTiming(offeredAt: offered, answeredAt: answered, endedAt: ended, holdSeconds: hold, wrapSeconds: wrap)
            parsed.append(Parsed(line: r.number, draft: CallService.Draft(
                direction: direction, number: number, queue: queue, timing: timing, category: category, satisfaction: satisfaction,
                externalID: id, source: .import), agent: agent, agentColumn: columnOf["agent"].map(UnitImportService.letter)))
        } catch .outOfOrder {
            problems.append(.init(row: r.number, column: columnOf["endedAt"].map(UnitImportService.letter), field: "endedAt",
                                  code: "call_times_out_of_order", value: nil))
        } catch {
            problems.append(.init(row: r.number, column: columnOf["holdSeconds"].map(UnitImportService.letter), field: "holdSeconds",
                                  code: "call_duration_invalid", value: nil))
        }
    }
}

extension AppServices {
    public func cdrImports(_ db: any Database) -> CDRImportService { CDRImportService(store: store(db), now: now) }
}

import EstateCore
import EstateSheets
import FluentKit
import Foundation
import NIOPosix
import SQLKit

/// Customers in and out of spreadsheets: the import template, the all-or-nothing import
/// (every bad cell reported by row, column and reason) and the .xlsx export.
public struct CustomerSheets: Sendable {
    let store: Store
    let customers: CustomerService
    /// Where the file is parsed (`ImportGate.threadPool`).
    let parsing: NIOThreadPool

    struct Column: Sendable {
        var field: String
        var zh: String
        var en: String
        var width: Double
        var required = false
    }

    static let columns: [Column] = [
        .init(field: "name", zh: "姓名", en: "Name", width: 12, required: true),
        .init(field: "mobile", zh: "手机号", en: "Mobile", width: 15, required: true),
        .init(field: "idKind", zh: "证件类型", en: "ID type", width: 14),
        .init(field: "idNumber", zh: "证件号码", en: "ID number", width: 22),
        .init(field: "gender", zh: "性别", en: "Gender", width: 8),
        .init(field: "address", zh: "地址", en: "Address", width: 30),
        .init(field: "source", zh: "来源", en: "Source", width: 12),
        .init(field: "grade", zh: "等级", en: "Grade", width: 8),
        .init(field: "owner", zh: "置业顾问", en: "Consultant", width: 14),
        .init(field: "tags", zh: "标签", en: "Tags", width: 20),
        .init(field: "notes", zh: "备注", en: "Notes", width: 30),
    ]

    static let kindNames: [IdentityKind: (zh: String, en: String)] = [
        .residentID: ("身份证", "resident_id"), .passport: ("护照", "passport"),
        .hkMacaoPermit: ("港澳通行证", "hk_macao_permit"), .taiwanPermit: ("台胞证", "taiwan_permit"),
    ]

    static func kind(_ text: String) -> IdentityKind? {
        let t = text.trimmed
        if let k = IdentityKind(rawValue: t) { return k }
        switch t {
        case "身份证", "居民身份证", "二代身份证": return .residentID
        case "护照": return .passport
        case "港澳通行证", "回乡证", "港澳居民来往内地通行证": return .hkMacaoPermit
        case "台胞证", "台湾居民来往大陆通行证": return .taiwanPermit
        default: return nil
        }
    }

    static func gender(_ text: String) -> String? {
        switch text.trimmed {
        case "", "未知", "unknown": "unknown"
        case "男", "male", "M": "male"
        case "女", "female", "F": "female"
        default: nil
        }
    }

    static func genderText(_ g: String, zh: Bool) -> String {
        switch g { case "male": zh ? "男" : "male"; case "female": zh ? "女" : "female"; default: "" }
    }

    static let maxRows = 50_000
    static let maxReported = 1000

    public struct Outcome: Sendable, Equatable {
        public var imported: Int
        public var format: String
        public var encoding: String?
    }

    public static func template(language: Language) throws -> Data {
        let zh = language == .zh
        let header = columns.map { c in SheetColumn((zh ? c.zh : c.en) + (c.required ? "*" : ""), width: c.width, format: .text) }
        let example: [SheetCell] = ["张三", "13812345678", zh ? "身份证" : "resident_id", "11010519491231002X", zh ? "男" : "male",
                                    "北京市朝阳区", zh ? "自然到访" : "walk-in", "B", "", zh ? "改善,学区" : "upgrade,school", ""].map { .text($0) }
        return try XLSXWriter.data([Sheet(name: zh ? "客户" : "Customers", columns: header, rows: [example])])
    }

    /// Imports every row or none. Mobiles already in the project, or twice in the file, are bad rows.
    /// `importer` may name only themselves as consultant unless `mayAssignOthers` (a manager).
    public func importCustomers(_ data: Data, into projectID: UUID, fileName: String, importer: UUID?, mayAssignOthers: Bool,
                                context: AuditContext, progress: @escaping UnitImportService.Progress = { _, _, _ in }) async throws -> Outcome {
        progress(.reading, 0, 1)
        let (format, encoding, header, body) = try await UnitImportService.read(data, maxRows: Self.maxRows, on: parsing)
        progress(.reading, 1, 1)

        let columnOf = try UnitImportService.columnIndexes(header, Self.columns.map { ($0.field, $0.zh, $0.en, $0.required) })
        var problems: [Problem.RowError] = []

        // Who may own the project's customers, by user name or display name.
        let users = try await customers.owners(projectID)
        var userByName: [String: UUID] = [:]
        for u in users { userByName[u.username] = u.id; userByName[u.displayName] = userByName[u.displayName] ?? u.id }
        let existing = try await existingMobiles(projectID)

        struct Good { var row: Int; var c: CustomerService.Checked; var owner: UUID? }
        var good: [Good] = []
        var firstRow: [String: Int] = [:]
        for (n, row) in body.enumerated() {
            func cell(_ f: String) -> String? {
                guard let i = columnOf[f] else { return nil }
                return i < row.cells.count ? row.cells[i].trimmed : ""
            }
            if row.cells.allSatisfy({ $0.trimmed.isEmpty }) { continue }
            func bad(_ field: String, _ code: String) {
                guard problems.count < Self.maxReported else { return }
                let i = columnOf[field]
                problems.append(.init(row: row.number, column: i.map(UnitImportService.letter), field: field, code: code,
                                      value: i.flatMap { $0 < row.cells.count ? String(row.cells[$0].prefix(60)) : nil }))
            }
            var kind: IdentityKind?
            if let k = cell("idKind"), !k.isEmpty {
                if let known = Self.kind(k) { kind = known } else { bad("idKind", "id_kind_invalid") }
            }
            let idNumber = cell("idNumber") ?? ""
            if !idNumber.isEmpty, kind == nil, cell("idKind").map({ $0.isEmpty }) ?? true { kind = .residentID }
            var gender: String?
            if let g = cell("gender") { if let ok = Self.gender(g) { gender = ok } else { bad("gender", "gender_invalid") } }
            var owner: UUID?
            if let o = cell("owner"), !o.isEmpty {
                if let id = userByName[o] {
                    if id == importer || mayAssignOthers { owner = id } else { bad("owner", "customer_owner_not_yours") }
                } else { bad("owner", "import_unknown_user") }
            }
            let tags = cell("tags").map { $0.split(whereSeparator: { ",，、;；".contains($0) }).map { String($0).trimmed } }
            do {
                let c = try customers.check(name: cell("name") ?? "", mobile: cell("mobile") ?? "", idKind: kind,
                                            idNumber: idNumber.isEmpty ? nil : idNumber, gender: gender, address: cell("address"),
                                            source: cell("source"), grade: cell("grade").flatMap { $0.isEmpty ? nil : $0 },
                                            tags: tags, notes: cell("notes"))
                if let m = c.mobile {
                    if existing.contains(m) { bad("mobile", "import_customer_exists") }
                    else if let first = firstRow[m] {
                        bad("mobile", "import_duplicate_mobile")
                        problems[problems.count - 1].value = "\(Masking.mobile(m)) (\(first))"
                    } else { firstRow[m] = row.number }
                }
                good.append(Good(row: row.number, c: c, owner: owner))
            } catch let p as Problem {
                for f in p.fields { bad(f.field, f.code) }
            }
            if n % 1000 == 999 { progress(.checking, n + 1, body.count) }
        }
        if !problems.isEmpty { throw UnitImportService.failed(problems) }
        guard !good.isEmpty else { throw Problem(.unprocessableEntity, "import_empty") }

        let days = try await customers.protectionDays(projectID)
        let now = customers.now()
        let total = good.count
        let items = good
        do {
            try await store.audited(context) { tx in
                for (b, batch) in stride(from: 0, to: items.count, by: 200).map({ ($0, items[$0..<min($0 + 200, items.count)]) }) {
                    var insert = tx.sql.insert(into: "customers").columns(
                        "id", "project_id", "name", "mobile", "mobile_suffix", "id_kind", "id_sealed", "id_lookup", "id_masked", "gender",
                        "address", "source", "grade", "owner_id", "owned_since", "protected_until", "tags", "notes", "next_step",
                        "visit_count", "call_count", "created_by", "created_at", "updated_at")
                    for g in batch {
                        let c = g.c, identity = c.identity ?? nil
                        insert = insert.values(
                            SQLBind(UUID()), SQLBind(projectID), SQLBind(c.name ?? ""), SQLBind(c.mobile ?? ""),
                            SQLBind(MobileNumber.suffix(c.mobile ?? "")), SQLBind(identity?.kind.rawValue), SQLBind(identity?.sealed),
                            SQLBind(identity?.lookup), SQLBind(identity?.masked), SQLBind(c.gender ?? "unknown"), SQLBind(c.address ?? ""),
                            SQLBind(c.source ?? ""), SQLBind(c.grade ?? "C"), SQLBind(g.owner), SQLBind(g.owner.map { _ in now }),
                            SQLBind(g.owner.map { _ in CustomerService.protection(from: now, days: days) }), SQLBind(c.tags ?? ""),
                            SQLBind(c.notes ?? ""), SQLBind(""), SQLBind(0), SQLBind(0), SQLBind(context.actorID), SQLBind(now), SQLBind(now))
                    }
                    try await insert.run()
                    progress(.writing, min(b + 200, total), total)
                }
                return ((), AuditEntry(action: "customer.import", entity: "customer", projectID: projectID,
                                       summary: "imported \(total) customers from \(fileName.prefix(120))", after: ["count": "\(total)"]))
            }
        } catch where error.isConstraintFailure {
            // A customer created between the check and the write.
            throw Problem.conflict("import_conflict")
        }
        progress(.done, total, total)
        return Outcome(imported: total, format: format == .xlsx ? "xlsx" : "csv", encoding: encoding)
    }

    func existingMobiles(_ projectID: UUID) async throws -> Set<String> {
        struct M: Decodable { var mobile: String }
        return Set(try await store.sql.select().column("mobile").from("customers").where("project_id", .equal, projectID)
            .all(decoding: M.self).map(\.mobile))
    }

    /// The export, with its audit line (who took whose data out, how many rows) written first:
    /// no line, no file.
    public func exportLogged(_ projectID: UUID, filter: CustomerService.Filter, by searcher: CustomerService.Searcher,
                             language: Language) async throws -> Data {
        let (data, count) = try await export(projectID, filter: filter, by: searcher, language: language)
        try await AuditLog.recordAlone(AuditEntry(action: "personal_data.export", entity: "customer", projectID: projectID,
                                                  summary: "exported \(count) customers with full mobiles", after: ["count": "\(count)"]),
                                       context: searcher.context, store: store)
        return data
    }

    /// The filtered list as .xlsx with full mobiles (the caller holds the export permission);
    /// identity numbers stay masked: an export is a copy outside the system's control.
    public func export(_ projectID: UUID, filter: CustomerService.Filter, by searcher: CustomerService.Searcher,
                       language: Language) async throws -> (data: Data, count: Int) {
        let zh = language == .zh
        let records = try await PageRequest.everyRow(maxPages: 1000) { try await customers.list(projectID, filter, by: searcher, page: $0) }
        let rows: [[SheetCell]] = records.map { r in
            let kind = r.idKind.flatMap(IdentityKind.init(rawValue:)).flatMap { Self.kindNames[$0] }
            return [.text(r.name), .text(r.mobile), .text(kind.map { zh ? $0.zh : $0.en } ?? ""), .text(r.idMasked ?? ""),
                    .text(Self.genderText(r.gender, zh: zh)), .text(r.address), .text(r.source), .text(r.grade),
                    .text(r.ownerName ?? ""), .text(r.tags.joined(separator: ",")), .text(r.notes),
                    r.lastContactAt.map { .text(Shell.dateTime($0)) } ?? .text(""), .integer(Int64(r.visitCount)),
                    .integer(Int64(r.callCount))]
        }
        var columns = Self.columns.map { SheetColumn(zh ? $0.zh : $0.en, width: $0.width, format: .text) }
        columns += [SheetColumn(zh ? "最近联系" : "Last contact", width: 17), SheetColumn(zh ? "来访次数" : "Visits", width: 9, format: .integer),
                    SheetColumn(zh ? "来电次数" : "Calls", width: 9, format: .integer)]
        return (try XLSXWriter.data([Sheet(name: zh ? "客户" : "Customers", columns: columns, rows: rows)]), rows.count)
    }
}

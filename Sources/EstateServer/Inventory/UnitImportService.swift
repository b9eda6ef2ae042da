import EstateCore
import EstateSheets
import FluentKit
import Foundation
import NIOPosix
import SQLKit

/// Imports a 楼盘表 from .xlsx or .csv (UTF-8 or GBK) in the template's layout.
/// All or nothing: every bad row is reported with its row, column and reason, and
/// nothing is written unless every row is good. Missing buildings are created
/// from the file (with its highest floor and entrance).
public struct UnitImportService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let events: UnitEventHub
    /// Where the file is parsed (`ImportGate.threadPool`).
    let parsing: NIOThreadPool

    /// At most this many problems are reported; the file is refused either way.
    static let maxReported = 1000
    static let maxRows = 50_000

    public enum Phase: String, Sendable { case reading, checking, writing, done }
    public typealias Progress = @Sendable (_ phase: Phase, _ done: Int, _ total: Int) -> Void

    public struct Outcome: Sendable, Equatable {
        public var imported: Int
        public var buildingsCreated: [String]
        public var encoding: String?
        public var format: String
    }

    public func importUnits(_ data: Data, into projectID: UUID, fileName: String, context: AuditContext,
                            progress: @escaping Progress = { _, _, _ in }) async throws -> Outcome {
        progress(.reading, 0, 1)
        let (format, encoding, header, body) = try await Self.read(data, maxRows: Self.maxRows, on: parsing)
        progress(.reading, 1, 1)

        // Header → draft fields.
        var problems: [Problem.RowError] = []
        var mapping: [(index: Int, path: WritableKeyPath<UnitDraft, String>, field: String)] = []
        var seenFields = Set<String>()
        for (i, title) in header.cells.enumerated() {
            let t = title.trimmed
            if t.isEmpty { continue }
            guard let col = Self.column(for: t) else {
                problems.append(.init(row: header.number, column: Self.letter(i), field: nil, code: "import_unknown_column", value: t))
                continue
            }
            if !seenFields.insert(col.field).inserted {
                problems.append(.init(row: header.number, column: Self.letter(i), field: col.field, code: "import_duplicate_column", value: t))
                continue
            }
            mapping.append((i, col.path, col.field))
        }
        for required in ["building", "floor", "room", "builtArea"] where !seenFields.contains(required) {
            problems.append(.init(row: header.number, column: nil, field: required, code: "import_missing_column",
                                  value: UnitDraft.columns.first { $0.field == required }?.zh))
        }
        if !seenFields.contains("unitPrice"), !seenFields.contains("listTotal") {
            problems.append(.init(row: header.number, column: nil, field: "unitPrice", code: "import_missing_column", value: "表价单价"))
        }
        if !problems.isEmpty { throw Self.failed(problems) }
        let columnOf = Dictionary(mapping.map { ($0.field, $0.index) }, uniquingKeysWith: { a, _ in a })

        // Rows → valid units, every reason collected.
        let inventory = InventoryService(store: store, now: now, events: events)
        let validator = try await inventory.validator(projectID)
        var valid: [(row: Int, unit: ValidUnit)] = []
        valid.reserveCapacity(body.count)
        for (n, row) in body.enumerated() {
            var draft = UnitDraft(entrance: "", usage: "", pricingBasis: "")
            for m in mapping { draft[keyPath: m.path] = m.index < row.cells.count ? row.cells[m.index] : "" }
            switch validator.check(draft) {
            case .valid(let u): valid.append((row.number, u))
            case .invalid(let bad):
                for b in bad where problems.count < Self.maxReported {
                    let index = columnOf[b.field]
                    problems.append(.init(row: row.number, column: index.map(Self.letter), field: b.field, code: b.code,
                                          value: index.flatMap { $0 < row.cells.count ? String(row.cells[$0].prefix(60)) : nil }))
                }
            }
            if n % 1000 == 999 { progress(.checking, n + 1, body.count) }
        }
        // Duplicates inside the file, and against units already in the project.
        var firstRow: [String: Int] = [:]
        for v in valid {
            if let first = firstRow[v.unit.code] {
                problems.append(.init(row: v.row, column: columnOf["code"].map(Self.letter) ?? columnOf["room"].map(Self.letter),
                                      field: "code", code: "import_duplicate_unit", value: "\(v.unit.code) (\(first))"))
            } else { firstRow[v.unit.code] = v.row }
        }
        let existing = Set(try await inventory.allUnits(projectID).map(\.code))
        for v in valid where existing.contains(v.unit.code) && problems.count < Self.maxReported {
            problems.append(.init(row: v.row, column: columnOf["code"].map(Self.letter) ?? columnOf["room"].map(Self.letter),
                                  field: "code", code: "unit_code_taken", value: v.unit.code))
        }
        progress(.checking, body.count, body.count)
        if !problems.isEmpty { throw Self.failed(problems) }

        // Write everything in one transaction.
        let units = valid.map(\.unit)
        let now = now()
        let fileName = String(fileName.prefix(120))
        progress(.writing, 0, units.count)
        let created = try await store.audited(context, announcing: events) { tx in
            var buildings = Dictionary(try await tx.sql.select().columns("id", "project_id", "name", "sort_order", "floors", "entrances")
                .from("buildings").where("project_id", .equal, projectID).all(decoding: BuildingRow.self).map { ($0.name, $0) },
                uniquingKeysWith: { a, _ in a })
            var created: [String] = []
            var order = buildings.count
            // Highest floor and entrance per building in the file.
            var extent: [String: (floors: Int, entrances: Int)] = [:]
            for u in units {
                let e = extent[u.buildingName] ?? (1, 1)
                extent[u.buildingName] = (max(e.floors, u.floor), max(e.entrances, u.entrance))
            }
            for (name, e) in extent.sorted(by: { $0.key.localizedStandardCompare($1.key) == .orderedAscending }) {
                if var b = buildings[name] {
                    if e.floors > b.floors || e.entrances > b.entrances {
                        b.floors = max(b.floors, e.floors); b.entrances = max(b.entrances, e.entrances)
                        try await tx.sql.update("buildings").set("floors", to: b.floors).set("entrances", to: b.entrances)
                            .where("id", .equal, b.id).run()
                        buildings[name] = b
                    }
                } else {
                    order += 1
                    let b = BuildingRow(id: UUID(), projectID: projectID, name: name, sortOrder: order, floors: max(1, e.floors), entrances: e.entrances)
                    try await tx.sql.insert(into: "buildings").columns("id", "project_id", "name", "sort_order", "floors", "entrances")
                        .values(SQLBind(b.id), SQLBind(projectID), SQLBind(name), SQLBind(order), SQLBind(b.floors), SQLBind(b.entrances)).run()
                    buildings[name] = b
                    created.append(name)
                }
            }
            let ids = units.map { _ in UUID() }
            let buildingIDs = units.map { buildings[$0.buildingName]!.id }
            var start = 0
            while start < units.count {
                let end = min(start + 2_000, units.count)
                try await UnitWriter.insert(Array(units[start..<end]), ids: Array(ids[start..<end]), buildingIDs: Array(buildingIDs[start..<end]),
                                            projectID: projectID, now: now, on: tx.sql)
                progress(.writing, end, units.count)
                start = end
            }
            return (created,
                    AuditEntry(action: "unit.import", entity: "project", entityID: projectID.uuidString, projectID: projectID,
                               summary: "imported \(units.count) units from \(fileName)",
                               after: ["units": "\(units.count)", "file": fileName, "format": format.rawValue,
                                       "buildingsCreated": created.joined(separator: "、")]),
                    UnitChange(projectID: projectID, unitIDs: [], structural: true))
        }
        progress(.done, units.count, units.count)
        return Outcome(imported: units.count, buildingsCreated: created, encoding: encoding, format: format.rawValue)
    }

    /// An uploaded sheet (.xlsx, or CSV in UTF-8 or GBK): its format, the CSV's encoding, the header
    /// row and the rows under it; a clear problem when it is unreadable, empty or too long.
    typealias Read = (format: SpreadsheetFormat, encoding: String?, header: SheetRow, body: [SheetRow])

    /// Parses on `pool`: a large file takes a core for a while, which must not be an event loop
    /// or a thread of Swift's cooperative pool (`/health` and every other request wait on those).
    static func read(_ data: Data, maxRows: Int, on pool: NIOThreadPool) async throws -> Read {
        try await pool.runIfActive { try read(data, maxRows: maxRows) }
    }

    /// The header row and at most `maxRows` rows after it. The readers stop at the first row, cell or
    /// byte past the limits, so a small file that unpacks to a huge sheet is refused early.
    static func read(_ data: Data, maxRows: Int) throws -> Read {
        let format = SpreadsheetFormat.detect(data)
        let rows: [SheetRow]
        var encoding: String?
        let limits = SheetLimits(maxRows: maxRows + 1)  // the header too
        do {
            switch format {
            case .xlsx: rows = try XLSXReader.rows(data, limits: limits)
            case .csv:
                let r = try CSVReader.rows(data, limits: limits)
                rows = r.rows
                encoding = r.encoding.rawValue
            }
        } catch let e as SpreadsheetError {
            switch e.kind {
            case .tooManyRows:
                throw Problem(.unprocessableEntity, "import_too_many_rows", arguments: ["max": "\(maxRows)"])
            case .tooLarge:
                throw Problem(.unprocessableEntity, "import_too_large", arguments: ["max": "\(maxRows)", "reason": e.detail])
            case .badEncoding:
                throw Problem(.unprocessableEntity, "import_bad_encoding", arguments: ["reason": e.detail])
            case .notAZip, .missingPart, .badXML:
                throw Problem(.unprocessableEntity, "import_unreadable", arguments: ["reason": e.detail])
            }
        }
        guard let header = rows.first else { throw Problem(.unprocessableEntity, "import_empty") }
        guard rows.count - 1 <= maxRows else {
            throw Problem(.unprocessableEntity, "import_too_many_rows", arguments: ["max": "\(maxRows)"])
        }
        let body = Array(rows.dropFirst())
        guard !body.isEmpty else { throw Problem(.unprocessableEntity, "import_empty") }
        return (format, encoding, header, body)
    }

    static func failed(_ rows: [Problem.RowError]) -> Problem {
        var p = Problem(.unprocessableEntity, "import_failed", arguments: ["count": "\(rows.count)"])
        p.rows = Array(rows.prefix(maxReported))
        return p
    }

    /// Matches a header cell to a template column: exact Chinese or English title,
    /// or the Chinese title followed by a unit ("建筑面积(㎡)", "表价单价（元/㎡）").
    static func column(for title: String) -> (field: String, path: WritableKeyPath<UnitDraft, String>)? {
        let t = title.trimmed
        for c in UnitDraft.columns where t == c.zh || t.caseInsensitiveCompare(c.en) == .orderedSame || t == c.field {
            return (c.field, c.path)
        }
        for c in UnitDraft.columns where t.hasPrefix(c.zh) {
            let rest = t.dropFirst(c.zh.count).trimmingCharacters(in: .whitespaces)
            if rest.hasPrefix("(") || rest.hasPrefix("（") || rest.hasPrefix("*") { return (c.field, c.path) }
        }
        return nil
    }

    /// A sheet's header row read against its template's columns (Chinese or English title, or the field name; a
    /// trailing `*` marks a required one): field → column index. Unknown, repeated and missing required columns are
    /// refused together, each named (customers' and the mall's VIP-book imports).
    static func columnIndexes(_ header: SheetRow, _ columns: [(field: String, zh: String, en: String, required: Bool)]) throws -> [String: Int] {
        var problems: [Problem.RowError] = []
        var columnOf: [String: Int] = [:]
        for (i, title) in header.cells.enumerated() {
            let t = title.trimmed.replacingOccurrences(of: "*", with: "")
            if t.isEmpty { continue }
            guard let c = columns.first(where: { $0.zh == t || $0.en.lowercased() == t.lowercased() || $0.field == t }) else {
                problems.append(.init(row: header.number, column: letter(i), field: nil, code: "import_unknown_column", value: t))
                continue
            }
            if columnOf[c.field] != nil {
                problems.append(.init(row: header.number, column: letter(i), field: c.field, code: "import_duplicate_column", value: t))
            } else { columnOf[c.field] = i }
        }
        for c in columns where c.required && columnOf[c.field] == nil {
            problems.append(.init(row: header.number, column: nil, field: c.field, code: "import_missing_column", value: c.zh))
        }
        if !problems.isEmpty { throw failed(problems) }
        return columnOf
    }

    /// 0 → "A", 26 → "AA".
    static func letter(_ index: Int) -> String {
        var n = index + 1, s = ""
        while n > 0 { let r = (n - 1) % 26; s = String(UnicodeScalar(65 + r)!) + s; n = (n - 1) / 26 }
        return s
    }
}

/// Spreadsheets out: the import template and unit lists.
public enum UnitSheets {
    /// The template: header, two example rows, and a sheet of allowed values.
    public static func template(layouts: [String], language: Language) throws -> Data {
        let zh = language == .zh
        let columns = UnitDraft.columns.map { SheetColumn(zh ? $0.zh : $0.en) }
        let example: [[SheetCell]] = ([
            ["1号楼", "1", "12", "01", "1-1-1201", layouts.first ?? "3室2厅2卫", "南北", "住宅", "118.56", "94.87", "按建筑面积", "18450.00", "", "2078000.00"],
            ["1号楼", "1", "12", "02", "", layouts.dropFirst().first ?? layouts.first ?? "2室2厅1卫", "南", "住宅", "89.32", "71.43", "按建筑面积", "17850.00", "", ""],
        ] as [[String]]).map { $0.map { $0.isEmpty ? SheetCell.empty : SheetCell.text($0) } }
        let help: [[SheetCell]] = [
            [.text(zh ? "列" : "Column"), .text(zh ? "说明" : "Meaning")],
            [.text("楼栋"), .text(zh ? "如 1号楼；不存在的楼栋会按文件自动创建" : "e.g. 1号楼; missing buildings are created")],
            [.text("单元"), .text(zh ? "1–99，留空为 1" : "1–99, empty means 1")],
            [.text("楼层"), .text(zh ? "整数，地下层为负数" : "whole number, basements negative")],
            [.text("房号"), .text(zh ? "字母数字，如 01" : "letters and digits, e.g. 01")],
            [.text("房间编码"), .text(zh ? "留空则生成 楼栋-单元-楼层房号" : "empty: building-entrance-floor+room")],
            [.text("户型"), .text((zh ? "须为本项目户型之一：" : "one of the project's layouts: ") + layouts.joined(separator: "、"))],
            [.text("用途"), .text(UnitUsage.allCases.map(\.chinese).joined(separator: "、"))],
            [.text("建筑面积 / 套内面积"), .text(zh ? "平方米，最多两位小数" : "m², at most two decimals")],
            [.text("计价方式"), .text(PricingBasis.allCases.map(\.chinese).joined(separator: "、"))],
            [.text("表价单价"), .text(zh ? "元/平方米；按套计价时填表价总价" : "yuan per m²; for per-unit pricing give the total")],
            [.text("底价"), .text(zh ? "元，不高于表价总价；留空等于表价总价" : "yuan, not above the list total; empty means the list total")],
        ]
        return try XLSXWriter.data([
            Sheet(name: zh ? "楼盘表" : "Units", columns: columns, rows: example),
            Sheet(name: zh ? "填写说明" : "Help", columns: [SheetColumn("", width: 20), SheetColumn("", width: 60)], rows: help),
        ])
    }

    /// A unit list as .xlsx: the template's columns (so it imports back) plus status.
    public static func export(_ units: [UnitRow], buildings: [BuildingRow], localizer: Localizer) throws -> Data {
        let zh = localizer.language == .zh
        let names = Dictionary(buildings.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var columns = UnitDraft.columns.map { c -> SheetColumn in
            let format: SheetColumn.Format = switch c.field {
            case "builtArea", "innerArea": .area
            case "unitPrice", "listTotal", "floorPrice": .money
            case "entrance", "floor": .integer
            default: .text
            }
            return SheetColumn(zh ? c.zh : c.en, format: format)
        }
        columns.append(SheetColumn(zh ? "销控状态" : "Status", format: .text))
        let rows: [[SheetCell]] = units.map { u in
            [.text(names[u.buildingID] ?? ""), .integer(Int64(u.entrance)), .integer(Int64(u.floor)), .text(u.room), .text(u.code),
             .text(u.layout), .text(u.orientation), .text(u.usageKind?.chinese ?? u.usage),
             .decimal(Int64(u.builtArea.hundredths), scale: 2), .decimal(Int64(u.innerArea.hundredths), scale: 2),
             .text(u.basis.chinese), .decimal(u.listUnitPrice.fen, scale: 2), .decimal(u.listTotal.fen, scale: 2),
             .decimal(u.floorPrice.fen, scale: 2), .text(localizer(u.status.catalogKey))]
        }
        return try XLSXWriter.data([Sheet(name: zh ? "楼盘表" : "Units", columns: columns, rows: rows)])
    }
}

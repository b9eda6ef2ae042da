import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The 楼盘表: buildings, layouts and units of a project. Status moves live in
/// `SalesControlService`; prices after creation change through `PricingService`.
public struct InventoryService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let events: UnitEventHub

    // MARK: Reading

    public func buildings(_ projectID: UUID) async throws -> [BuildingRow] {
        try await store.sql.select().columns("id", "project_id", "name", "sort_order", "floors", "entrances")
            .from("buildings").where("project_id", .equal, projectID)
            .orderBy("sort_order").orderBy("name").all(decoding: BuildingRow.self)
    }

    public func building(_ id: UUID, in projectID: UUID) async throws -> BuildingRow {
        guard let b = try await store.sql.select().columns("id", "project_id", "name", "sort_order", "floors", "entrances")
            .from("buildings").where("id", .equal, id).where("project_id", .equal, projectID)
            .first(decoding: BuildingRow.self) else { throw Problem.notFound }
        return b
    }

    public struct Layout: Sendable, Decodable, Equatable {
        public var id: UUID
        public var name: String
        public var description: String
        public var unitCount: Int
        enum CodingKeys: String, CodingKey { case id, name, description, unitCount = "unit_count" }
    }

    public func layouts(_ projectID: UUID) async throws -> [Layout] {
        try await store.sql.raw("""
            SELECT l.id, l.name, l.description,
                   (SELECT COUNT(*) FROM units u WHERE u.project_id = l.project_id AND u.layout = l.name) AS unit_count
            FROM layouts l WHERE l.project_id = \(bind: projectID) ORDER BY l.name
            """).all(decoding: Layout.self)
    }

    /// Layout names only, for pickers and validation: the counted list above scans the units.
    public func layoutNames(_ projectID: UUID) async throws -> [String] {
        struct L: Decodable { var name: String }
        return try await store.sql.select().column("name").from("layouts").where("project_id", .equal, projectID)
            .orderBy("name").all(decoding: L.self).map(\.name)
    }

    public func units(_ projectID: UUID, filter: UnitFilter, page: PageRequest) async throws -> Paged<UnitRow> {
        let base = filter.apply(to: store.sql.select().from("units").where("project_id", .equal, projectID))
        struct N: Decodable { var n: Int }
        let total = try await filter.apply(to: store.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("units").where("project_id", .equal, projectID)).first(decoding: N.self)?.n ?? 0
        let rows = try await base.columns(UnitRow.columns.map { SQLColumn($0) })
            .orderBy(Self.peopleOrder("units")).limit(page.perPage).offset((page.page - 1) * page.perPage).all(decoding: UnitRow.self)
        return Paged(items: rows, page: page.page, perPage: page.perPage, total: total)
    }

    /// Every unit matching `filter`, in the order people count them (`peopleOrder`).
    public func allUnits(_ projectID: UUID, filter: UnitFilter = .init()) async throws -> [UnitRow] {
        try await filter.apply(to: UnitRow.select(store.sql)
            .from("units").where("project_id", .equal, projectID))
            .orderBy(Self.peopleOrder("units")).all(decoding: UnitRow.self)
    }

    /// Units as people count them, not as text sorts their codes (1-1-101 before 1-1-1001): the
    /// building in its set order (then name), entrance, floor, then the room number — shorter
    /// first, so 2 before 10 and 0101 before 1001 — and the code last. `alias` names the units table.
    static func peopleOrder(_ alias: String) -> SQLRaw {
        SQLRaw("""
            (SELECT b.sort_order FROM buildings b WHERE b.id = \(alias).building_id), \
            (SELECT b.name FROM buildings b WHERE b.id = \(alias).building_id), \
            \(alias).entrance, \(alias).floor, LENGTH(\(alias).room), \(alias).room, \(alias).code
            """)
    }

    public func unit(_ id: UUID, in projectID: UUID) async throws -> UnitRow {
        guard let u = try await UnitRow.select(store.sql).from("units")
            .where("id", .equal, id).where("project_id", .equal, projectID).first(decoding: UnitRow.self)
        else { throw Problem.notFound }
        return u
    }


    public func validator(_ projectID: UUID) async throws -> UnitValidator {
        guard let p = try await ProjectRecord.find(projectID, on: store.db) else { throw Problem.notFound }
        let names = try await layoutNames(projectID)
        return UnitValidator(layouts: Set(names), rounding: PriceRounding(rawValue: p.priceRounding) ?? .fen)
    }

    // MARK: Buildings and layouts

    public func createBuilding(_ projectID: UUID, name: String, floors: Int, entrances: Int, sortOrder: Int?,
                               context: AuditContext) async throws -> BuildingRow {
        var bad: [Problem.FieldError] = []
        if !Text.isCleanLine(name, maxLength: 30) { bad.append(.init(field: "name", code: "building_name_invalid")) }
        if !(1...200).contains(floors) { bad.append(.init(field: "floors", code: "floors_invalid")) }
        if !(1...99).contains(entrances) { bad.append(.init(field: "entrances", code: "entrance_invalid")) }
        if let sortOrder, !(0...10_000).contains(sortOrder) { bad.append(.init(field: "sortOrder", code: "sort_order_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let id = UUID()
        do {
            try await store.audited(context, announcing: events) { tx in
                let b = BuildingRecord()
                b.id = id; b.projectID = projectID; b.name = name; b.floors = floors; b.entrances = entrances
                if let sortOrder { b.sortOrder = sortOrder }
                else { b.sortOrder = try await BuildingRecord.query(on: tx).filter(\.$projectID == projectID).count() + 1 }
                try await b.create(on: tx)
                return ((), AuditEntry(action: "building.create", entity: "building", entityID: id.uuidString,
                                       projectID: projectID, summary: "created building \(name)",
                                       after: ["name": name, "floors": "\(floors)", "entrances": "\(entrances)"]),
                        UnitChange(projectID: projectID, unitIDs: [], structural: true))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("building_name_taken", ["name": name])
        }
        return try await building(id, in: projectID)
    }

    public func updateBuilding(_ id: UUID, in projectID: UUID, name: String?, floors: Int?, entrances: Int?, sortOrder: Int?,
                               context: AuditContext) async throws -> BuildingRow {
        var bad: [Problem.FieldError] = []
        if let name, !Text.isCleanLine(name, maxLength: 30) { bad.append(.init(field: "name", code: "building_name_invalid")) }
        if let floors, !(1...200).contains(floors) { bad.append(.init(field: "floors", code: "floors_invalid")) }
        if let entrances, !(1...99).contains(entrances) { bad.append(.init(field: "entrances", code: "entrance_invalid")) }
        if let sortOrder, !(0...10_000).contains(sortOrder) { bad.append(.init(field: "sortOrder", code: "sort_order_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        do {
            try await store.audited(context, announcing: events) { tx in
                guard let b = try await BuildingRecord.find(id, on: tx), b.projectID == projectID else { throw Problem.notFound }
                var before: [String: String] = [:], after: [String: String] = [:]
                if let name, name != b.name { before["name"] = b.name; after["name"] = name; b.name = name }
                if let floors, floors != b.floors { before["floors"] = "\(b.floors)"; after["floors"] = "\(floors)"; b.floors = floors }
                if let entrances, entrances != b.entrances {
                    before["entrances"] = "\(b.entrances)"; after["entrances"] = "\(entrances)"; b.entrances = entrances
                }
                if let sortOrder, sortOrder != b.sortOrder { before["sortOrder"] = "\(b.sortOrder)"; after["sortOrder"] = "\(sortOrder)"; b.sortOrder = sortOrder }
                try await b.save(on: tx)
                return ((), AuditEntry(action: "building.update", entity: "building", entityID: id.uuidString,
                                       projectID: projectID, summary: "updated building \(b.name)", before: before, after: after),
                        UnitChange(projectID: projectID, unitIDs: [], structural: true))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("building_name_taken", ["name": name ?? ""])
        }
        return try await building(id, in: projectID)
    }

    public func createLayout(_ projectID: UUID, name: String, description: String, context: AuditContext) async throws {
        var bad: [Problem.FieldError] = []
        if !Text.isCleanLine(name, maxLength: 30) { bad.append(.init(field: "name", code: "layout_name_invalid")) }
        if !description.isEmpty, !Text.isCleanLine(description, maxLength: 60) { bad.append(.init(field: "description", code: "text_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let now = now()
        do {
            try await store.audited(context) { tx in
                try await tx.sql.insert(into: "layouts").columns("id", "project_id", "name", "description", "created_at")
                    .values(SQLBind(UUID()), SQLBind(projectID), SQLBind(name), SQLBind(description), SQLBind(now)).run()
                return ((), AuditEntry(action: "layout.create", entity: "layout", entityID: nil, projectID: projectID,
                                       summary: "created layout \(name)", after: ["name": name, "description": description]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("layout_name_taken", ["name": name])
        }
    }

    // MARK: Units

    /// Creates one unit from a form or API body; the building is named in the draft.
    public func createUnit(_ projectID: UUID, _ draft: UnitDraft, context: AuditContext) async throws -> UnitRow {
        let validator = try await validator(projectID)
        let valid: ValidUnit
        switch validator.check(draft) {
        case .valid(let v): valid = v
        case .invalid(let bad): throw Problem.invalid(bad)
        }
        let now = now()
        let id = UUID()
        do {
            try await store.audited(context, announcing: events) { tx in
                guard let building = try await BuildingRecord.query(on: tx).filter(\.$projectID == projectID)
                    .filter(\.$name == valid.buildingName).first() else {
                    throw Problem.invalid("building", "building_unknown")
                }
                if valid.entrance > building.entrances || valid.floor > building.floors {
                    throw Problem.invalid(valid.entrance > building.entrances ? "entrance" : "floor", "outside_building")
                }
                try await UnitWriter.insert([valid], ids: [id], buildingIDs: [building.id!], projectID: projectID, now: now, on: tx.sql)
                return ((), AuditEntry(action: "unit.create", entity: "unit", entityID: id.uuidString, projectID: projectID,
                                       summary: "created unit \(valid.code)", after: UnitWriter.auditFields(valid)),
                        UnitChange(projectID: projectID, unitIDs: [], structural: true))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("unit_code_taken", ["code": valid.code])
        }
        return try await unit(id, in: projectID)
    }

    /// Edits a unit's description. Prices change only through a price list or an approved
    /// single-unit change, so an edit that would move the price — a new area or pricing basis —
    /// is allowed only before the unit is released (while the 楼盘表 is being set up); then the
    /// total follows the unit's list unit price (or, priced per unit, keeps its total).
    public func updateUnit(_ id: UUID, in projectID: UUID, _ draft: UnitDraft, context: AuditContext) async throws -> UnitRow {
        let validator = try await validator(projectID)
        let now = now()
        do {
            try await store.audited(context, announcing: events) { tx in
                // Read inside the transaction: the prices below are the unit's as of this write.
                guard let u = try await UnitRecord.find(id, on: tx), u.projectID == projectID else { throw Problem.notFound }
                let status = UnitStatus(rawValue: u.status) ?? .unreleased
                let basisNow = PricingBasis(rawValue: u.pricingBasis) ?? .builtArea
                var full = draft
                full.floorPrice = Money(fen: u.floorPrice).plain
                let newBasis = PricingBasis(text: draft.pricingBasis) ?? basisNow
                if newBasis == .perUnit {
                    full.unitPrice = ""; full.listTotal = Money(fen: u.listTotal).plain
                } else {
                    // Back from per-unit pricing, the unit price the total implies on the new area.
                    let area = UnitPricing.pricedArea(basis: newBasis, built: Area(text: draft.builtArea) ?? .zero,
                                                      inner: Area(text: draft.innerArea) ?? .zero)
                    let price = basisNow == .perUnit || u.listUnitPrice == 0
                        ? area.map { UnitPricing.unitPrice(total: Money(fen: u.listTotal), area: $0) } ?? .zero
                        : Money(fen: u.listUnitPrice)
                    full.unitPrice = price.plain; full.listTotal = ""
                }
                let valid: ValidUnit
                switch validator.check(full) {
                case .valid(let v): valid = v
                case .invalid(let bad): throw Problem.invalid(bad)
                }
                let areaChanged = u.builtArea != valid.builtArea.hundredths || u.innerArea != valid.innerArea.hundredths
                    || u.pricingBasis != valid.basis.rawValue
                if status.isSold, areaChanged { throw Problem.conflict("unit_sold_locked", ["code": u.code]) }
                if status != .unreleased, areaChanged, valid.listTotal.fen != u.listTotal {
                    throw Problem.conflict("unit_price_would_change", ["code": u.code])
                }
                guard let building = try await BuildingRecord.query(on: tx).filter(\.$projectID == projectID)
                    .filter(\.$name == valid.buildingName).first() else { throw Problem.invalid("building", "building_unknown") }
                var before: [String: String] = [:], after: [String: String] = [:]
                func note(_ k: String, _ old: String, _ new: String) { if old != new { before[k] = old; after[k] = new } }
                let floorPrice = min(u.floorPrice, valid.listTotal.fen)
                note("building", u.buildingID.uuidString, building.id!.uuidString)
                note("code", u.code, valid.code); note("entrance", "\(u.entrance)", "\(valid.entrance)")
                note("floor", "\(u.floor)", "\(valid.floor)"); note("room", u.room, valid.room)
                note("layout", u.layout, valid.layout); note("orientation", u.orientation, valid.orientation)
                note("usage", u.usage, valid.usage.rawValue)
                note("builtArea", Area(hundredths: u.builtArea).description, valid.builtArea.description)
                note("innerArea", Area(hundredths: u.innerArea).description, valid.innerArea.description)
                note("pricingBasis", u.pricingBasis, valid.basis.rawValue)
                note("listUnitPrice", Money(fen: u.listUnitPrice).plain, valid.unitPrice.plain)
                note("listTotal", Money(fen: u.listTotal).plain, valid.listTotal.plain)
                note("floorPrice", Money(fen: u.floorPrice).plain, Money(fen: floorPrice).plain)
                u.buildingID = building.id!; u.code = valid.code; u.entrance = valid.entrance; u.floor = valid.floor
                u.room = valid.room; u.layout = valid.layout; u.orientation = valid.orientation; u.usage = valid.usage.rawValue
                u.builtArea = valid.builtArea.hundredths; u.innerArea = valid.innerArea.hundredths
                u.pricingBasis = valid.basis.rawValue; u.listUnitPrice = valid.unitPrice.fen; u.listTotal = valid.listTotal.fen
                u.floorPrice = floorPrice; u.updatedAt = now
                // Reports cut sales by the unit's building, layout and area: a change moves its sales' facts.
                let reported = before["building"] != nil || before["layout"] != nil || before["builtArea"] != nil
                let sales = reported ? try await SaleService.saleIDs(ofUnit: id, sql: tx.sql) : []
                for s in sales { try await ReportLedger.sale(s, projectID: projectID, sign: -1, on: tx.sql) }
                try await u.save(on: tx)
                for s in sales { try await ReportLedger.sale(s, projectID: projectID, sign: 1, on: tx.sql) }
                return ((), AuditEntry(action: "unit.update", entity: "unit", entityID: id.uuidString, projectID: projectID,
                                       summary: "updated unit \(u.code)", before: before, after: after),
                        UnitChange(projectID: projectID, unitIDs: [id], structural: before["building"] != nil || before["floor"] != nil))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("unit_code_taken", ["code": draft.code])
        }
        return try await unit(id, in: projectID)
    }

    /// A unit's status history, newest first.
    public struct HistoryLine: Sendable, Decodable, Equatable {
        public var move: String
        public var fromStatus: String
        public var toStatus: String
        public var reason: String
        public var actorName: String
        public var at: Date
        enum CodingKeys: String, CodingKey {
            case move, reason, at
            case fromStatus = "from_status", toStatus = "to_status", actorName = "actor_name"
        }
    }

    public func history(_ unitID: UUID, in projectID: UUID) async throws -> [HistoryLine] {
        try await store.sql.select().columns("move", "from_status", "to_status", "reason", "actor_name", "at")
            .from("unit_events").where("unit_id", .equal, unitID).where("project_id", .equal, projectID)
            .orderBy("at", .descending).limit(200).all(decoding: HistoryLine.self)
    }
}

/// Bulk unit inserts shared by the form, the import and the demo: multi-row
/// INSERTs in chunks, one round trip per few hundred units.
enum UnitWriter {
    static let perStatement = 500

    static func insert(_ units: [ValidUnit], ids: [UUID], buildingIDs: [UUID], projectID: UUID, now: Date,
                       status: UnitStatus = .unreleased, on sql: any SQLDatabase) async throws {
        precondition(units.count == ids.count && ids.count == buildingIDs.count)
        var start = 0
        while start < units.count {
            let end = min(start + perStatement, units.count)
            var insert = sql.insert(into: "units").columns(
                "id", "project_id", "building_id", "entrance", "floor", "room", "code", "layout", "orientation", "usage",
                "built_area", "inner_area", "pricing_basis", "list_unit_price", "list_total", "floor_price", "status", "updated_at")
            for i in start..<end {
                let u = units[i]
                insert = insert.values(SQLBind(ids[i]), SQLBind(projectID), SQLBind(buildingIDs[i]), SQLBind(u.entrance),
                                       SQLBind(u.floor), SQLBind(u.room), SQLBind(u.code), SQLBind(u.layout),
                                       SQLBind(u.orientation), SQLBind(u.usage.rawValue), SQLBind(u.builtArea.hundredths),
                                       SQLBind(u.innerArea.hundredths), SQLBind(u.basis.rawValue), SQLBind(u.unitPrice.fen),
                                       SQLBind(u.listTotal.fen), SQLBind(u.floorPrice.fen), SQLBind(status.rawValue), SQLBind(now))
            }
            try await insert.run()
            start = end
        }
    }

    static func auditFields(_ u: ValidUnit) -> [String: String] {
        ["code": u.code, "layout": u.layout, "builtArea": u.builtArea.description, "innerArea": u.innerArea.description,
         "basis": u.basis.rawValue, "unitPrice": u.unitPrice.plain, "listTotal": u.listTotal.plain, "floorPrice": u.floorPrice.plain]
    }
}

extension FluentKit.Database {
    var sql: any SQLDatabase { self as! any SQLDatabase }
}

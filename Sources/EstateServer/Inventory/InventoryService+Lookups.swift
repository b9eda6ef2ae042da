import Foundation
import EstateCore
import SQLKit

/// What other capabilities ask of Inventory's tables (issue 14): names and codes to show.
extension InventoryService {
    struct UnitLabel: Decodable, Sendable { var id: UUID; var code: String; var projectId: UUID; var projectName: String }

    /// Unit codes with their project's name.
    static func unitLabels(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: UnitLabel] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.raw("""
            SELECT u.id, u.code, u.project_id, p.name AS project_name FROM units u JOIN projects p ON p.id = u.project_id
            WHERE u.id IN \(SQLBind.group(Array(Set(ids))))
            """).all(decoding: UnitLabel.self, with: SQLRowDecoder.snakeCase)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Unit codes, for a page of another capability's rows (one query per page).
    static func unitCodes(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: String] {
        struct R: Decodable { var id: UUID; var code: String }
        var out: [UUID: String] = [:]
        for chunk in Array(Set(ids)).chunked(500) {
            for r in try await sql.select().columns("id", "code").from("units").where("id", .in, SQLBind.group(Array(chunk))).all(decoding: R.self) {
                out[r.id] = r.code
            }
        }
        return out
    }

    /// Current list and floor prices (fen), for approvals of a price or a discount (one query per page).
    struct UnitPrices: Decodable, Sendable { var id: UUID; var listTotal: Int64; var floorPrice: Int64 }

    static func unitPrices(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: UnitPrices] {
        var out: [UUID: UnitPrices] = [:]
        for chunk in Array(Set(ids)).chunked(500) {
            for r in try await sql.select().columns("id", "list_total", "floor_price").from("units").where("id", .in, SQLBind.group(Array(chunk)))
                .all(decoding: UnitPrices.self, with: SQLRowDecoder.snakeCase) {
                out[r.id] = r
            }
        }
        return out
    }

    /// A unit's code with its building, for analyses that group by building.
    struct UnitPlace: Decodable, Sendable { var id: UUID; var code: String; var buildingId: UUID; var buildingName: String }

    static func unitPlaces(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: UnitPlace] {
        var out: [UUID: UnitPlace] = [:]
        for chunk in Array(Set(ids)).chunked(500) {
            for r in try await sql.raw("""
                SELECT u.id, u.code, u.building_id, b.name AS building_name FROM units u JOIN buildings b ON b.id = u.building_id
                WHERE u.id IN \(SQLBind.group(Array(chunk)))
                """).all(decoding: UnitPlace.self, with: SQLRowDecoder.snakeCase) {
                out[r.id] = r
            }
        }
        return out
    }

    /// A subquery of the ids of the project's units whose code, lower-cased, is LIKE `pattern`, so a
    /// caller's search by unit code stays one statement (`x.unit_id IN (…)`).
    static func unitIDs(codeLike pattern: String, in projectID: UUID) -> SQLQueryString {
        "SELECT iu.id FROM units iu WHERE iu.project_id = \(bind: projectID) AND LOWER(iu.code) LIKE \(bind: pattern)"
    }

    /// Whether the unit is in the project.
    static func unitExists(_ id: UUID, in projectID: UUID, sql: any SQLDatabase) async throws -> Bool {
        struct N: Decodable { var id: UUID }
        return try await sql.select().column("id").from("units").where("id", .equal, id).where("project_id", .equal, projectID)
            .first(decoding: N.self) != nil
    }

    /// The project's name, if there is such a project.
    static func projectName(_ id: UUID, sql: any SQLDatabase) async throws -> String? {
        struct P: Decodable { var name: String }
        return try await sql.select().column("name").from("projects").where("id", .equal, id).first(decoding: P.self)?.name
    }
}

/// Who holds units by mobile (Customers shows a customer's claims; 认筹 matches a unit's holder).
extension SalesControlService {
    struct HeldUnit: Sendable, Decodable {
        var unitID: UUID
        var unitCode: String
        var kind: String
        var status: String
        var createdAt: Date
        var expiresAt: Date?
        enum CodingKeys: String, CodingKey {
            case kind, status
            case unitID = "unit_id", unitCode = "code", createdAt = "created_at", expiresAt = "expires_at"
        }
    }

    /// Mobiles on the live claim of the unit with this code.
    static func mobilesHolding(unitCode: String, in projectID: UUID, sql: any SQLDatabase) async throws -> [String] {
        struct M: Decodable { var customer_mobile: String }
        return try await sql.select().column(SQLColumn("customer_mobile", table: "k"))
            .from(SQLAlias(SQLIdentifier("unit_claims"), as: SQLIdentifier("k")))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), method: SQLJoinMethod.inner,
                  on: SQLColumn("unit_id", table: "k"), .equal, SQLColumn("id", table: "u"))
            .where(SQLColumn("project_id", table: "u"), .equal, SQLBind(projectID))
            .where(SQLColumn("code", table: "u"), .equal, SQLBind(unitCode))
            .where(SQLColumn("is_live", table: "k"), .equal, SQLLiteral.boolean(true))
            .all(decoding: M.self).map(\.customer_mobile)
    }

    /// Units with a live claim under any of these mobiles, newest claim first.
    static func holdings(mobiles: [String], in projectID: UUID, sql: any SQLDatabase) async throws -> [HeldUnit] {
        try await sql.select()
            .column(SQLColumn("unit_id", table: "k")).column(SQLColumn("code", table: "u")).column(SQLColumn("kind", table: "k"))
            .column(SQLColumn("status", table: "u")).column(SQLColumn("created_at", table: "k")).column(SQLColumn("expires_at", table: "k"))
            .from(SQLAlias(SQLIdentifier("unit_claims"), as: SQLIdentifier("k")))
            .join(SQLAlias(SQLIdentifier("units"), as: SQLIdentifier("u")), method: SQLJoinMethod.inner,
                  on: SQLColumn("unit_id", table: "k"), .equal, SQLColumn("id", table: "u"))
            .where(SQLColumn("project_id", table: "u"), .equal, SQLBind(projectID))
            .where(SQLColumn("customer_mobile", table: "k"), .in, SQLGroupExpression(mobiles.map { SQLBind($0) }))
            .where(SQLColumn("is_live", table: "k"), .equal, SQLLiteral.boolean(true))
            .orderBy(SQLColumn("created_at", table: "k"), SQLDirection.descending).all(decoding: HeldUnit.self)
    }
}

extension InventoryService {
    /// The unit of the project whose code is `typed` as staff type it ("1-1-0101" finds 1-1-101,
    /// `UnitCode`), or nil. Candidates share the typed code's last number; the canonical forms decide.
    static func unitID(code typed: String, in projectID: UUID, sql: any SQLDatabase) async throws -> UUID? {
        let wanted = UnitCode.canonical(typed)
        guard let last = wanted.split(separator: "-").last, !last.isEmpty else { return nil }
        struct R: Decodable { var id: UUID; var code: String }
        let candidates = try await sql.raw("""
            SELECT id, code FROM units WHERE project_id = \(bind: projectID) AND UPPER(code) LIKE \(bind: "%" + last)
            """).all(decoding: R.self)
        return candidates.first { UnitCode.canonical($0.code) == wanted }?.id
    }

    /// A unit offered by a picker: its code and building.
    struct PickedUnit: Decodable, Sendable, Equatable { var id: UUID; var code: String; var buildingName: String }

    /// Units whose code or building matches `text` (codes also as typed, `UnitCode`), or whose id is in
    /// `ids` (units another capability found, e.g. by their owner's name), in the order people count them.
    static func pick(_ text: String, orIn ids: [UUID] = [], in projectID: UUID, limit: Int, sql: any SQLDatabase) async throws -> [PickedUnit] {
        let like = "%" + UnitCode.canonical(text).replacingOccurrences(of: "%", with: "") + "%"
        let raw = "%" + text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
        let byID: SQLQueryString = ids.isEmpty ? "" : " OR u.id IN \(SQLBind.group(Array(ids.prefix(200))))"
        return try await sql.raw("""
            SELECT u.id, u.code, b.name AS building_name FROM units u JOIN buildings b ON b.id = u.building_id
            WHERE u.project_id = \(bind: projectID)
              AND (UPPER(u.code) LIKE \(bind: like) OR UPPER(u.code) LIKE \(bind: raw.uppercased()) OR b.name LIKE \(bind: raw)\(byID))
            ORDER BY \(peopleOrder("u")) LIMIT \(bind: limit)
            """).all(decoding: PickedUnit.self, with: SQLRowDecoder.snakeCase)
    }
}

extension InventoryService {
    /// The 客服热线 of active projects that have one, by project name (for the owner pages' footer).
    static func hotlines(sql: any SQLDatabase) async throws -> [(project: String, number: String)] {
        struct R: Decodable { var name: String; var service_hotline: String }
        return try await sql.raw("""
            SELECT name, service_hotline FROM projects WHERE is_active = \(SQLLiteral.boolean(true)) AND service_hotline <> '' ORDER BY code
            """).all(decoding: R.self).map { ($0.name, $0.service_hotline) }
    }
}

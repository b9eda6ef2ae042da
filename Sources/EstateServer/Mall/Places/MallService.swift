import EstateCore
import Foundation
import SQLKit

/// The mall as a place (issue 20 point 1): a mall on a project (one per project: the project's grants are the
/// desk's), its floors (with their 楼层主管) and zones, and the tenants (商户) with their contact and lease.
public struct MallService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Mall: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var name: String
        public var createdAt: Date
    }

    public struct Floor: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var label: String
        public var level: Int
        public var managerId: UUID?
        public var managerName: String? = nil
        public var zones: [Zone] = []
        enum CodingKeys: String, CodingKey { case id, mallId, label, level, managerId }
    }

    public struct Zone: Decodable, Sendable {
        public var id: UUID
        public var floorId: UUID
        public var name: String
    }

    public struct Tenant: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var floorId: UUID
        public var zoneId: UUID?
        public var unitNo: String
        public var shopName: String
        public var category: String
        public var contactName: String
        public var contactMobile: String?
        public var leaseStarts: String
        public var leaseEnds: String
        public var createdAt: Date
        public func leased(on day: CalendarDay) -> Bool { leaseStarts <= day.description && day.description <= leaseEnds }
    }

    public struct FloorDraft: Sendable {
        public var label: String
        public var level: Int
        public var zones: [String] = []
        public init(label: String, level: Int, zones: [String] = []) { self.label = label; self.level = level; self.zones = zones }
    }

    static func cleanName(_ s: String, max: Int) -> String? {
        let t = s.trimmingCharacters(in: .whitespaces)
        return !t.isEmpty && Text.isCleanLine(t, maxLength: max) ? t : nil
    }

    // MARK: The mall

    /// A mall on a project, with its floors and their zones, in one transaction.
    public func create(projectID: UUID, name: String, floors: [FloorDraft], by actor: UUID?, context: AuditContext) async throws -> Mall {
        var bad: [Problem.FieldError] = []
        let mallName = Self.cleanName(name, max: 60)
        if mallName == nil { bad.append(.init(field: "name", code: "mall_name_invalid")) }
        if floors.isEmpty || floors.count > 60 { bad.append(.init(field: "floors", code: "mall_floors_invalid")) }
        var labels = Set<String>()
        for (i, f) in floors.enumerated() {
            guard let l = Self.cleanName(f.label, max: 10), labels.insert(l).inserted else {
                bad.append(.init(field: "floors[\(i)].label", code: "mall_floor_label_invalid")); continue
            }
            if !(-10...200).contains(f.level) { bad.append(.init(field: "floors[\(i)].level", code: "mall_floor_level_invalid")) }
            if f.zones.count > 50 || f.zones.contains(where: { Self.cleanName($0, max: 30) == nil }) || Set(f.zones).count != f.zones.count {
                bad.append(.init(field: "floors[\(i)].zones", code: "mall_zone_invalid"))
            }
        }
        guard bad.isEmpty, let mallName else { throw Problem.invalid(bad) }
        if try await mall(projectID: projectID) != nil { throw Problem.conflict("mall_exists") }
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "malls").columns("id", "project_id", "name", "created_by", "created_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(mallName), SQLBind(actor), SQLBind(at)).run()
            for f in floors {
                let floorID = UUID()
                try await tx.sql.insert(into: "mall_floors").columns("id", "mall_id", "label", "level", "created_at")
                    .values(SQLBind(floorID), SQLBind(id), SQLBind(f.label.trimmingCharacters(in: .whitespaces)), SQLBind(f.level), SQLBind(at)).run()
                for z in f.zones {
                    try await tx.sql.insert(into: "mall_zones").columns("id", "floor_id", "name")
                        .values(SQLBind(UUID()), SQLBind(floorID), SQLBind(z.trimmingCharacters(in: .whitespaces))).run()
                }
            }
            return ((), AuditEntry(action: "mall.create", entity: "mall", entityID: id.uuidString, projectID: projectID,
                                   summary: "mall \(mallName), \(floors.count) floors", after: ["name": mallName, "floors": "\(floors.count)"]))
        }
        return try await mall(id)
    }

    public func mall(_ id: UUID) async throws -> Mall {
        guard let m = try await store.sql.raw("SELECT id, project_id, name, created_at FROM malls WHERE id = \(bind: id)")
            .first(decoding: Mall.self, with: decoder) else { throw Problem.notFound }
        return m
    }

    public func mall(projectID: UUID) async throws -> Mall? {
        try await store.sql.raw("SELECT id, project_id, name, created_at FROM malls WHERE project_id = \(bind: projectID)")
            .first(decoding: Mall.self, with: decoder)
    }

    /// The malls on `projects` (nil: every mall).
    public func malls(in projects: Set<UUID>?) async throws -> [Mall] {
        if let projects, projects.isEmpty { return [] }
        let cond: SQLQueryString = projects.map { "WHERE project_id IN \(SQLBind.group(Array($0)))" } ?? ""
        return try await store.sql.raw("SELECT id, project_id, name, created_at FROM malls \(cond) ORDER BY name LIMIT 200")
            .all(decoding: Mall.self, with: decoder)
    }

    /// The mall a principal may work at with `action`: its project visible and the action allowed there, else 404 / 403.
    public func mall(_ id: UUID, for p: Principal, _ action: Action) async throws -> Mall {
        guard let m = try await ifFound({ try await mall(id) }), p.canSee(project: m.projectId) else { throw Problem.notFound }
        guard p.may(action, on: m.projectId) else { throw Problem.forbidden }
        return m
    }

    // MARK: Floors

    public func floors(_ mallID: UUID) async throws -> [Floor] {
        var floors = try await store.sql.raw("SELECT id, mall_id, label, level, manager_id FROM mall_floors WHERE mall_id = \(bind: mallID) ORDER BY level DESC")
            .all(decoding: Floor.self, with: decoder)
        guard !floors.isEmpty else { return [] }
        let zones = try await store.sql.raw("SELECT id, floor_id, name FROM mall_zones WHERE floor_id IN \(SQLBind.group(floors.map(\.id))) ORDER BY name")
            .all(decoding: Zone.self, with: decoder)
        let byFloor = Dictionary(grouping: zones, by: \.floorId)
        let names = try await StaffDirectory.displayNames(floors.compactMap(\.managerId), sql: store.sql)
        for i in floors.indices {
            floors[i].zones = byFloor[floors[i].id] ?? []
            floors[i].managerName = floors[i].managerId.flatMap { names[$0] }
        }
        return floors
    }

    public func floor(_ id: UUID) async throws -> Floor {
        guard let f = try await store.sql.raw("SELECT id, mall_id, label, level, manager_id FROM mall_floors WHERE id = \(bind: id)")
            .first(decoding: Floor.self, with: decoder) else { throw Problem.notFound }
        return f
    }

    /// The users who may manage a floor: staff of the mall's project holding the desk's action.
    func deskStaff(_ mall: Mall) async throws -> [StaffDirectory.Member] {
        try await StaffDirectory.holders(of: StaffDirectory.roles(allowing: [.mallDesk]), on: mall.projectId, sql: store.sql)
    }

    /// Sets (or clears) the floor's manager (楼层主管): a user holding the desk's action on the mall's project.
    public func setFloorManager(_ floorID: UUID, of mall: Mall, managerID: UUID?, context: AuditContext) async throws -> Floor {
        let f = try await floor(floorID)
        guard f.mallId == mall.id else { throw Problem.notFound }
        if let managerID {
            let roles = try await StaffDirectory.roles(of: managerID, on: mall.projectId, sql: store.sql)
            guard AccessMatrix.allows(roles, .mallDesk) else { throw Problem.invalid("managerId", "mall_floor_manager_invalid") }
        }
        try await store.audited(context) { tx in
            try await tx.sql.update("mall_floors").set("manager_id", to: SQLBind(managerID)).where("id", .equal, floorID).run()
            return ((), AuditEntry(action: "mall.floor_manager", entity: "mall_floor", entityID: floorID.uuidString, projectID: mall.projectId,
                                   summary: "floor \(f.label) manager", before: ["managerId": f.managerId?.uuidString ?? ""],
                                   after: ["managerId": managerID?.uuidString ?? ""]))
        }
        return try await floors(mall.id).first { $0.id == floorID }!
    }

    // MARK: Tenants

    public struct TenantDraft: Sendable {
        public var floorID: UUID
        public var zoneID: UUID?
        public var unitNo: String
        public var shopName: String
        public var category: String
        public var contactName: String
        public var contactMobile: String?
        public var leaseStarts: String
        public var leaseEnds: String
        public init(floorID: UUID, unitNo: String, shopName: String, category: String, contactName: String, leaseStarts: String, leaseEnds: String) {
            self.floorID = floorID; self.unitNo = unitNo; self.shopName = shopName; self.category = category
            self.contactName = contactName; self.leaseStarts = leaseStarts; self.leaseEnds = leaseEnds
        }
    }

    /// The checked values of a draft, or every field's reason.
    func checked(_ d: TenantDraft, mall: Mall, floors: [Floor]) throws -> (unit: String, shop: String, category: String, contact: String,
                                                                             mobile: String?, from: CalendarDay, to: CalendarDay) {
        var bad: [Problem.FieldError] = []
        let floor = floors.first { $0.id == d.floorID }
        if floor == nil { bad.append(.init(field: "floorId", code: "mall_floor_not_found")) }
        if let z = d.zoneID, !(floor?.zones.contains { $0.id == z } ?? false) { bad.append(.init(field: "zoneId", code: "mall_zone_not_found")) }
        let unit = Self.cleanName(d.unitNo, max: 20), shop = Self.cleanName(d.shopName, max: 60)
        let category = Self.cleanName(d.category, max: 30), contact = Self.cleanName(d.contactName, max: 40)
        if unit == nil { bad.append(.init(field: "unitNo", code: "mall_unit_invalid")) }
        if shop == nil { bad.append(.init(field: "shopName", code: "mall_shop_name_invalid")) }
        if category == nil { bad.append(.init(field: "category", code: "mall_category_invalid")) }
        if contact == nil { bad.append(.init(field: "contactName", code: "mall_contact_invalid")) }
        var mobile: String?
        if let m = d.contactMobile, !m.trimmingCharacters(in: .whitespaces).isEmpty {
            if let n = MobileNumber.normalized(m) { mobile = n } else { bad.append(.init(field: "contactMobile", code: "mobile_invalid")) }
        }
        let from = CalendarDay(d.leaseStarts), to = CalendarDay(d.leaseEnds)
        if from == nil { bad.append(.init(field: "leaseStarts", code: "date_invalid")) }
        if to == nil { bad.append(.init(field: "leaseEnds", code: "date_invalid")) }
        if let from, let to, to < from || from.days(until: to) > 366 * 30 { bad.append(.init(field: "leaseEnds", code: "mall_lease_dates_invalid")) }
        guard bad.isEmpty, let unit, let shop, let category, let contact, let from, let to else { throw Problem.invalid(bad) }
        return (unit, shop, category, contact, mobile, from, to)
    }

    public func addTenant(_ d: TenantDraft, to mall: Mall, context: AuditContext) async throws -> Tenant {
        let c = try checked(d, mall: mall, floors: try await floors(mall.id))
        struct I: Decodable { var id: UUID }
        if try await store.sql.raw("SELECT id FROM mall_tenants WHERE floor_id = \(bind: d.floorID) AND unit_no = \(bind: c.unit)").first(decoding: I.self) != nil {
            throw Problem.conflict("mall_unit_taken", ["unit": c.unit])
        }
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "mall_tenants")
                .columns("id", "mall_id", "floor_id", "zone_id", "unit_no", "shop_name", "category", "contact_name", "contact_mobile",
                         "lease_starts", "lease_ends", "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(mall.id), SQLBind(d.floorID), SQLBind(d.zoneID), SQLBind(c.unit), SQLBind(c.shop), SQLBind(c.category),
                        SQLBind(c.contact), SQLBind(c.mobile), SQLBind(c.from.description), SQLBind(c.to.description), SQLBind(at), SQLBind(at)).run()
            return ((), AuditEntry(action: "mall.tenant_create", entity: "mall_tenant", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "tenant \(c.shop) at \(c.unit)", after: ["shopName": c.shop, "unitNo": c.unit, "leaseEnds": c.to.description]))
        }
        return try await tenant(id)
    }

    /// A tenant's contact and lease changed (the shop's unit, name and category stay): every bad field named, the
    /// audit line with the values before and after in the update's transaction.
    public func updateTenant(_ id: UUID, of mall: Mall, contactName: String, contactMobile: String, leaseStarts: String, leaseEnds: String,
                             context: AuditContext) async throws -> Tenant {
        let t = try await tenant(id)
        guard t.mallId == mall.id else { throw Problem.notFound }
        var d = TenantDraft(floorID: t.floorId, unitNo: t.unitNo, shopName: t.shopName, category: t.category, contactName: contactName,
                            leaseStarts: leaseStarts, leaseEnds: leaseEnds)
        d.zoneID = t.zoneId
        d.contactMobile = contactMobile
        let c = try checked(d, mall: mall, floors: try await floors(mall.id))
        let at = now()
        try await store.audited(context) { tx in
            try await tx.sql.update("mall_tenants").set("contact_name", to: SQLBind(c.contact)).set("contact_mobile", to: SQLBind(c.mobile))
                .set("lease_starts", to: SQLBind(c.from.description)).set("lease_ends", to: SQLBind(c.to.description)).set("updated_at", to: SQLBind(at))
                .where("id", .equal, id).run()
            return ((), AuditEntry(action: "mall.tenant_update", entity: "mall_tenant", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "tenant \(t.shopName): contact and lease",
                                   before: ["contactName": t.contactName, "contactMobile": t.contactMobile.map(Masking.mobile) ?? "",
                                            "leaseStarts": t.leaseStarts, "leaseEnds": t.leaseEnds],
                                   after: ["contactName": c.contact, "contactMobile": c.mobile.map(Masking.mobile) ?? "",
                                           "leaseStarts": c.from.description, "leaseEnds": c.to.description]))
        }
        return try await tenant(id)
    }

    public func tenant(_ id: UUID) async throws -> Tenant {
        guard let t = try await store.sql.raw("SELECT * FROM mall_tenants WHERE id = \(bind: id)").first(decoding: Tenant.self, with: decoder)
        else { throw Problem.notFound }
        return t
    }

    public func tenants(_ mallID: UUID, floorID: UUID? = nil, query: String? = nil, limit: Int = 500) async throws -> [Tenant] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if let floorID { cond = "\(cond) AND floor_id = \(bind: floorID)" }
        if let q = query?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            let like = "%" + q.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            cond = "\(cond) AND (shop_name LIKE \(bind: like) OR unit_no LIKE \(bind: like) OR category LIKE \(bind: like))"
        }
        return try await store.sql.raw("SELECT * FROM mall_tenants WHERE \(cond) ORDER BY unit_no LIMIT \(unsafeRaw: String(limit))")
            .all(decoding: Tenant.self, with: decoder)
    }

    public func tenants(ids: [UUID]) async throws -> [UUID: Tenant] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await store.sql.raw("SELECT * FROM mall_tenants WHERE id IN \(SQLBind.group(Array(Set(ids))))").all(decoding: Tenant.self, with: decoder)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

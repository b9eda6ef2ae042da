import EstateCore
import Foundation
import SQLKit

/// 仓库 (issue 19 point 6): a project's site stores, a balance per store, material and unit, and the ledger of movements.
/// Stock comes in from an inspected delivery's accepted quantities, once per delivery line (the movement's unique
/// `delivery_line_id`, inserted ON CONFLICT DO NOTHING: a second stock-in of the same delivery is 409); it goes out as
/// an issue to a purpose with who received it, by one conditional UPDATE (`balance_milli >= q`), so the balance never
/// goes negative however many issues race.
public struct SiteStoreService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public struct SiteStore: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var name: String
        public var createdAt: Date
    }

    public struct Balance: Decodable, Sendable {
        public var id: UUID
        public var storeId: UUID
        public var material: String
        public var unit: String
        public var balanceMilli: Int64
    }

    public struct Movement: Decodable, Sendable {
        public var id: UUID
        public var storeId: UUID
        public var material: String
        public var unit: String
        public var kind: String
        public var quantityMilli: Int64
        public var balanceMilli: Int64
        public var deliveryId: UUID?
        public var purpose: String
        public var receivedBy: String
        public var createdBy: UUID?
        public var createdAt: Date
    }

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public func create(projectID: UUID, name: String, by actor: UUID?, context: AuditContext) async throws -> SiteStore {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard Text.isCleanLine(name, maxLength: 60) else { throw Problem.invalid("name", "text_invalid") }
        let id = UUID(), at = now()
        return try await store.audited(context) { tx -> (SiteStore, AuditEntry) in
            struct I: Decodable { var id: UUID }
            if try await tx.sql.raw("SELECT id FROM site_stores WHERE project_id = \(bind: projectID) AND name = \(bind: name)")
                .first(decoding: I.self) != nil { throw Problem.conflict("site_store_exists", ["name": name]) }
            try await tx.sql.raw("""
                INSERT INTO site_stores (id, project_id, name, created_by, created_at)
                VALUES (\(bind: id), \(bind: projectID), \(bind: name), \(bind: actor), \(bind: at))
                """).run()
            return (SiteStore(id: id, projectId: projectID, name: name, createdAt: at),
                    AuditEntry(action: "site_store.create", entity: "site_store", entityID: id.uuidString, projectID: projectID,
                               summary: "仓库 \(name)", after: ["name": name]))
        }
    }

    public func stores(projectID: UUID) async throws -> [SiteStore] {
        try await store.sql.raw("SELECT * FROM site_stores WHERE project_id = \(bind: projectID) ORDER BY name, id").all(decoding: SiteStore.self, with: decoder)
    }

    public func siteStore(_ id: UUID) async throws -> SiteStore {
        guard let s = try await store.sql.raw("SELECT * FROM site_stores WHERE id = \(bind: id)").first(decoding: SiteStore.self, with: decoder)
        else { throw Problem.notFound }
        return s
    }

    public func balances(_ storeID: UUID) async throws -> [Balance] {
        try await store.sql.raw("SELECT * FROM site_store_balances WHERE store_id = \(bind: storeID) ORDER BY material, unit")
            .all(decoding: Balance.self, with: decoder)
    }

    /// The ledger, newest first (at most `limit` rows).
    public func movements(_ storeID: UUID, limit: Int = 500) async throws -> [Movement] {
        try await store.sql.raw("""
            SELECT id, store_id, material, unit, kind, quantity_milli, balance_milli, delivery_id, purpose, received_by, created_by, created_at
            FROM site_store_movements WHERE store_id = \(bind: storeID) ORDER BY created_at DESC, id DESC LIMIT \(unsafeRaw: String(max(1, min(limit, 5_000))))
            """).all(decoding: Movement.self, with: decoder)
    }

    /// The store an inspected delivery went into (nil before its stock-in).
    public func stockedInto(deliveryID: UUID) async throws -> UUID? {
        struct S: Decodable { var storeId: UUID }
        return try await store.sql.raw("SELECT store_id FROM site_store_movements WHERE delivery_id = \(bind: deliveryID) LIMIT 1")
            .first(decoding: S.self, with: decoder)?.storeId
    }

    /// 入库: the accepted quantities of an inspected delivery into a store of its project, once.
    public func stockIn(deliveryID: UUID, storeID: UUID, by actor: UUID?, context: AuditContext) async throws -> [Movement] {
        let deliveries = DeliveryService(store: store, now: now)
        let d = try await deliveries.delivery(deliveryID)
        guard let target = try await ifFound({ try await siteStore(storeID) }), target.projectId == d.projectId else {
            throw Problem.invalid("storeId", "site_store_not_found")
        }
        guard d.status == "inspected" else { throw Problem.conflict("delivery_not_inspected") }
        let orderLines = Dictionary(uniqueKeysWithValues: try await PurchaseOrderService(store: store, now: now).lines(d.orderId).map { ($0.id, $0) })
        let lines = try await deliveries.lines(deliveryID).filter { $0.acceptedMilli > 0 }
        guard !lines.isEmpty else { throw Problem.conflict("delivery_nothing_accepted") }
        let at = now()
        return try await store.audited(context) { tx -> ([Movement], AuditEntry) in
            var out: [Movement] = []
            struct B: Decodable { var balanceMilli: Int64 }
            struct I: Decodable { var id: UUID }
            for l in lines {
                let material = orderLines[l.orderLineId]?.material ?? "", unit = orderLines[l.orderLineId]?.unit ?? ""
                let balance = try await tx.sql.raw("""
                    INSERT INTO site_store_balances (id, store_id, material, unit, balance_milli)
                    VALUES (\(bind: UUID()), \(bind: storeID), \(bind: material), \(bind: unit), \(bind: l.acceptedMilli))
                    ON CONFLICT (store_id, material, unit) DO UPDATE SET balance_milli = site_store_balances.balance_milli + excluded.balance_milli
                    RETURNING balance_milli
                    """).first(decoding: B.self, with: decoder)?.balanceMilli ?? 0
                let id = UUID()
                let claimed = try await tx.sql.raw("""
                    INSERT INTO site_store_movements (id, store_id, material, unit, kind, quantity_milli, balance_milli, delivery_id, delivery_line_id,
                    purpose, received_by, created_by, created_at)
                    VALUES (\(bind: id), \(bind: storeID), \(bind: material), \(bind: unit), 'in', \(bind: l.acceptedMilli), \(bind: balance),
                    \(bind: deliveryID), \(bind: l.id), \(bind: d.number), '', \(bind: actor), \(bind: at))
                    ON CONFLICT (delivery_line_id) DO NOTHING RETURNING id
                    """).all(decoding: I.self)
                // Stocked in before (or by a racing request): the whole stock-in is undone.
                guard !claimed.isEmpty else { throw Problem.conflict("delivery_already_stocked") }
                out.append(Movement(id: id, storeId: storeID, material: material, unit: unit, kind: "in", quantityMilli: l.acceptedMilli,
                                    balanceMilli: balance, deliveryId: deliveryID, purpose: d.number, receivedBy: "", createdBy: actor, createdAt: at))
            }
            return (out, AuditEntry(action: "site_store.stock_in", entity: "site_store", entityID: storeID.uuidString, projectID: d.projectId,
                                    summary: "入库 \(target.name)：到货 \(d.number)",
                                    after: ["store": target.name, "number": d.number, "lines": "\(out.count)"]))
        }
    }

    public struct Issue: Sendable {
        public var material: String
        public var unit: String
        public var quantity: String
        public var purpose: String
        public var receivedBy: String
        public init(material: String, unit: String, quantity: String, purpose: String, receivedBy: String) {
            self.material = material; self.unit = unit; self.quantity = quantity; self.purpose = purpose; self.receivedBy = receivedBy
        }
    }

    /// 出库: `quantity` of a material out of the store to a purpose, received by a named person; 409 stock_insufficient
    /// (with what is left) when the balance does not cover it — decided by the UPDATE itself, never read-then-write.
    public func issue(storeID: UUID, _ i: Issue, by actor: UUID?, context: AuditContext) async throws -> Movement {
        let s = try await siteStore(storeID)
        var bad: [Problem.FieldError] = []
        let q = PurchaseQuantity.parse(i.quantity)
        if q == nil || q! <= 0 { bad.append(.init(field: "quantity", code: "quantity_invalid")) }
        let purpose = i.purpose.trimmingCharacters(in: .whitespaces), receivedBy = i.receivedBy.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(purpose, maxLength: 200) { bad.append(.init(field: "purpose", code: "text_invalid")) }
        if !Text.isCleanLine(receivedBy, maxLength: 40) { bad.append(.init(field: "receivedBy", code: "text_invalid")) }
        let held = try await balances(storeID).first { $0.material == i.material && $0.unit == i.unit }
        if held == nil { bad.append(.init(field: "material", code: "stock_material_not_found")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        let quantity = q!, id = UUID(), at = now(), material = i.material, unit = i.unit
        return try await store.audited(context) { tx -> (Movement, AuditEntry) in
            struct B: Decodable { var balanceMilli: Int64 }
            let left = try await tx.sql.raw("""
                UPDATE site_store_balances SET balance_milli = balance_milli - \(bind: quantity)
                WHERE store_id = \(bind: storeID) AND material = \(bind: material) AND unit = \(bind: unit) AND balance_milli >= \(bind: quantity)
                RETURNING balance_milli
                """).all(decoding: B.self, with: decoder)
            guard let balance = left.first?.balanceMilli else {
                let now = try await tx.sql.raw("""
                    SELECT balance_milli FROM site_store_balances WHERE store_id = \(bind: storeID) AND material = \(bind: material) AND unit = \(bind: unit)
                    """).first(decoding: B.self, with: decoder)?.balanceMilli ?? 0
                throw Problem.conflict("stock_insufficient", ["item": material, "left": PurchaseQuantity.format(now)])
            }
            try await tx.sql.raw("""
                INSERT INTO site_store_movements (id, store_id, material, unit, kind, quantity_milli, balance_milli, purpose, received_by, created_by, created_at)
                VALUES (\(bind: id), \(bind: storeID), \(bind: material), \(bind: unit), 'out', \(bind: quantity), \(bind: balance), \(bind: purpose),
                \(bind: receivedBy), \(bind: actor), \(bind: at))
                """).run()
            let m = Movement(id: id, storeId: storeID, material: material, unit: unit, kind: "out", quantityMilli: quantity, balanceMilli: balance,
                             deliveryId: nil, purpose: purpose, receivedBy: receivedBy, createdBy: actor, createdAt: at)
            return (m, AuditEntry(action: "site_store.issue", entity: "site_store", entityID: storeID.uuidString, projectID: s.projectId,
                                  summary: "出库 \(s.name)：\(material) \(PurchaseQuantity.format(quantity)) \(unit)，\(purpose)（\(receivedBy) 领用）",
                                  after: ["material": material, "quantity": PurchaseQuantity.format(quantity), "stockBalance": PurchaseQuantity.format(balance),
                                          "receivedBy": receivedBy]))
        }
    }
}

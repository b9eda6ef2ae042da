import EstateCore
import Foundation
import SQLKit

/// 交货管理 and 质量检验: procurement records a delivery against an approved order's lines (never more than ordered, what
/// was returned not counted), with the supplier's batch, the site store it goes into (stock-in) and the units it was
/// installed in; engineering inspects it (accepted + rejected = delivered, a reason for every rejection, rejected
/// quantities returned to the supplier, 退货).
public struct DeliveryService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public struct Delivery: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var orderId: UUID
        public var supplierId: UUID
        public var number: String
        public var batch: String
        public var deliveredOn: String
        /// The site store's name, or where it was put when it went into none.
        public var store: String
        /// The project's site store it was delivered for (its stock-in defaults to it).
        public var storeId: UUID?
        public var status: String
        public var inspectedAt: Date?
        public var createdAt: Date
    }

    public struct Line: Decodable, Sendable {
        public var id: UUID
        public var deliveryId: UUID
        public var orderLineId: UUID
        public var deliveredMilli: Int64
        public var acceptedMilli: Int64
        public var rejectedMilli: Int64
        public var returnedMilli: Int64
        public var reason: String
        public var onTime: Bool
    }

    public struct Installed: Decodable, Sendable {
        public var unitId: UUID
        public var component: String
    }

    public struct NewLine: Sendable { public var orderLineID: UUID; public var quantity: String }
    public struct Inspection: Sendable {
        public var lineID: UUID
        public var accepted: String
        public var rejected: String
        public var reason: String
        public var returned: Bool
    }

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// `siteStoreID` names one of the project's site stores (its name becomes the delivery's `store`); without it
    /// `siteStore` is free text for where the goods were put.
    public func record(orderID: UUID, deliveredOn: String, batch: String, siteStore: String, siteStoreID: UUID? = nil, lines: [NewLine],
                       units: [(UUID, RepairComponent)], by actor: UUID?, context: AuditContext) async throws -> Delivery {
        let orders = PurchaseOrderService(store: store, now: now)
        let order = try await orders.order(orderID)
        guard order.status == "approved" else { throw Problem.conflict("purchase_order_not_approved", ["status": order.status]) }
        let orderLines = Dictionary(uniqueKeysWithValues: try await orders.lines(orderID).map { ($0.id, $0) })
        var bad: [Problem.FieldError] = []
        let day = CalendarDay(deliveredOn)
        if day == nil || day! > CalendarDay(now()) { bad.append(.init(field: "deliveredOn", code: "date_invalid")) }
        let batch = batch.trimmingCharacters(in: .whitespaces)
        var siteStore = siteStore.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(batch, maxLength: 60) { bad.append(.init(field: "batch", code: "text_invalid")) }
        if let siteStoreID {
            let target = try await ifFound { try await SiteStoreService(store: store, now: now).siteStore(siteStoreID) }
            if let target, target.projectId == order.projectId { siteStore = target.name } else { bad.append(.init(field: "storeId", code: "site_store_not_found")) }
        } else if !siteStore.isEmpty, !Text.isCleanLine(siteStore, maxLength: 60) { bad.append(.init(field: "store", code: "text_invalid")) }
        if lines.isEmpty || lines.count > 100 { bad.append(.init(field: "lines", code: "order_lines_required")) }
        var parsed: [(PurchaseOrderService.Line, Int64)] = []
        for (i, l) in lines.enumerated() {
            guard let ol = orderLines[l.orderLineID] else { bad.append(.init(field: "lines[\(i)].orderLineId", code: "order_line_not_found")); continue }
            guard let q = PurchaseQuantity.parse(l.quantity), q > 0 else { bad.append(.init(field: "lines[\(i)].quantity", code: "quantity_invalid")); continue }
            parsed.append((ol, q))
        }
        if Set(parsed.map(\.0.id)).count != parsed.count { bad.append(.init(field: "lines", code: "order_line_repeated")) }
        if units.count > 2_000 { bad.append(.init(field: "units", code: "too_many")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        var installs: [(UUID, String)] = []
        var seen = Set<String>()
        for (u, c) in units {
            guard seen.insert("\(u.uuidString)|\(c.rawValue)").inserted else { continue }
            guard try await InventoryService.unitExists(u, in: order.projectId, sql: store.sql) else { throw Problem.invalid("units", "unit_not_found") }
            installs.append((u, c.rawValue))
        }
        let id = UUID(), at = now(), deliveredDay = day!, postgres = store.engine == .postgres, newLines = parsed, installed = installs
        let storeName = siteStore
        return try await store.audited(context) { tx -> (Delivery, AuditEntry) in
            struct I: Decodable { var id: UUID }
            if postgres { _ = try await tx.sql.raw("SELECT id FROM purchase_orders WHERE id = \(bind: orderID) FOR UPDATE").all(decoding: I.self) }
            struct S: Decodable { var n: Int64? }
            for (ol, q) in newLines {
                // Delivered so far, less what went back: never beyond the order.
                let sofar = try await tx.sql.raw("""
                    SELECT CAST(SUM(delivered_milli - returned_milli) AS BIGINT) AS n FROM purchase_delivery_lines WHERE order_line_id = \(bind: ol.id)
                    """).first(decoding: S.self)?.n ?? 0
                if sofar + q > ol.quantityMilli {
                    throw Problem.conflict("delivery_over_order", ["item": ol.material, "left": PurchaseQuantity.format(ol.quantityMilli - sofar)])
                }
            }
            let number = try await DocumentNumbers.next("SH", projectID: order.projectId, on: tx)
            try await tx.sql.raw("""
                INSERT INTO purchase_deliveries (id, project_id, order_id, supplier_id, number, batch, delivered_on, store, store_id, status, created_by, created_at)
                VALUES (\(bind: id), \(bind: order.projectId), \(bind: orderID), \(bind: order.supplierId), \(bind: number), \(bind: batch),
                \(bind: deliveredDay.description), \(bind: storeName), \(bind: siteStoreID), 'received', \(bind: actor), \(bind: at))
                """).run()
            for (ol, q) in newLines {
                let onTime = CalendarDay(ol.dueOn).map { deliveredDay <= $0 } ?? true
                try await tx.sql.raw("""
                    INSERT INTO purchase_delivery_lines (id, delivery_id, order_line_id, delivered_milli, accepted_milli, rejected_milli, returned_milli,
                    reason, on_time) VALUES (\(bind: UUID()), \(bind: id), \(bind: ol.id), \(bind: q), 0, 0, 0, '', \(bind: onTime))
                    """).run()
            }
            for (u, c) in installed {
                try await tx.sql.raw("""
                    INSERT INTO purchase_delivery_units (id, delivery_id, supplier_id, unit_id, component, installed_on)
                    VALUES (\(bind: UUID()), \(bind: id), \(bind: order.supplierId), \(bind: u), \(bind: c), \(bind: deliveredDay.description))
                    """).run()
            }
            let d = Delivery(id: id, projectId: order.projectId, orderId: orderID, supplierId: order.supplierId, number: number, batch: batch,
                             deliveredOn: deliveredDay.description, store: storeName, storeId: siteStoreID, status: "received", inspectedAt: nil,
                             createdAt: at)
            return (d, AuditEntry(action: "delivery.create", entity: "purchase_delivery", entityID: id.uuidString, projectID: order.projectId,
                                  summary: "到货 \(number)：\(order.number) 批次 \(batch)",
                                  after: ["number": number, "lines": "\(newLines.count)", "units": "\(installed.count)"]))
        }
    }

    /// Engineering's inspection of a received delivery, once: per line accepted and rejected quantities adding up to
    /// the delivered one, a reason for any rejection, and whether the rejected goods went back (退货).
    public func inspect(_ id: UUID, lines: [Inspection], by actor: UUID?, context: AuditContext) async throws -> Delivery {
        let d = try await delivery(id)
        let current = Dictionary(uniqueKeysWithValues: try await self.lines(id).map { ($0.id, $0) })
        var bad: [Problem.FieldError] = []
        var parsed: [(UUID, Int64, Int64, String, Bool)] = []
        if Set(lines.map(\.lineID)) != Set(current.keys) { bad.append(.init(field: "lines", code: "inspection_lines_incomplete")) }
        for (i, l) in lines.enumerated() {
            guard let c = current[l.lineID] else { continue }
            let a = PurchaseQuantity.parse(l.accepted), r = PurchaseQuantity.parse(l.rejected)
            guard let a, let r else { bad.append(.init(field: "lines[\(i)].accepted", code: "quantity_invalid")); continue }
            if a + r != c.deliveredMilli { bad.append(.init(field: "lines[\(i)].accepted", code: "inspection_quantities_mismatch")) }
            let reason = l.reason.trimmingCharacters(in: .whitespaces)
            if r > 0, !Text.isCleanLine(reason, maxLength: 500) { bad.append(.init(field: "lines[\(i)].reason", code: "reason_required")) }
            parsed.append((l.lineID, a, r, reason, l.returned && r > 0))
        }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        let at = now(), checked = parsed
        try await store.audited(context) { tx -> ((), AuditEntry) in
            struct I: Decodable { var id: UUID }
            let done = try await tx.sql.raw("""
                UPDATE purchase_deliveries SET status = 'inspected', inspected_by = \(bind: actor), inspected_at = \(bind: at)
                WHERE id = \(bind: id) AND status = 'received' RETURNING id
                """).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("delivery_already_inspected") }
            for (lineID, a, r, reason, returned) in checked {
                try await tx.sql.raw("""
                    UPDATE purchase_delivery_lines SET accepted_milli = \(bind: a), rejected_milli = \(bind: r), returned_milli = \(bind: returned ? r : 0),
                    reason = \(bind: reason) WHERE id = \(bind: lineID)
                    """).run()
                // Returned at the inspection: the same 退货 record a later return writes.
                if returned {
                    try await tx.sql.raw("""
                        INSERT INTO purchase_returns (id, project_id, delivery_id, delivery_line_id, quantity_milli, reason, returned_on, created_by, created_at)
                        VALUES (\(bind: UUID()), \(bind: d.projectId), \(bind: id), \(bind: lineID), \(bind: r), \(bind: reason),
                        \(bind: CalendarDay(at).description), \(bind: actor), \(bind: at))
                        """).run()
                }
            }
            let rejected = checked.reduce(Int64(0)) { $0 + $1.2 }
            return ((), AuditEntry(action: "delivery.inspect", entity: "purchase_delivery", entityID: id.uuidString, projectID: d.projectId,
                                   summary: "验收 \(d.number)", before: ["status": "received"],
                                   after: ["status": "inspected", "count": PurchaseQuantity.format(rejected)]))
        }
        return try await delivery(id)
    }

    public func delivery(_ id: UUID) async throws -> Delivery {
        guard let d = try await store.sql.raw("SELECT * FROM purchase_deliveries WHERE id = \(bind: id)").first(decoding: Delivery.self, with: decoder)
        else { throw Problem.notFound }
        return d
    }

    public func lines(_ deliveryID: UUID) async throws -> [Line] {
        try await store.sql.raw("SELECT * FROM purchase_delivery_lines WHERE delivery_id = \(bind: deliveryID) ORDER BY id")
            .all(decoding: Line.self, with: decoder)
    }

    public func installed(_ deliveryID: UUID) async throws -> [Installed] {
        try await store.sql.raw("SELECT unit_id, component FROM purchase_delivery_units WHERE delivery_id = \(bind: deliveryID) ORDER BY unit_id, component")
            .all(decoding: Installed.self, with: decoder)
    }

    public func deliveries(projectID: UUID, orderID: UUID? = nil) async throws -> [Delivery] {
        var q: SQLQueryString = "SELECT * FROM purchase_deliveries WHERE project_id = \(bind: projectID)"
        if let orderID { q = q + " AND order_id = \(bind: orderID)" }
        return try await store.sql.raw(q + " ORDER BY delivered_on DESC, created_at DESC, id LIMIT 500").all(decoding: Delivery.self, with: decoder)
    }

    /// Delivered quantity per order line of an order, less what went back to the supplier (what the delivery form and
    /// `delivery_over_order` count against the order).
    static func delivered(orderID: UUID, sql: any SQLDatabase) async throws -> [UUID: Int64] {
        struct R: Decodable { var orderLineId: UUID; var n: Int64? }
        let rows = try await sql.raw("""
            SELECT l.order_line_id, CAST(SUM(l.delivered_milli - l.returned_milli) AS BIGINT) AS n FROM purchase_delivery_lines l
            JOIN purchase_deliveries d ON d.id = l.delivery_id WHERE d.order_id = \(bind: orderID) GROUP BY l.order_line_id
            """).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
        return Dictionary(rows.map { ($0.orderLineId, $0.n ?? 0) }, uniquingKeysWith: +)
    }

    /// Accepted quantity per order line of an order (inspected deliveries).
    static func accepted(orderID: UUID, sql: any SQLDatabase) async throws -> [UUID: Int64] {
        struct R: Decodable { var orderLineId: UUID; var n: Int64? }
        let rows = try await sql.raw("""
            SELECT l.order_line_id, CAST(SUM(l.accepted_milli) AS BIGINT) AS n FROM purchase_delivery_lines l
            JOIN purchase_deliveries d ON d.id = l.delivery_id WHERE d.order_id = \(bind: orderID) AND d.status = 'inspected' GROUP BY l.order_line_id
            """).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
        return Dictionary(rows.map { ($0.orderLineId, $0.n ?? 0) }, uniquingKeysWith: +)
    }
}

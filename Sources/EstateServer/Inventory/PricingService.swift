import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Prices: versioned price lists (价目表), single-unit price changes, named
/// discount rules and quotes. Every price change waits for an approval.
public struct PricingService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let events: UnitEventHub

    // MARK: Discount rules

    public struct Rule: Sendable, Decodable, Equatable {
        public var id: UUID
        public var name: String
        public var ratePermyriad: Int?
        public var reductionFen: Int64?
        public var isActive: Bool
        public var sortOrder: Int
        enum CodingKeys: String, CodingKey {
            case id, name
            case ratePermyriad = "rate_permyriad", reductionFen = "reduction_fen", isActive = "is_active", sortOrder = "sort_order"
        }

        public var rule: DiscountRule {
            DiscountRule(name: name, effect: ratePermyriad.map { .rate(permyriad: $0) } ?? .reduction(Money(fen: reductionFen ?? 0)))
        }
    }

    public func rules(_ projectID: UUID, activeOnly: Bool = false) async throws -> [Rule] {
        var q = store.sql.select().columns("id", "name", "rate_permyriad", "reduction_fen", "is_active", "sort_order")
            .from("discount_rules").where("project_id", .equal, projectID)
        if activeOnly { q = q.where(SQLColumn("is_active"), .equal, SQLLiteral.boolean(true)) }
        return try await q.orderBy("sort_order").orderBy("name").all(decoding: Rule.self)
    }

    /// A rule is a rate ("98折", "0.98", "98%") or a fixed reduction in yuan, not both.
    public func createRule(_ projectID: UUID, name: String, rate: String, reduction: String, context: AuditContext) async throws -> Rule {
        var bad: [Problem.FieldError] = []
        if !Text.isCleanLine(name, maxLength: 40) { bad.append(.init(field: "name", code: "rule_name_invalid")) }
        let permyriad = rate.isEmpty ? nil : DiscountRule.permyriad(text: rate)
        let money = reduction.isEmpty ? nil : Money(yuanText: reduction)
        if rate.isEmpty == reduction.isEmpty { bad.append(.init(field: "rate", code: "rule_rate_or_reduction")) }
        else if !rate.isEmpty, permyriad == nil || permyriad! >= 10_000 { bad.append(.init(field: "rate", code: "rate_invalid")) }
        else if !reduction.isEmpty, money == nil || money!.fen <= 0 { bad.append(.init(field: "reduction", code: "money_not_number")) }
        else if let m = money, !m.isWithin(Money.maxTotal) { bad.append(.init(field: "reduction", code: "money_out_of_range")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let id = UUID(), now = now()
        do {
            try await store.audited(context) { tx in
                struct N: Decodable { var n: Int }
                let n = try await tx.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("discount_rules")
                    .where("project_id", .equal, projectID).first(decoding: N.self)?.n ?? 0
                try await tx.sql.insert(into: "discount_rules")
                    .columns("id", "project_id", "name", "rate_permyriad", "reduction_fen", "is_active", "sort_order", "created_at")
                    .values(SQLBind(id), SQLBind(projectID), SQLBind(name), SQLBind(permyriad), SQLBind(money?.fen),
                            SQLLiteral.boolean(true), SQLBind(n + 1), SQLBind(now)).run()
                return ((), AuditEntry(action: "discount.create", entity: "discount_rule", entityID: id.uuidString, projectID: projectID,
                                       summary: "created discount rule \(name)",
                                       after: ["name": name, "rate": permyriad.map(String.init) ?? "", "reduction": money?.plain ?? ""]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("rule_name_taken", ["name": name])
        }
        return try await rules(projectID).first { $0.id == id }!
    }

    public func setRuleActive(_ id: UUID, in projectID: UUID, active: Bool, context: AuditContext) async throws {
        try await store.audited(context) { tx in
            let changed = try await tx.sql.update("discount_rules").set(SQLColumn("is_active"), to: SQLLiteral.boolean(active))
                .where("id", .equal, id).where("project_id", .equal, projectID).returning("name").all()
            guard let row = changed.first else { throw Problem.notFound }
            let name = (try? row.decode(column: "name", as: String.self)) ?? ""
            return ((), AuditEntry(action: active ? "discount.enable" : "discount.disable", entity: "discount_rule",
                                   entityID: id.uuidString, projectID: projectID, summary: "\(active ? "enabled" : "disabled") discount rule \(name)"))
        }
    }

    // MARK: Quotes

    public struct Quote: Sendable {
        public var unit: UnitRow
        public var quote: PriceQuote
        public var belowFloor: Bool
        /// The role that must approve this price, or nil when the requester may grant it.
        public var approver: Role?
        public var specialPermyriad: Int
    }

    /// The price of a unit with the chosen rules and an optional special discount (特批).
    public func quote(unit unitID: UUID, in projectID: UUID, ruleIDs: [UUID], special: Int?, requesterRoles: Set<Role>) async throws -> Quote {
        let unit = try await InventoryService(store: store, now: now, events: events).unit(unitID, in: projectID)
        let all = try await rules(projectID, activeOnly: true)
        // Each rule applies once: listing one twice would stack it past any approval.
        guard Set(ruleIDs).count == ruleIDs.count else { throw Problem.invalid("ruleIds", "duplicate_rule") }
        var chosen: [DiscountRule] = []
        for id in ruleIDs {
            guard let r = all.first(where: { $0.id == id }) else { throw Problem.invalid("ruleIds", "rule_unknown") }
            chosen.append(r.rule)
        }
        let special = special ?? 10_000
        guard (1...10_000).contains(special) else { throw Problem.invalid("special", "rate_invalid") }
        if special < 10_000 { chosen.append(DiscountRule(name: "特批", effect: .rate(permyriad: special))) }
        let rounding = try await roundingRule(projectID)
        let q = PriceQuote.make(listTotal: unit.listTotal, rules: chosen, rounding: rounding)
        let belowFloor = q.finalTotal < unit.floorPrice
        return Quote(unit: unit, quote: q, belowFloor: belowFloor,
                     approver: ApprovalPolicy.discountApprover(requesterRoles: requesterRoles, specialPermyriad: special, belowFloor: belowFloor),
                     specialPermyriad: special)
    }

    /// Files a special-discount approval for a quote that needs one. The sale
    /// (subscription) later refers to the approved request.
    public func requestDiscount(unit unitID: UUID, in projectID: UUID, ruleIDs: [UUID], special: Int?, customer: String,
                                reason: String, principal: Principal, context: AuditContext) async throws -> UUID {
        let q = try await quote(unit: unitID, in: projectID, ruleIDs: ruleIDs, special: special,
                                requesterRoles: principal.roles(on: projectID))
        guard q.unit.status == .available || q.unit.status == .reserved else {
            throw Problem.conflict("unit_status_conflict", ["code": q.unit.code, "status": q.unit.status.rawValue, "move": UnitMove.subscribe.rawValue])
        }
        guard let approver = q.approver else { throw Problem.conflict("approval_not_needed") }
        guard Text.isCleanLine(reason, maxLength: 200) else { throw Problem.invalid("reason", "reason_required") }
        guard customer.isEmpty || Text.isCleanLine(customer, maxLength: 40) else { throw Problem.invalid("customer", "customer_name_invalid") }
        let payload = DiscountPayload(unitID: unitID, ruleIDs: ruleIDs, specialPermyriad: q.specialPermyriad,
                                      listTotal: q.unit.listTotal.fen, finalTotal: q.quote.finalTotal.fen, customer: customer)
        let now = now()
        return try await store.audited(context) { tx in
            let id = try await ApprovalService.file(.init(
                kind: .discount, projectID: projectID, subjectType: "unit", subjectID: unitID,
                title: "\(q.unit.code) \(customer.isEmpty ? "" : customer + " ")\(q.quote.finalTotal.description) 元 (\(DecimalText.format(Int64(q.quote.effectivePermyriad), scale: 2, grouping: false))%)",
                amount: q.quote.finalTotal, permyriad: q.quote.effectivePermyriad, payload: try payload.json(),
                requiredRole: approver, reason: reason), context: context, now: now, on: tx)
            return (id, AuditEntry(action: "approval.request", entity: "approval", entityID: id.uuidString, projectID: projectID,
                                   summary: "requested a special discount for \(q.unit.code): \(q.quote.finalTotal.plain)",
                                   after: ["kind": "discount", "approver": approver.rawValue, "final": q.quote.finalTotal.plain]))
        }
    }

    struct DiscountPayload: Codable {
        var unitID: UUID
        var ruleIDs: [UUID]
        var specialPermyriad: Int
        var listTotal: Int64
        var finalTotal: Int64
        var customer: String
    }

    // MARK: Single-unit price change

    struct UnitPricePayload: Codable {
        var unitID: UUID
        var oldUnitPrice: Int64
        var oldTotal: Int64
        var oldFloor: Int64
        var newUnitPrice: Int64
        var newTotal: Int64
        var newFloor: Int64
    }

    /// Asks to change one unit's list price (unit price for area-priced units, total for
    /// per-unit ones) and floor price. Applied when approved, if the price is unchanged since.
    public func requestUnitPrice(unit unitID: UUID, in projectID: UUID, unitPrice: String, total: String, floorPrice: String,
                                 reason: String, context: AuditContext) async throws -> UUID {
        let unit = try await InventoryService(store: store, now: now, events: events).unit(unitID, in: projectID)
        guard !unit.status.isSold else { throw Problem.conflict("unit_sold_locked", ["code": unit.code]) }
        let rounding = try await roundingRule(projectID)
        var bad: [Problem.FieldError] = []
        var newUnitPrice = unit.listUnitPrice, newTotal = unit.listTotal
        if let area = UnitPricing.pricedArea(basis: unit.basis, built: unit.builtArea, inner: unit.innerArea) {
            if let p = Money(yuanText: unitPrice), p.fen > 0, p.isWithin(Money.maxUnitPrice) {
                newUnitPrice = p; newTotal = UnitPricing.total(area: area, unitPrice: p, rounding: rounding)
            } else { bad.append(.init(field: "unitPrice", code: "money_not_number")) }
        } else if let t = Money(yuanText: total), t.fen > 0, t.isWithin(Money.maxTotal) {
            newTotal = t
        } else { bad.append(.init(field: "total", code: "money_not_number")) }
        let newFloor = floorPrice.trimmed.isEmpty ? min(unit.floorPrice, newTotal) : (Money(yuanText: floorPrice) ?? Money(fen: -1))
        if newFloor.fen < 0 { bad.append(.init(field: "floorPrice", code: "money_not_number")) }
        else if newFloor > newTotal { bad.append(.init(field: "floorPrice", code: "floor_price_above_total")) }
        if !Text.isCleanLine(reason, maxLength: 200) { bad.append(.init(field: "reason", code: "reason_required")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        if newTotal == unit.listTotal, newFloor == unit.floorPrice { throw Problem.conflict("price_unchanged") }
        let approver = ApprovalPolicy.unitPriceApprover(old: unit.listTotal, new: newTotal, belowFloor: newFloor < unit.floorPrice)
        let finalTotal = newTotal
        let payload = UnitPricePayload(unitID: unitID, oldUnitPrice: unit.listUnitPrice.fen, oldTotal: unit.listTotal.fen,
                                       oldFloor: unit.floorPrice.fen, newUnitPrice: newUnitPrice.fen, newTotal: newTotal.fen,
                                       newFloor: newFloor.fen)
        let now = now()
        return try await store.audited(context) { tx in
            let id = try await ApprovalService.file(.init(
                kind: .unitPrice, projectID: projectID, subjectType: "unit", subjectID: unitID,
                title: "\(unit.code) \(unit.listTotal.description) → \(finalTotal.description) 元",
                amount: finalTotal - unit.listTotal, permyriad: nil, payload: try JSONEncoder().encode(payload).utf8String,
                requiredRole: approver, reason: reason), context: context, now: now, on: tx)
            return (id, AuditEntry(action: "approval.request", entity: "approval", entityID: id.uuidString, projectID: projectID,
                                   summary: "requested a price change for \(unit.code): \(unit.listTotal.plain) → \(finalTotal.plain)",
                                   after: ["kind": "unit_price", "approver": approver.rawValue]))
        }
    }

    // MARK: Price lists

    public struct PriceList: Sendable, Decodable, Equatable {
        public var id: UUID
        public var version: Int
        public var name: String
        public var note: String
        public var status: String
        public var approvalID: UUID?
        public var unitCount: Int
        public var totalFen: Int64
        public var createdAt: Date
        public var activatedAt: Date?
        enum CodingKeys: String, CodingKey {
            case id, version, name, note, status
            case approvalID = "approval_id", unitCount = "unit_count", totalFen = "total_fen"
            case createdAt = "created_at", activatedAt = "activated_at"
        }
        public var total: Money { Money(fen: totalFen) }
    }

    public func priceLists(_ projectID: UUID) async throws -> [PriceList] {
        try await store.sql.select().columns("id", "version", "name", "note", "status", "approval_id", "unit_count", "total_fen",
                                             "created_at", "activated_at")
            .from("price_lists").where("project_id", .equal, projectID).orderBy("version", .descending).all(decoding: PriceList.self)
    }

    public struct PriceListItem: Sendable, Decodable, Equatable {
        public var unitID: UUID
        public var code: String
        public var status: String
        public var currentTotal: Int64
        public var unitPrice: Int64
        public var listTotal: Int64
        public var floorPrice: Int64
        enum CodingKeys: String, CodingKey {
            case code, status
            case unitID = "unit_id", currentTotal = "current_total", unitPrice = "unit_price", listTotal = "list_total", floorPrice = "floor_price"
        }
    }

    public func items(of listID: UUID, in projectID: UUID, page: PageRequest) async throws -> Paged<PriceListItem> {
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("""
            SELECT COUNT(*) AS n FROM price_list_items i JOIN price_lists l ON l.id = i.price_list_id
            WHERE l.id = \(bind: listID) AND l.project_id = \(bind: projectID)
            """).first(decoding: N.self)?.n ?? 0
        let rows = try await store.sql.raw("""
            SELECT i.unit_id, u.code, u.status, u.list_total AS current_total, i.unit_price, i.list_total, i.floor_price
            FROM price_list_items i JOIN price_lists l ON l.id = i.price_list_id JOIN units u ON u.id = i.unit_id
            WHERE l.id = \(bind: listID) AND l.project_id = \(bind: projectID)
            ORDER BY \(InventoryService.peopleOrder("u")) LIMIT \(bind: page.perPage) OFFSET \(bind: (page.page - 1) * page.perPage)
            """).all(decoding: PriceListItem.self)
        return Paged(items: rows, page: page.page, perPage: page.perPage, total: total)
    }

    /// A price adjustment (调价) over part of the project: unsold units of one building
    /// (or all) within a floor range, by a percentage or an amount per m², with the floor
    /// price set to a share of the new total.
    public struct Adjustment: Sendable, Equatable {
        public var buildingID: UUID?
        public var floorFrom: Int?
        public var floorTo: Int?
        /// Parts per ten thousand to add (+200 = +2 %), or nil.
        public var changePermyriad: Int?
        /// Yuan per m² to add (fen), or nil.
        public var changePerSquareMetre: Money?
        /// Floor price as a share of the new total (9500 = 95 %); nil keeps the current ratio.
        public var floorPermyriad: Int?
        public init() {}
    }

    public struct ItemDraft: Sendable, Equatable {
        public var code: String
        public var unitPrice: Money?
        public var total: Money?
        public var floorPrice: Money?
        public init(code: String, unitPrice: Money?, total: Money?, floorPrice: Money?) {
            self.code = code; self.unitPrice = unitPrice; self.total = total; self.floorPrice = floorPrice
        }
    }

    /// New price-list version from an adjustment of current prices.
    public func proposeAdjustment(_ projectID: UUID, name: String, note: String, adjustment a: Adjustment,
                                  context: AuditContext) async throws -> PriceList {
        if a.changePermyriad == nil, a.changePerSquareMetre == nil { throw Problem.invalid("change", "required") }
        if let p = a.changePermyriad, !(-5_000...5_000).contains(p) { throw Problem.invalid("changePercent", "rate_invalid") }
        if let m = a.changePerSquareMetre, m.fen.magnitude > UInt64(Money.maxUnitPrice.fen) {
            throw Problem.invalid("changePerSquareMetre", "money_out_of_range")
        }
        if let f = a.floorPermyriad, !(1...10_000).contains(f) { throw Problem.invalid("floorRatio", "rate_invalid") }
        var filter = UnitFilter()
        filter.buildingID = a.buildingID
        filter.floorFrom = a.floorFrom
        filter.floorTo = a.floorTo
        filter.statuses = [.unreleased, .available, .withheld, .reserved]
        let units = try await InventoryService(store: store, now: now, events: events).allUnits(projectID, filter: filter)
        guard !units.isEmpty else { throw Problem.invalid("buildingId", "no_units_selected") }
        let rounding = try await roundingRule(projectID)
        let drafts: [ItemDraft] = units.map { u in
            let area = UnitPricing.pricedArea(basis: u.basis, built: u.builtArea, inner: u.innerArea)
            var unitPrice = u.listUnitPrice, total = u.listTotal
            if let area {
                if let p = a.changePermyriad { unitPrice = u.listUnitPrice.scaled(by: Int64(10_000 + p), over: 10_000) }
                if let m = a.changePerSquareMetre { unitPrice += m }
                total = UnitPricing.total(area: area, unitPrice: unitPrice, rounding: rounding)
            } else {
                if let p = a.changePermyriad { total = u.listTotal.scaled(by: Int64(10_000 + p), over: 10_000).rounded(rounding) }
            }
            let floorShare = a.floorPermyriad.map(Int64.init)
                ?? (u.listTotal.fen > 0 ? Int64(Rounding.halfUp(Int128(u.floorPrice.fen) * 10_000, divisor: Int128(u.listTotal.fen))) : 10_000)
            let floor = total.scaled(by: floorShare, over: 10_000).rounded(rounding)
            return ItemDraft(code: u.code, unitPrice: area == nil ? nil : unitPrice, total: total, floorPrice: min(floor, total))
        }
        // A cut that takes a price to nothing (or beyond the limits) is refused, naming the first unit.
        if let broken = drafts.first(where: { d in
            (d.unitPrice.map { $0.fen <= 0 || !$0.isWithin(Money.maxUnitPrice) } ?? false) || (d.total.map { $0.fen <= 0 || !$0.isWithin(Money.maxTotal) } ?? true)
        }) {
            throw Problem(.unprocessableEntity, "price_out_of_range", arguments: ["code": broken.code])
        }
        return try await propose(projectID, name: name, note: note, items: drafts, context: context)
    }

    /// New price-list version from explicit per-unit prices (API, or a spreadsheet).
    public func propose(_ projectID: UUID, name: String, note: String, items: [ItemDraft], context: AuditContext) async throws -> PriceList {
        var bad: [Problem.FieldError] = []
        if !Text.isCleanLine(name, maxLength: 60) { bad.append(.init(field: "name", code: "price_list_name_invalid")) }
        if !note.isEmpty, !Text.isCleanLine(note, maxLength: 500) { bad.append(.init(field: "note", code: "text_invalid")) }
        if items.isEmpty { bad.append(.init(field: "items", code: "no_units_selected")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let rounding = try await roundingRule(projectID)
        let units = Dictionary(try await InventoryService(store: store, now: now, events: events).allUnits(projectID).map { ($0.code, $0) },
                               uniquingKeysWith: { a, _ in a })
        struct Item: Sendable { var unit: UnitRow; var unitPrice: Money; var total: Money; var floor: Money }
        var resolved: [Item] = []
        var seen = Set<String>()
        for (i, d) in items.enumerated() {
            let field = "items[\(i)]"
            guard let u = units[d.code] else { bad.append(.init(field: field, code: "unit_unknown")); continue }
            guard seen.insert(d.code).inserted else { bad.append(.init(field: field, code: "duplicate_unit")); continue }
            if u.status.isSold { bad.append(.init(field: field, code: "unit_sold_locked")); continue }
            var unitPrice = u.listUnitPrice, total: Money
            if let area = UnitPricing.pricedArea(basis: u.basis, built: u.builtArea, inner: u.innerArea) {
                guard let p = d.unitPrice, p.fen > 0 else { bad.append(.init(field: field, code: "money_not_number")); continue }
                guard p.isWithin(Money.maxUnitPrice) else { bad.append(.init(field: field, code: "money_out_of_range")); continue }
                unitPrice = p
                total = UnitPricing.total(area: area, unitPrice: p, rounding: rounding)
            } else {
                guard let t = d.total, t.fen > 0 else { bad.append(.init(field: field, code: "money_not_number")); continue }
                guard t.isWithin(Money.maxTotal) else { bad.append(.init(field: field, code: "money_out_of_range")); continue }
                total = t
            }
            let floor = d.floorPrice ?? min(u.floorPrice, total)
            if floor.fen < 0 || floor > total { bad.append(.init(field: field, code: "floor_price_above_total")); continue }
            resolved.append(Item(unit: u, unitPrice: unitPrice, total: total, floor: floor))
        }
        guard bad.isEmpty else { throw Problem.invalid(Array(bad.prefix(200))) }
        let id = UUID(), now = now()
        let resolvedItems = resolved
        let sum = resolved.reduce(Money.zero) { $0 + $1.total }
        do {
            try await store.audited(context) { tx in
                struct V: Decodable { var v: Int?; var pending: Int? }
                let v = try await tx.sql.raw("""
                    SELECT MAX(version) AS v, SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending
                    FROM price_lists WHERE project_id = \(bind: projectID)
                    """).first(decoding: V.self)
                if (v?.pending ?? 0) > 0 { throw Problem.conflict("price_list_pending") }
                let version = (v?.v ?? 0) + 1
                let approvalID = try await ApprovalService.file(.init(
                    kind: .priceList, projectID: projectID, subjectType: "price_list", subjectID: id,
                    title: "价目表 V\(version) \(name)：\(resolvedItems.count) 套，合计 \(sum.description) 元",
                    amount: sum, permyriad: nil, payload: "{}", requiredRole: ApprovalPolicy.priceListApprover,
                    reason: note.isEmpty ? name : note), context: context, now: now, on: tx)
                try await tx.sql.insert(into: "price_lists").columns("id", "project_id", "version", "name", "note", "status",
                                                                     "approval_id", "unit_count", "total_fen", "created_by", "created_at")
                    .values(SQLBind(id), SQLBind(projectID), SQLBind(version), SQLBind(name), SQLBind(note), SQLBind("pending"),
                            SQLBind(approvalID), SQLBind(resolvedItems.count), SQLBind(sum.fen), SQLBind(context.actorID), SQLBind(now)).run()
                for chunk in resolvedItems.chunked(500) {
                    var insert = tx.sql.insert(into: "price_list_items")
                        .columns("price_list_id", "unit_id", "unit_price", "list_total", "floor_price", "old_total", "old_floor")
                    for item in chunk {
                        insert = insert.values(SQLBind(id), SQLBind(item.unit.id), SQLBind(item.unitPrice.fen), SQLBind(item.total.fen),
                                               SQLBind(item.floor.fen), SQLBind(item.unit.listTotal.fen), SQLBind(item.unit.floorPrice.fen))
                    }
                    try await insert.run()
                }
                return ((), AuditEntry(action: "price_list.propose", entity: "price_list", entityID: id.uuidString, projectID: projectID,
                                       summary: "proposed price list V\(version) \(name) (\(resolvedItems.count) units, \(sum.plain))",
                                       after: ["version": "\(version)", "units": "\(resolvedItems.count)", "total": sum.plain]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("price_list_pending")
        }
        return try await priceLists(projectID).first { $0.id == id }!
    }

    func roundingRule(_ projectID: UUID) async throws -> PriceRounding {
        struct R: Decodable { var price_rounding: String }
        guard let r = try await store.sql.select().column("price_rounding").from("projects").where("id", .equal, projectID)
            .first(decoding: R.self) else { throw Problem.notFound }
        return PriceRounding(rawValue: r.price_rounding) ?? .fen
    }

    // MARK: What approvals do

    static func approvalAppliers(events: UnitEventHub) -> [ApprovalKind: ApprovalApplier] {
        [
            .priceList: { approval, approved, tx, _, now in
                guard let listID = approval.subjectID else { return ApprovalEffect() }
                guard approved else {
                    try await tx.sql.update("price_lists").set("status", to: approval.status == .withdrawn ? "withdrawn" : "rejected")
                        .where("id", .equal, listID).run()
                    return ApprovalEffect()
                }
                try await tx.sql.update("price_lists").set("status", to: "superseded")
                    .where("project_id", .equal, approval.projectID).where("status", .equal, "active").run()
                try await tx.sql.update("price_lists").set("status", to: "active").set("activated_at", to: now)
                    .where("id", .equal, listID).run()
                // One statement for the whole list (UPDATE … FROM: PostgreSQL, and SQLite ≥ 3.33).
                // Units sold since the proposal, or repriced since (an approved single-unit change),
                // keep their price: the list was decided on the prices it showed.
                let updated = try await tx.sql.raw("""
                    UPDATE units SET list_unit_price = i.unit_price, list_total = i.list_total, floor_price = i.floor_price,
                                     updated_at = \(bind: now)
                    FROM price_list_items i
                    WHERE i.price_list_id = \(bind: listID) AND units.id = i.unit_id
                      AND units.status IN ('unreleased', 'available', 'withheld', 'reserved')
                      AND units.list_total = i.old_total AND units.floor_price = i.old_floor
                    RETURNING units.id
                    """).all().count
                struct N: Decodable { var n: Int }
                let items = try await tx.sql.raw("SELECT COUNT(*) AS n FROM price_list_items WHERE price_list_id = \(bind: listID)")
                    .first(decoding: N.self)?.n ?? 0
                let change = UnitChange(projectID: approval.projectID, unitIDs: [], structural: true)
                try await events.announce(change, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "price_list.activate", entity: "price_list", entityID: listID.uuidString,
                                                           projectID: approval.projectID,
                                                           summary: "activated \(approval.title): \(updated) units repriced, \(items - updated) kept (sold or repriced since)",
                                                           after: ["repriced": "\(updated)", "kept": "\(items - updated)"])],
                                      afterCommit: { events.committed(change) })
            },
            .unitPrice: { approval, approved, tx, _, now in
                guard approved, let unitID = approval.subjectID else { return ApprovalEffect() }
                let p = try JSONDecoder().decode(UnitPricePayload.self, from: Data(approval.payload.utf8))
                let changed = try await tx.sql.update("units").set("list_unit_price", to: p.newUnitPrice).set("list_total", to: p.newTotal)
                    .set("floor_price", to: p.newFloor).set("updated_at", to: now)
                    .where("id", .equal, unitID).where("list_total", .equal, p.oldTotal).where("floor_price", .equal, p.oldFloor)
                    .where("status", .in, ["unreleased", "available", "withheld", "reserved"]).returning("code").all()
                guard let row = changed.first else { throw Problem.conflict("price_changed_meanwhile") }
                let code = (try? row.decode(column: "code", as: String.self)) ?? ""
                let change = UnitChange(projectID: approval.projectID, unitIDs: [unitID])
                try await events.announce(change, on: tx)
                return ApprovalEffect(entries: [AuditEntry(action: "unit.price", entity: "unit", entityID: unitID.uuidString,
                                                           projectID: approval.projectID, summary: "changed the price of unit \(code)",
                                                           before: ["listTotal": Money(fen: p.oldTotal).plain, "floorPrice": Money(fen: p.oldFloor).plain],
                                                           after: ["listTotal": Money(fen: p.newTotal).plain, "floorPrice": Money(fen: p.newFloor).plain])],
                                      afterCommit: { events.committed(change) })
            },
            // An approved special discount is consumed by the subscription that names it.
            .discount: { _, _, _, _, _ in ApprovalEffect() },
        ]
    }
}

extension PricingService.DiscountPayload {
    func json() throws -> String { try JSONEncoder().encode(self).utf8String }
}

extension Data {
    var utf8String: String { String(decoding: self, as: UTF8.self) }
}

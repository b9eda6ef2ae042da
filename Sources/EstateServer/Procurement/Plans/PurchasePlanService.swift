import EstateCore
import Foundation
import SQLKit

/// 需求 → 计划: departments (engineering, property, the sales site, the office) raise material and equipment needs
/// against a project and a date; procurement consolidates them into a plan per period with budget lines, approved
/// through the approvals engine (kind `purchase_plan`, routed by `AuthorityMatrix` on the plan's total). Only an
/// approved plan's lines may be ordered against (未经批准的计划有权拒绝供应).
public struct PurchasePlanService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public static let departments = PurchaseNeedAccess.departments

    public struct Need: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var department: String
        public var category: String
        public var material: String
        public var unit: String
        public var quantityMilli: Int64
        public var neededOn: String
        public var note: String
        public var status: String
        public var planLineId: UUID?
        public var createdAt: Date
    }

    public struct Plan: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var period: String
        public var status: String
        public var totalFen: Int64
        public var approvalId: UUID?
        public var requiredRole: String
        public var matrixVersion: String
        public var createdAt: Date
        public var decidedAt: Date?
    }

    public struct Line: Decodable, Sendable {
        public var id: UUID
        public var planId: UUID
        public var category: String
        public var material: String
        public var unit: String
        public var quantityMilli: Int64
        public var budgetFen: Int64
        public var orderedFen: Int64

        public var remaining: Money { Money(fen: budgetFen - orderedFen) }
    }

    public struct NewNeed: Sendable {
        public var projectID: UUID
        public var department: String
        public var category: SupplierCategory
        public var material: String
        public var unit: String
        public var quantity: String
        public var neededOn: String
        public var note: String = ""
    }

    public struct NewLine: Sendable {
        public var category: SupplierCategory
        public var material: String
        public var unit: String
        public var quantity: String
        public var budget: String
        public var needIDs: [UUID] = []
    }

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// Materials are matched by name (市场行情 and needs): trimmed, inner runs of spaces as one.
    static func materialName(_ raw: String) -> String {
        raw.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func checkMaterial(_ material: String, unit: String, quantity: String, into bad: inout [Problem.FieldError], prefix: String = "")
        -> (String, String, Int64) {
        let m = materialName(material), u = unit.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(m, maxLength: 100) { bad.append(.init(field: prefix + "material", code: "text_invalid")) }
        if !Text.isCleanLine(u, maxLength: 10) { bad.append(.init(field: prefix + "unit", code: "text_invalid")) }
        let q = PurchaseQuantity.parse(quantity)
        if q == nil || q == 0 { bad.append(.init(field: prefix + "quantity", code: "quantity_invalid")) }
        return (m, u, q ?? 0)
    }

    public func raiseNeed(_ n: NewNeed, by actor: UUID?, context: AuditContext) async throws -> Need {
        var bad: [Problem.FieldError] = []
        if !Self.departments.contains(n.department) { bad.append(.init(field: "department", code: "department_invalid")) }
        let (material, unit, qty) = Self.checkMaterial(n.material, unit: n.unit, quantity: n.quantity, into: &bad)
        let day = CalendarDay(n.neededOn)
        if day == nil { bad.append(.init(field: "neededOn", code: "date_invalid")) }
        let note = n.note.trimmingCharacters(in: .whitespaces)
        if !note.isEmpty, !Text.isCleanLine(note, maxLength: 500) { bad.append(.init(field: "note", code: "text_invalid")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        let id = UUID(), at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            try await tx.sql.raw("""
                INSERT INTO purchase_needs (id, project_id, department, category, material, unit, quantity_milli, needed_on, note, status, created_by, created_at)
                VALUES (\(bind: id), \(bind: n.projectID), \(bind: n.department), \(bind: n.category.rawValue), \(bind: material), \(bind: unit),
                \(bind: qty), \(bind: day!.description), \(bind: note), 'open', \(bind: actor), \(bind: at))
                """).run()
            return ((), AuditEntry(action: "purchase_need.create", entity: "purchase_need", entityID: id.uuidString, projectID: n.projectID,
                                   summary: "\(material) \(PurchaseQuantity.format(qty)) \(unit) · \(day!)",
                                   after: ["department": n.department, "item": material, "count": PurchaseQuantity.format(qty), "day": day!.description]))
        }
        return try await need(id)
    }

    public func need(_ id: UUID) async throws -> Need {
        guard let n = try await store.sql.raw("SELECT * FROM purchase_needs WHERE id = \(bind: id)").first(decoding: Need.self, with: decoder)
        else { throw Problem.notFound }
        return n
    }

    /// Projects with procurement work (a need or an order): where the pages open when no project is chosen.
    public func activeProjects() async throws -> Set<UUID> {
        struct P: Decodable { var projectId: UUID }
        return Set(try await store.sql.raw("SELECT project_id FROM purchase_needs UNION SELECT project_id FROM purchase_orders")
            .all(decoding: P.self, with: decoder).map(\.projectId))
    }

    /// A project's needs; the pages also filter by department and, for a department that only raises needs, by who raised them.
    public func needs(projectID: UUID, status: String? = nil, department: String? = nil, raisedBy: UUID? = nil) async throws -> [Need] {
        var q: SQLQueryString = "SELECT * FROM purchase_needs WHERE project_id = \(bind: projectID)"
        if let status { q = q + " AND status = \(bind: status)" }
        if let department { q = q + " AND department = \(bind: department)" }
        if let raisedBy { q = q + " AND created_by = \(bind: raisedBy)" }
        return try await store.sql.raw(q + " ORDER BY needed_on, created_at, id LIMIT 500").all(decoding: Need.self, with: decoder)
    }

    /// A period's plan ("2026-12") with its budget lines, filed for approval in the same transaction; the needs it
    /// consolidates (open, of the project) become planned.
    public func createPlan(projectID: UUID, period: String, lines: [NewLine], by principal: Principal, context: AuditContext) async throws -> Plan {
        var bad: [Problem.FieldError] = []
        if period.count != 7 || CalendarDay(period + "-01") == nil { bad.append(.init(field: "period", code: "month_invalid")) }
        if lines.isEmpty || lines.count > 200 { bad.append(.init(field: "lines", code: "plan_lines_required")) }
        var checked: [(NewLine, String, String, Int64, Int64)] = []
        for (i, l) in lines.enumerated() {
            let (m, u, q) = Self.checkMaterial(l.material, unit: l.unit, quantity: l.quantity, into: &bad, prefix: "lines[\(i)].")
            let budget = Money(yuanText: l.budget)
            if budget == nil || budget!.fen <= 0 || budget!.fen > Money.maxTotal.fen { bad.append(.init(field: "lines[\(i)].budget", code: "amount_invalid")) }
            checked.append((l, m, u, q, budget?.fen ?? 0))
        }
        let needIDs = lines.flatMap(\.needIDs)
        if Set(needIDs).count != needIDs.count { bad.append(.init(field: "lines", code: "need_repeated")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        let total = Money(fen: checked.reduce(0) { $0 + $1.4 })
        let matrix = AuthorityMatrix.current
        let role = matrix.approver(for: total)
        let id = UUID(), at = now(), checkedLines = checked
        return try await store.audited(context) { tx -> (Plan, AuditEntry) in
            try await tx.sql.raw("""
                INSERT INTO purchase_plans (id, project_id, period, status, total_fen, required_role, matrix_version, created_by, created_at)
                VALUES (\(bind: id), \(bind: projectID), \(bind: period), 'submitted', \(bind: total.fen), \(bind: role.rawValue), \(bind: matrix.version),
                \(bind: principal.userID), \(bind: at))
                """).run()
            for (l, m, u, q, budget) in checkedLines {
                let lineID = UUID()
                try await tx.sql.raw("""
                    INSERT INTO purchase_plan_lines (id, plan_id, category, material, unit, quantity_milli, budget_fen, ordered_fen)
                    VALUES (\(bind: lineID), \(bind: id), \(bind: l.category.rawValue), \(bind: m), \(bind: u), \(bind: q), \(bind: budget), 0)
                    """).run()
                for need in l.needIDs {
                    struct I: Decodable { var id: UUID }
                    let taken = try await tx.sql.raw("""
                        UPDATE purchase_needs SET status = 'planned', plan_line_id = \(bind: lineID)
                        WHERE id = \(bind: need) AND project_id = \(bind: projectID) AND status = 'open' RETURNING id
                        """).all(decoding: I.self)
                    guard !taken.isEmpty else { throw Problem.conflict("need_not_open", ["id": need.uuidString]) }
                }
            }
            let approval = try await ApprovalService.file(.init(kind: .purchasePlan, projectID: projectID, subjectType: "purchase_plan", subjectID: id,
                                                                title: "采购计划 \(period)", amount: total, permyriad: nil,
                                                                payload: #"{"matrixVersion":"\#(matrix.version)"}"#, requiredRole: role,
                                                                reason: "\(lines.count) 项预算"), context: context, now: at, on: tx)
            try await tx.sql.raw("UPDATE purchase_plans SET approval_id = \(bind: approval) WHERE id = \(bind: id)").run()
            let plan = Plan(id: id, projectId: projectID, period: period, status: "submitted", totalFen: total.fen, approvalId: approval,
                            requiredRole: role.rawValue, matrixVersion: matrix.version, createdAt: at, decidedAt: nil)
            return (plan, AuditEntry(action: "purchase_plan.create", entity: "purchase_plan", entityID: id.uuidString, projectID: projectID,
                                     summary: "采购计划 \(period): \(total)",
                                     after: ["total": total.plain, "lines": "\(lines.count)", "approval": approval.uuidString, "version": matrix.version]))
        }
    }

    public func plan(_ id: UUID) async throws -> Plan {
        guard let p = try await store.sql.raw("SELECT * FROM purchase_plans WHERE id = \(bind: id)").first(decoding: Plan.self, with: decoder)
        else { throw Problem.notFound }
        return p
    }

    public func lines(_ planID: UUID) async throws -> [Line] {
        try await store.sql.raw("SELECT * FROM purchase_plan_lines WHERE plan_id = \(bind: planID) ORDER BY category, material, id")
            .all(decoding: Line.self, with: decoder)
    }

    public func plans(projectID: UUID, status: String? = nil) async throws -> [Plan] {
        var q: SQLQueryString = "SELECT * FROM purchase_plans WHERE project_id = \(bind: projectID)"
        if let status { q = q + " AND status = \(bind: status)" }
        return try await store.sql.raw(q + " ORDER BY period DESC, created_at DESC, id LIMIT 200").all(decoding: Plan.self, with: decoder)
    }

    /// The plan approval's decision: approved → its lines may be ordered against; rejected or withdrawn → the plan is
    /// closed and its needs are open again.
    static func approvalAppliers() -> [ApprovalKind: ApprovalApplier] {
        [.purchasePlan: { approval, approved, tx, _, now in
            guard let id = approval.subjectID else { return ApprovalEffect() }
            let status = approved ? "approved" : approval.status == .withdrawn ? "withdrawn" : "rejected"
            struct I: Decodable { var id: UUID }
            let done = try await tx.sql.raw("""
                UPDATE purchase_plans SET status = \(bind: status), decided_at = \(bind: now) WHERE id = \(bind: id) AND status = 'submitted'
                AND approval_id = \(bind: approval.id) RETURNING id
                """).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("purchase_plan_not_submitted") }
            if !approved {
                try await tx.sql.raw("""
                    UPDATE purchase_needs SET status = 'open', plan_line_id = NULL
                    WHERE plan_line_id IN (SELECT id FROM purchase_plan_lines WHERE plan_id = \(bind: id))
                    """).run()
            }
            return ApprovalEffect(entries: [AuditEntry(action: approved ? "purchase_plan.approve" : "purchase_plan.reject", entity: "purchase_plan",
                                                       entityID: id.uuidString, projectID: approval.projectID, summary: "\(approval.title): \(status)",
                                                       before: ["status": "submitted"], after: ["status": status])])
        }]
    }
}

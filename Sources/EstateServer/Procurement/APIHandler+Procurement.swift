import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/suppliers`, `/api/v1/supplier-qualifications/expiring`, `/api/v1/purchase-needs`, `/api/v1/purchase-plans`
/// and `/api/v1/purchase-orders`: procurement staff keep the directory, consolidate needs into plans and file orders;
/// the procurement manager or the GM decide them in the approvals inbox (by the authority matrix).
extension APIHandler {
    /// A project `p` handles procurement on: 404 when unseen, 403 without the right.
    func procurementProject(_ raw: String, _ action: Action = .procurementHandle) async throws -> UUID {
        try await reportProject(raw, action).id
    }

    static func supplierSchema(_ s: SupplierService.Supplier, qualifications: [SupplierService.Qualification], today: CalendarDay) -> Schemas.Supplier {
        var out = Schemas.Supplier(
            id: s.id.uuidString, name: s.name, creditCode: s.creditCode,
            categories: s.categoryList.compactMap { Schemas.SupplierCategory(rawValue: $0.rawValue) }, address: s.address, bankName: s.bankName,
            bankAccount: s.bankAccount, contactName: s.contactName, contactMobile: s.contactMobile,
            status: s.status == "blacklisted" ? .blacklisted : .active, blacklistPending: s.status == "active" && s.blacklistApprovalId != nil,
            qualifications: qualifications.map { qualificationSchema($0, today: today) })
        out.blacklistReason = s.blacklistReason
        return out
    }

    static func qualificationSchema(_ q: SupplierService.Qualification, today: CalendarDay) -> Schemas.SupplierQualification {
        .init(id: q.id.uuidString, category: Schemas.SupplierCategory(rawValue: q.category) ?? .materials, name: q.name, number: q.number,
              expiresOn: q.expiresOn, standing: .init(rawValue: q.standing(on: today).rawValue) ?? .expired)
    }

    var procurementToday: CalendarDay { CalendarDay(services.now()) }

    func listSuppliers(_ input: Operations.ListSuppliers.Input) async throws -> Operations.ListSuppliers.Output {
        let list = try await services.suppliers(database).list(category: input.query.category.flatMap { SupplierCategory(rawValue: $0.rawValue) },
                                                               status: input.query.status?.rawValue, search: input.query.q)
        let day = procurementToday
        return .ok(.init(body: .json(.init(items: list.map { Self.supplierSchema($0, qualifications: [], today: day) }))))
    }

    func createSupplier(_ input: Operations.CreateSupplier.Input) async throws -> Operations.CreateSupplier.Output {
        let b = switch input.body { case .json(let json): json }
        let s = try await services.suppliers(database).create(
            .init(name: b.name, creditCode: b.creditCode, categories: b.categories.compactMap { SupplierCategory(rawValue: $0.rawValue) },
                  address: b.address ?? "", bankName: b.bankName, bankAccount: b.bankAccount, contactName: b.contactName, contactMobile: b.contactMobile),
            by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.supplierSchema(s, qualifications: [], today: procurementToday))))
    }

    func getSupplier(_ input: Operations.GetSupplier.Input) async throws -> Operations.GetSupplier.Output {
        let svc = services.suppliers(database)
        let s = try await svc.supplier(try Self.uuid(input.path.supplierId))
        return .ok(.init(body: .json(Self.supplierSchema(s, qualifications: try await svc.qualifications(s.id), today: procurementToday))))
    }

    func addSupplierQualification(_ input: Operations.AddSupplierQualification.Input) async throws -> Operations.AddSupplierQualification.Output {
        let b = switch input.body { case .json(let json): json }
        let q = try await services.suppliers(database).addQualification(try Self.uuid(input.path.supplierId),
                                                                       category: SupplierCategory(rawValue: b.category.rawValue) ?? .materials,
                                                                       name: b.name, number: b.number, expiresOn: b.expiresOn, context: call.auditContext)
        return .created(.init(body: .json(Self.qualificationSchema(q, today: procurementToday))))
    }

    func requestSupplierBlacklist(_ input: Operations.RequestSupplierBlacklist.Input) async throws -> Operations.RequestSupplierBlacklist.Output {
        let b = switch input.body { case .json(let json): json }
        let supplierID = try Self.uuid(input.path.supplierId)
        _ = try await services.suppliers(database).supplier(supplierID)
        let project = try await procurementProject(b.projectId)
        let approval = try await services.suppliers(database).requestBlacklist(supplierID, projectID: project, reason: b.reason,
                                                                                by: try call.requirePrincipal(), context: call.auditContext)
        return .accepted(.init(body: .json(.init(approvalId: approval.uuidString))))
    }

    func listExpiringQualifications(_ input: Operations.ListExpiringQualifications.Input) async throws -> Operations.ListExpiringQualifications.Output {
        let day = procurementToday
        let items = try await services.suppliers(database).expiringQualifications().map { s, q in
            Schemas.ExpiringQualification(supplierId: s.id.uuidString, supplierName: s.name, qualification: Self.qualificationSchema(q, today: day))
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    // MARK: needs and plans

    static func needSchema(_ n: PurchasePlanService.Need) -> Schemas.PurchaseNeed {
        var out = Schemas.PurchaseNeed(id: n.id.uuidString, projectId: n.projectId.uuidString, department: .init(rawValue: n.department) ?? .office,
                                       category: .init(rawValue: n.category) ?? .materials, material: n.material, unit: n.unit,
                                       quantity: PurchaseQuantity.format(n.quantityMilli), neededOn: n.neededOn, note: n.note,
                                       status: n.status == "open" ? .open : .planned)
        out.planLineId = n.planLineId?.uuidString
        return out
    }

    static func purchasePlanSchema(_ p: PurchasePlanService.Plan, lines: [PurchasePlanService.Line]) -> Schemas.PurchasePlan {
        var out = Schemas.PurchasePlan(
            id: p.id.uuidString, projectId: p.projectId.uuidString, period: p.period, status: .init(rawValue: p.status) ?? .submitted,
            total: Money(fen: p.totalFen).plain, approver: p.requiredRole, matrixVersion: p.matrixVersion, createdAt: p.createdAt,
            lines: lines.map { l in
                .init(id: l.id.uuidString, category: .init(rawValue: l.category) ?? .materials, material: l.material, unit: l.unit,
                      quantity: PurchaseQuantity.format(l.quantityMilli), budget: Money(fen: l.budgetFen).plain, ordered: Money(fen: l.orderedFen).plain,
                      remaining: l.remaining.plain)
            })
        out.approvalId = p.approvalId?.uuidString
        out.decidedAt = p.decidedAt
        return out
    }

    func listPurchaseNeeds(_ input: Operations.ListPurchaseNeeds.Input) async throws -> Operations.ListPurchaseNeeds.Output {
        let project = try await procurementProject(input.query.projectId)
        let needs = try await services.purchasePlans(database).needs(projectID: project, status: input.query.status?.rawValue)
        return .ok(.init(body: .json(.init(items: needs.map(Self.needSchema)))))
    }

    func createPurchaseNeed(_ input: Operations.CreatePurchaseNeed.Input) async throws -> Operations.CreatePurchaseNeed.Output {
        let b = switch input.body { case .json(let json): json }
        // The departments that use materials raise their own needs (工程部, 物业, 案场); procurement and the GM enter any
        // department's, the office's included (`PurchaseNeedAccess`); anyone else 403 purchase_need_forbidden.
        let project = try await procurementProject(b.projectId, .projectView)
        try ProcurementShell.checkRaises(try call.requirePrincipal(), department: b.department.rawValue, on: project)
        let n = try await services.purchasePlans(database).raiseNeed(
            .init(projectID: project, department: b.department.rawValue, category: SupplierCategory(rawValue: b.category.rawValue) ?? .materials,
                  material: b.material, unit: b.unit, quantity: b.quantity, neededOn: b.neededOn, note: b.note ?? ""),
            by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.needSchema(n))))
    }

    func listPurchasePlans(_ input: Operations.ListPurchasePlans.Input) async throws -> Operations.ListPurchasePlans.Output {
        let project = try await procurementProject(input.query.projectId)
        let plans = try await services.purchasePlans(database).plans(projectID: project, status: input.query.status?.rawValue)
        return .ok(.init(body: .json(.init(items: plans.map { Self.purchasePlanSchema($0, lines: []) }))))
    }

    func createPurchasePlan(_ input: Operations.CreatePurchasePlan.Input) async throws -> Operations.CreatePurchasePlan.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await procurementProject(b.projectId)
        var lines: [PurchasePlanService.NewLine] = []
        for (i, l) in b.lines.enumerated() {
            lines.append(.init(category: SupplierCategory(rawValue: l.category.rawValue) ?? .materials, material: l.material, unit: l.unit,
                               quantity: l.quantity, budget: l.budget,
                               needIDs: try (l.needIds ?? []).map { try Self.uuid($0, field: "lines[\(i)].needIds") }))
        }
        let svc = services.purchasePlans(database)
        let plan = try await svc.createPlan(projectID: project, period: b.period, lines: lines, by: try call.requirePrincipal(), context: call.auditContext)
        return .created(.init(body: .json(Self.purchasePlanSchema(plan, lines: try await svc.lines(plan.id)))))
    }

    func getPurchasePlan(_ input: Operations.GetPurchasePlan.Input) async throws -> Operations.GetPurchasePlan.Output {
        let p = try call.requirePrincipal()
        let svc = services.purchasePlans(database)
        let plan = try await svc.plan(try Self.uuid(input.path.planId))
        guard p.canSee(project: plan.projectId), p.may(.procurementHandle, on: plan.projectId) else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.purchasePlanSchema(plan, lines: try await svc.lines(plan.id)))))
    }

    // MARK: orders

    func purchaseOrderSchema(_ o: PurchaseOrderService.Order, lines: [PurchaseOrderService.Line]) async throws -> Schemas.PurchaseOrder {
        let name = try await services.suppliers(database).names([o.supplierId])[o.supplierId] ?? ""
        let terms = o.terms
        let parts = PaymentTerm.split(Money(fen: o.totalFen), terms)
        var out = Schemas.PurchaseOrder(
            id: o.id.uuidString, projectId: o.projectId.uuidString, number: o.number, title: o.title, supplierId: o.supplierId.uuidString,
            supplierName: name, planId: o.planId.uuidString, category: .init(rawValue: o.category) ?? .materials,
            status: .init(rawValue: o.status) ?? .submitted, total: Money(fen: o.totalFen).plain, approver: o.requiredRole,
            matrixVersion: o.matrixVersion, priceReason: o.priceReason, flaggedLines: o.flaggedLines, publicTender: o.publicTender,
            createdAt: o.createdAt,
            payments: zip(terms, parts).map { t, m in .init(event: .init(rawValue: t.event.rawValue) ?? .invoice, share: t.permyriad, days: t.days, amount: m.plain) },
            lines: lines.map { l in
                var line = Schemas.PurchaseOrderLine(id: l.id.uuidString, planLineId: l.planLineId.uuidString, material: l.material, unit: l.unit,
                                                     quantity: PurchaseQuantity.format(l.quantityMilli), unitPrice: Money(fen: l.unitPriceFen).plain,
                                                     amount: Money(fen: l.amountFen).plain, dueOn: l.dueOn, flagged: l.flagged)
                line.median = l.medianFen.map { Money(fen: $0).plain }
                return line
            })
        out.approvalId = o.approvalId?.uuidString
        out.decidedAt = o.decidedAt
        out.supplierScore = o.score
        return out
    }

    func listPurchaseOrders(_ input: Operations.ListPurchaseOrders.Input) async throws -> Operations.ListPurchaseOrders.Output {
        let project = try await procurementProject(input.query.projectId)
        let supplier = try input.query.supplierId.map { try Self.uuid($0, field: "supplierId") }
        let orders = try await services.purchaseOrders(database).orders(projectID: project, status: input.query.status?.rawValue, supplierID: supplier)
        var items: [Schemas.PurchaseOrder] = []
        for o in orders { items.append(try await purchaseOrderSchema(o, lines: [])) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createPurchaseOrder(_ input: Operations.CreatePurchaseOrder.Input) async throws -> Operations.CreatePurchaseOrder.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await procurementProject(b.projectId)
        var lines: [PurchaseOrderService.NewLine] = []
        for (i, l) in b.lines.enumerated() {
            lines.append(.init(planLineID: try Self.uuid(l.planLineId, field: "lines[\(i)].planLineId"), quantity: l.quantity, unitPrice: l.unitPrice,
                               dueOn: l.dueOn))
        }
        let terms = b.paymentTerms.map { $0.map { PaymentTerm(event: PaymentTerm.Event(rawValue: $0.event.rawValue) ?? .invoice, permyriad: $0.share, days: $0.days) } }
        let svc = services.purchaseOrders(database)
        let o = try await svc.create(.init(projectID: project, supplierID: try Self.uuid(b.supplierId, field: "supplierId"),
                                           planID: try Self.uuid(b.planId, field: "planId"), title: b.title, lines: lines,
                                           paymentTerms: terms ?? PaymentTerm.standard, priceReason: b.priceReason ?? ""),
                                     by: try call.requirePrincipal(), context: call.auditContext)
        return .created(.init(body: .json(try await purchaseOrderSchema(o, lines: try await svc.lines(o.id)))))
    }

    func getPurchaseOrder(_ input: Operations.GetPurchaseOrder.Input) async throws -> Operations.GetPurchaseOrder.Output {
        let p = try call.requirePrincipal()
        let svc = services.purchaseOrders(database)
        let o = try await svc.order(try Self.uuid(input.path.orderId))
        guard p.canSee(project: o.projectId), p.may(.procurementHandle, on: o.projectId) else { throw Problem.notFound }
        return .ok(.init(body: .json(try await purchaseOrderSchema(o, lines: try await svc.lines(o.id)))))
    }
}

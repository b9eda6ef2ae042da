import EstateCore
import Foundation
import Vapor

enum ApprovalsController {
    static func register(_ app: Application) {
        app.on(.GET, "approvals", guard: .signedIn, use: index)
        app.on(.GET, "approvals", ":approvalID", guard: .signedIn, use: show)
        app.on(.POST, "approvals", ":approvalID", "decision", guard: .signedIn, use: decide)
        app.on(.POST, "approvals", ":approvalID", "withdraw", guard: .signedIn, use: withdraw)
    }

    static func names(_ req: Request) async throws -> [UUID: String] {
        Dictionary(try await req.services.projectDirectory.all(sql: req.store.sql).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    @Sendable static func index(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let box = (try? req.query.get(String.self, at: "box")).flatMap(ApprovalService.Box.init(rawValue:)) ?? .inbox
        let page = try await req.services.approvals(req.db).list(box, projectID: nil, status: nil, for: p,
                                                                  page: try PageRequest(page: try? req.query.get(Int.self, at: "page"), perPage: 50))
        let (applicants, prices) = try await facts(req, page.items)
        return Shell.response(ApprovalsPage.view(PageContext(req), .init(box: box, page: page, projectNames: try await names(req),
                                                                         applicants: applicants, prices: prices)))
    }

    /// Applicants' display names and, for prices and discounts, the prices at stake: one query each.
    static func facts(_ req: Request, _ items: [ApprovalRow]) async throws -> ([UUID: String], [UUID: ApprovalsPage.Prices]) {
        let sql = req.store.sql
        let names = try await StaffDirectory.displayNames(items.compactMap(\.requestedBy), sql: sql)
        let priced = items.filter { $0.kind == .discount || $0.kind == .unitPrice }
        let units = try await InventoryService.unitPrices(priced.compactMap(\.subjectID), sql: sql)
        var prices: [UUID: ApprovalsPage.Prices] = [:]
        for a in priced { prices[a.id] = ApprovalsPage.Prices.of(a, unit: a.subjectID.flatMap { units[$0] }) }
        return (Dictionary(uniqueKeysWithValues: items.compactMap { a in a.requestedBy.flatMap { names[$0] }.map { (a.id, $0) } }), prices)
    }

    static func id(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("approvalID").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        return id
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let a = try await req.services.approvals(req.db).find(try id(req), for: p)
        let facts = try await facts(req, [a])
        let link: String? = switch a.kind {
        case .priceList: a.subjectID.map { "/projects/\(a.projectID)/prices/\($0)" }
        case .unitPrice, .discount: a.subjectID.map { "/projects/\(a.projectID)/units/\($0)" }
        case .subscriptionCancel, .buyerChange, .refund: a.subjectID.map { "/sales/\($0)" }
        case .planChange, .penaltyWaiver, .termination: a.subjectID.map { "/contracts/\($0)" }
        case .commissionStatement: a.subjectID.map { "/commissions/\($0)" }
        case .supplierBlacklist: a.subjectID.map { "/procurement/suppliers/\($0)" }
        case .purchasePlan: a.subjectID.map { "/procurement/plans/\($0)" }
        case .purchaseOrder: a.subjectID.map { "/procurement/orders/\($0)" }
        }
        return Shell.response(ApprovalsPage.show(PageContext(req), .init(
            approval: a, projectName: try await names(req)[a.projectID] ?? "",
            mayDecide: a.status == .pending && ApprovalPolicy.mayDecide(roles: p.roles(on: a.projectID), required: a.requiredRole,
                                                                        isRequester: a.requestedBy == p.userID),
            isRequester: a.requestedBy == p.userID, subjectLink: link,
            applicant: facts.0[a.id] ?? a.requestedByName, prices: facts.1[a.id])))
    }

    @Sendable static func decide(_ req: Request) async throws -> Response {
        let id = try id(req)
        let approve = (try? req.content.get(String.self, at: "approve")) == "true"
        let comment = (try? req.content.get(String.self, at: "comment")) ?? ""
        return try await FormAction.run(req) {
            _ = try await req.services.approvals(req.db).decide(id, approve: approve, comment: comment, by: try req.requirePrincipal(),
                                                                context: req.auditContext)
            return .to("/approvals/\(id)", notice: approve ? "approvals.approved" : "approvals.rejected")
        } failed: { p in
            FormAction.back(req, to: "/approvals/\(id)", p)
        }
    }

    @Sendable static func withdraw(_ req: Request) async throws -> Response {
        let id = try id(req)
        return try await FormAction.run(req) {
            _ = try await req.services.approvals(req.db).withdraw(id, by: try req.requirePrincipal(), context: req.auditContext)
            return .to("/approvals/\(id)", notice: "approvals.withdrawn")
        } failed: { p in
            FormAction.back(req, to: "/approvals/\(id)", p)
        }
    }
}

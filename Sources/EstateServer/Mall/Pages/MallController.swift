import EstateCore
import Foundation
import Vapor

/// 商场服务台 pages (issue 20): the place, members; every form through `FormAction`.
enum MallController {
    static func register(_ app: Application) {
        app.on(.GET, "mall", guard: .allowed(.mallDesk), use: home)
        app.on(.POST, "mall", guard: .allowed(.mallSupervise), use: createMall)
        app.on(.GET, "mall", "tags.css", guard: .signedIn, use: tagsCSS)
        app.on(.GET, "price-tags", ":requestID", "sheet", guard: .allowed(.mallDesk), use: sheet)
        let m = app.grouped("malls", ":mallID")
        m.on(.GET, guard: .allowed(.mallDesk), use: place)
        m.on(.POST, "tenants", guard: .allowed(.mallDesk), use: addTenant)
        m.on(.POST, "floors", ":floorID", "manager", guard: .allowed(.mallSupervise), use: floorManager)
        m.on(.GET, "members", guard: .allowed(.mallDesk), use: members)
        m.on(.POST, "members", guard: .allowed(.mallDesk), use: apply)
        m.on(.POST, "gifts", guard: .allowed(.mallSupervise), use: addGift)
        let mb = app.grouped("members", ":memberID")
        mb.on(.GET, guard: .allowed(.mallDesk), use: member)
        mb.on(.POST, "decision", guard: .allowed(.mallSupervise), use: decide)
        mb.on(.POST, "card", guard: .allowed(.mallDesk), use: issue)
        mb.on(.POST, "receipts", guard: .allowed(.mallDesk), use: earn)
        mb.on(.POST, "redemptions", guard: .allowed(.mallDesk), use: redeem)
        MallDeskController.register(app)
    }

    @Sendable static func tagsCSS(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .css
        return Response(status: .ok, headers: headers, body: .init(string: PriceTagSheet.css))
    }

    @Sendable static func sheet(_ req: Request) async throws -> Response {
        Shell.response(PriceTagSheet.view(PageContext(req), try await PriceTagSheet.Model.load(req)))
    }

    @Sendable static func home(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let malls = try await req.services.malls(req.db).malls(in: p.projects(where: .mallDesk))
        if let first = malls.first { return req.redirect(to: "/malls/\(first.id)") }
        let supervised = try await ProjectSwitcher.projects(req, any: [.mallSupervise])
        return Shell.response(MallDeskPage.setupView(PageContext(req), .init(projects: supervised)))
    }

    @Sendable static func createMall(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        return try await FormAction.run(req) {
            guard let project = UUID(uuidString: req.formField("projectId")), p.may(.mallSupervise, on: project) else { throw Problem.forbidden }
            let labels = req.formField("floors").split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " }).map(String.init)
            let floors = labels.enumerated().map { i, l in
                MallService.FloorDraft(label: l, level: l.uppercased().hasPrefix("B") ? -(Int(l.dropFirst()) ?? 1) : (Int(l.filter(\.isNumber)) ?? i))
            }
            let m = try await req.services.malls(req.db).create(projectID: project, name: req.formField("name"), floors: floors, by: p.userID,
                                                                context: req.auditContext)
            try await req.services.complaints(req.db).prepare(m, context: req.auditContext)
            return .to("/malls/\(m.id)", notice: "mall.created_notice")
        } failed: { FormAction.back(req, to: "/mall", $0) }
    }

    @Sendable static func place(_ req: Request) async throws -> Response {
        Shell.response(MallDeskPage.view(PageContext(req), try await MallDeskPage.Model.load(req)))
    }

    @Sendable static func addTenant(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        let back = "/malls/\(mall.id)"
        return try await FormAction.run(req) {
            let v = req.formFields(["floorId", "unitNo", "shopName", "category", "contactName", "contactMobile", "leaseStarts", "leaseEnds"])
            guard let floor = UUID(uuidString: v["floorId"] ?? "") else { throw Problem.invalid("floorId", "mall_floor_not_found") }
            var d = MallService.TenantDraft(floorID: floor, unitNo: v["unitNo"] ?? "", shopName: v["shopName"] ?? "", category: v["category"] ?? "",
                                            contactName: v["contactName"] ?? "", leaseStarts: v["leaseStarts"] ?? "", leaseEnds: v["leaseEnds"] ?? "")
            d.contactMobile = v["contactMobile"]
            _ = try await req.services.malls(req.db).addTenant(d, to: mall, context: req.auditContext)
            return .to(back, notice: "mall.tenant_added_notice", anchor: "mall-tenants")
        } failed: { FormAction.back(req, to: back, $0) }
    }

    @Sendable static func floorManager(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req, .mallSupervise)
        let back = "/malls/\(mall.id)"
        return try await FormAction.run(req) {
            let manager = req.formField("managerId")
            _ = try await req.services.malls(req.db).setFloorManager(try req.pathID("floorID"), of: mall,
                                                                     managerID: manager.isEmpty ? nil : UUID(uuidString: manager) ?? UUID(),
                                                                     context: req.auditContext)
            return .to(back, anchor: "mall-floors")
        } failed: { FormAction.back(req, to: back, $0) }
    }

    @Sendable static func members(_ req: Request) async throws -> Response {
        Shell.response(MemberPages.listView(PageContext(req), try await MemberPages.ListModel.load(req)))
    }

    @Sendable static func apply(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        let back = "/malls/\(mall.id)/members"
        return try await FormAction.run(req) {
            var a = MemberService.Application(kind: MemberKind(rawValue: req.formField("kind")) ?? .person, name: req.formField("name"),
                                              mobile: req.formField("mobile"))
            a.organisation = req.formField("organisation")
            let m = try await req.services.members(req.db).apply(a, mall: mall, by: try req.requirePrincipal().userID, context: req.auditContext)
            return .to("/members/\(m.id)", notice: "member.applied_notice")
        } failed: { FormAction.back(req, to: back, $0) }
    }

    @Sendable static func addGift(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req, .mallSupervise)
        let back = "/malls/\(mall.id)/members"
        return try await FormAction.run(req) {
            guard let points = Int64(req.formField("pointsCost")) else { throw Problem.invalid("pointsCost", "gift_points_invalid") }
            guard let stock = Int(req.formField("stock")) else { throw Problem.invalid("stock", "gift_stock_invalid") }
            _ = try await req.services.members(req.db).addGift(mall, name: req.formField("name"), pointsCost: points, stock: stock, context: req.auditContext)
            return .to(back, anchor: "mb-gifts")
        } failed: { FormAction.back(req, to: back, $0) }
    }

    /// The member in the path and where its forms go back to, for a reader who works its mall's desk.
    static func memberRef(_ req: Request) async throws -> MemberService.Member {
        let p = try req.requirePrincipal()
        guard let m = try await ifFound({ try await req.services.members(req.db).member(try req.pathID("memberID")) }),
              let mall = try await ifFound({ try await req.services.malls(req.db).mall(m.mallId) }), p.canSee(project: mall.projectId), p.may(.mallDesk, on: mall.projectId)
        else { throw Problem.notFound }
        return m
    }

    @Sendable static func member(_ req: Request) async throws -> Response {
        Shell.response(MemberPages.memberView(PageContext(req), try await MemberPages.MemberModel.load(req)))
    }

    @Sendable static func decide(_ req: Request) async throws -> Response {
        let m = try await memberRef(req)
        let back = "/malls/\(m.mallId)/members"
        return try await FormAction.run(req) {
            let approve = req.formField("approve") == "true"
            _ = try await req.services.members(req.db).decide(m.id, approve: approve, note: req.formField("note"), by: try req.requirePrincipal(),
                                                              context: req.auditContext)
            return .to(back, notice: approve ? "member.approved_notice" : "member.rejected_notice")
        } failed: { FormAction.back(req, to: back, $0) }
    }

    @Sendable static func issue(_ req: Request) async throws -> Response {
        let m = try await memberRef(req)
        return try await FormAction.run(req) {
            _ = try await req.services.members(req.db).issue(m.id, cardNumber: req.formField("cardNumber"), by: try req.requirePrincipal().userID,
                                                             context: req.auditContext)
            return .to("/members/\(m.id)", notice: "member.issued_notice")
        } failed: { FormAction.back(req, to: "/malls/\(m.mallId)/members", $0) }
    }

    @Sendable static func earn(_ req: Request) async throws -> Response {
        let m = try await memberRef(req)
        let back = "/members/\(m.id)"
        return try await FormAction.run(req) {
            guard let tenant = UUID(uuidString: req.formField("tenantId")) else { throw Problem.invalid("tenantId", "mall_tenant_not_found") }
            guard let amount = Money(yuanText: req.formField("amount")) else { throw Problem.invalid("amount", "mall_receipt_amount_invalid") }
            _ = try await req.services.members(req.db).earn(m.id, .init(tenantID: tenant, number: req.formField("receiptNumber"), amount: amount,
                                                                        day: req.formField("day")), by: try req.requirePrincipal().userID, context: req.auditContext)
            return .to(back, notice: "member.earned_notice", anchor: "mb-ledger")
        } failed: { FormAction.back(req, to: back, $0) }
    }

    @Sendable static func redeem(_ req: Request) async throws -> Response {
        let m = try await memberRef(req)
        let back = "/members/\(m.id)"
        return try await FormAction.run(req) {
            guard let gift = UUID(uuidString: req.formField("giftId")) else { throw Problem.invalid("giftId", "gift_not_found") }
            _ = try await req.services.members(req.db).redeem(m.id, giftID: gift, quantity: Int(req.formField("quantity")) ?? 0,
                                                              by: try req.requirePrincipal().userID, context: req.auditContext)
            return .to(back, notice: "member.redeemed_notice", anchor: "mb-ledger")
        } failed: { FormAction.back(req, to: back, $0) }
    }
}

import EstateCore
import Foundation
import Vapor

/// The desk's orders for tenants (电话订货 / 团购 / 试机), its rota (早晚班) and the weekly and monthly report page
/// (issue 20 points 6 and 8): each form through `FormAction`, the same services as the API.
enum MallDeskController {
    static func register(_ app: Application) {
        let m = app.grouped("malls", ":mallID")
        m.on(.GET, "orders", guard: .allowed(.mallDesk), use: orders)
        m.on(.POST, "orders", guard: .allowed(.mallDesk), use: takeOrder)
        m.on(.GET, "rota", guard: .allowed(.mallDesk), use: rota)
        m.on(.POST, "rota", ":day", ":shift", "times", guard: .allowed(.mallSupervise), use: setTimes)
        m.on(.POST, "rota", ":day", ":shift", "staff", guard: .allowed(.mallSupervise), use: assign)
        m.on(.POST, "rota", ":day", ":shift", "staff", ":userID", "remove", guard: .allowed(.mallSupervise), use: unassign)
        m.on(.GET, "report", guard: .allowed(.mallDesk), use: report)
        m.on(.GET, "tenants", ":tenantID", guard: .allowed(.mallDesk), use: tenant)
        app.on(.POST, "lost-items", ":recordID", "photo", guard: .allowed(.mallDesk),
               body: .collect(maxSize: ByteCount(value: TicketService.maxAttachmentBytes + 64 * 1024)), use: lostPhoto)
        app.on(.GET, "lost-items", ":recordID", "photo", guard: .allowed(.mallDesk), use: showLostPhoto)
        m.on(.POST, "tenants", ":tenantID", guard: .allowed(.mallDesk), use: updateTenant)
        app.on(.POST, "desk-orders", ":recordID", "steps", guard: .allowed(.mallDesk), use: stepOrder)
        m.on(.POST, "members", "import", guard: .allowed(.mallSupervise),
             body: .collect(maxSize: ByteCount(value: app.services.config.maxUploadMegabytes * 1024 * 1024)), use: importBook)
    }

    /// The paper VIP book from the members page (the API's service): imported, back to the list with a notice;
    /// refused with bad rows, the list again with every row named (422); otherwise back with the reason.
    @Sendable static func importBook(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req, .mallSupervise)
        let back = "/malls/\(mall.id)/members"
        struct Upload: Content { var file: File }
        guard let upload = try? req.content.decode(Upload.self), upload.file.data.readableBytes > 0 else {
            return FormAction.redirect(req, to: back, error: Problem(.unprocessableEntity, "import_empty"), anchor: "mb-import")
        }
        let book = req.services.memberBook(req.db), actor = try req.requirePrincipal().userID, context = req.auditContext
        do {
            _ = try await req.services.imports.run {
                try await book.importBook(Data(buffer: upload.file.data), mall: mall, by: actor, context: context)
            }
            return FormAction.redirect(req, to: back, notice: "member.imported_notice")
        } catch let p as Problem where !p.rows.isEmpty {
            var model = try await MemberPages.ListModel.load(req)
            model.importProblem = p
            let res = Shell.response(MemberPages.listView(PageContext(req), model))
            res.status = .unprocessableEntity
            return res
        } catch let p as Problem {
            return FormAction.redirect(req, to: back, error: p, anchor: "mb-import")
        }
    }

    @Sendable static func orders(_ req: Request) async throws -> Response {
        Shell.response(DeskPages.orders(PageContext(req), try await DeskPages.OrdersModel.load(req)))
    }

    @Sendable static func takeOrder(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        return try await RegisterController.form(req, back: "/malls/\(mall.id)/orders", notice: "desk_order.taken_notice") {
            let v = req.formFields(["kind", "tenantId", "customerName", "customerMobile", "organisation", "details", "quantity", "dueOn"])
            guard let tenant = (v["tenantId"]).flatMap(UUID.init(uuidString:)) else { throw Problem.invalid("tenantId", "mall_tenant_not_found") }
            var d = DeskOrderService.Draft(kind: DeskOrderKind(rawValue: v["kind"] ?? "") ?? .phoneOrder, tenantID: tenant,
                                           customerName: v["customerName"] ?? "", customerMobile: v["customerMobile"] ?? "", details: v["details"] ?? "",
                                           dueOn: v["dueOn"] ?? "")
            d.organisation = v["organisation"] ?? ""
            if let q = v["quantity"], !q.isEmpty {
                guard let n = Int(q) else { throw Problem.invalid("quantity", "desk_order_quantity_invalid") }
                d.quantity = n
            }
            _ = try await req.services.deskOrders(req.db).take(d, mall: mall, by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func stepOrder(_ req: Request) async throws -> Response {
        let svc = req.services.deskOrders(req.db)
        guard let o = try await ifFound({ try await svc.get(try req.pathID("recordID")) }) else { throw Problem.notFound }
        let mall = try await RegisterController.mallOf(req, o.mallId)
        return try await RegisterController.form(req, back: "/malls/\(mall.id)/orders", anchor: "do-list") {
            guard let step = DeskOrderFlow.Step(rawValue: req.formField("step")) else { throw Problem.conflict("desk_order_step_not_allowed") }
            _ = try await svc.step(o.id, step, text: req.formField("text"), by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func rota(_ req: Request) async throws -> Response {
        Shell.response(DeskPages.rota(PageContext(req), try await DeskPages.RotaModel.load(req)))
    }

    /// The day and shift in the path (404 when either is not one).
    static func shiftRef(_ req: Request) throws -> (CalendarDay, ShiftKind) {
        guard let day = req.parameters.get("day").flatMap(CalendarDay.init), let kind = req.parameters.get("shift").flatMap(ShiftKind.init(rawValue:))
        else { throw Problem.notFound }
        return (day, kind)
    }

    static func rotaBack(_ mall: MallService.Mall, _ day: CalendarDay) -> String {
        "/malls/\(mall.id)/rota?week=\(RotaService.monday(of: day))"
    }

    @Sendable static func setTimes(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req, .mallSupervise)
        let (day, kind) = try shiftRef(req)
        return try await RegisterController.form(req, back: rotaBack(mall, day), anchor: "rota-\(day)") {
            _ = try await req.services.rota(req.db).setTimes(mall, day: day, kind: kind, starts: req.formField("startsAt"), ends: req.formField("endsAt"),
                                                             by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func assign(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req, .mallSupervise)
        let (day, kind) = try shiftRef(req)
        return try await RegisterController.form(req, back: rotaBack(mall, day), anchor: "rota-\(day)") {
            guard let user = UUID(uuidString: req.formField("userId")) else { throw Problem.invalid("userId", "rota_staff_invalid") }
            _ = try await req.services.rota(req.db).assign(mall, day: day, kind: kind, userID: user, by: try req.requirePrincipal().userID,
                                                           context: req.auditContext)
        }
    }

    @Sendable static func unassign(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req, .mallSupervise)
        let (day, kind) = try shiftRef(req)
        let user = try req.pathID("userID")
        return try await RegisterController.form(req, back: rotaBack(mall, day), anchor: "rota-\(day)") {
            _ = try await req.services.rota(req.db).unassign(mall, day: day, kind: kind, userID: user, context: req.auditContext)
        }
    }

    @Sendable static func report(_ req: Request) async throws -> Response {
        Shell.response(DeskPages.report(PageContext(req), try await DeskPages.ReportModel.load(req)))
    }

    @Sendable static func tenant(_ req: Request) async throws -> Response {
        Shell.response(TenantPage.view(PageContext(req), try await TenantPage.Model.load(req)))
    }

    /// The contact and lease; an empty mobile keeps the one on file (the page shows it masked, never in the field).
    @Sendable static func updateTenant(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        let id = try req.pathID("tenantID")
        let svc = req.services.malls(req.db)
        guard let t = try await ifFound({ try await svc.tenant(id) }), t.mallId == mall.id else { throw Problem.notFound }
        return try await RegisterController.form(req, back: "/malls/\(mall.id)/tenants/\(id)") {
            let mobile = req.formField("contactMobile")
            _ = try await svc.updateTenant(id, of: mall, contactName: req.formField("contactName"), contactMobile: mobile.isEmpty ? (t.contactMobile ?? "") : mobile,
                                           leaseStarts: req.formField("leaseStarts"), leaseEnds: req.formField("leaseEnds"), context: req.auditContext)
        }
    }

    /// A found item's photo from the records tab (multipart, the CSRF token in the query as the import forms do).
    @Sendable static func lostPhoto(_ req: Request) async throws -> Response {
        let svc = req.services.deskLog(req.db)
        guard let i = try await ifFound({ try await svc.lostItem(try req.pathID("recordID")) }) else { throw Problem.notFound }
        let mall = try await RegisterController.mallOf(req, i.mallId)
        let back = "/malls/\(mall.id)/records"
        return try await FormAction.run(req, alsoCorrectable: [.unsupportedMediaType, .payloadTooLarge]) {
            struct Upload: Content { var file: File? }
            guard req.headers.contentType?.type == "multipart", let file = (try? req.content.decode(Upload.self))?.file, file.data.readableBytes > 0 else {
                throw Problem.invalid("file", "lost_photo_required")
            }
            _ = try await svc.attachPhoto(i.id, mall: mall, data: Data(buffer: file.data), by: try req.requirePrincipal().userID, context: req.auditContext)
            return .to(back, notice: "mall.lost.photo_notice", anchor: "ml-lost")
        } failed: { FormAction.back(req, to: back, $0) }
    }

    /// The photo itself, shown inline, typed as its bytes are.
    @Sendable static func showLostPhoto(_ req: Request) async throws -> Response {
        let svc = req.services.deskLog(req.db)
        guard let i = try await ifFound({ try await svc.lostItem(try req.pathID("recordID")) }) else { throw Problem.notFound }
        _ = try await RegisterController.mallOf(req, i.mallId)
        let (data, type) = try svc.photo(of: i)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: type)
        headers.replaceOrAdd(name: "Content-Disposition", value: "inline")
        headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; img-src 'self'; sandbox")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}

import EstateCore
import Foundation
import Vapor

/// The desk's register pages and their forms (issue 20 points 3–8); each form through `FormAction`, the same
/// services as the API.
enum RegisterController {
    static func register(_ app: Application) {
        let m = app.grouped("malls", ":mallID")
        for tab in [MallShell.Tab.complaints, .returns, .records, .mail, .priceTags, .day] {
            m.on(.GET, PathComponent(stringLiteral: tab.rawValue), guard: .allowed(.mallDesk)) { req in
                let model = try await RegisterPages.Model.load(req, tab)
                let ctx = PageContext(req)
                let html = switch tab {
                case .complaints: RegisterPages.complaints(ctx, model)
                case .returns: RegisterPages.returns(ctx, model)
                case .records: RegisterPages.records(ctx, model)
                case .mail: RegisterPages.mail(ctx, model)
                case .priceTags: RegisterPages.priceTags(ctx, model)
                default: RegisterPages.day(ctx, model)
                }
                return Shell.response(html)
            }
        }
        m.on(.POST, "complaints", guard: .allowed(.mallDesk), use: takeComplaint)
        m.on(.POST, "returns", guard: .allowed(.mallDesk), use: requestReturn)
        m.on(.POST, "lost-items", guard: .allowed(.mallDesk), use: found)
        m.on(.POST, "broadcasts", guard: .allowed(.mallDesk), use: broadcast)
        m.on(.POST, "screens", guard: .allowed(.mallDesk), use: screen)
        m.on(.POST, "mail", guard: .allowed(.mallDesk), use: receiveMail)
        m.on(.POST, "price-tags", guard: .allowed(.mallDesk), use: requestTags)
        m.on(.POST, "follow-ups", guard: .allowed(.mallDesk), use: followUp)
        m.on(.POST, "day", ":day", "sign", guard: .allowed(.mallSupervise), use: sign)
        m.on(.GET, "report.xlsx", guard: .allowed(.mallDesk), use: reportSheet)
        app.on(.POST, "returns", ":recordID", "steps", guard: .allowed(.mallDesk), use: returnStep)
        app.on(.POST, "lost-items", ":recordID", "claim", guard: .allowed(.mallDesk), use: claim)
        app.on(.POST, "lost-items", ":recordID", "handover", guard: .allowed(.mallDesk), use: handOver)
        app.on(.POST, "broadcasts", ":recordID", "reads", guard: .allowed(.mallDesk), use: read)
        app.on(.POST, "mail", ":recordID", "pickup", guard: .allowed(.mallDesk), use: pickUp)
        app.on(.POST, "price-tags", ":recordID", "print", guard: .allowed(.mallDesk), use: printTags)
    }

    /// The mall of a record, for a reader who works its desk (404 otherwise).
    static func mallOf(_ req: Request, _ mallID: UUID) async throws -> MallService.Mall {
        let p = try req.requirePrincipal()
        guard let m = try await ifFound({ try await req.services.malls(req.db).mall(mallID) }), p.canSee(project: m.projectId), p.may(.mallDesk, on: m.projectId) else {
            throw Problem.notFound
        }
        return m
    }

    static func form(_ req: Request, back: String, anchor: String? = nil, notice: String = "notice.saved",
                     _ act: @escaping () async throws -> Void) async throws -> Response {
        try await FormAction.run(req) {
            try await act()
            return .to(back, notice: notice, anchor: anchor)
        } failed: { FormAction.back(req, to: back, $0) }
    }

    @Sendable static func takeComplaint(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        return try await form(req, back: "/malls/\(mall.id)/complaints", notice: "mall.complaints.taken_notice") {
            let v = req.formFields(["channel", "category", "tenantId", "floorId", "title", "description", "contactName", "contactMobile"])
            var d = ComplaintService.Draft(channel: TicketChannel(rawValue: v["channel"] ?? "") ?? .frontDesk,
                                           category: MallComplaintCategory(rawValue: v["category"] ?? "") ?? .other, title: v["title"] ?? "")
            d.tenantID = (v["tenantId"]).flatMap(UUID.init(uuidString:))
            d.floorID = (v["floorId"]).flatMap(UUID.init(uuidString:))
            d.description = v["description"] ?? ""
            d.contactName = v["contactName"] ?? ""
            d.contactMobile = v["contactMobile"] ?? ""
            _ = try await req.services.complaints(req.db).take(d, mall: mall, by: try req.requirePrincipal(), context: req.auditContext)
        }
    }

    @Sendable static func requestReturn(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        return try await form(req, back: "/malls/\(mall.id)/returns") {
            let v = req.formFields(["tenantId", "receiptNo", "purchasedOn", "goods", "amount", "reason", "customerName", "customerMobile"])
            guard let tenant = (v["tenantId"]).flatMap(UUID.init(uuidString:)) else { throw Problem.invalid("tenantId", "mall_tenant_not_found") }
            guard let amount = Money(yuanText: v["amount"] ?? "") else { throw Problem.invalid("amount", "return_amount_invalid") }
            _ = try await req.services.returns(req.db).request(.init(tenantID: tenant, receiptNo: v["receiptNo"] ?? "", purchasedOn: v["purchasedOn"] ?? "",
                                                                     goods: v["goods"] ?? "", amount: amount, reason: v["reason"] ?? "",
                                                                     customerName: v["customerName"] ?? "", customerMobile: v["customerMobile"] ?? ""),
                                                               mall: mall, by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func returnStep(_ req: Request) async throws -> Response {
        let svc = req.services.returns(req.db)
        guard let r = try await ifFound({ try await svc.get(try req.pathID("recordID")) }) else { throw Problem.notFound }
        let mall = try await mallOf(req, r.mallId)
        return try await form(req, back: "/malls/\(mall.id)/returns") {
            var s = ReturnService.StepInput()
            s.tenantContact = req.formField("tenantContact")
            s.note = req.formField("note")
            s.method = req.formField("method")
            s.refund = Money(yuanText: req.formField("refund"))
            guard let step = ReturnFlow.Step(rawValue: req.formField("step")) else { throw Problem.invalid("step", "return_step_not_allowed") }
            _ = try await svc.step(r.id, step, s, by: try req.requirePrincipal(), context: req.auditContext)
        }
    }

    @Sendable static func found(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        return try await form(req, back: "/malls/\(mall.id)/records", anchor: "ml-lost") {
            let v = req.formFields(["description", "foundPlace", "finder", "storagePlace"])
            _ = try await req.services.deskLog(req.db).found(mall: mall, description: v["description"] ?? "", foundAt: req.services.now(),
                                                             place: v["foundPlace"] ?? "", finder: v["finder"] ?? "", storage: v["storagePlace"] ?? "",
                                                             keepDays: nil, by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func claim(_ req: Request) async throws -> Response {
        let svc = req.services.deskLog(req.db)
        guard let i = try await ifFound({ try await svc.lostItem(try req.pathID("recordID")) }) else { throw Problem.notFound }
        let mall = try await mallOf(req, i.mallId)
        return try await form(req, back: "/malls/\(mall.id)/records", anchor: "ml-lost") {
            let v = req.formFields(["claimantName", "idKind", "idNumber", "signature"])
            _ = try await svc.claim(i.id, mall: mall, claimant: v["claimantName"] ?? "", idKind: (v["idKind"]).flatMap(IdentityKind.init(rawValue:)),
                                    idNumber: v["idNumber"] ?? "", signature: v["signature"] ?? "", by: try req.requirePrincipal().userID,
                                    context: req.auditContext)
        }
    }

    @Sendable static func handOver(_ req: Request) async throws -> Response {
        let svc = req.services.deskLog(req.db)
        guard let i = try await ifFound({ try await svc.lostItem(try req.pathID("recordID")) }) else { throw Problem.notFound }
        let mall = try await mallOf(req, i.mallId)
        return try await form(req, back: "/malls/\(mall.id)/records", anchor: "ml-lost") {
            _ = try await svc.handOver(i.id, mall: mall, to: req.formField("handedTo"), by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func broadcast(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        return try await form(req, back: "/malls/\(mall.id)/records", anchor: "ml-broadcasts") {
            _ = try await req.services.deskLog(req.db).broadcast(mall: mall, kind: BroadcastKind(rawValue: req.formField("kind")) ?? .person,
                                                                 requestedBy: req.formField("requestedBy"), text: req.formField("text"),
                                                                 by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func read(_ req: Request) async throws -> Response {
        let svc = req.services.deskLog(req.db)
        guard let b = try await ifFound({ try await svc.broadcast(try req.pathID("recordID")) }) else { throw Problem.notFound }
        let mall = try await mallOf(req, b.mallId)
        return try await form(req, back: "/malls/\(mall.id)/records", anchor: "ml-broadcasts") {
            _ = try await svc.read(b.id, mall: mall, context: req.auditContext)
        }
    }

    /// A `datetime-local` value, read as Beijing time.
    static func localTime(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = CalendarDay.zone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            f.dateFormat = format
            if let d = f.date(from: s) { return d }
        }
        return nil
    }

    @Sendable static func screen(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        return try await form(req, back: "/malls/\(mall.id)/records", anchor: "ml-screens") {
            guard let from = localTime(req.formField("startsAt")) else { throw Problem.invalid("startsAt", "date_invalid") }
            guard let to = localTime(req.formField("endsAt")) else { throw Problem.invalid("endsAt", "date_invalid") }
            _ = try await req.services.deskLog(req.db).schedule(mall: mall, screen: req.formField("screen"), text: req.formField("text"), startsAt: from,
                                                                endsAt: to, rotation: Int(req.formField("rotation")) ?? 0,
                                                                by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func receiveMail(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        return try await form(req, back: "/malls/\(mall.id)/mail") {
            var d = MailService.Draft(kind: MailService.Kind(rawValue: req.formField("kind")) ?? .letter, recipient: req.formField("recipient"))
            d.tenantID = UUID(uuidString: req.formField("tenantId"))
            d.carrier = req.formField("carrier")
            d.trackingNo = req.formField("trackingNo")
            d.tag = req.formField("tag")
            _ = try await req.services.mail(req.db).receive(d, mall: mall, by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func pickUp(_ req: Request) async throws -> Response {
        let svc = req.services.mail(req.db)
        guard let i = try await ifFound({ try await svc.item(try req.pathID("recordID")) }) else { throw Problem.notFound }
        let mall = try await mallOf(req, i.mallId)
        return try await form(req, back: "/malls/\(mall.id)/mail") {
            _ = try await svc.pickUp(i.id, mall: mall, by: req.formField("pickedUpBy"), signature: req.formField("signature"), tag: req.formField("tag"),
                                     staff: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func requestTags(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        return try await form(req, back: "/malls/\(mall.id)/price-tags") {
            let v = req.formFields(["tenantId", "item", "price", "unit", "origin", "specification", "originalPrice", "copies"])
            guard let tenant = (v["tenantId"]).flatMap(UUID.init(uuidString:)) else { throw Problem.invalid("tenantId", "mall_tenant_not_found") }
            guard let price = Money(yuanText: v["price"] ?? "") else { throw Problem.invalid("price", PriceTagRule.priceInvalid.rawValue) }
            var original: Money?
            if let o = v["originalPrice"], !o.isEmpty {
                guard let m = Money(yuanText: o) else { throw Problem.invalid("originalPrice", PriceTagRule.originalPriceInvalid.rawValue) }
                original = m
            }
            let tag = PriceTag(item: v["item"] ?? "", price: price, unit: v["unit"] ?? "", origin: v["origin"] ?? "", specification: v["specification"] ?? "",
                               originalPrice: original)
            _ = try await req.services.priceTags(req.db).request(mall: mall, tenantID: tenant, lines: [.init(tag: tag, copies: Int(v["copies"] ?? "") ?? 1)],
                                                                 by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func printTags(_ req: Request) async throws -> Response {
        let svc = req.services.priceTags(req.db)
        guard let r = try await ifFound({ try await svc.get(try req.pathID("recordID")) }) else { throw Problem.notFound }
        let mall = try await mallOf(req, r.mallId)
        _ = try await svc.printed(r.id, mall: mall, by: try req.requirePrincipal().userID, context: req.auditContext)
        return req.redirect(to: "/price-tags/\(r.id)/sheet")
    }

    @Sendable static func followUp(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        return try await form(req, back: "/malls/\(mall.id)/day", anchor: "md-followups") {
            let parts = req.formField("source").split(separator: ":").map(String.init)
            guard parts.count == 2, let id = UUID(uuidString: parts[1]) else { throw Problem.invalid("sourceId", "follow_up_source_not_found") }
            _ = try await req.services.deskDay(req.db).followUp(mall: mall, kind: parts[0], sourceID: id,
                                                                outcome: DeskDayService.Outcome(rawValue: req.formField("outcome")) ?? .unreachable,
                                                                note: req.formField("note"), by: try req.requirePrincipal().userID, context: req.auditContext)
        }
    }

    @Sendable static func sign(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req, .mallSupervise)
        guard let day = req.parameters.get("day").flatMap(CalendarDay.init) else { throw Problem.notFound }
        return try await form(req, back: "/malls/\(mall.id)/day?day=\(day)", notice: "mall.day.signed_notice") {
            _ = try await req.services.deskDay(req.db).sign(mall, day: day, by: try req.requirePrincipal(), context: req.auditContext)
        }
    }

    @Sendable static func reportSheet(_ req: Request) async throws -> Response {
        let (mall, _) = try await MallShell.mall(req)
        let today = CalendarDay(req.services.now())
        let from = req.queryText("from").flatMap(CalendarDay.init) ?? today.adding(days: -6)
        let to = req.queryText("to").flatMap(CalendarDay.init) ?? today
        let r = try await req.services.deskDay(req.db).report(mall, from: from, to: to)
        let data = try MallReportSheet.workbook(PageContext(req).t, r)
        return Response.workbook(data, name: "\(mall.name)-服务台报表-\(from)-\(to).xlsx")
    }
}

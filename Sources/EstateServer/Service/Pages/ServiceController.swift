import EstateCore
import Foundation
import NIOCore
import Plot
import Vapor

/// The service pages' handlers (客服工单). Routes under a project have had the action checked on
/// it by the route guard (404 for a project the user cannot see, 403 without the right);
/// `/tickets/:id` names no project, so its handlers load the ticket through
/// `APIHandler.loadTicket`, the API's own rule, and each action is checked again by the service.
/// A refused form is drawn again with its messages; a good one redirects (POST-redirect-GET).
enum ServiceController {
    static func register(_ app: Application) {
        app.on(.GET, "service", guard: .allowed(.ticketsView), use: home)

        let p = app.grouped("projects", ":projectID")
        p.on(.GET, "tickets", guard: .allowed(.ticketsView), use: list)
        p.on(.GET, "tickets", "callbacks", guard: .allowed(.ticketsView), use: callbacks)
        p.on(.GET, "tickets", "new", guard: .allowed(.ticketsHandle), use: newForm)
        p.on(.POST, "tickets", "new", guard: .allowed(.ticketsHandle), use: create)
        p.on(.GET, "service", "settings", guard: .allowed(.ticketsView), use: settings)
        p.on(.POST, "service", "settings", guard: .allowed(.ticketsManage), use: saveTerms)
        p.on(.POST, "service", "settings", "categories", guard: .allowed(.ticketsManage), use: createCategory)
        p.on(.POST, "service", "settings", "categories", ":categoryID", guard: .allowed(.ticketsManage), use: updateCategory)
        p.on(.GET, "service", "analysis", guard: .allowed(.ticketsView), use: analysis)
        p.on(.GET, "service", "analysis.xlsx", guard: .allowed(.ticketsView), use: exportAnalysis)

        let t = app.grouped("tickets", ":ticketID")
        t.on(.GET, guard: .allowed(.ticketsView), use: show)
        for action in TicketAction.allCases {
            t.on(.POST, .constant(slug(action)), guard: .allowed(.ticketsView)) { req in try await act(req, action) }
        }
        t.on(.POST, "callback", guard: .allowed(.ticketsHandle), use: callback)
        t.on(.POST, "comments", guard: .allowed(.ticketsView), use: comment)
        t.on(.POST, "attachments", guard: .allowed(.ticketsView),
             body: .collect(maxSize: ByteCount(value: TicketService.maxAttachmentBytes + 2 * 1024 * 1024)), use: attach)
        t.on(.GET, "attachments", ":attachmentID", guard: .allowed(.ticketsView), use: download)
    }

    /// `start_callback` → `start-callback`.
    static func slug(_ a: TicketAction) -> String { a.rawValue.replacingOccurrences(of: "_", with: "-") }

    // MARK: Helpers

    /// Projects whose tickets the user may see, for the switcher.
    static func projects(_ req: Request) async throws -> [InventoryShell.ProjectRef] {
        try await ProjectSwitcher.projects(req, any: [.ticketsView])
    }

    static func refs(_ req: Request, _ projectID: UUID) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        try await ProjectSwitcher.refs(req, projectID, any: [.ticketsView])
    }

    /// A problem's arguments in the reader's language: statuses, actions and kinds of tickets.
    static func arguments(_ t: Localizer, _ args: [String: String]) -> [String: String] {
        var out = ProblemMiddleware.localized(args, t.catalog, t.language)
        for (key, prefix) in [("status", "ticket.status."), ("action", "ticket.action."), ("kind", "ticket.kind.")] {
            if let v = args[key], t.catalog.has(prefix + v) { out[key] = t(prefix + v) }
        }
        return out
    }

    static func failure(_ t: Localizer, _ p: Problem, form: String, values: [String: String],
                        label: (String) -> String? = { _ in nil }) -> FormFailure {
        FormFailure(t, p, form: form, values: values,
                    label: { label($0) ?? (t.catalog.has("ticket.field.\($0)") ? t("ticket.field.\($0)") : nil) },
                    arguments: { arguments(t, $1) })
    }

    // MARK: /service

    /// The first project whose tickets the user may see (or the one picked in the switcher).
    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await projects(req)
        let tab = req.queryText("tab").flatMap(ServiceShell.Tab.init(rawValue:)) ?? .tickets
        if let chosen = req.queryText("project").flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: tab.href(chosen))
        }
        if let first = projects.first { return req.redirect(to: tab.href(first.id)) }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("nav.service"), .group(
            .h1(.text(t("nav.service"))),
            .p(.class("muted"), .text(t("inv.no_projects"))))))
    }

    // MARK: 工单列表

    static func listResponse(_ req: Request, queue forced: TicketService.Queue?) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let principal = try req.requirePrincipal()
        var f = TicketService.Filter()
        var q: [String: String] = [:]
        if let forced { f.queue = forced } else if let v = req.queryText("queue").flatMap(TicketService.Queue.init(rawValue:)) {
            f.queue = v
            if v != .all { q["queue"] = v.rawValue }
        }
        if let s = req.queryText("status").flatMap(TicketStatus.init(rawValue:)) { f.status = s; q["status"] = s.rawValue }
        if let k = req.queryText("kind").flatMap(TicketKind.init(rawValue:)) { f.kind = k; q["kind"] = k.rawValue }
        if let s = req.queryText("severity").flatMap(TicketSeverity.init(rawValue:)) { f.severity = s; q["severity"] = s.rawValue }
        if let text = req.queryText("q") { f.query = text; q["q"] = text }
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let tickets = req.services.tickets(req.db)
        let page = try await tickets.list(projectID, f, for: principal, context: req.auditContext, page: try PageRequest(page: pageNumber, perPage: 50))
        var counts: [TicketService.Queue: Int] = [:]
        for queue in [TicketService.Queue.mine, .callback, .breached] {
            var c = TicketService.Filter()
            c.queue = queue
            counts[queue] = try await tickets.list(projectID, c, for: principal, page: try PageRequest(page: 1, perPage: 1)).total
        }
        let m = TicketListPage.Model(project: project, projects: projects, page: page, filter: f, query: q, counts: counts,
                                     workbench: forced == .callback, mayCreate: principal.may(.ticketsHandle, on: projectID),
                                     now: req.services.now())
        return Shell.response(TicketListPage.view(PageContext(req), m))
    }

    @Sendable static func list(_ req: Request) async throws -> Response { try await listResponse(req, queue: nil) }

    /// 回访工作台: resolved complaints and repairs waiting for their callback.
    @Sendable static func callbacks(_ req: Request) async throws -> Response { try await listResponse(req, queue: .callback) }

    // MARK: 新建工单

    static let draftKeys = ["kind", "channel", "categoryId", "severity", "title", "description", "unitCode", "customerMobile",
                            "contactName", "contactMobile", "location", "component", "department", "assigneeId"]

    static func formModel(_ req: Request, _ projectID: UUID, values: [String: String]) async throws -> TicketFormPage.Model {
        let (project, projects) = try await refs(req, projectID)
        let tickets = req.services.tickets(req.db)
        return TicketFormPage.Model(project: project, projects: projects, categories: try await tickets.categories(projectID),
                                    handlers: try await tickets.handlers(projectID), values: values, failure: nil)
    }

    @Sendable static func newForm(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        var v: [String: String] = ["kind": TicketKind.inquiry.rawValue, "channel": TicketChannel.hotline.rawValue,
                                   "severity": TicketSeverity.normal.rawValue]
        // From a unit or customer page: the unit code and the customer's mobile filled in.
        if let unit = req.queryText("unit") { v["unitCode"] = unit }
        if let mobile = req.queryText("mobile") { v["customerMobile"] = mobile }
        if let kind = req.queryText("kind").flatMap(TicketKind.init(rawValue:)) { v["kind"] = kind.rawValue }
        return Shell.response(TicketFormPage.view(PageContext(req), try await formModel(req, projectID, values: v)))
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let v = req.formFields(draftKeys).merging(["description": ((try? req.content.get(String.self, at: "description")) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)]) { _, b in b }
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            let kind = TicketKind(rawValue: v["kind"] ?? "")
            if kind == nil { bad.append(.init(field: "kind", code: "field_invalid")) }
            let channel = TicketChannel(rawValue: v["channel"] ?? "")
            if channel == nil { bad.append(.init(field: "channel", code: "field_invalid")) }
            let severity = TicketSeverity(rawValue: v["severity"] ?? "")
            if severity == nil { bad.append(.init(field: "severity", code: "field_invalid")) }
            let category = SalesController.uuid(v["categoryId"], "categoryId", required: false, into: &bad)
            let assignee = SalesController.uuid(v["assigneeId"], "assigneeId", required: false, into: &bad)
            var department: TicketService.Department?
            if let d = v["department"], !d.isEmpty {
                department = TicketService.Department(rawValue: d)
                if department == nil { bad.append(.init(field: "department", code: "field_invalid")) }
            }
            // The component only for repairs: the field is hidden for other kinds, so a value left in it is dropped.
            var component: RepairComponent?
            if kind?.isRepair == true, let c = v["component"], !c.isEmpty {
                component = RepairComponent(rawValue: c)
                if component == nil { bad.append(.init(field: "component", code: "field_invalid")) }
            }
            // The unit by its code (as staff read it off the 楼盘表), the customer by mobile.
            var unitID: UUID?
            let code = UnitFilter.codeSearch(v["unitCode"] ?? "")
            if !code.isEmpty {
                var uf = UnitFilter()
                uf.code = code
                unitID = try await req.services.inventory(req.db).allUnits(projectID, filter: uf).first { $0.code.uppercased() == code }?.id
                if unitID == nil { bad.append(.init(field: "unitId", code: "unit_unknown")) }
            } else if !(v["unitCode"] ?? "").isEmpty {
                bad.append(.init(field: "unitId", code: "unit_unknown"))
            }
            var customerID: UUID?
            if let raw = v["customerMobile"], !raw.isEmpty {
                if let mobile = MobileNumber.normalized(raw) {
                    let r = try await req.services.customers(req.db).find(mobile: mobile, in: projectID, includingMerged: true)
                    customerID = r.map { $0.mergedInto ?? $0.id }
                    if customerID == nil { bad.append(.init(field: "customerId", code: "ticket_customer_not_found")) }
                } else {
                    bad.append(.init(field: "customerMobile", code: "mobile_invalid"))
                }
            }
            let contactMobile = (v["contactMobile"] ?? "").isEmpty ? "" : MobileNumber.normalized(v["contactMobile"]!) ?? v["contactMobile"]!
            if !bad.isEmpty {
                // The service checks these too; said here as well so one submit shows every mistake.
                let title = (v["title"] ?? "").trimmingCharacters(in: .whitespaces)
                if title.isEmpty || !Text.isCleanLine(title, maxLength: 100) { bad.append(.init(field: "title", code: "ticket_title_invalid")) }
                if !contactMobile.isEmpty, !MobileNumber.isValid(contactMobile) { bad.append(.init(field: "contactMobile", code: "mobile_invalid")) }
                if kind?.isRepair == true {
                    if (v["unitCode"] ?? "").isEmpty { bad.append(.init(field: "unitId", code: "repair_needs_unit")) }
                    if (v["component"] ?? "").isEmpty { bad.append(.init(field: "component", code: "repair_needs_component")) }
                }
            }
            guard bad.isEmpty, let kind, let channel, let severity else { throw Problem.invalid(bad) }
            var d = TicketService.Draft(kind: kind, channel: channel, severity: severity, title: v["title"] ?? "")
            d.categoryID = category
            d.description = v["description"] ?? ""
            d.customerID = customerID
            d.unitID = unitID
            d.contactName = v["contactName"] ?? ""
            d.contactMobile = contactMobile
            d.location = v["location"] ?? ""
            d.component = component
            d.department = department
            d.assigneeID = assignee
            let ticket = try await req.services.tickets(req.db).create(d, in: projectID, by: .staff(try req.requirePrincipal()),
                                                                       context: req.auditContext)
            return .to("/tickets/\(ticket.id)", notice: "ticket.created_notice")
        } failed: { p in
            var m = try await formModel(req, projectID, values: v)
            m.failure = failure(req.localizer, p, form: "new", values: v)
            return Shell.response(TicketFormPage.view(PageContext(req), m), status: p.status)
        }
    }

    // MARK: 工单详情

    static func ticket(_ req: Request, _ action: Action = .ticketsView) async throws -> TicketService.Ticket {
        try await APIHandler.loadTicket(req, req.parameters.get("ticketID") ?? "", action)
    }

    static func ticketModel(_ req: Request, _ id: UUID) async throws -> TicketPage.Model {
        let tickets = req.services.tickets(req.db)
        let detail = try await tickets.detail(id)
        let (project, projects) = try await refs(req, detail.ticket.projectId)
        return TicketPage.Model(project: project, projects: projects, detail: detail, handlers: try await tickets.handlers(detail.ticket.projectId),
                                principal: try req.requirePrincipal(), now: req.services.now(), failure: nil)
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let t = try await ticket(req)
        return Shell.response(TicketPage.view(PageContext(req), try await ticketModel(req, t.id)))
    }

    /// The ticket page again with a refused form's messages.
    static func ticketFailed(_ req: Request, _ id: UUID, _ p: Problem, form: String, values: [String: String],
                             label: (String) -> String? = { _ in nil }) async throws -> Response {
        var m = try await ticketModel(req, id)
        m.failure = failure(req.localizer, p, form: form, values: values, label: label)
        return Shell.response(TicketPage.view(PageContext(req), m), status: p.status)
    }

    static let actionKeys = ["note", "department", "assigneeId", "cause", "contractor", "cost", "chargeable"]

    static func act(_ req: Request, _ action: TicketAction) async throws -> Response {
        let t = try await ticket(req)
        var v = req.formFields(actionKeys)
        v["note"] = ((try? req.content.get(String.self, at: "note")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            var input = TicketService.ActionInput()
            input.note = v["note"] ?? ""
            switch action {
            case .assign:
                if let d = v["department"], !d.isEmpty {
                    input.department = TicketService.Department(rawValue: d)
                    if input.department == nil { bad.append(.init(field: "department", code: "field_invalid")) }
                }
                input.assigneeID = SalesController.uuid(v["assigneeId"], "assigneeId", required: false, into: &bad)
            case .resolve:
                if let c = v["cause"], !c.isEmpty {
                    input.cause = TicketCause(rawValue: c)
                    if input.cause == nil { bad.append(.init(field: "cause", code: "field_invalid")) }
                }
                if let c = v["contractor"], !c.isEmpty { input.contractor = c }
                if let c = v["cost"], !c.isEmpty {
                    input.cost = Money(yuanText: c)
                    if input.cost == nil { bad.append(.init(field: "cost", code: "cost_invalid")) }
                }
                switch v["chargeable"] ?? "" {
                case "yes": input.chargeable = true
                case "no": input.chargeable = false
                default: break
                }
            case .start, .startCallback, .close, .reopen: break
            }
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            _ = try await req.services.tickets(req.db).act(t.id, action, input, by: try req.requirePrincipal(), context: req.auditContext)
            return .to("/tickets/\(t.id)", notice: "ticket.notice.\(action.rawValue)")
        } failed: { p in
            // The note is the resolution when resolving and the reason when reopening.
            let noteLabel = action == .resolve ? "ticket.field.resolution" : action == .reopen ? "ticket.field.reason" : "ticket.field.note"
            return try await ticketFailed(req, t.id, p, form: action.rawValue, values: v,
                                          label: { $0 == "note" ? req.localizer(noteLabel) : nil })
        }
    }

    @Sendable static func callback(_ req: Request) async throws -> Response {
        let t = try await ticket(req, .ticketsHandle)
        var v = req.formFields(["satisfaction", "solved"])
        v["note"] = ((try? req.content.get(String.self, at: "note")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await FormAction.run(req) {
            var bad: [Problem.FieldError] = []
            let satisfaction = Int(v["satisfaction"] ?? "")
            if satisfaction == nil { bad.append(.init(field: "satisfaction", code: "satisfaction_invalid")) }
            let solved: Bool? = v["solved"] == "yes" ? true : v["solved"] == "no" ? false : nil
            if solved == nil { bad.append(.init(field: "solved", code: "required")) }
            guard bad.isEmpty, let satisfaction, let solved else { throw Problem.invalid(bad) }
            let after = try await req.services.tickets(req.db).recordCallback(t.id, satisfaction: satisfaction, solved: solved, note: v["note"] ?? "",
                                                                              by: .staff(try req.requirePrincipal()), context: req.auditContext)
            return .to("/tickets/\(t.id)", notice: after.ticketStatus == .closed ? "ticket.notice.callback_closed" : "ticket.notice.callback_reopened")
        } failed: { p in
            return try await ticketFailed(req, t.id, p, form: "callback", values: v)
        }
    }

    @Sendable static func comment(_ req: Request) async throws -> Response {
        let t = try await ticket(req)
        let note = ((try? req.content.get(String.self, at: "note")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let owner = req.formField("visibleToOwner") == "true"
        let v = ["note": note, "visibleToOwner": owner ? "true" : ""]
        return try await FormAction.run(req) {
            let p = try req.requirePrincipal()
            guard APIHandler.mayWork(p, on: t) else { throw Problem.forbidden }
            _ = try await req.services.tickets(req.db).comment(t.id, note: note, visibleToOwner: owner, by: .staff(p), context: req.auditContext)
            return .to("/tickets/\(t.id)", notice: "ticket.notice.comment")
        } failed: { p in
            return try await ticketFailed(req, t.id, p, form: "comment", values: v)
        }
    }

    @Sendable static func attach(_ req: Request) async throws -> Response {
        let t = try await ticket(req)
        struct Upload: Content { var file: File?; var visibleToOwner: String? }
        var v: [String: String] = [:]
        return try await FormAction.run(req, alsoCorrectable: [.payloadTooLarge, .unsupportedMediaType]) {
            let p = try req.requirePrincipal()
            guard APIHandler.mayWork(p, on: t) else { throw Problem.forbidden }
            guard req.headers.contentType?.type == "multipart", let upload = try? req.content.decode(Upload.self) else {
                throw Problem.invalid("file", "attachment_missing")
            }
            v["visibleToOwner"] = upload.visibleToOwner == "true" ? "true" : ""
            guard let file = upload.file, file.data.readableBytes > 0 || !file.filename.isEmpty else {
                throw Problem.invalid("file", "attachment_missing")
            }
            guard file.data.readableBytes <= TicketService.maxAttachmentBytes else {
                throw Problem(.payloadTooLarge, "attachment_too_large", arguments: ["mb": "\(TicketService.maxAttachmentBytes / 1024 / 1024)"])
            }
            _ = try await req.services.tickets(req.db).attach(t.id, fileName: file.filename, data: Data(buffer: file.data),
                                                              visibleToOwner: upload.visibleToOwner == "true", by: .staff(p),
                                                              context: req.auditContext)
            return .to("/tickets/\(t.id)", notice: "ticket.notice.attachment")
        } failed: { p in
            try await ticketFailed(req, t.id, p, form: "attachment", values: v)
        }
    }

    /// The file itself: images shown in the page (inline), PDFs downloaded; the type is the one
    /// the bytes were found to be when uploaded, never the client's claim.
    @Sendable static func download(_ req: Request) async throws -> Response {
        let t = try await ticket(req)
        let (a, data) = try await req.services.tickets(req.db).attachment(try req.pathID("attachmentID"), of: t.id)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: a.contentType)
        let disposition = APIHandler.attachment(a.fileName)
        headers.replaceOrAdd(name: "Content-Disposition",
                             value: a.contentType.hasPrefix("image/") ? "inline" + disposition.dropFirst("attachment".count) : disposition)
        headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; img-src 'self'; sandbox")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    // MARK: 设置: SLA terms and the category tree

    /// The company's tree is changed by those who manage tickets on every project (the GM).
    static func managesCompanyTree(_ p: Principal) -> Bool { p.may(.ticketsManage, on: nil) && p.visibleProjectIDs == nil }

    static func settingsModel(_ req: Request, _ projectID: UUID) async throws -> ServiceSettingsPage.Model {
        let (project, projects) = try await refs(req, projectID)
        let tickets = req.services.tickets(req.db)
        let p = try req.requirePrincipal()
        return ServiceSettingsPage.Model(project: project, projects: projects, terms: try await tickets.terms(projectID),
                                         categories: try await tickets.categories(projectID), manages: p.may(.ticketsManage, on: projectID),
                                         managesCompany: managesCompanyTree(p), failure: nil)
    }

    @Sendable static func settings(_ req: Request) async throws -> Response {
        Shell.response(ServiceSettingsPage.view(PageContext(req), try await settingsModel(req, try req.projectID())))
    }

    static func settingsFailed(_ req: Request, _ projectID: UUID, _ failure: FormFailure, status: HTTPResponseStatus) async throws -> Response {
        var m = try await settingsModel(req, projectID)
        m.failure = failure
        return Shell.response(ServiceSettingsPage.view(PageContext(req), m), status: status)
    }

    @Sendable static func saveTerms(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let tickets = req.services.tickets(req.db)
        let current = try await tickets.terms(projectID)
        var v: [String: String] = [:]
        var bad: [Problem.FieldError] = []
        var rows: [(TicketKind, TicketSeverity, SLATerms)] = []
        func minutes(_ key: String, _ field: String) -> Int? {
            let h = req.formField(key + "h"), m = req.formField(key + "m")
            v[key + "h"] = h; v[key + "m"] = m
            let hours = h.isEmpty ? 0 : Int(h), mins = m.isEmpty ? 0 : Int(m)
            guard let hours, let mins, hours >= 0, mins >= 0, hours <= SLATerms.maxMinutes / 60, mins < 60 * 24 else {
                bad.append(.init(field: field, code: "sla_minutes_invalid")); return nil
            }
            return hours * 60 + mins
        }
        for k in TicketKind.allCases {
            for s in TicketSeverity.allCases {
                let key = "\(k.rawValue)|\(s.rawValue)", name = ServiceSettingsPage.fieldName(k, s)
                let response = minutes(name + "r", key + ".response"), resolve = minutes(name + "x", key + ".resolve")
                guard let response, let resolve, let was = current[key]?.terms else { continue }
                // Only what changed is written: an untouched row keeps the standard (and its 标准 mark).
                if response != was.responseMinutes || resolve != was.resolveMinutes {
                    rows.append((k, s, SLATerms(responseMinutes: response, resolveMinutes: resolve)))
                }
            }
        }
        let t = req.localizer
        func label(_ field: String) -> String? {
            // "complaint|major.response" or "terms[2].responseMinutes" (the index into the rows sent).
            var key = field, part = field.hasSuffix("resolve") || field.hasSuffix("resolveMinutes") ? "resolve" : "response"
            if field.hasPrefix("terms["), let i = Int(field.dropFirst(6).prefix { $0.isNumber }), i < rows.count {
                key = "\(rows[i].0.rawValue)|\(rows[i].1.rawValue)"
            } else if let dot = field.firstIndex(of: ".") {
                key = String(field[..<dot]); part = String(field[field.index(after: dot)...])
            }
            let pieces = key.split(separator: "|").map(String.init)
            guard pieces.count == 2 else { return nil }
            return "\(t("ticket.kind.\(pieces[0])")) · \(t("ticket.severity.\(pieces[1])")) · \(t("ticket.sla.\(part)_terms"))"
        }
        return try await FormAction.run(req) {
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            guard !rows.isEmpty else { return .to("/projects/\(projectID)/service/settings", notice: "ticket.sla.unchanged") }
            try await tickets.setTerms(projectID, rows, context: req.auditContext)
            return .to("/projects/\(projectID)/service/settings", notice: "ticket.sla.saved")
        } failed: { p in
            var f = failure(t, p, form: "terms", values: v, label: label)
            // Mark the inputs by their row: "complaint|major.response".
            f.fields = f.fields.map { field in
                guard field.field.hasPrefix("terms["), let i = Int(field.field.dropFirst(6).prefix { $0.isNumber }), i < rows.count else { return field }
                let part = field.field.hasSuffix("resolveMinutes") ? "resolve" : "response"
                return ("\(rows[i].0.rawValue)|\(rows[i].1.rawValue).\(part)", field.message)
            }
            return try await settingsFailed(req, projectID, f, status: p.status)
        }
    }

    @Sendable static func createCategory(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let v = req.formFields(["name", "parentId", "scope"])
        return try await FormAction.run(req) {
            let p = try req.requirePrincipal()
            var bad: [Problem.FieldError] = []
            let parent = SalesController.uuid(v["parentId"], "parentId", required: false, into: &bad)
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            let company = v["scope"] == "company"
            if company, !managesCompanyTree(p) { throw Problem.forbidden }
            if let parent {
                let c = try? await req.services.tickets(req.db).category(parent)
                guard let c, c.projectId == nil || c.projectId == projectID else { throw Problem.invalid("parentId", "category_unknown") }
                // A company branch holds only company categories under it when added for the company.
                if company, c.projectId != nil { throw Problem.invalid("parentId", "category_unknown") }
            }
            _ = try await req.services.tickets(req.db).createCategory(name: v["name"] ?? "", parent: parent, projectID: company ? nil : projectID,
                                                                      context: req.auditContext)
            return .to("/projects/\(projectID)/service/settings", notice: "ticket.category.created")
        } failed: { p in
            return try await settingsFailed(req, projectID, failure(req.localizer, p, form: "category", values: v), status: p.status)
        }
    }

    @Sendable static func updateCategory(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let tickets = req.services.tickets(req.db)
        guard let c = try? await tickets.category(try req.pathID("categoryID")), c.projectId == nil || c.projectId == projectID else {
            throw Problem.notFound
        }
        let v = req.formFields(["name", "op"])
        let form = "category-\(c.id)"
        return try await FormAction.run(req) {
            if c.projectId == nil, !managesCompanyTree(try req.requirePrincipal()) { throw Problem.forbidden }
            switch v["op"] ?? "" {
            case "retire": _ = try await tickets.updateCategory(c.id, name: nil, active: false, context: req.auditContext)
            case "restore": _ = try await tickets.updateCategory(c.id, name: nil, active: true, context: req.auditContext)
            default: _ = try await tickets.updateCategory(c.id, name: v["name"] ?? "", active: nil, context: req.auditContext)
            }
            return .to("/projects/\(projectID)/service/settings", notice: "notice.saved")
        } failed: { p in
            return try await settingsFailed(req, projectID, failure(req.localizer, p, form: form, values: v), status: p.status)
        }
    }

    // MARK: 客服分析

    static func thisYear(_ today: CalendarDay) -> (CalendarDay, CalendarDay) {
        (CalendarDay(year: today.year, month: 1, day: 1)!, CalendarDay(year: today.year, month: 12, day: 31)!)
    }

    @Sendable static func analysis(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let today = CalendarDay(req.services.now())
        let q = ReportsController.periodQuery(req, default: thisYear(today))
        var m = ServiceAnalysisPage.Model(project: project, projects: projects, query: q, today: today, analysis: nil, failure: nil)
        do {
            m.analysis = try await req.services.tickets(req.db).analysis(projectID, period: try APIHandler.period(q.from, q.to))
            return Shell.response(ServiceAnalysisPage.view(PageContext(req), m))
        } catch let p as Problem where ReportsController.isQueryError(p) {
            m.failure = ReportsController.failure(req.localizer, p)
            return Shell.response(ServiceAnalysisPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func exportAnalysis(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, _) = try await refs(req, projectID)
        let q = ReportsController.periodQuery(req, default: thisYear(CalendarDay(req.services.now())))
        let period = try APIHandler.period(q.from, q.to)
        let a = try await req.services.tickets(req.db).analysis(projectID, period: period)
        return Response.workbook(try ServiceSheets.analysis(a, t: req.localizer),
                           name: ReportSheets.fileName("service", projectCode: project.code, period: period, t: req.localizer))
    }
}

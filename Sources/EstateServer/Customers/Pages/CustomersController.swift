import EstateCore
import Foundation
import NIOCore
import SQLKit
import Vapor

/// The customer pages' handlers. The route guard has checked `customersView` on the path's
/// project; each handler checks the record against `CustomerAccess`.
enum CustomersController {
    static func register(_ app: Application) {
        app.on(.GET, "customers", guard: .allowed(.customersView), use: home)
        let p = app.grouped("projects", ":projectID")
        p.on(.GET, "customers", guard: .allowed(.customersView), use: list)
        p.on(.POST, "customers", guard: .allowed(.customersView), use: create)
        p.on(.POST, "customers", "search", guard: .allowed(.customersView), use: search)
        p.on(.POST, "customers", "assign", guard: .allowed(.customersReassign), use: assign)
        p.on(.GET, "customers.xlsx", guard: .allowed(.personalDataExport), use: export)
        p.on(.GET, "customers", "template.xlsx", guard: .allowed(.customersEdit), use: template)
        p.on(.GET, "customers", "import", guard: .allowed(.customersEdit), use: importPage)
        p.on(.POST, "customers", "import", guard: .allowed(.customersEdit),
             body: .collect(maxSize: ByteCount(value: app.services.config.maxUploadMegabytes * 1024 * 1024)), use: importUpload)
        p.on(.GET, "follow-ups", guard: .allowed(.customersView), use: followUps)
        p.on(.GET, "customers", ":customerID", guard: .allowed(.customersView), use: show)
        p.on(.POST, "customers", ":customerID", guard: .allowed(.customersView), use: update)
        p.on(.POST, "customers", ":customerID", "contacts", guard: .allowed(.customersView), use: logContact)
        p.on(.POST, "customers", ":customerID", "reveal", guard: .allowed(.customersView), use: reveal)
        p.on(.POST, "customers", ":customerID", "claim", guard: .allowed(.customersEdit), use: claim)
        p.on(.POST, "customers", ":customerID", "assign", guard: .allowed(.customersReassign), use: assignOne)
        p.on(.POST, "customers", ":customerID", "merge", guard: .allowed(.customersReassign), use: merge)
    }

    static func projects(_ req: Request) async throws -> [InventoryShell.ProjectRef] {
        try await ProjectSwitcher.projects(req, any: [.customersView, .callsHandle])
    }

    static func refs(_ req: Request, _ projectID: UUID) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        try await ProjectSwitcher.refs(req, projectID, any: [.customersView, .callsHandle])
    }

    static func access(_ req: Request, _ projectID: UUID) throws -> CustomerAccess {
        CustomerAccess(try req.requirePrincipal(), project: projectID)
    }

    /// People who can own customers in the project (consultants and sales managers), by name.
    static func consultants(_ req: Request, _ projectID: UUID) async throws -> [(id: UUID, name: String)] {
        try await req.services.customers(req.db).owners(projectID).map { ($0.id, $0.displayName) }
    }

    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await projects(req)
        if let chosen = (try? req.query.get(String.self, at: "project")).flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: "/projects/\(chosen)/customers")
        }
        if let first = projects.first, projects.count == 1 { return req.redirect(to: "/projects/\(first.id)/customers") }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("nav.customers"), .group(
            .h1(.text(t("nav.customers"))),
            projects.isEmpty ? .p(.class("muted"), .text(t("inv.no_projects"))) :
            .div(.class("grid"), .forEach(projects) { p in
                .a(.class("card project"), .href("/projects/\(p.id)/customers"), .h2(.text(p.name)), .span(.class("muted"), .text(p.code)))
            }))))
    }

    static func filter(_ req: Request) -> (CustomerService.Filter, [String: String]) {
        var f = CustomerService.Filter()
        var q: [String: String] = [:]
        for key in ["q", "grade", "source", "owner", "lastContact", "idKey"] {
            if let v = try? req.query.get(String.self, at: key), !v.isEmpty, v.count <= 64, !v.contains("\u{0}") { q[key] = v.trimmed }
        }
        f.q = q["q"]
        // 64 hex digits or nothing: the keyed hash of an ID number (see `search`).
        f.identityKey = q["idKey"].flatMap { $0.count == 64 && $0.allSatisfy(\.isHexDigit) ? $0 : nil }
        if f.identityKey == nil { q["idKey"] = nil }
        f.grade = q["grade"].flatMap { CustomerService.Grade(rawValue: $0)?.rawValue }
        f.source = q["source"]
        if q["owner"] == "pool" { f.pool = true } else { f.ownerID = q["owner"].flatMap(UUID.init(uuidString:)) }
        f.lastContact = q["lastContact"].flatMap(CustomerService.LastContact.init(rawValue:))
        if let s = req.queryText("sort").flatMap(CustomerService.Sort.init(rawValue:)) { f.sort = s; q["sort"] = s.rawValue }
        if req.queryText("dir") == "asc" { f.ascending = true; q["dir"] = "asc" }
        return (f, q)
    }

    /// The filter form posts here and is redirected to the list: an ID number typed into the search
    /// box travels in the body and comes back as its keyed hash, never in a URL (个人信息保护法).
    @Sendable static func search(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        var items: [(String, String)] = []
        for key in ["grade", "source", "owner", "lastContact"] {
            let v = req.formField(key)
            if !v.isEmpty, v.count <= 40 { items.append((key, v)) }
        }
        let q = req.formField("q")
        if let key = req.services.customers(req.db).identityKey(q) { items.append(("idKey", key)) }
        else if !q.isEmpty { items.append(("q", String(q.prefix(40)))) }
        let query = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return req.redirect(to: "/projects/\(projectID)/customers" + (query.isEmpty ? "" : "?" + query))
    }

    static func listModel(_ req: Request, _ projectID: UUID) async throws -> CustomersPage.Model {
        let (project, projects) = try await refs(req, projectID)
        let (f, q) = filter(req)
        let pageNumber = (try? req.query.get(Int.self, at: "page")).map { max(1, min($0, 100_000)) }
        let page = try await req.services.customers(req.db).list(projectID, f, by: .init(try access(req, projectID), req.auditContext),
                                                                 page: try PageRequest(page: pageNumber, perPage: 50))
        return CustomersPage.Model(project: project, projects: projects, page: page, access: try access(req, projectID),
                                   consultants: try await consultants(req, projectID), filter: f, query: q,
                                   today: CalendarDay(req.services.now()))
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        return Shell.response(CustomersPage.view(PageContext(req), try await listModel(req, projectID)))
    }

    static func tags(_ text: String) -> [String] {
        text.split(whereSeparator: { ",，、;；".contains($0) }).map { String($0).trimmed }.filter { !$0.isEmpty }
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let a = try access(req, projectID)
        guard a.mayCreate else { throw Problem.forbidden }
        let f = { (k: String) in req.formField(k) }
        let form = Dictionary(uniqueKeysWithValues: ["name", "mobile", "idKind", "idNumber", "gender", "grade", "source", "address", "tags", "notes", "ownerId"].map { ($0, f($0)) })
        return try await FormAction.run(req) {
            let owner = try APIHandler.newOwner(a, ownerID: form["ownerId"].flatMap { $0.isEmpty || $0 == "pool" ? nil : $0 }, pool: form["ownerId"] == "pool")
            let draft = CustomerService.Draft(
                name: form["name"]!, mobile: form["mobile"]!, idKind: IdentityKind(rawValue: form["idKind"]!), idNumber: form["idNumber"]!,
                gender: form["gender"]!.isEmpty ? "unknown" : form["gender"]!, address: form["address"]!, source: form["source"]!,
                grade: form["grade"]!.isEmpty ? "C" : form["grade"]!, tags: tags(form["tags"]!), notes: form["notes"]!)
            let r = try await req.services.customers(req.db).create(draft, in: projectID, owner: owner, context: req.auditContext)
            return .to("/projects/\(projectID)/customers/\(r.id)", notice: "cust.created_notice")
        } failed: { p in
            var m = try await listModel(req, projectID)
            m.form = form
            m.errors = p.fields
            if p.fields.isEmpty { m.formError = p.code; m.formErrorArguments = ProblemMiddleware.localized(p.arguments, req.services.catalog, req.language) }
            return Shell.response(CustomersPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func assign(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let ids = ((try? req.content.get([String].self, at: "customerIds")) ?? [(try? req.content.get(String.self, at: "customerIds"))].compactMap { $0 })
            .compactMap(UUID.init(uuidString:))
        let ownerText = req.formField("ownerId")
        return try await FormAction.run(req) {
            let owner = ownerText == "pool" ? nil : try UUID(uuidString: ownerText) ?? { throw Problem.invalid("ownerId", "user_unknown") }()
            _ = try await req.services.customers(req.db).reassign(ids, in: projectID, to: owner, context: req.auditContext)
            return .to("/projects/\(projectID)/customers", notice: "cust.assigned_notice")
        } failed: { p in
            return FormAction.redirect(req, to: "/projects/\(projectID)/customers", error: p.fields.first.map { Problem.invalid($0.field, $0.code) }.map { Problem($0.status, $0.fields[0].code) } ?? p)
        }
    }

    @Sendable static func export(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (f, _) = filter(req)
        let data = try await req.services.customerSheets(req.db).exportLogged(projectID, filter: f, by: .init(try access(req, projectID), req.auditContext),
                                                                               language: req.language)
        return Response.workbook(data, name: req.language == .zh ? "客户.xlsx" : "customers.xlsx")
    }

    @Sendable static func template(_ req: Request) async throws -> Response {
        _ = try req.projectID()
        return Response.workbook(try CustomerSheets.template(language: req.language),
                           name: req.language == .zh ? "客户导入模板.xlsx" : "customer-import-template.xlsx")
    }

    @Sendable static func importPage(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        return Shell.response(CustomerImportPage.view(PageContext(req), project: project, projects: projects))
    }

    @Sendable static func importUpload(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let service = req.services.customerSheets(req.db)
        let context = req.auditContext
        let a = try access(req, projectID)
        let importer = a.principal.userID, others = a.mayReassign
        if req.headers.contentType?.type == "multipart" {
            struct Upload: Content { var file: File }
            let upload = try req.content.decode(Upload.self)
            _ = try await req.services.imports.run {
                try await service.importCustomers(Data(buffer: upload.file.data), into: projectID, fileName: upload.file.filename,
                                                  importer: importer, mayAssignOthers: others, context: context)
            }
            return FormAction.redirect(req, to: "/projects/\(projectID)/customers", notice: "cust.imported_notice")
        }
        guard let body = req.body.data else { throw Problem(.unprocessableEntity, "import_empty") }
        let data = Data(buffer: body)
        let fileName = (try? req.query.get(String.self, at: "fileName")) ?? "upload"
        let permit = try req.services.imports.enter()  // before the 200 of the stream, so a full house is a 429
        return InventoryController.importStream(req) { progress in
            defer { permit.release() }
            let o = try await service.importCustomers(data, into: projectID, fileName: fileName, importer: importer, mayAssignOthers: others,
                                           context: context, progress: progress)
            return #"{"result":{"imported":\#(o.imported),"buildingsCreated":0}}"#
        }
    }

    @Sendable static func followUps(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await refs(req, projectID)
        let principal = try req.requirePrincipal()
        let due = try await req.services.customers(req.db).followUps(owner: principal.userID, in: projectID)
        return Shell.response(FollowUpsPage.view(PageContext(req), .init(project: project, projects: projects, due: due,
                                                                          access: try access(req, projectID))))
    }
}

import EstateCore
import Foundation
import NIOCore
import Plot
import Vapor

extension ServiceController {
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
                let c = try await ifFound { try await req.services.tickets(req.db).category(parent) }
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
        let categoryID = try req.pathID("categoryID")
        guard let c = try await ifFound({ try await tickets.category(categoryID) }), c.projectId == nil || c.projectId == projectID else {
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
}

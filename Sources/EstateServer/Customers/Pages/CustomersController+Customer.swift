import EstateCore
import Foundation
import NIOCore
import SQLKit
import Vapor

extension CustomersController {
    // MARK: One customer

    static func record(_ req: Request) async throws -> (UUID, CustomerService.Record, CustomerAccess) {
        let projectID = try req.projectID()
        let r = try await req.services.customers(req.db).record(try req.pathID("customerID"), in: projectID)
        let a = try access(req, projectID)
        // A merged-away record is opened as the record it went into (its owner decides).
        var owner = r.ownerID
        if let kept = r.mergedInto { owner = try await req.services.customers(req.db).record(kept, in: projectID).ownerID }
        guard a.mayOpen(owner: owner) && (r.mergedInto == nil || owner != nil || a.viewsAll) else { throw Problem(.forbidden, "customer_owned_by_other", arguments: ["owner": r.ownerName ?? "—"]) }
        return (projectID, r, a)
    }

    static func model(_ req: Request, _ projectID: UUID, _ r: CustomerService.Record, _ a: CustomerAccess) async throws -> CustomerPage.Model {
        let (project, projects) = try await refs(req, projectID)
        let service = req.services.customers(req.db)
        let merged = try await service.merged(into: r.id)
        let ids = [r.id] + merged.map(\.id)
        return CustomerPage.Model(
            project: project, projects: projects, record: r, access: a, contacts: try await service.contacts(of: ids), merged: merged,
            holdings: try await service.holdings(mobiles: [r.mobile] + merged.map(\.mobile), in: projectID),
            history: try await service.history(of: ids, limit: 100), consultants: try await consultants(req, projectID))
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let (projectID, r, a) = try await record(req)
        return Shell.response(CustomerPage.view(PageContext(req), try await model(req, projectID, r, a)))
    }

    @Sendable static func update(_ req: Request) async throws -> Response {
        let (projectID, r, a) = try await record(req)
        guard a.mayEdit(owner: r.ownerID) else { throw Problem.forbidden }
        let keys = ["name", "mobile", "idKind", "idNumber", "gender", "grade", "source", "address", "tags", "notes"]
        let form = Dictionary(uniqueKeysWithValues: keys.map { ($0, req.formField($0)) })
        var p = CustomerService.Patch()
        p.name = form["name"]
        if let m = form["mobile"], !m.isEmpty { p.mobile = m }
        if let n = form["idNumber"], !n.isEmpty { p.idNumber = n; p.idKind = IdentityKind(rawValue: form["idKind"] ?? "") ?? r.idKind.flatMap(IdentityKind.init(rawValue:)) }
        p.gender = form["gender"].flatMap { $0.isEmpty ? nil : $0 }
        p.grade = form["grade"].flatMap { $0.isEmpty ? nil : $0 }
        p.source = form["source"]; p.address = form["address"]; p.notes = form["notes"]
        p.tags = tags(form["tags"] ?? "")
        do {
            _ = try await req.services.customers(req.db).update(r.id, in: projectID, p, context: req.auditContext)
            return FormAction.redirect(req, to: "/projects/\(projectID)/customers/\(r.id)", notice: "cust.saved_notice")
        } catch let e as Problem where FormAction.isCorrectable(e) {
            var m = try await model(req, projectID, r, a)
            m.form = form
            m.errors = e.fields.isEmpty ? [.init(field: "mobile", code: e.code, arguments: ProblemMiddleware.localized(e.arguments, req.services.catalog, req.language))] : e.fields
            return Shell.response(CustomerPage.view(PageContext(req), m), status: e.status)
        }
    }

    @Sendable static func logContact(_ req: Request) async throws -> Response {
        let (projectID, r, a) = try await record(req)
        guard a.mayLogContact(owner: r.ownerID) else { throw Problem.forbidden }
        let keys = ["kind", "partySize", "interests", "nextStep", "nextFollowUpOn", "grade", "notes"]
        let form = Dictionary(uniqueKeysWithValues: keys.map { ($0, req.formField($0)) })
        let kind = form["kind"] ?? "visit_first"
        let party = form["partySize"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            var d = CustomerService.ContactDraft(kind: kind.hasPrefix("call") ? .call : .visit, interests: form["interests"] ?? "",
                                                 notes: form["notes"] ?? "", nextStep: form["nextStep"] ?? "",
                                                 nextFollowUpOn: form["nextFollowUpOn"], grade: form["grade"].flatMap { $0.isEmpty ? nil : $0 })
            switch kind {
            case "call_inbound": d.direction = .inbound
            case "call_outbound": d.direction = .outbound
            case "visit_return": d.visitKind = .return
            default: d.visitKind = .first
            }
            if let party {
                guard let n = Int(party) else { throw Problem.invalid("partySize", "party_size_invalid") }
                d.partySize = n
            }
            _ = try await req.services.customers(req.db).logContact(r.id, in: projectID, d, by: a.principal.userID, context: req.auditContext)
            return FormAction.redirect(req, to: "/projects/\(projectID)/customers/\(r.id)", notice: "cust.logged_notice")
        } catch let e as Problem where FormAction.isCorrectable(e) {
            var m = try await model(req, projectID, r, a)
            m.contactForm = form
            m.contactErrors = e.fields
            return Shell.response(CustomerPage.view(PageContext(req), m), status: e.status)
        }
    }

    /// Shows the full value on the page it was asked from (never in a URL), after logging it.
    @Sendable static func reveal(_ req: Request) async throws -> Response {
        let (projectID, r, a) = try await record(req)
        guard a.mayReveal(owner: r.ownerID) else { throw Problem.forbidden }
        guard let field = CustomerService.RevealField(rawValue: req.formField("field")) else { throw Problem.invalid("field", "field_invalid") }
        let value = try await req.services.customers(req.db).reveal(field, of: r.id, in: projectID, context: req.auditContext)
        var m = try await model(req, projectID, r, a)
        m.revealed[field] = value
        let response = Shell.response(CustomerPage.view(PageContext(req), m))
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    @Sendable static func claim(_ req: Request) async throws -> Response {
        let (projectID, r, a) = try await record(req)
        return try await FormAction.run(req) {
            _ = try await req.services.customers(req.db).claim(r.id, in: projectID, by: a.principal.userID, context: req.auditContext)
            return .to("/projects/\(projectID)/customers/\(r.id)", notice: "cust.claimed_notice")
        } failed: { p in
            return FormAction.redirect(req, to: "/projects/\(projectID)/customers/\(r.id)", error: p)
        }
    }

    @Sendable static func assignOne(_ req: Request) async throws -> Response {
        let (projectID, r, _) = try await record(req)
        let text = req.formField("ownerId")
        let owner = text == "pool" ? nil : try UUID(uuidString: text) ?? { throw Problem.invalid("ownerId", "user_unknown") }()
        _ = try await req.services.customers(req.db).reassign([r.id], in: projectID, to: owner, context: req.auditContext)
        return FormAction.redirect(req, to: "/projects/\(projectID)/customers/\(r.id)", notice: "cust.assigned_notice")
    }

    @Sendable static func merge(_ req: Request) async throws -> Response {
        let (projectID, r, _) = try await record(req)
        let service = req.services.customers(req.db)
        return try await FormAction.run(req) {
            guard let mobile = MobileNumber.normalized(req.formField("duplicateMobile")),
                  let dup = try await service.find(mobile: mobile, in: projectID) else { throw Problem.invalid("duplicateId", "customer_unknown") }
            _ = try await service.merge(dup.id, into: r.id, in: projectID, context: req.auditContext)
            return .to("/projects/\(projectID)/customers/\(r.id)", notice: "cust.merged_notice")
        } failed: { p in
            return FormAction.redirect(req, to: "/projects/\(projectID)/customers/\(r.id)", error: p.fields.first.map { Problem(p.status, $0.code) } ?? p)
        }
    }
}

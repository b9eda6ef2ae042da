import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// 客户档案 and 来电来访 in the JSON API. Customer routes name a customer without its
/// project, so each handler loads the record, then checks the caller against its project
/// (`CustomerAccess`): a project the caller cannot see answers 404, as everywhere.
extension APIHandler {
    typealias CustomerSchema = Components.Schemas.Customer

    /// The record, its project's access for the caller, or 404/403.
    func customer(_ rawID: String) async throws -> (CustomerService.Record, CustomerAccess) {
        let principal = try call.requirePrincipal()
        let record = try await services.customers(database).record(try Self.uuid(rawID))
        guard principal.canSee(project: record.projectID) else { throw Problem.notFound }
        let access = CustomerAccess(principal, project: record.projectID)
        // A merged-away record is opened as the record it went into (its owner decides).
        var owner = record.ownerID
        if let kept = record.mergedInto { owner = try await services.customers(database).record(kept).ownerID }
        guard access.mayOpen(owner: owner) && (record.mergedInto == nil || owner != nil || access.viewsAll) else {
            if principal.may(.customersView, on: record.projectID) {
                throw Problem(.forbidden, "customer_owned_by_other", arguments: ["owner": record.ownerName ?? "—"])
            }
            throw Problem.forbidden
        }
        return (record, access)
    }

    func projectAccess(_ rawProject: String, _ action: Action? = .customersView) async throws -> (UUID, CustomerAccess) {
        let projectID = try Self.uuid(rawProject)
        let principal = try call.requirePrincipal()
        guard principal.canSee(project: projectID) else { throw Problem.notFound }
        let access = CustomerAccess(principal, project: projectID)
        if let action, !(principal.may(action, on: projectID) || (action == .customersView && principal.may(.callsHandle, on: projectID))) {
            throw Problem.forbidden
        }
        return (projectID, access)
    }

    static func customerSchema(_ r: CustomerService.Record, _ a: CustomerAccess) -> CustomerSchema {
        let open = a.mayOpen(owner: r.ownerID)
        let full = a.seesFullMobile(owner: r.ownerID)
        let perms = Components.Schemas.CustomerPermissions(
            edit: open && a.mayEdit(owner: r.ownerID), reveal: a.mayReveal(owner: r.ownerID), logContact: a.mayLogContact(owner: r.ownerID),
            claim: a.mayClaim(owner: r.ownerID), reassign: a.mayReassign, merge: a.mayMerge)
        guard open else {
            // Another consultant's customer: enough to know it is taken, and by whom.
            return CustomerSchema(id: r.id.uuidString, projectId: r.projectID.uuidString, name: Masking.name(r.name),
                                  mobile: Masking.mobile(r.mobile), mobileMasked: true, gender: .unknown, address: "", source: "",
                                  grade: .init(rawValue: r.grade) ?? .c, tags: [], notes: "", ownerId: r.ownerID?.uuidString,
                                  ownerName: r.ownerName, inPool: false, nextStep: "", visitCount: 0, callCount: 0, restricted: true,
                                  permissions: perms, createdAt: r.createdAt, updatedAt: r.updatedAt)
        }
        return CustomerSchema(
            id: r.id.uuidString, projectId: r.projectID.uuidString, name: r.name, mobile: full ? r.mobile : Masking.mobile(r.mobile),
            mobileMasked: !full, idKind: r.idKind.flatMap { .init(rawValue: $0) }, idNumber: r.idMasked,
            gender: .init(rawValue: r.gender) ?? .unknown, address: r.address, source: r.source, grade: .init(rawValue: r.grade) ?? .c,
            tags: r.tags, notes: r.notes, ownerId: r.ownerID?.uuidString, ownerName: r.ownerName, ownedSince: r.ownedSince,
            protectedUntil: r.protectedUntil, inPool: r.ownerID == nil && r.mergedInto == nil, lastContactAt: r.lastContactAt,
            nextFollowUpOn: r.nextFollowUpOn, nextStep: r.nextStep, visitCount: r.visitCount, callCount: r.callCount,
            mergedInto: r.mergedInto?.uuidString, restricted: false, permissions: perms, createdAt: r.createdAt, updatedAt: r.updatedAt)
    }

    static func contactSchema(_ c: CustomerService.Contact) -> Components.Schemas.CustomerContact {
        .init(id: c.id.uuidString, customerId: c.customerID.uuidString, kind: .init(rawValue: c.kind) ?? .call,
              direction: c.callDirection.flatMap { .init(rawValue: $0) }, visitKind: c.visitKind.flatMap { .init(rawValue: $0) },
              partySize: c.partySize, consultantId: c.consultantID?.uuidString, consultantName: c.consultantName, occurredAt: c.occurredAt,
              interests: c.interests, notes: c.notes, nextStep: c.nextStep, nextFollowUpOn: c.nextFollowUpOn, createdAt: c.createdAt)
    }

    static func customerFilter(q: String?, grade: String?, source: String?, ownerId: String?, pool: Bool?, lastContact: String?,
                               tag: String?) throws -> CustomerService.Filter {
        var f = CustomerService.Filter()
        f.q = q
        f.grade = grade
        f.source = source.flatMap { $0.isEmpty ? nil : $0 }
        f.ownerID = try ownerId.map { try uuid($0, field: "ownerId") }
        f.pool = pool ?? false
        f.lastContact = lastContact.flatMap(CustomerService.LastContact.init(rawValue:))
        f.tag = tag.flatMap { $0.isEmpty ? nil : $0 }
        return f
    }

    func listCustomers(_ input: Operations.ListCustomers.Input) async throws -> Operations.ListCustomers.Output {
        let q = input.query
        let (projectID, access) = try await projectAccess(q.projectId)
        let page = try PageRequest(page: q.page, perPage: q.perPage)
        let filter = try Self.customerFilter(q: q.q, grade: q.grade?.rawValue, source: q.source, ownerId: q.ownerId, pool: q.pool,
                                             lastContact: q.lastContact?.rawValue, tag: q.tag)
        let result = try await services.customers(database).list(projectID, filter, by: .init(access, call.auditContext), page: page)
        return .ok(.init(body: .json(.init(items: result.items.map { Self.customerSchema($0, access) }, page: result.page,
                                           perPage: result.perPage, total: result.total))))
    }

    func createCustomer(_ input: Operations.CreateCustomer.Input) async throws -> Operations.CreateCustomer.Output {
        let b = switch input.body { case .json(let json): json }
        let (projectID, access) = try await projectAccess(b.projectId, nil)
        guard access.mayCreate else { throw Problem.forbidden }
        let owner = try Self.newOwner(access, ownerID: b.ownerId, pool: b.pool ?? false)
        let draft = CustomerService.Draft(
            name: b.name, mobile: b.mobile, idKind: b.idKind.flatMap { IdentityKind(rawValue: $0.rawValue) }, idNumber: b.idNumber ?? "",
            gender: b.gender?.rawValue ?? "unknown", address: b.address ?? "", source: b.source ?? "", grade: b.grade?.rawValue ?? "C",
            tags: b.tags ?? [], notes: b.notes ?? "")
        let record = try await services.customers(database).create(draft, in: projectID, owner: owner, context: call.auditContext)
        return .created(.init(body: .json(Self.customerSchema(record, access))))
    }

    /// Who owns a new customer: the named consultant (a manager's choice), the pool, or the creator
    /// when they may edit customers (a call-centre agent's new callers start in the pool).
    static func newOwner(_ access: CustomerAccess, ownerID: String?, pool: Bool) throws -> UUID? {
        if pool { return nil }
        if let raw = ownerID {
            let id = try uuid(raw, field: "ownerId")
            guard id == access.principal.userID || access.mayReassign else { throw Problem(.forbidden, "customer_owner_not_yours") }
            return id
        }
        return access.principal.may(.customersEdit, on: access.projectID) ? access.principal.userID : nil
    }

    func getCustomer(_ input: Operations.GetCustomer.Input) async throws -> Operations.GetCustomer.Output {
        let (record, access) = try await customer(input.path.customerId)
        return .ok(.init(body: .json(Self.customerSchema(record, access))))
    }

    func updateCustomer(_ input: Operations.UpdateCustomer.Input) async throws -> Operations.UpdateCustomer.Output {
        let b = switch input.body { case .json(let json): json }
        let (record, access) = try await customer(input.path.customerId)
        guard access.mayEdit(owner: record.ownerID) else { throw Problem.forbidden }
        // The generator gives a nullable enum a case for "": null means "leave it".
        var p = CustomerService.Patch()
        p.name = b.name
        p.mobile = b.mobile
        p.idKind = b.idKind.flatMap { IdentityKind(rawValue: $0.rawValue) }
        p.idNumber = b.idNumber
        if p.idNumber.map({ !$0.isEmpty }) ?? false, p.idKind == nil {
            p.idKind = record.idKind.flatMap(IdentityKind.init(rawValue:))
        }
        p.gender = b.gender.flatMap { $0.rawValue.isEmpty ? nil : $0.rawValue }
        p.address = b.address
        p.source = b.source
        p.grade = b.grade.flatMap { $0.rawValue.isEmpty ? nil : $0.rawValue }
        p.tags = b.tags
        p.notes = b.notes
        let updated = try await services.customers(database).update(record.id, in: record.projectID, p, context: call.auditContext)
        return .ok(.init(body: .json(Self.customerSchema(updated, access))))
    }

    func listCustomerContacts(_ input: Operations.ListCustomerContacts.Input) async throws -> Operations.ListCustomerContacts.Output {
        let (record, _) = try await customer(input.path.customerId)
        let service = services.customers(database)
        let ids = [record.id] + (try await service.merged(into: record.id)).map(\.id)
        return .ok(.init(body: .json(try await service.contacts(of: ids).map(Self.contactSchema))))
    }

    func logVisit(_ input: Operations.LogVisit.Input) async throws -> Operations.LogVisit.Output {
        let b = switch input.body { case .json(let json): json }
        return .created(.init(body: .json(try await logContact(input.path.customerId, .init(
            kind: .visit, visitKind: b.visitKind.flatMap { .init(rawValue: $0.rawValue) }, partySize: b.partySize,
            consultantID: try b.consultantId.map { try Self.uuid($0, field: "consultantId") }, occurredAt: b.occurredAt,
            interests: b.interests ?? "", notes: b.notes ?? "", nextStep: b.nextStep ?? "", nextFollowUpOn: b.nextFollowUpOn,
            grade: b.grade?.rawValue)))))
    }

    func logCall(_ input: Operations.LogCall.Input) async throws -> Operations.LogCall.Output {
        let b = switch input.body { case .json(let json): json }
        return .created(.init(body: .json(try await logContact(input.path.customerId, .init(
            kind: .call, direction: .init(rawValue: b.direction.rawValue),
            consultantID: try b.consultantId.map { try Self.uuid($0, field: "consultantId") }, occurredAt: b.occurredAt,
            interests: b.interests ?? "", notes: b.notes ?? "", nextStep: b.nextStep ?? "", nextFollowUpOn: b.nextFollowUpOn,
            grade: b.grade?.rawValue)))))
    }

    /// A call or a visit on a customer the caller may log contacts for.
    func logContact(_ rawID: String, _ d: CustomerService.ContactDraft) async throws -> Components.Schemas.CustomerContact {
        let (record, access) = try await customer(rawID)
        guard access.mayLogContact(owner: record.ownerID) else { throw Problem.forbidden }
        return Self.contactSchema(try await services.customers(database).logContact(record.id, in: record.projectID, d,
                                                                                         by: access.principal.userID, context: call.auditContext))
    }

    func revealCustomerData(_ input: Operations.RevealCustomerData.Input) async throws -> Operations.RevealCustomerData.Output {
        let b = switch input.body { case .json(let json): json }
        let (record, access) = try await customer(input.path.customerId)
        guard access.mayReveal(owner: record.ownerID) else { throw Problem.forbidden }
        let field: CustomerService.RevealField = b.field == .mobile ? .mobile : .idNumber
        let value = try await services.customers(database).reveal(field, of: record.id, in: record.projectID, context: call.auditContext)
        return .ok(.init(body: .json(.init(field: b.field == .mobile ? .mobile : .idNumber, value: value))))
    }

    func claimCustomer(_ input: Operations.ClaimCustomer.Input) async throws -> Operations.ClaimCustomer.Output {
        let (record, access) = try await customer(input.path.customerId)
        guard access.principal.may(.customersEdit, on: record.projectID) else { throw Problem.forbidden }
        let claimed = try await services.customers(database).claim(record.id, in: record.projectID, by: access.principal.userID,
                                                                    context: call.auditContext)
        return .ok(.init(body: .json(Self.customerSchema(claimed, access))))
    }

    func mergeCustomer(_ input: Operations.MergeCustomer.Input) async throws -> Operations.MergeCustomer.Output {
        let b = switch input.body { case .json(let json): json }
        let (record, access) = try await customer(input.path.customerId)
        guard access.mayMerge else { throw Problem.forbidden }
        let kept = try await services.customers(database).merge(try Self.uuid(b.duplicateId, field: "duplicateId"), into: record.id,
                                                                in: record.projectID, context: call.auditContext)
        return .ok(.init(body: .json(Self.customerSchema(kept, access))))
    }

    func reassignCustomers(_ input: Operations.ReassignCustomers.Input) async throws -> Operations.ReassignCustomers.Output {
        let b = switch input.body { case .json(let json): json }
        let (projectID, _) = try await projectAccess(b.projectId, .customersReassign)
        let ids = try b.customerIds.map { try Self.uuid($0, field: "customerIds") }
        let owner = try b.ownerId.map { try Self.uuid($0, field: "ownerId") }
        let n = try await services.customers(database).reassign(ids, in: projectID, to: owner, context: call.auditContext)
        return .ok(.init(body: .json(.init(changed: n))))
    }

    func listFollowUps(_ input: Operations.ListFollowUps.Input) async throws -> Operations.ListFollowUps.Output {
        let (projectID, access) = try await projectAccess(input.query.projectId)
        let due = try await services.customers(database).followUps(owner: access.principal.userID, in: projectID)
        return .ok(.init(body: .json(.init(today: due.today.map { Self.customerSchema($0, access) },
                                           overdue: due.overdue.map { Self.customerSchema($0, access) }))))
    }

    func importCustomers(_ input: Operations.ImportCustomers.Input) async throws -> Operations.ImportCustomers.Output {
        let body: HTTPBody = switch input.body {
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let b), .csv(let b), .binary(let b): b
        }
        let data = try await upload(body)
        let projectID = try Self.uuid(input.path.projectId)
        let access = CustomerAccess(try call.requirePrincipal(), project: projectID)
        let outcome = try await services.imports.run {
            try await services.customerSheets(database).importCustomers(
                data, into: projectID, fileName: input.query.fileName ?? "upload", importer: access.principal.userID,
                mayAssignOthers: access.mayReassign, context: call.auditContext)
        }
        return .ok(.init(body: .json(.init(imported: outcome.imported, format: .init(rawValue: outcome.format) ?? .csv,
                                           encoding: outcome.encoding.flatMap { .init(rawValue: $0) }))))
    }

    func exportCustomers(_ input: Operations.ExportCustomers.Input) async throws -> Operations.ExportCustomers.Output {
        let q = input.query
        let projectID = try Self.uuid(input.path.projectId)
        let filter = try Self.customerFilter(q: q.q, grade: q.grade?.rawValue, source: q.source, ownerId: q.ownerId, pool: q.pool,
                                             lastContact: q.lastContact?.rawValue, tag: q.tag)
        let searcher = try CustomerService.Searcher(CustomerAccess(call.requirePrincipal(), project: projectID), call.auditContext)
        let data = try await services.customerSheets(database).exportLogged(projectID, filter: filter, by: searcher, language: call.language)
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(data, as: call.language == .zh ? "客户.xlsx" : "customers.xlsx"))))
    }

    func customerTemplate(_ input: Operations.CustomerTemplate.Input) async throws -> Operations.CustomerTemplate.Output {
        _ = try Self.uuid(input.path.projectId)
        let language = try call.language
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(CustomerSheets.template(language: language), as: language == .zh ? "客户导入模板.xlsx" : "customer-import-template.xlsx"))))
    }
}

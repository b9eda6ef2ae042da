import EstateCore
import Foundation
import NIOCore
import Plot
import Vapor

extension ServiceController {
    // MARK: 新建工单

    static let draftKeys = ["kind", "channel", "categoryId", "severity", "title", "description", "unitCode", "customerMobile",
                            "contactName", "contactMobile", "location", "component", "department", "assigneeId", "confirmContact", "callId", "relatedNumber"]

    /// The unit picker's suggestions: units whose code or building matches what the agent typed, and
    /// the units of customers of that name who own one now (名字 of the owner on the phone), 15 at most.
    /// Owners are shown by surname only (the list travels to the browser of anyone at the desk).
    @Sendable static func unitPicker(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let q = String((req.queryText("q") ?? "").prefix(30))
        var body: [[String: String]] = []
        if !q.isEmpty {
            let sql = req.store.sql
            let like = "%" + q.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            let owned = q.count >= 2 && !q.contains(where: \.isNumber)
                ? try await LivePurchase.purchases(customerIn: CustomerDirectory.ids(nameLike: like, in: projectID), sql: sql) : []
            let units = try await InventoryService.pick(q, orIn: owned.map(\.unitId), in: projectID, limit: 15, sql: sql)
            let owners = try await LivePurchase.purchases(customerIn: LivePurchase.currentBuyers(ofUnits: units.map(\.id)), sql: sql)
            let contacts = try await CustomerDirectory.contacts(owners.map(\.customerId), sql: sql)
            for u in units {
                let names = owners.filter { $0.unitId == u.id }.compactMap { contacts[$0.customerId]?.name }.map(Masking.name)
                let label = [u.code, u.buildingName, names.isEmpty ? nil : req.localizer("ticket.picker_owner", ["names": names.joined(separator: "、")])]
                body.append(["code": u.code, "label": label.compactMap { $0 }.joined(separator: " · ")])
            }
        }
        let data = try JSONSerialization.data(withJSONObject: body)
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

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
        // From the call-centre desk: the call in hand is linked to the ticket, the caller is its contact.
        if let call = req.queryText("call").flatMap(UUID.init(uuidString:)) { v["callId"] = call.uuidString }
        if let contact = req.queryText("contact") { v["contactMobile"] = contact }
        // From a survey (a repair it found) or a repair (its audit).
        if let related = req.queryText("related") { v["relatedNumber"] = related }
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
            let call = SalesController.uuid(v["callId"], "callId", required: false, into: &bad)
            var related: UUID?
            if let n = v["relatedNumber"], !n.isEmpty {
                related = try await req.services.tickets(req.db).ticketID(number: n, in: projectID)
                if related == nil { bad.append(.init(field: "relatedTicketId", code: kind == .audit ? "audit_subject_invalid" : "related_ticket_invalid")) }
            } else if kind == .audit {
                bad.append(.init(field: "relatedTicketId", code: "audit_subject_required"))
            }
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
            let typed = (v["unitCode"] ?? "").trimmingCharacters(in: .whitespaces)
            if !typed.isEmpty {
                // As staff type it: "1-1-0101" is 1-1-101; a picked suggestion is the code itself.
                unitID = try await InventoryService.unitID(code: typed, in: projectID, sql: req.store.sql)
                if unitID == nil { bad.append(.init(field: "unitId", code: "unit_unknown")) }
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
            // A contact number that is neither the unit's buyer's nor any customer's on record is confirmed by the
            // agent (a wrong digit sends the owner's SMS to a stranger).
            if bad.isEmpty, MobileNumber.isValid(contactMobile), v["confirmContact"] != "1",
               try await !knownMobile(contactMobile, unit: unitID, in: projectID, req) {
                bad.append(.init(field: "contactMobile", code: "contact_mobile_unconfirmed"))
            }
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
            d.callID = call
            d.relatedTicketID = related
            let ticket = try await req.services.tickets(req.db).create(d, in: projectID, by: .staff(try req.requirePrincipal()),
                                                                       context: req.auditContext)
            return .to("/tickets/\(ticket.id)", notice: "ticket.created_notice")
        } failed: { p in
            var m = try await formModel(req, projectID, values: v)
            m.failure = failure(req.localizer, p, form: "new", values: v)
            m.askToConfirmContact = p.fields.contains { $0.code == "contact_mobile_unconfirmed" }
            return Shell.response(TicketFormPage.view(PageContext(req), m), status: p.status)
        }
    }

    /// The mobile is the unit's current buyer's or a customer's of the project (merged records included).
    static func knownMobile(_ mobile: String, unit: UUID?, in projectID: UUID, _ req: Request) async throws -> Bool {
        if try await req.services.customers(req.db).find(mobile: mobile, in: projectID, includingMerged: true) != nil { return true }
        guard let unit else { return false }
        let owners = try await LivePurchase.purchases(customerIn: LivePurchase.currentBuyers(ofUnits: [unit]), sql: req.store.sql)
        let contacts = try await CustomerDirectory.contacts(owners.map(\.customerId), sql: req.store.sql)
        return contacts.values.contains { MobileNumber.normalized($0.mobile) == mobile }
    }
}

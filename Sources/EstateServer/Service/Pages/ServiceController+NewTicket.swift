import EstateCore
import Foundation
import NIOCore
import Plot
import Vapor

extension ServiceController {
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
}

import EstateCore
import Foundation
import Vapor

/// 坐席工作台 pages: `/desk` looks a caller up (typed, or `?number=` from a softphone's screen
/// pop), logs the call in hand and plans a follow-up. Work orders are opened on the service
/// capability's own form, which links the call (`?call=`).
enum DeskController {
    static func register(_ app: Application) {
        app.on(.GET, "desk", guard: .allowed(.callsHandle), use: show)
        app.on(.POST, "desk", "calls", guard: .allowed(.callsHandle), use: logCall)
        app.on(.POST, "desk", "follow-ups", guard: .allowed(.callsHandle), use: followUp)
    }

    /// The desk of a number, with the just-logged call kept in the address.
    static func href(number: String, call: UUID? = nil) -> String {
        var comps = URLComponents()
        comps.path = "/desk"
        comps.queryItems = [URLQueryItem(name: "number", value: number)] + (call.map { [URLQueryItem(name: "call", value: $0.uuidString)] } ?? [])
        return comps.string ?? "/desk"
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let r = Shell.response(DeskPage.view(PageContext(req), try await DeskPage.Model.load(req)))
        r.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return r
    }

    @Sendable static func logCall(_ req: Request) async throws -> Response {
        let v = req.formFields(["number", "projectId", "direction", "category", "outcome", "note", "startedAt"])
        let number = v["number"] ?? ""
        return try await FormAction.run(req) {
            var n = DeskService.CallNote(number: number)
            var bad: [Problem.FieldError] = []
            n.projectID = SalesController.uuid(v["projectId"], "projectId", required: false, into: &bad)
            n.direction = CallDirection(rawValue: v["direction"] ?? "") ?? .inbound
            n.category = v["category"]
            if let o = v["outcome"], !o.isEmpty {
                n.outcome = CallOutcome(rawValue: o)
                if n.outcome == nil { bad.append(.init(field: "outcome", code: "field_invalid")) }
            }
            n.note = v["note"] ?? ""
            // The page's load time, sent back: when the agent picked the call up (at most a day ago).
            if let s = v["startedAt"].flatMap(Double.init) {
                let at = Date(timeIntervalSince1970: s)
                if at > req.services.now().addingTimeInterval(-86_400) { n.startedAt = at }
            }
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            let call = try await req.services.desk(req.db).logCall(n, by: try req.requirePrincipal(), context: req.auditContext)
            return .to(href(number: call.number, call: call.id), notice: "desk.call_logged_notice")
        } failed: { problem in
            FormAction.back(req, to: href(number: number), problem)
        }
    }

    @Sendable static func followUp(_ req: Request) async throws -> Response {
        let v = req.formFields(["number", "customer", "nextStep", "nextFollowUpOn", "note", "call"])
        let number = v["number"] ?? ""
        let call = v["call"].flatMap(UUID.init(uuidString:))
        return try await FormAction.run(req) {
            // "<project>/<customer>": the record picked among the caller's.
            let parts = (v["customer"] ?? "").split(separator: "/").compactMap { UUID(uuidString: String($0)) }
            guard parts.count == 2 else { throw Problem.invalid("customer", "desk_record_required") }
            _ = try await req.services.desk(req.db).addFollowUp(customer: parts[1], in: parts[0], note: v["note"] ?? "",
                                                                nextStep: v["nextStep"] ?? "", on: v["nextFollowUpOn"],
                                                                by: try req.requirePrincipal(), context: req.auditContext)
            return .to(href(number: number, call: call), notice: "desk.follow_up_notice")
        } failed: { problem in
            FormAction.back(req, to: href(number: number, call: call), problem)
        }
    }
}

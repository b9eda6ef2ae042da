import EstateCore
import Foundation
import Vapor

/// 坐席工作台: the caller's number in, everything known about them out, in one view.
enum DeskPage {
    struct Model {
        /// As typed (or brought by `?number=`).
        var query: String
        var caller: DeskService.Caller?
        /// Agents' names of the caller's calls.
        var agents: [UUID: String]
        /// Projects where the agent handles calls: a call may be logged about one of them.
        var callProjects: [InventoryShell.ProjectRef]
        /// Projects where the agent may open a work order.
        var ticketProjects: [InventoryShell.ProjectRef]
        /// The call just logged from this page (`?call=`), to link to a work order.
        var call: CallService.Record?
        var now: Date
        /// How long the look-up took, shown small: the desk answers while the caller waits.
        var lookupMilliseconds: Int?
        /// A number that is not one.
        var invalidNumber = false

        static func load(_ req: Request) async throws -> Model {
            let principal = try req.requirePrincipal()
            let query = req.queryText("number", max: 30) ?? ""
            let desk = req.services.desk(req.db)
            var caller: DeskService.Caller?
            var took: Int?
            var invalid = false
            if !query.isEmpty {
                let started = DispatchTime.now().uptimeNanoseconds
                do {
                    caller = try await desk.lookup(query, by: principal, context: req.auditContext)
                    took = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
                } catch let p as Problem where p.status == .unprocessableEntity {
                    invalid = true
                }
            }
            let agents = caller?.agentNames ?? [:]
            let all = try await ProjectSwitcher.projects(req, any: [.callsHandle, .ticketsHandle])
            var call: CallService.Record?
            if let id = req.queryText("call").flatMap(UUID.init(uuidString:)), let number = caller?.number,
               let r = try await req.services.calls(req.db).record(id), r.number == number, r.ticketID == nil {
                call = r
            }
            return Model(query: query, caller: caller, agents: agents,
                         callProjects: all.filter { principal.may(.callsHandle, on: $0.id) },
                         ticketProjects: all.filter { principal.may(.ticketsHandle, on: $0.id) },
                         call: call, now: req.services.now(), lookupMilliseconds: took, invalidNumber: invalid)
        }
    }
}

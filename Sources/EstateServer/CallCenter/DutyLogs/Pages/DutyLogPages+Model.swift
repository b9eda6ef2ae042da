import EstateCore
import Foundation
import Vapor

/// 值班日志列表: newest shift first, searchable; the form for the next shift for the lead.
enum DutyLogListPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var filter: DutyLogService.Filter
        var page: Paged<DutyLogService.DutyLog>
        var mayWrite: Bool
        var today: CalendarDay

        static func load(_ req: Request, _ projectID: UUID) async throws -> Model {
            let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.callsHandle])
            var f = DutyLogService.Filter()
            f.q = req.queryText("q", max: 50)
            f.status = req.queryText("status").flatMap(DutyLogStatus.init(rawValue:))
            f.from = req.queryText("from").flatMap { CalendarDay($0)?.description }
            f.to = req.queryText("to").flatMap { CalendarDay($0)?.description }
            let page = try await req.services.dutyLogs(req.db).list(projectID, f,
                                                                   page: PageRequest(page: (try? req.query.get(Int.self, at: "page")) ?? 1, perPage: 50))
            return Model(project: project, projects: projects, filter: f, page: page,
                         mayWrite: req.principal?.may(.callCenterManage, on: projectID) == true, today: CalendarDay(req.services.now()))
        }
    }
}

/// 值班日志: the shift, who was on, incidents, complaints, 抢修单, handover; editable until the
/// shift lead signs it off.
enum DutyLogPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var log: DutyLogService.DutyLog
        var outages: [String]
        var mayEdit: Bool
        var maySignOff: Bool

        static func load(_ req: Request, _ l: DutyLogService.DutyLog) async throws -> Model {
            let (project, projects) = try await ProjectSwitcher.refs(req, l.projectId, any: [.callsHandle])
            let p = try req.requirePrincipal()
            let open = l.logStatus.editable
            return Model(project: project, projects: projects, log: l, outages: try await req.services.dutyLogs(req.db).outageLines(l),
                         mayEdit: open && p.may(.callCenterManage, on: l.projectId),
                         maySignOff: open && p.roles(on: l.projectId).contains(.shiftLead))
        }
    }
}

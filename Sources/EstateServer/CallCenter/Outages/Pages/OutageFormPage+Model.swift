import EstateCore
import Foundation
import Vapor

/// 新建抢修单: department, the area (a building, one of its entrances, or units picked as on the
/// ticket form), what is wrong and when it should be back.
enum OutageFormPage {
    static let keys = ["department", "scope", "buildingId", "entrance", "unitCodes", "title", "description", "expectedRestoreAt"]

    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var buildings: [BuildingRow]
        /// People on call per department (empty: the department cannot be chosen yet).
        var onCall: [TicketService.Department: [String]]
        var values: [String: String]
        var failure: FormFailure?

        static func load(_ req: Request, _ projectID: UUID, values: [String: String], failure: FormFailure? = nil) async throws -> Model {
            let (project, projects) = try await OutagesController.refs(req, projectID)
            let outages = req.services.outages(req.db)
            var onCall: [TicketService.Department: [String]] = [:]
            for l in try await outages.onCallLists(projectID) { onCall[l.department] = l.members.map(\.name) }
            return Model(project: project, projects: projects, buildings: try await req.services.inventory(req.db).buildings(projectID),
                         onCall: onCall, values: values, failure: failure)
        }
    }

    /// "2026-12-06T14:30" typed in Beijing time.
    static func parseLocal(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = CalendarDay.zone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            f.dateFormat = format
            if let d = f.date(from: s) { return d }
        }
        return nil
    }

    static func local(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = CalendarDay.zone
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return f.string(from: d)
    }
}

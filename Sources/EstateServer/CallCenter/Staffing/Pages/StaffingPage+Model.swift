import EstateCore
import Foundation
import Vapor

/// 话务预测与人力需求: a week's forecast and the agents it needs per half hour, one day in detail
/// with its chart, and the project's service goals.
enum StaffingPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var monday: CalendarDay
        /// 0…6: the day shown in detail.
        var dayIndex: Int
        var days: [StaffingService.Requirement]
        var settings: StaffingService.Settings
        var mayEdit: Bool
        var failure: FormFailure?
        var values: [String: String]

        static func load(_ req: Request, _ projectID: UUID, failure: FormFailure? = nil, values: [String: String] = [:]) async throws -> Model {
            let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.callsHandle])
            let today = CalendarDay(req.services.now())
            let monday = StaffingService.monday(of: req.queryText("from").flatMap(CalendarDay.init) ?? today)
            let staffing = req.services.staffing(req.db)
            let settings = try await staffing.settings(projectID)
            let days = try await staffing.requirement(projectID, from: monday, days: 7, settings: settings)
            let defaultDay = monday <= today && today <= monday.adding(days: 6) ? monday.days(until: today) : 0
            let day = req.queryText("day").flatMap(Int.init).flatMap { (0..<7).contains($0) ? $0 : nil } ?? defaultDay
            return Model(project: project, projects: projects, monday: monday, dayIndex: day, days: days, settings: settings,
                         mayEdit: req.principal?.may(.callCenterManage, on: projectID) == true, failure: failure, values: values)
        }
    }

    /// The settings form's fields and how the page shows each (per mille and percent as percent).
    static let settingKeys = ["slTarget", "thresholdSeconds", "asaLimitSeconds", "maxOccupancyPercent", "shrinkagePercent", "historyWeeks",
                              "defaultAhtSeconds", "outboundItemSeconds", "followUpItemSeconds", "weeklyHours", "minimumRestHours"]

    static func formValues(_ s: StaffingService.Settings) -> [String: String] {
        ["slTarget": s.slTargetPermille % 10 == 0 ? "\(s.slTargetPermille / 10)" : String(format: "%.1f", Double(s.slTargetPermille) / 10),
         "thresholdSeconds": "\(s.thresholdSeconds)", "asaLimitSeconds": s.asaLimitSeconds.map(String.init) ?? "",
         "maxOccupancyPercent": "\(s.maxOccupancyPercent)", "shrinkagePercent": "\(s.shrinkagePercent)", "historyWeeks": "\(s.historyWeeks)",
         "defaultAhtSeconds": "\(s.defaultAhtSeconds)", "outboundItemSeconds": "\(s.outboundItemSeconds)", "followUpItemSeconds": "\(s.followUpItemSeconds)", "weeklyHours": "\(s.weeklyHours)",
         "minimumRestHours": "\(s.minimumRestHours)"]
    }

    /// The settings as typed; a field that is not a number is named.
    static func parse(_ v: [String: String]) throws -> StaffingService.Settings {
        var s = StaffingService.Settings()
        var bad: [Problem.FieldError] = []
        func int(_ k: String) -> Int? {
            guard let n = Int(v[k] ?? "") else { bad.append(.init(field: k, code: "staffing_setting_number")); return nil }
            return n
        }
        if let d = Double(v["slTarget"] ?? ""), d.isFinite { s.slTargetPermille = Int((d * 10).rounded()) } else { bad.append(.init(field: "slTarget", code: "staffing_setting_number")) }
        s.thresholdSeconds = int("thresholdSeconds") ?? s.thresholdSeconds
        s.asaLimitSeconds = (v["asaLimitSeconds"] ?? "").isEmpty ? nil : int("asaLimitSeconds")
        s.maxOccupancyPercent = int("maxOccupancyPercent") ?? s.maxOccupancyPercent
        s.shrinkagePercent = int("shrinkagePercent") ?? s.shrinkagePercent
        s.historyWeeks = int("historyWeeks") ?? s.historyWeeks
        s.defaultAhtSeconds = int("defaultAhtSeconds") ?? s.defaultAhtSeconds
        s.outboundItemSeconds = int("outboundItemSeconds") ?? s.outboundItemSeconds
        s.followUpItemSeconds = int("followUpItemSeconds") ?? s.followUpItemSeconds
        s.weeklyHours = int("weeklyHours") ?? s.weeklyHours
        s.minimumRestHours = int("minimumRestHours") ?? s.minimumRestHours
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        return s
    }
}

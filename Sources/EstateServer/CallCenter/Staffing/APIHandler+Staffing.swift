import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/staffing/forecast`, `/api/v1/staffing/requirement` (话务预测 / 人力需求) and `/api/v1/rosters` (排班).
extension APIHandler {
    static func decimal(_ v: Double, _ places: Int = 2) -> String {
        String(format: "%.\(places)f", v.isFinite ? max(0, v) : 0)
    }

    static func percentText(_ share: Double) -> String { String(format: "%.2f", (share.isFinite ? share : 0) * 100) }

    static let profileNames = ["", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    static func profileName(_ p: ForecastProfile) -> String {
        switch p {
        case .weekday(let w): profileNames[w]
        case .workdayMean: "workday_mean"
        }
    }

    func staffingSpan(_ from: String, _ days: Int?) throws -> (CalendarDay, Int) {
        let f = try Self.day(from, field: "from")
        let n = days ?? 7
        guard (1...StaffingService.maxDays).contains(n) else { throw Problem.invalid("days", "staffing_days_invalid") }
        return (f, n)
    }

    func getStaffingForecast(_ input: Operations.GetStaffingForecast.Input) async throws -> Operations.GetStaffingForecast.Output {
        let project = try await reportProject(input.query.projectId, .callsHandle)
        let (from, n) = try staffingSpan(input.query.from, input.query.days)
        let staffing = services.staffing(database)
        let settings = try await staffing.settings(project.id)
        let days = try await staffing.forecast(project.id, from: from, days: n, settings: settings)
        return .ok(.init(body: .json(Schemas.StaffingForecast(
            projectId: project.id.uuidString, historyWeeks: settings.historyWeeks,
            days: days.map { d in
                Schemas.StaffingForecastDay(
                    date: d.day.description, calendar: d.kind?.rawValue, profile: .init(rawValue: Self.profileName(d.profile))!,
                    calls: Self.decimal(d.calls), callbacksDue: d.planned.callbacks, followUpsDue: d.planned.followUps,
                    plannedOutboundSeconds: Self.decimal(d.planned.seconds),
                    intervals: d.slots.map {
                        Schemas.StaffingForecastInterval(start: StaffingInterval.label($0.slot), calls: Self.decimal($0.calls),
                                                         ahtSeconds: Self.decimal($0.ahtSeconds), outboundSeconds: Self.decimal($0.outboundSeconds))
                    })
            }))))
    }

    func getStaffingRequirement(_ input: Operations.GetStaffingRequirement.Input) async throws -> Operations.GetStaffingRequirement.Output {
        let project = try await reportProject(input.query.projectId, .callsHandle)
        let (from, n) = try staffingSpan(input.query.from, input.query.days)
        let staffing = services.staffing(database)
        let s = try await staffing.settings(project.id)
        let days = try await staffing.requirement(project.id, from: from, days: n, settings: s)
        return .ok(.init(body: .json(Schemas.StaffingRequirement(
            projectId: project.id.uuidString, serviceLevelTarget: Self.percentText(s.target.serviceLevel), thresholdSeconds: s.thresholdSeconds,
            asaLimitSeconds: s.asaLimitSeconds, maxOccupancy: Self.percentText(s.target.maxOccupancy), shrinkage: Self.percentText(s.target.shrinkage),
            days: days.map { d in
                Schemas.StaffingRequirementDay(date: d.day.day.description, scheduledAgentHours: Self.decimal(d.agentHours, 1), intervals: d.slots.map { r in
                    Schemas.StaffingRequirementInterval(
                        start: StaffingInterval.label(r.slot), calls: Self.decimal(r.calls), ahtSeconds: Self.decimal(r.ahtSeconds),
                        erlangs: Self.decimal(r.inbound.traffic), inboundAgents: r.inbound.agents, outboundAgents: r.outboundAgents,
                        required: r.required, scheduled: r.scheduled, serviceLevel: Self.percentText(r.inbound.serviceLevel),
                        asaSeconds: r.inbound.asaSeconds.isFinite ? Self.decimal(r.inbound.asaSeconds) : nil, occupancy: Self.percentText(r.inbound.occupancy))
                })
            }))))
    }

    static func rosterResponse(_ projectID: UUID, _ w: RosterService.Week, t: Localizer) -> Schemas.Roster {
        let names = Dictionary(w.agents.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        return Schemas.Roster(
            projectId: projectID.uuidString, week: w.monday.description, paidHours: decimal(Double(w.paidMinutes) / 60, 1),
            naivePaidHours: decimal(Double(w.naivePaidMinutes) / 60, 1), saving: percentText(max(0, w.saving)), shortIntervals: w.shortIntervals,
            templates: w.templates.map { tp in
                .init(code: tp.shift.code, name: RosterText.templateName(t, tp), start: RosterText.clock(tp.shift.startMinute),
                      end: RosterText.clock(tp.shift.startMinute + tp.shift.minutes), paidMinutes: tp.shift.paidMinutes)
            },
            shifts: w.shifts.map { s in
                Schemas.RosterShiftItem(id: s.id.uuidString, agentId: s.agentId.uuidString, agentName: names[s.agentId] ?? "",
                                        date: w.monday.adding(days: s.day).description, day: s.day, template: s.template,
                                        source: .init(rawValue: s.source) ?? .hand,
                                        warnings: (w.warnings[s.id] ?? []).compactMap { .init(rawValue: $0.rawValue) })
            },
            coverage: zip(w.required, w.coverage).map { .init(required: $0.0, scheduled: $0.1) })
    }

    func getRoster(_ input: Operations.GetRoster.Input) async throws -> Operations.GetRoster.Output {
        let project = try await reportProject(input.query.projectId, .callsHandle)
        let w = try await services.rosters(database).week(project.id, monday: try Self.day(input.query.week, field: "week"))
        return .ok(.init(body: .json(Self.rosterResponse(project.id, w, t: try localizer))))
    }

    func buildRoster(_ input: Operations.BuildRoster.Input) async throws -> Operations.BuildRoster.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .callCenterManage)
        let w = try await services.rosters(database).build(project.id, monday: try Self.day(b.week, field: "week"), context: call.auditContext)
        return .ok(.init(body: .json(Self.rosterResponse(project.id, w, t: try localizer))))
    }

    func addRosterShift(_ input: Operations.AddRosterShift.Input) async throws -> Operations.AddRosterShift.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .callCenterManage)
        let monday = try Self.day(b.week, field: "week")
        let rosters = services.rosters(database)
        try await rosters.addShift(RosterShift(agent: try Self.uuid(b.agentId, field: "agentId"), day: b.day, template: b.template),
                                   monday: monday, in: project.id, context: call.auditContext)
        return .created(.init(body: .json(Self.rosterResponse(project.id, try await rosters.week(project.id, monday: monday), t: try localizer))))
    }
}

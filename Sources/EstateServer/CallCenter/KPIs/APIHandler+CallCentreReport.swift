import EstateCore
import Foundation
import OpenAPIRuntime

/// `/api/v1/reports/call-centre` (话务报表).
extension APIHandler {
    static func figures(_ c: CallKPI.Counters, staffed: Int) -> Schemas.CallCentreFigures {
        Schemas.CallCentreFigures(offered: c.offered, answered: c.answered, abandoned: c.abandoned, shortAbandoned: c.shortAbandoned,
                                  answeredInThreshold: c.answeredInThreshold, abandonmentRate: CallKPI.abandonment(c),
                                  serviceLevel: CallKPI.serviceLevel(c), asaSeconds: CallKPI.asa(c), ahtSeconds: CallKPI.aht(c),
                                  occupancy: CallKPI.occupancy(c, staffedSeconds: staffed), staffedSeconds: staffed, fcr: CallKPI.fcr(c), callbacksOnTime: CallKPI.callbacksOnTime(c),
                                  satisfaction: CallKPI.satisfaction(c), qaScore: CallKPI.qaScore(c))
    }

    func getCallCentreReport(_ input: Operations.GetCallCentreReport.Input) async throws -> Operations.GetCallCentreReport.Output {
        let project = try await reportProject(input.query.projectId, .callCenterManage)
        let period = try Self.period(input.query.from, input.query.to)
        let r = try await services.callCentreKPIs(database).report(projectID: project.id, from: period.from, to: period.to)
        return .ok(.init(body: .json(Schemas.CallCentreReport(
            from: r.from.description, to: r.to.description, serviceLevelSeconds: CallKPI.serviceLevelSeconds,
            shortAbandonSeconds: CallKPI.shortAbandonSeconds, total: Self.figures(r.total, staffed: r.staffedSeconds),
            agents: r.agents.map { .init(agentId: $0.agentID?.uuidString, agentName: $0.name, figures: Self.figures($0.counters, staffed: $0.staffedSeconds)) },
            teams: r.teams.map { .init(leadId: $0.leadID?.uuidString, leadName: $0.leadName, agents: $0.agents,
                                       figures: Self.figures($0.counters, staffed: $0.staffedSeconds)) },
            months: r.months.map { .init(month: $0.label, figures: Self.figures($0.counters, staffed: $0.staffedSeconds)) },
            days: r.days.map { .init(day: $0.day.description, figures: Self.figures($0.counters, staffed: $0.staffedSeconds)) }))))
    }

    func exportCallCentreReport(_ input: Operations.ExportCallCentreReport.Input) async throws -> Operations.ExportCallCentreReport.Output {
        let project = try await reportProject(input.query.projectId, .callCenterManage)
        let period = try Self.period(input.query.from, input.query.to)
        let r = try await services.callCentreKPIs(database).report(projectID: project.id, from: period.from, to: period.to)
        let t = try localizer
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(try CallSheets.report(r, t: t), as: ReportSheets.fileName("callcentre", projectCode: project.code, period: period, t: t)))))
    }
}

import EstateCore
import EstateSheets
import Foundation

/// The call log and the KPI report as .xlsx: the same figures as their pages and JSON.
enum CallSheets {
    static func rate(_ r: Double?) -> SheetCell { r.map { .decimal(Int64(($0 * 10_000).rounded()), scale: 4) } ?? .empty }
    static func seconds(_ s: Double?) -> SheetCell { s.map { .decimal(Int64(($0 * 10).rounded()), scale: 1) } ?? .empty }

    /// The KPI columns, in the order of the page.
    static func figureColumns(_ t: Localizer) -> [SheetColumn] {
        [SheetColumn(t("kpi.offered"), format: .integer), SheetColumn(t("kpi.answered"), format: .integer),
         SheetColumn(t("kpi.abandoned"), format: .integer), SheetColumn(t("kpi.abandonment"), format: .percent),
         SheetColumn(t("kpi.service_level"), format: .percent), SheetColumn(t("kpi.asa"), format: .general),
         SheetColumn(t("kpi.aht"), format: .general), SheetColumn(t("kpi.fcr"), format: .percent),
         SheetColumn(t("kpi.callbacks_on_time"), format: .percent), SheetColumn(t("kpi.satisfaction"), format: .general),
         SheetColumn(t("kpi.qa"), format: .general), SheetColumn(t("kpi.staffed"), format: .general),
         SheetColumn(t("kpi.occupancy"), format: .percent)]
    }

    static func figureCells(_ c: CallKPI.Counters, staffed: Int) -> [SheetCell] {
        [.integer(Int64(c.offered)), .integer(Int64(c.answered)), .integer(Int64(c.abandoned)), rate(CallKPI.abandonment(c)),
         rate(CallKPI.serviceLevel(c)), seconds(CallKPI.asa(c)), seconds(CallKPI.aht(c)), rate(CallKPI.fcr(c)),
         rate(CallKPI.callbacksOnTime(c)), CallKPI.satisfaction(c).map { .decimal(Int64(($0 * 100).rounded()), scale: 2) } ?? .empty,
         CallKPI.qaScore(c).map { .decimal(Int64(($0 * 10).rounded()), scale: 1) } ?? .empty,
         staffed > 0 ? .decimal(Int64((Double(staffed) / 360).rounded()), scale: 1) : .empty,
         rate(CallKPI.occupancy(c, staffedSeconds: staffed))]
    }

    static func report(_ r: CallCentreKPIService.Report, t: Localizer) throws -> Data {
        let total = Sheet(name: t("kpi.sheet.total"), columns: [SheetColumn(t("kpi.period"), format: .text)] + figureColumns(t),
                          rows: [[.text("\(r.from) – \(r.to)")] + figureCells(r.total, staffed: r.staffedSeconds)])
        let agents = Sheet(name: t("kpi.sheet.agents"), columns: [SheetColumn(t("kpi.agent"), format: .text)] + figureColumns(t),
                           rows: r.agents.map { [.text($0.name ?? t("kpi.no_agent"))] + figureCells($0.counters, staffed: $0.staffedSeconds) })
        let teams = Sheet(name: t("kpi.sheet.teams"), columns: [SheetColumn(t("kpi.team"), format: .text)] + figureColumns(t),
                          rows: r.teams.map { [.text(CallCentreReportPage.teamName(t, $0))] + figureCells($0.counters, staffed: $0.staffedSeconds) })
        let months = Sheet(name: t("kpi.sheet.months"), columns: [SheetColumn(t("kpi.month"), format: .text)] + figureColumns(t),
                           rows: r.months.map { [.text($0.label)] + figureCells($0.counters, staffed: $0.staffedSeconds) })
        let days = Sheet(name: t("kpi.sheet.days"), columns: [SheetColumn(t("kpi.day"), format: .text)] + figureColumns(t),
                         rows: r.days.map { [.text($0.day.description)] + figureCells($0.counters, staffed: $0.staffedSeconds) })
        return try XLSXWriter.data([total, agents, teams, months, days])
    }

    /// Every listed call (not one page); numbers masked unless the reader may export personal data.
    static func calls(_ rows: [CallService.Record], names: [UUID: String], seesNumbers: Bool, t: Localizer) throws -> Data {
        let columns = [SheetColumn(t("call.field.offered"), width: 17, format: .text), SheetColumn(t("call.field.direction"), width: 6, format: .text),
                       SheetColumn(t("call.field.number"), width: 14, format: .text), SheetColumn(t("call.field.queue"), width: 10, format: .text),
                       SheetColumn(t("call.field.agent"), width: 10, format: .text), SheetColumn(t("call.field.wait"), format: .integer),
                       SheetColumn(t("call.field.talk"), format: .integer), SheetColumn(t("call.field.hold"), format: .integer),
                       SheetColumn(t("call.field.wrap"), format: .integer), SheetColumn(t("call.field.abandoned"), width: 6, format: .text),
                       SheetColumn(t("call.field.category"), width: 10, format: .text), SheetColumn(t("call.field.outcome"), width: 10, format: .text),
                       SheetColumn(t("call.field.satisfaction"), format: .integer), SheetColumn(t("call.field.source"), width: 10, format: .text)]
        let cells: [[SheetCell]] = rows.map { c in
            [.text(Shell.dateTime(c.offeredAt)), .text(t("call.direction.\(c.direction)")),
             .text(seesNumbers ? c.number : CallerNumber.masked(c.number)), .text(c.queue), .text(c.agentID.flatMap { names[$0] } ?? ""),
             .integer(Int64(c.waitSeconds)), .integer(Int64(c.talkSeconds)), .integer(Int64(c.holdSeconds)), .integer(Int64(c.wrapSeconds)),
             .text(c.abandoned ? t("audit.value.true") : ""), .text(c.category ?? ""),
             .text(c.outcome.map { t("call.outcome.\($0)") } ?? ""), c.satisfaction.map { .integer(Int64($0)) } ?? .empty,
             .text(t("call.source.\(c.source)"))]
        }
        return try XLSXWriter.data([Sheet(name: t("calls.title"), columns: columns, rows: cells)])
    }
}

import EstateCore
import EstateSheets
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/malls/{mallId}/follow-ups`, `…/daily-logs/{day}`, `/api/v1/reports/mall` (+ `/export`) (issue 20 point 8).
extension APIHandler {
    static func followUpSchema(_ f: DeskDayService.FollowUp) -> Schemas.MallFollowUp {
        Schemas.MallFollowUp(id: f.id.uuidString, sourceKind: .init(rawValue: f.sourceKind) ?? .complaint, sourceId: f.sourceId.uuidString,
                             sourceNumber: f.sourceNumber, outcome: .init(rawValue: f.outcome) ?? .unreachable, note: f.note, createdAt: f.createdAt)
    }

    static func counts(_ c: [String: Int]) -> [Schemas.MallKindCount] {
        DeskDayService.kinds.map { Schemas.MallKindCount(kind: $0, count: c[$0] ?? 0) }
    }

    static func dailyLogSchema(_ l: DeskDayService.DailyLog) -> Schemas.MallDailyLog {
        Schemas.MallDailyLog(day: l.day, entries: l.entries.map { .init(kind: $0.kind, id: $0.id.uuidString, at: $0.at, text: $0.text) },
                             counts: counts(l.counts), signedBy: l.signedBy?.uuidString, signedAt: l.signedAt,
                             onDuty: l.onDuty?.map { .init(shift: .init(rawValue: $0.shift) ?? .early, times: $0.times, names: $0.names) })
    }

    func listMallFollowUps(_ input: Operations.ListMallFollowUps.Input) async throws -> Operations.ListMallFollowUps.Output {
        let m = try await mall(input.path.mallId, .mallDesk)
        return .ok(.init(body: .json(.init(items: try await services.deskDay(database).followUps(m.id).map(Self.followUpSchema)))))
    }

    func recordMallFollowUp(_ input: Operations.RecordMallFollowUp.Input) async throws -> Operations.RecordMallFollowUp.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(input.path.mallId, .mallDesk)
        let f = try await services.deskDay(database).followUp(mall: m, kind: b.sourceKind.rawValue, sourceID: try Self.uuid(b.sourceId, field: "sourceId"),
                                                              outcome: DeskDayService.Outcome(rawValue: b.outcome.rawValue) ?? .unreachable, note: b.note ?? "",
                                                              by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.followUpSchema(f))))
    }

    func getMallDailyLog(_ input: Operations.GetMallDailyLog.Input) async throws -> Operations.GetMallDailyLog.Output {
        let m = try await mall(input.path.mallId, .mallDesk)
        guard let day = CalendarDay(input.path.day) else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.dailyLogSchema(try await services.deskDay(database).log(m, day: day)))))
    }

    func signMallDailyLog(_ input: Operations.SignMallDailyLog.Input) async throws -> Operations.SignMallDailyLog.Output {
        let m = try await mall(input.path.mallId, .mallSupervise)
        guard let day = CalendarDay(input.path.day) else { throw Problem.notFound }
        let log = try await services.deskDay(database).sign(m, day: day, by: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(Self.dailyLogSchema(log))))
    }

    func mallReport(_ mallID: String, _ from: String, _ to: String) async throws -> (MallService.Mall, DeskDayService.Report) {
        let m = try await mall(mallID, .mallDesk)
        guard let f = CalendarDay(from) else { throw Problem.invalid("from", "date_invalid") }
        guard let t = CalendarDay(to) else { throw Problem.invalid("to", "date_invalid") }
        return (m, try await services.deskDay(database).report(m, from: f, to: t))
    }

    func getMallReport(_ input: Operations.GetMallReport.Input) async throws -> Operations.GetMallReport.Output {
        let (_, r) = try await mallReport(input.query.mallId, input.query.from, input.query.to)
        return .ok(.init(body: .json(.init(from: r.from.description, to: r.to.description,
                                           rows: r.rows.map { .init(day: $0.day.description, counts: Self.counts($0.counts), followUps: $0.followUps,
                                                                    satisfied: $0.satisfied, unsatisfied: $0.unsatisfied) },
                                           total: Self.counts(r.total), satisfied: r.satisfied, unsatisfied: r.unsatisfied, passRatePermille: r.passRate,
                                           goalPermille: FollowUpRule.goalPermille, overdueComplaints: r.overdueComplaints))))
    }

    func exportMallReport(_ input: Operations.ExportMallReport.Input) async throws -> Operations.ExportMallReport.Output {
        let (m, r) = try await mallReport(input.query.mallId, input.query.from, input.query.to)
        let data = try MallReportSheet.workbook(try localizer, r)
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(data, as: "\(m.name)-服务台报表-\(r.from)-\(r.to).xlsx"))))
    }
}

/// The desk's report as .xlsx: a row per day and kind of record, follow-ups and their outcome, a total row.
enum MallReportSheet {
    static func workbook(_ t: Localizer, _ r: DeskDayService.Report) throws -> Data {
        var columns = [SheetColumn(t("mall.report.day"), width: 12, format: .text)]
        for k in DeskDayService.kinds { columns.append(SheetColumn(t("mall.kind.\(k)"), width: 10, format: .integer)) }
        columns += [SheetColumn(t("mall.report.satisfied"), width: 10, format: .integer), SheetColumn(t("mall.report.unsatisfied"), width: 10, format: .integer)]
        var rows: [[SheetCell]] = r.rows.map { row in
            [.text(row.day.description)] + DeskDayService.kinds.map { .integer(Int64(row.counts[$0] ?? 0)) }
                + [.integer(Int64(row.satisfied)), .integer(Int64(row.unsatisfied))]
        }
        rows.append([.text(t("mall.report.total"))] + DeskDayService.kinds.map { .integer(Int64(r.total[$0] ?? 0)) }
                    + [.integer(Int64(r.satisfied)), .integer(Int64(r.unsatisfied))])
        return try XLSXWriter.data([Sheet(name: t("mall.report.title"), columns: columns, rows: rows)])
    }
}

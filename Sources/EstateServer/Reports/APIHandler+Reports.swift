import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/reports`: the JSON and .xlsx of every report, from the same `ReportService` figures.
extension APIHandler {
    static func period(_ from: String, _ to: String, _ g: ReportGranularity = .month) throws -> ReportPeriod {
        let f = try day(from, field: "from"), t = try day(to, field: "to")
        do {
            return try ReportPeriod(from: f, to: t, granularity: g)
        } catch .reversed {
            throw Problem.invalid("to", "period_reversed")
        } catch .tooLong(let max) {
            throw Problem.invalid([.init(field: "to", code: "period_too_long", arguments: ["days": "\(max)"])])
        }
    }

    /// The project of a report: 404 when unseen or missing, 403 without the right on it.
    func reportProject(_ raw: String, _ action: Action = .reportsView) async throws -> ProjectService.ProjectSummary {
        try await Self.reportProject(raw, action, for: call.requirePrincipal(), in: services.projects(database))
    }

    /// The same for the report pages.
    static func reportProject(_ req: Request, _ raw: String, _ action: Action = .reportsView) async throws -> ProjectService.ProjectSummary {
        try await reportProject(raw, action, for: req.requirePrincipal(), in: req.services.projects(req.db))
    }

    private static func reportProject(_ raw: String, _ action: Action, for p: Principal, in projects: ProjectService) async throws
        -> ProjectService.ProjectSummary {
        let id = try uuid(raw, field: "projectId")
        guard p.canSee(project: id) else { throw Problem.notFound }
        let project = try await projects.find(id, for: p)
        guard p.may(action, on: id) else { throw Problem.forbidden }
        return project
    }

    static func granularity(_ g: Components.Schemas.ReportGranularity?) -> ReportGranularity {
        g.flatMap { ReportGranularity(rawValue: $0.rawValue) } ?? .day
    }

    static func deal(_ d: Deal) -> Schemas.Deal { Schemas.Deal(count: d.count, area: d.area.description, amount: d.amount.plain) }

    static func figures(_ f: SalesFigures) -> Schemas.SalesFigures {
        Schemas.SalesFigures(calls: f.calls, visitsFirst: f.visitsFirst, visitsReturn: f.visitsReturn, subscriptions: deal(f.subscriptions),
                       contracts: deal(f.contracts), cancellations: deal(f.cancellations), terminations: deal(f.terminations),
                       collections: Schemas.Collected(count: f.collections.count, amount: f.collections.amount.plain))
    }

    static func inventory(_ i: ReportService.InventoryFigures) -> Schemas.InventoryFigures {
        Schemas.InventoryFigures(units: i.units, unreleased: i.count(.unreleased), available: i.count(.available), withheld: i.count(.withheld),
                           reserved: i.count(.reserved), subscribed: i.count(.subscribed), signed: i.count(.signed),
                           delivered: i.count(.delivered), remainingArea: i.remainingArea.description,
                           remainingListTotal: i.remainingListTotal.plain, sellThrough: i.sellThrough)
    }

    static func salesReport(_ r: ReportService.SalesReport) -> Schemas.SalesReport {
        func row(_ b: ReportService.Breakdown) -> Schemas.ReportBreakdownRow {
            Schemas.ReportBreakdownRow(key: b.key, name: b.name, figures: figures(b.figures), inventory: b.inventory.map(inventory))
        }
        return Schemas.SalesReport(
            projectId: r.projectID.uuidString, projectName: r.projectName, from: r.period.from.description, to: r.period.to.description,
            granularity: Schemas.ReportGranularity(rawValue: r.granularity.rawValue)!, today: r.today.description,
            previous: Schemas.ReportPeriod(from: r.previous.from.description, to: r.previous.to.description),
            buckets: r.buckets.map { Schemas.SalesBucket(label: $0.bucket.label, from: $0.bucket.from.description, to: $0.bucket.to.description,
                                                   figures: figures($0.figures)) },
            total: figures(r.total), previousTotal: figures(r.previousTotal), cumulative: figures(r.cumulative),
            inventory: inventory(r.inventory), byBuilding: r.byBuilding.map(row), byLayout: r.byLayout.map(row),
            byConsultant: r.byConsultant.map(row))
    }

    func getSalesReport(_ input: Operations.GetSalesReport.Input) async throws -> Operations.GetSalesReport.Output {
        let project = try await reportProject(input.query.projectId)
        let g = Self.granularity(input.query.granularity)
        let r = try await services.reports(database).sales(project.id, period: try Self.period(input.query.from, input.query.to, g), granularity: g)
        return .ok(.init(body: .json(Self.salesReport(r))))
    }

    func exportSalesReport(_ input: Operations.ExportSalesReport.Input) async throws -> Operations.ExportSalesReport.Output {
        let project = try await reportProject(input.query.projectId)
        let g = Self.granularity(input.query.granularity)
        let r = try await services.reports(database).sales(project.id, period: try Self.period(input.query.from, input.query.to, g), granularity: g)
        let t = try localizer
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(ReportSheets.sales(r, t: t), as: ReportSheets.salesFileName(r, projectCode: project.code, t: t)))))
    }

    static func asOf(_ raw: String?, today: CalendarDay) throws -> CalendarDay {
        guard let raw else { return today }
        let d = try day(raw, field: "asOf")
        guard d <= today else { throw Problem.invalid("asOf", "as_of_future") }
        return d
    }

    static func collectionsReport(_ r: ReportService.CollectionsReport) -> Schemas.CollectionsReport {
        func ageing(_ a: ReportService.AgeingRow) -> Schemas.AgeingRow {
            Schemas.AgeingRow(kind: a.kind.map { Schemas.PlanItemKind(rawValue: $0.rawValue)! }, days0to30: a[.upTo30].plain, days31to90: a[.upTo90].plain,
                        days91to180: a[.upTo180].plain, over180: a[.over180].plain, total: a.total.plain, items: a.items)
        }
        return Schemas.CollectionsReport(
            projectId: r.projectID.uuidString, projectName: r.projectName, from: r.period.from.description, to: r.period.to.description,
            asOf: r.asOf.description,
            months: r.months.map { m in
                Schemas.CollectionsMonth(month: m.bucket.label, planned: m.planned.plain, collected: m.collected.plain,
                                         collectedOnPlan: m.collectedOnPlan.plain, rate: m.rate,
                                         byKind: PlanItemKind.allCases.compactMap { k in
                                             m.byKind[k].map { Schemas.CollectionsKindRow(kind: Schemas.PlanItemKind(rawValue: k.rawValue)!, planned: $0.planned.plain,
                                                                                          collected: $0.collected.plain, collectedOnPlan: $0.collectedOnPlan.plain,
                                                                                          rate: $0.rate) }
                                         })
            },
            planned: r.planned.plain, collected: r.collected.plain, collectedOnPlan: r.collectedOnPlan.plain,
            collectedAhead: r.collectedAhead.plain, collectedOverdue: r.collectedOverdue.plain, rate: r.rate, ageing: r.ageing.map(ageing),
            ageingTotal: ageing(r.ageingTotal), overdueSales: r.overdueSales)
    }

    func getCollectionsReport(_ input: Operations.GetCollectionsReport.Input) async throws -> Operations.GetCollectionsReport.Output {
        let project = try await reportProject(input.query.projectId)
        let reports = services.reports(database)
        let r = try await reports.collections(project.id, period: try Self.period(input.query.from, input.query.to),
                                              asOf: try Self.asOf(input.query.asOf, today: reports.today))
        return .ok(.init(body: .json(Self.collectionsReport(r))))
    }

    func exportCollectionsReport(_ input: Operations.ExportCollectionsReport.Input) async throws -> Operations.ExportCollectionsReport.Output {
        let project = try await reportProject(input.query.projectId)
        let reports = services.reports(database)
        let period = try Self.period(input.query.from, input.query.to)
        let r = try await reports.collections(project.id, period: period, asOf: try Self.asOf(input.query.asOf, today: reports.today))
        let t = try localizer
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(ReportSheets.collections(r, t: t), as: ReportSheets.fileName("collections", projectCode: project.code, period: period, t: t)))))
    }

    static func ranking(_ rows: [ReportService.ConsultantRow]) -> [Schemas.ConsultantRow] {
        rows.map { r in
            Schemas.ConsultantRow(rank: r.rank > 0 ? r.rank : nil, consultantId: r.consultantID?.uuidString, name: r.name, calls: r.figures.calls, visits: r.visits,
                            visitsFirst: r.figures.visitsFirst, subscriptions: deal(r.figures.subscriptions), contracts: deal(r.figures.contracts),
                            collections: Schemas.Collected(count: r.figures.collections.count, amount: r.figures.collections.amount.plain),
                            conversion: r.conversion)
        }
    }

    func getConsultantRanking(_ input: Operations.GetConsultantRanking.Input) async throws -> Operations.GetConsultantRanking.Output {
        let project = try await reportProject(input.query.projectId)
        let period = try Self.period(input.query.from, input.query.to)
        let rows = try await services.reports(database).consultants(project.id, period: period)
        return .ok(.init(body: .json(Schemas.ConsultantRanking(projectId: project.id.uuidString, from: period.from.description, to: period.to.description,
                                                         rows: Self.ranking(rows)))))
    }

    func exportConsultantRanking(_ input: Operations.ExportConsultantRanking.Input) async throws -> Operations.ExportConsultantRanking.Output {
        let project = try await reportProject(input.query.projectId)
        let period = try Self.period(input.query.from, input.query.to)
        let rows = try await services.reports(database).consultants(project.id, period: period)
        let t = try localizer
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(ReportSheets.consultants(rows, t: t), as: ReportSheets.fileName("consultants", projectCode: project.code, period: period, t: t)))))
    }

    /// Whose figures a dashboard shows: the project's for anyone with reports on it, a
    /// consultant's own otherwise; nil (403) for anyone else.
    static func dashboardScope(_ p: Principal, projectID: UUID) -> (allowed: Bool, consultant: UUID?) {
        if p.may(.reportsView, on: projectID) { return (true, nil) }
        if p.roles(on: projectID).contains(.consultant) { return (true, p.userID) }
        return (false, nil)
    }

    static func target(_ t: ReportService.Target?) -> Schemas.TargetFigures? {
        t.map { Schemas.TargetFigures(subscriptions: $0.subscriptions, contractAmount: $0.contractAmount.plain, collections: $0.collections.plain) }
    }

    func getDashboard(_ input: Operations.GetDashboard.Input) async throws -> Operations.GetDashboard.Output {
        let p = try call.requirePrincipal()
        let project = try await reportProject(input.query.projectId, .projectView)
        let scope = Self.dashboardScope(p, projectID: project.id)
        guard scope.allowed else { throw Problem.forbidden }
        let d = try await services.reports(database).dashboard(project.id, consultant: scope.consultant)
        let progress = d.progress
        return .ok(.init(body: .json(Schemas.Dashboard(
            projectId: d.projectID.uuidString, projectName: d.projectName, today: d.today.description, month: d.month,
            scope: d.consultantID == nil ? .project : .consultant, consultantId: d.consultantID?.uuidString,
            todayFigures: Self.figures(d.todayFigures), monthFigures: Self.figures(d.monthFigures), target: Self.target(d.target),
            progress: Schemas.Progress(subscriptions: progress.subscriptions, contractAmount: progress.contractAmount, collections: progress.collections),
            days: d.days.map { Schemas.DashboardDay(day: $0.day.description, subscriptions: $0.subscriptions, contractAmount: $0.contractAmount.plain,
                                              collections: $0.collections.plain) }))))
    }

    static func targetSheet(_ s: ReportService.TargetSheet) -> Schemas.TargetSheet {
        Schemas.TargetSheet(projectId: s.projectID.uuidString, month: s.month, project: target(s.project),
                      consultants: s.consultants.map { Schemas.ConsultantTarget(consultantId: $0.id.uuidString, name: $0.name, target: target($0.target)) })
    }

    func getTargets(_ input: Operations.GetTargets.Input) async throws -> Operations.GetTargets.Output {
        let project = try await reportProject(input.query.projectId)
        return .ok(.init(body: .json(Self.targetSheet(try await services.reports(database).targets(project.id, month: input.query.month)))))
    }

    static func targetInput(subscriptions: Int, contractAmount: String, collections: String, field: String) throws -> ReportService.Target {
        let c = try money(contractAmount, field: "\(field).contractAmount"), m = try money(collections, field: "\(field).collections")
        guard c.fen >= 0 else { throw Problem.invalid("\(field).contractAmount", "target_invalid") }
        guard m.fen >= 0 else { throw Problem.invalid("\(field).collections", "target_invalid") }
        return ReportService.Target(subscriptions: subscriptions, contractAmount: c, collections: m)
    }

    func putTargets(_ input: Operations.PutTargets.Input) async throws -> Operations.PutTargets.Output {
        let body = switch input.body { case .json(let json): json }
        let project = try await reportProject(body.projectId, .targetsSet)
        let own = try body.project.map { try Self.targetInput(subscriptions: $0.subscriptions, contractAmount: $0.contractAmount,
                                                              collections: $0.collections, field: "project") }
        let consultants = try body.consultants.enumerated().map { i, c in
            (try Self.uuid(c.consultantId, field: "consultants[\(i)].consultantId"),
             try Self.targetInput(subscriptions: c.target.subscriptions, contractAmount: c.target.contractAmount,
                                  collections: c.target.collections, field: "consultants[\(i)].target"))
        }
        let sheet = try await services.reports(database).setTargets(project.id, month: body.month, project: own, consultants: consultants,
                                                                    context: call.auditContext)
        return .ok(.init(body: .json(Self.targetSheet(sheet))))
    }
}

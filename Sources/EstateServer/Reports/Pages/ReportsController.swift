import EstateCore
import Foundation
import Plot
import Vapor

/// The report pages. Routes under a project have had `.reportsView` (or `.targetsSet`) checked
/// on it by the route guard (404 for a project the user cannot see, 403 without the right); the
/// handlers load the project through `APIHandler.reportProject`, the API's own rule. A bad date
/// or period draws the page again with the form and its message, nothing else.
enum ReportsController {
    static func register(_ app: Application) {
        app.on(.GET, "reports", guard: .signedIn, use: home)

        let p = app.grouped("projects", ":projectID", "reports")
        p.on(.GET, guard: .allowed(.reportsView), use: sales)
        p.on(.GET, "sales.xlsx", guard: .allowed(.reportsView), use: exportSales)
        p.on(.GET, "collections", guard: .allowed(.reportsView), use: collections)
        p.on(.GET, "collections.xlsx", guard: .allowed(.reportsView), use: exportCollections)
        p.on(.GET, "consultants", guard: .allowed(.reportsView), use: consultants)
        p.on(.GET, "consultants.xlsx", guard: .allowed(.reportsView), use: exportConsultants)
        p.on(.GET, "targets", guard: .allowed(.reportsView), use: targets)
        p.on(.POST, "targets", guard: .allowed(.targetsSet), use: saveTargets)
    }

    // MARK: Helpers

    /// Projects whose reports the user may read, for the switcher.
    static func projects(_ req: Request) async throws -> [InventoryShell.ProjectRef] {
        try await ProjectSwitcher.projects(req, any: [.reportsView])
    }

    static func refs(_ req: Request, _ action: Action = .reportsView) async throws -> (ProjectService.ProjectSummary, InventoryShell.ProjectRef,
                                                                                    [InventoryShell.ProjectRef]) {
        let project = try await APIHandler.reportProject(req, req.parameters.get("projectID") ?? "", action)
        return (project, InventoryShell.ProjectRef(id: project.id, code: project.code, name: project.name), try await projects(req))
    }

    static func query(_ req: Request, _ key: String) -> String? {
        (try? req.query.get(String.self, at: key)).map(\.trimmed).flatMap { $0.isEmpty ? nil : String($0.prefix(40)) }
    }

    /// The period asked for, or the report's default one.
    static func periodQuery(_ req: Request, default range: (CalendarDay, CalendarDay)) -> ReportQuery {
        ReportQuery(from: query(req, "from") ?? range.0.description, to: query(req, "to") ?? range.1.description)
    }

    static func thisMonth(_ today: CalendarDay) -> (CalendarDay, CalendarDay) {
        (ReportPeriod.monthStart(today, plus: 0), ReportPeriod.monthStart(today, plus: 1).adding(days: -1))
    }

    static func granularity(_ raw: String) throws -> ReportGranularity {
        guard let g = ReportGranularity(rawValue: raw) else { throw Problem.invalid("granularity", "field_invalid") }
        return g
    }

    static let fieldLabels = ["from": "report.from", "to": "report.to", "asOf": "report.as_of", "month": "report.month",
                              "granularity": "report.granularity"]

    /// A refused request in the reader's language: "开始日期：日期无效…".
    static func failure(_ t: Localizer, _ p: Problem, label: ((String) -> String?)? = nil) -> FormFailure {
        FormFailure(t, p, label: { label?($0) ?? fieldLabels[$0].map { t($0) } })
    }

    /// A request the page can show its message for: a bad field (422) or a bad request (400).
    static func isQueryError(_ p: Problem) -> Bool { [.unprocessableEntity, .badRequest].contains(p.status) }

    // MARK: /reports

    /// The first project with reports (or the one picked in the switcher); a short page when none.
    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await projects(req)
        let tab = query(req, "tab").flatMap(ReportShell.Tab.init(rawValue:)) ?? .sales
        if let chosen = query(req, "project").flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: tab.href(chosen))
        }
        if let first = projects.first { return req.redirect(to: tab.href(first.id)) }
        let ctx = PageContext(req), t = ctx.t
        return Shell.response(Shell.page(ctx, title: t("nav.reports"), .group(
            .h1(.text(t("nav.reports"))),
            .div(.class("card"),
                .p(.text(t("report.no_projects"))),
                .p(.a(.href("/"), .text(t("report.see_dashboard"))))))))
    }

    // MARK: 销售报表

    @Sendable static func sales(_ req: Request) async throws -> Response {
        let (project, ref, projects) = try await refs(req)
        let reports = req.services.reports(req.db)
        let today = reports.today
        var q = periodQuery(req, default: thisMonth(today))
        q.granularity = query(req, "granularity") ?? ReportGranularity.day.rawValue
        var m = SalesReportPage.Model(project: ref, projects: projects, query: q, today: today, report: nil, failure: nil)
        do {
            let g = try granularity(q.granularity)
            m.report = try await reports.sales(project.id, period: try APIHandler.period(q.from, q.to, g), granularity: g)
            return Shell.response(SalesReportPage.view(PageContext(req), m))
        } catch let p as Problem where isQueryError(p) {
            m.failure = failure(req.localizer, p)
            return Shell.response(SalesReportPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func exportSales(_ req: Request) async throws -> Response {
        let (project, _, _) = try await refs(req)
        let reports = req.services.reports(req.db)
        let q = periodQuery(req, default: thisMonth(reports.today))
        let g = try granularity(query(req, "granularity") ?? ReportGranularity.day.rawValue)
        let r = try await reports.sales(project.id, period: try APIHandler.period(q.from, q.to, g), granularity: g)
        return Response.workbook(try ReportSheets.sales(r, t: req.localizer),
                           name: ReportSheets.salesFileName(r, projectCode: project.code, t: req.localizer))
    }

    // MARK: 回款

    static func collectionsQuery(_ req: Request, today: CalendarDay) -> ReportQuery {
        var q = periodQuery(req, default: (CalendarDay(year: today.year, month: 1, day: 1)!, today))
        q.asOf = query(req, "asOf") ?? ""
        return q
    }

    @Sendable static func collections(_ req: Request) async throws -> Response {
        let (project, ref, projects) = try await refs(req)
        let reports = req.services.reports(req.db)
        let today = reports.today
        let q = collectionsQuery(req, today: today)
        var m = CollectionsReportPage.Model(project: ref, projects: projects, query: q, today: today, report: nil, failure: nil)
        do {
            let period = try APIHandler.period(q.from, q.to)
            let asOf = try APIHandler.asOf(q.asOf.isEmpty ? nil : q.asOf, today: today)
            m.report = try await reports.collections(project.id, period: period, asOf: asOf)
            if q.asOf.isEmpty { m.query.asOf = asOf.description }
            return Shell.response(CollectionsReportPage.view(PageContext(req), m))
        } catch let p as Problem where isQueryError(p) {
            m.failure = failure(req.localizer, p)
            return Shell.response(CollectionsReportPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func exportCollections(_ req: Request) async throws -> Response {
        let (project, _, _) = try await refs(req)
        let reports = req.services.reports(req.db)
        let q = collectionsQuery(req, today: reports.today)
        let period = try APIHandler.period(q.from, q.to)
        let r = try await reports.collections(project.id, period: period,
                                              asOf: try APIHandler.asOf(q.asOf.isEmpty ? nil : q.asOf, today: reports.today))
        return Response.workbook(try ReportSheets.collections(r, t: req.localizer),
                           name: ReportSheets.fileName("collections", projectCode: project.code, period: period, t: req.localizer))
    }

    // MARK: 顾问排名

    @Sendable static func consultants(_ req: Request) async throws -> Response {
        let (project, ref, projects) = try await refs(req)
        let reports = req.services.reports(req.db)
        let today = reports.today
        let q = periodQuery(req, default: thisMonth(today))
        var m = ConsultantsReportPage.Model(project: ref, projects: projects, query: q, today: today, period: nil, rows: [], failure: nil)
        do {
            let period = try APIHandler.period(q.from, q.to)
            m.rows = try await reports.consultants(project.id, period: period)
            m.period = period
            return Shell.response(ConsultantsReportPage.view(PageContext(req), m))
        } catch let p as Problem where isQueryError(p) {
            m.failure = failure(req.localizer, p)
            return Shell.response(ConsultantsReportPage.view(PageContext(req), m), status: p.status)
        }
    }

    @Sendable static func exportConsultants(_ req: Request) async throws -> Response {
        let (project, _, _) = try await refs(req)
        let reports = req.services.reports(req.db)
        let q = periodQuery(req, default: thisMonth(reports.today))
        let period = try APIHandler.period(q.from, q.to)
        let rows = try await reports.consultants(project.id, period: period)
        return Response.workbook(try ReportSheets.consultants(rows, t: req.localizer),
                           name: ReportSheets.fileName("consultants", projectCode: project.code, period: period, t: req.localizer))
    }

    // MARK: 销售目标

    @Sendable static func targets(_ req: Request) async throws -> Response {
        let (project, ref, projects) = try await refs(req)
        let reports = req.services.reports(req.db)
        let month = query(req, "month") ?? TargetsPage.label(reports.today)
        let editable = try req.requirePrincipal().may(.targetsSet, on: project.id)
        var m = TargetsPage.Model(project: ref, projects: projects, month: month, sheet: nil, editable: editable)
        do {
            m.sheet = try await reports.targets(project.id, month: month)
            return Shell.response(TargetsPage.view(PageContext(req), m))
        } catch let p as Problem where isQueryError(p) {
            m.failure = failure(req.localizer, p)
            return Shell.response(TargetsPage.view(PageContext(req), m), status: p.status)
        }
    }

    /// One row of the form as a target: empty cells are 0; a bad cell is that cell's error.
    static func target(_ req: Request, row: String, values: inout [String: String], bad: inout [Problem.FieldError]) -> ReportService.Target? {
        var v: [String: String] = [:]
        for c in TargetsPage.columns {
            let name = TargetsPage.input(row, c)
            v[c] = req.formField(name).replacingOccurrences(of: ",", with: "")
            values[name] = req.formField(name)
        }
        var subscriptions: Int? = 0
        if let s = v["subscriptions"], !s.isEmpty {
            subscriptions = Int(s).flatMap { (0...100_000).contains($0) ? $0 : nil }
            if subscriptions == nil { bad.append(.init(field: TargetsPage.input(row, "subscriptions"), code: "target_count_invalid")) }
        }
        let contract = v["contractAmount"].flatMap { $0.isEmpty ? nil : $0 } ?? "0"
        let collections = v["collections"].flatMap { $0.isEmpty ? nil : $0 } ?? "0"
        do {
            // The amounts are checked even when the count is bad, so every bad cell is marked.
            let target = try APIHandler.targetInput(subscriptions: subscriptions ?? 0, contractAmount: contract, collections: collections, field: row)
            return subscriptions == nil ? nil : target
        } catch let p as Problem {
            var fields = p.fields
            // The contract amount was refused first; the collections may be wrong too.
            if fields.contains(where: { $0.field.hasSuffix(".contractAmount") }) {
                do { _ = try APIHandler.targetInput(subscriptions: 0, contractAmount: "0", collections: collections, field: row) }
                catch let q as Problem { fields += q.fields }
                catch {}
            }
            // "row.contractAmount" → the input "row-contractAmount".
            bad += fields.map { .init(field: $0.field.replacingOccurrences(of: ".", with: "-"), code: $0.code, arguments: $0.arguments) }
            return nil
        } catch {
            bad.append(.init(field: row, code: "target_invalid"))
            return nil
        }
    }

    @Sendable static func saveTargets(_ req: Request) async throws -> Response {
        let (project, ref, projects) = try await refs(req, .targetsSet)
        let reports = req.services.reports(req.db)
        let month = req.formField("month").isEmpty ? (query(req, "month") ?? "") : req.formField("month")
        var values: [String: String] = [:]
        var names: [String: String] = [:]
        // A 400 (a month that is no month) is shown on the form as well.
        return try await FormAction.run(req, alsoCorrectable: [.badRequest]) {
            // The consultants the month's sheet lists are the rows of the form.
            let sheet = try await reports.targets(project.id, month: month)
            names = Dictionary(uniqueKeysWithValues: sheet.consultants.map { ($0.id.uuidString, $0.name) })
            var bad: [Problem.FieldError] = []
            let own = target(req, row: "project", values: &values, bad: &bad)
            var rows: [(UUID, ReportService.Target)] = []
            for c in sheet.consultants {
                if let t = target(req, row: c.id.uuidString, values: &values, bad: &bad) { rows.append((c.id, t)) }
            }
            guard bad.isEmpty else { throw Problem.invalid(bad) }
            _ = try await reports.setTargets(project.id, month: month, project: own, consultants: rows, context: req.auditContext)
            return .to("/projects/\(project.id)/reports/targets?month=\(month)", notice: "notice.saved")
        } failed: { p in
            let t = req.localizer
            var m = TargetsPage.Model(project: ref, projects: projects, month: month, sheet: nil, editable: true, values: values)
            m.sheet = try? await reports.targets(project.id, month: month)
            m.failure = failure(t, p) { field in
                // "<row>-<column>" names a cell: the row's name and the column's.
                guard let dash = field.lastIndex(of: "-"), TargetsPage.columns.contains(String(field[field.index(after: dash)...])) else { return nil }
                let row = String(field[..<dash]), column = String(field[field.index(after: dash)...])
                let who = row == "project" ? t("report.target.project") : names[row] ?? row
                return "\(who) · \(t(TargetsPage.heads(column)))"
            }
            return Shell.response(TargetsPage.view(PageContext(req), m), status: p.status)
        }
    }
}

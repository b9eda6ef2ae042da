import EstateCore
import EstateSheets
import Foundation

/// Reports as .xlsx, for the pages and the API alike: the same figures as the JSON, headers in
/// the reader's language, money "#,##0.00", areas "0.00", rates "0.00%", the header row frozen
/// and every column as wide as its content (EstateSheets fits widths when none is given).
enum ReportSheets {
    // MARK: Sales report

    static func figureColumns(_ t: Localizer, contacts: Bool = true) -> [SheetColumn] {
        var c: [SheetColumn] = []
        if contacts {
            c += [SheetColumn(t("report.calls"), format: .integer), SheetColumn(t("report.visits_first"), format: .integer),
                  SheetColumn(t("report.visits_return"), format: .integer)]
        }
        for deal in ["subscriptions", "contracts", "cancellations", "terminations"] {
            c += [SheetColumn(t("report.\(deal).count"), format: .integer), SheetColumn(t("report.\(deal).area"), format: .area),
                  SheetColumn(t("report.\(deal).amount"), format: .money)]
        }
        c += [SheetColumn(t("report.collections.count"), format: .integer), SheetColumn(t("report.collections.amount"), format: .money)]
        return c
    }

    static func figureCells(_ f: SalesFigures, contacts: Bool = true) -> [SheetCell] {
        var c: [SheetCell] = []
        if contacts { c += [.integer(Int64(f.calls)), .integer(Int64(f.visitsFirst)), .integer(Int64(f.visitsReturn))] }
        for d in [f.subscriptions, f.contracts, f.cancellations, f.terminations] {
            c += [.integer(Int64(d.count)), area(d.area), money(d.amount)]
        }
        c += [.integer(Int64(f.collections.count)), money(f.collections.amount)]
        return c
    }

    static func money(_ m: Money) -> SheetCell { .decimal(m.fen, scale: 2) }
    static func area(_ a: Area) -> SheetCell { .decimal(Int64(a.hundredths), scale: 2) }
    /// "62.50" → 0.6250, shown by the "0.00%" format as 62.50%.
    static func percent(_ p: String?) -> SheetCell {
        guard let p, let v = DecimalText.fixed(p, scale: 2) else { return .empty }
        return .decimal(v, scale: 4)
    }

    static func inventoryColumns(_ t: Localizer) -> [SheetColumn] {
        [SheetColumn(t("report.inv.units"), format: .integer), SheetColumn(t("report.inv.released"), format: .integer),
         SheetColumn(t("report.inv.sold"), format: .integer), SheetColumn(t("report.inv.remaining"), format: .integer),
         SheetColumn(t("report.inv.remaining_area"), format: .area), SheetColumn(t("report.inv.remaining_total"), format: .money),
         SheetColumn(t("report.inv.sell_through"), format: .percent)]
    }

    static func inventoryCells(_ i: ReportService.InventoryFigures?) -> [SheetCell] {
        guard let i else { return Array(repeating: .empty, count: 7) }
        return [.integer(Int64(i.units)), .integer(Int64(i.released)), .integer(Int64(i.sold)),
                .integer(Int64(i.count(.available) + i.count(.withheld) + i.count(.reserved))), area(i.remainingArea),
                money(i.remainingListTotal), percent(i.sellThrough)]
    }

    static func sales(_ r: ReportService.SalesReport, t: Localizer) throws -> Data {
        let period = "\(r.period.from) – \(r.period.to)"
        let previous = "\(r.previous.from) – \(r.previous.to)"
        let summary = Sheet(
            name: t("report.sheet.summary"),
            columns: [SheetColumn(t("report.row"), format: .text), SheetColumn(t("report.period"), format: .text)] + figureColumns(t),
            rows: [[.text(t("report.this_period")), .text(period)] + figureCells(r.total),
                   [.text(t("report.previous_period")), .text(previous)] + figureCells(r.previousTotal),
                   [.text(t("report.cumulative")), .text("– \(r.period.to)")] + figureCells(r.cumulative)])
        let series = Sheet(
            name: t("report.sheet.\(r.granularity.rawValue)"),
            columns: [SheetColumn(t("report.bucket.\(r.granularity.rawValue)"), format: .text)] + figureColumns(t),
            rows: r.buckets.map { [.text($0.bucket.label)] + figureCells($0.figures) }
                + [[.text(t("report.total"))] + figureCells(r.total)])
        func breakdown(_ key: String, _ rows: [ReportService.Breakdown], inventory: Bool) -> Sheet {
            var columns = [SheetColumn(t("report.by.\(key)"), format: .text)] + figureColumns(t, contacts: false)
            if inventory { columns += inventoryColumns(t) }
            var cells = rows.map { b in [.text(b.name)] + figureCells(b.figures, contacts: false) + (inventory ? inventoryCells(b.inventory) : []) }
            var total = SalesFigures()
            for b in rows { total += b.figures }
            cells.append([.text(t("report.total"))] + figureCells(total, contacts: false) + (inventory ? inventoryCells(r.inventory) : []))
            return Sheet(name: t("report.sheet.\(key)"), columns: columns, rows: cells)
        }
        let consultants = Sheet(
            name: t("report.sheet.consultant"),
            columns: [SheetColumn(t("report.by.consultant"), format: .text)] + figureColumns(t),
            rows: r.byConsultant.map { [.text($0.name)] + figureCells($0.figures) } + [[.text(t("report.total"))] + figureCells(r.total)])
        return try XLSXWriter.data([summary, series, breakdown("building", r.byBuilding, inventory: true),
                                    breakdown("layout", r.byLayout, inventory: true), consultants])
    }

    /// Named by the period it covers, not by how its rows are cut: `销售日报-HXY-2026-11-27.xlsx` for one day,
    /// 周报 for a Monday-to-Sunday week, 月报 for a whole calendar month, else `销售报表-HXY-2026-01-01至2026-12-06.xlsx`.
    static func salesFileName(_ r: ReportService.SalesReport, projectCode: String, t: Localizer) -> String {
        let name = t("report.file.\(salesFileKind(r.period))")
        let span = r.period.from == r.period.to ? r.period.from.description : "\(r.period.from)\(t("report.file.to"))\(r.period.to)"
        return "\(name)-\(projectCode)-\(span).xlsx"
    }

    static func salesFileKind(_ p: ReportPeriod) -> String {
        if p.from == p.to { return "day" }
        if ReportPeriod.weekdayIndex(p.from) == 0, p.from.adding(days: 6) == p.to { return "week" }
        if p.from.day == 1, p.to.year == p.from.year, p.to.month == p.from.month,
           p.to.day == CalendarDay.days(in: p.from.month, of: p.from.year) { return "month" }
        return "sales"
    }

    // MARK: Collections

    static func collections(_ r: ReportService.CollectionsReport, t: Localizer) throws -> Data {
        let months = Sheet(
            name: t("report.sheet.collections"),
            columns: [SheetColumn(t("report.month"), format: .text), SheetColumn(t("report.planned"), format: .money),
                      SheetColumn(t("report.collected_on_plan"), format: .money), SheetColumn(t("report.rate"), format: .percent),
                      SheetColumn(t("report.collected"), format: .money)],
            rows: r.months.map { [.text($0.bucket.label), money($0.planned), money($0.collectedOnPlan), percent($0.rate), money($0.collected)] }
                + [[.text(t("report.total")), money(r.planned), money(r.collectedOnPlan), percent(r.rate), money(r.collected)]])
        let byKind = Sheet(
            name: t("report.sheet.by_kind"),
            columns: [SheetColumn(t("report.month"), format: .text), SheetColumn(t("report.kind"), format: .text),
                      SheetColumn(t("report.planned"), format: .money), SheetColumn(t("report.collected_on_plan"), format: .money),
                      SheetColumn(t("report.rate"), format: .percent), SheetColumn(t("report.collected"), format: .money)],
            rows: r.months.flatMap { m in
                PlanItemKind.allCases.compactMap { k in
                    m.byKind[k].map { [.text(m.bucket.label), .text(t("sale.item.\(k.rawValue)")), money($0.planned), money($0.collectedOnPlan),
                                       percent($0.rate), money($0.collected)] }
                }
            })
        let bands = ReportService.AgeBand.allCases
        let ageing = Sheet(
            name: t("report.sheet.ageing"),
            columns: [SheetColumn(t("report.kind"), format: .text), SheetColumn(t("report.items"), format: .integer)]
                + bands.map { SheetColumn(t("report.age.\($0)"), format: .money) } + [SheetColumn(t("report.total"), format: .money)],
            rows: (r.ageing + [r.ageingTotal]).map { row in
                [.text(row.kind.map { t("sale.item.\($0.rawValue)") } ?? t("report.total")), .integer(Int64(row.items))]
                    + bands.map { money(row[$0]) } + [money(row.total)]
            })
        return try XLSXWriter.data([months, byKind, ageing])
    }

    // MARK: Consultants

    static func consultants(_ rows: [ReportService.ConsultantRow], t: Localizer) throws -> Data {
        try XLSXWriter.data([Sheet(
            name: t("report.sheet.ranking"),
            columns: [SheetColumn(t("report.rank"), format: .integer), SheetColumn(t("report.by.consultant"), format: .text),
                      SheetColumn(t("report.calls"), format: .integer), SheetColumn(t("report.visits"), format: .integer),
                      SheetColumn(t("report.visits_first"), format: .integer), SheetColumn(t("report.conversion"), format: .percent),
                      SheetColumn(t("report.subscriptions.count"), format: .integer), SheetColumn(t("report.subscriptions.amount"), format: .money),
                      SheetColumn(t("report.contracts.count"), format: .integer), SheetColumn(t("report.contracts.area"), format: .area),
                      SheetColumn(t("report.contracts.amount"), format: .money), SheetColumn(t("report.collections.amount"), format: .money)],
            rows: rows.map { r in
                [r.rank > 0 ? .integer(Int64(r.rank)) : .empty, .text(r.name), .integer(Int64(r.figures.calls)), .integer(Int64(r.visits)),
                 .integer(Int64(r.figures.visitsFirst)), percent(r.conversion), .integer(Int64(r.figures.subscriptions.count)),
                 money(r.figures.subscriptions.amount), .integer(Int64(r.figures.contracts.count)), area(r.figures.contracts.area),
                 money(r.figures.contracts.amount), money(r.figures.collections.amount)]
            })])
    }

    static func fileName(_ key: String, projectCode: String, period: ReportPeriod, t: Localizer) -> String {
        "\(t("report.file.\(key)"))-\(projectCode)-\(period.from)\(t("report.file.to"))\(period.to).xlsx"
    }
}

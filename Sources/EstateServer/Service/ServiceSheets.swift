import EstateCore
import EstateSheets
import Foundation

/// The service analysis as .xlsx: the same figures as its page and JSON.
enum ServiceSheets {
    static func analysis(_ a: TicketService.Analysis, t: Localizer) throws -> Data {
        func breakdown(_ key: String, _ rows: [TicketService.AnalysisRow], empty: String, cause: Bool = false) -> Sheet {
            Sheet(name: t("service.sheet.\(key)"),
                  columns: [SheetColumn(t("service.by.\(key)"), format: .text), SheetColumn(t("service.tickets"), format: .integer),
                            SheetColumn(t("service.complaints"), format: .integer), SheetColumn(t("service.repairs"), format: .integer)],
                  rows: rows.map { r in
                      [.text(r.key.isEmpty ? t(empty) : cause ? t("ticket.cause.\(r.key)") : r.name), .integer(Int64(r.tickets)),
                       .integer(Int64(r.complaints)), .integer(Int64(r.repairs))]
                  })
        }
        let summary = Sheet(
            name: t("service.sheet.summary"),
            columns: [SheetColumn(t("service.measure"), format: .text), SheetColumn(t("service.count"), format: .integer),
                      SheetColumn(t("service.of"), format: .integer), SheetColumn(t("service.rate"), format: .percent)],
            rows: [
                [.text(t("service.satisfaction")), .integer(Int64(a.satisfied)), .integer(Int64(a.callbacks)), ReportSheets.percent(a.satisfactionRate)],
                [.text(t("service.response_met")), .integer(Int64(a.responseMet)), .integer(Int64(a.slaTickets)), ReportSheets.percent(a.responseRate)],
                [.text(t("service.resolve_met")), .integer(Int64(a.resolveMet)), .integer(Int64(a.slaTickets)), ReportSheets.percent(a.resolveRate)],
                [.text(t("service.repeat_repairs")), .integer(Int64(a.repeats.count)), .integer(Int64(a.repairs)), ReportSheets.percent(a.repeatRate)],
            ])
        let repeats = Sheet(
            name: t("service.sheet.repeats"),
            columns: [SheetColumn(t("service.number"), format: .text), SheetColumn(t("service.unit"), format: .text),
                      SheetColumn(t("service.component"), format: .text), SheetColumn(t("service.previous"), format: .text),
                      SheetColumn(t("service.days_between"), format: .integer)],
            rows: a.repeats.map { [.text($0.number), .text($0.unitCode), .text(t($0.component.catalogKey)), .text($0.previousNumber),
                                   .integer(Int64($0.daysBetween))] })
        return try XLSXWriter.data([summary, breakdown("month", a.byMonth, empty: "ticket.no_category"),
                                    breakdown("category", a.byCategory, empty: "ticket.no_category"),
                                    breakdown("building", a.byBuilding, empty: "ticket.no_unit"),
                                    breakdown("cause", a.byCause, empty: "ticket.no_cause", cause: true), repeats])
    }

    /// A ticket list as filtered: every row (not one page), contact numbers masked (the file travels).
    static func tickets(_ rows: [TicketService.Ticket], now: Date, t: Localizer) throws -> Data {
        let columns = [SheetColumn(t("ticket.field.number"), width: 12, format: .text), SheetColumn(t("ticket.field.kind"), width: 8, format: .text),
                       SheetColumn(t("ticket.field.severity"), width: 8, format: .text), SheetColumn(t("field.status"), width: 8, format: .text),
                       SheetColumn(t("ticket.field.title"), width: 30, format: .text), SheetColumn(t("ticket.field.unit"), width: 10, format: .text),
                       SheetColumn(t("ticket.field.contact"), width: 10, format: .text), SheetColumn(t("ticket.field.contactMobile"), width: 14, format: .text),
                       SheetColumn(t("ticket.field.department"), width: 10, format: .text), SheetColumn(t("ticket.field.assignee"), width: 10, format: .text),
                       SheetColumn(t("ticket.field.created"), width: 17, format: .text), SheetColumn(t("ticket.field.resolve_due"), width: 17, format: .text),
                       SheetColumn(t("ticket.field.breached"), width: 8, format: .text)]
        let cells: [[SheetCell]] = rows.map { k in
            [.text(k.number), .text(t(k.ticketKind.catalogKey)), .text(t(k.ticketSeverity.catalogKey)), .text(t(k.ticketStatus.catalogKey)),
             .text(k.title), .text(k.unitCode ?? ""), .text(k.contactName), .text(k.contactMobile.isEmpty ? "" : Masking.mobile(k.contactMobile)),
             .text(k.department.flatMap(TicketService.Department.init(rawValue:)).map { t($0.catalogKey) } ?? ""), .text(k.assigneeName ?? ""),
             .text(Shell.dateTime(k.createdAt)), .text(Shell.dateTime(k.resolveDueAt)),
             .text((k.minutesLeft(at: now) ?? 0) < 0 ? t("audit.value.true") : "")]
        }
        return try XLSXWriter.data([Sheet(name: t("service.tab.tickets"), columns: columns, rows: cells)])
    }
}

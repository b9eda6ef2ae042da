import EstateCore
import Foundation
import Plot

extension TargetsPage {
    /// Input names: `project-subscriptions`, `<consultant id>-contractAmount`, …
    static func input(_ row: String, _ column: String) -> String { "\(row)-\(column)" }
    static let columns = ["subscriptions", "contractAmount", "collections"]

    static func value(_ t: ReportService.Target?, _ column: String) -> String {
        guard let t else { return "" }
        switch column {
        case "subscriptions": return "\(t.subscriptions)"
        case "contractAmount": return t.contractAmount.plain
        default: return t.collections.plain
        }
    }

    static func text(_ t: ReportService.Target?, _ column: String) -> String {
        guard let t else { return "—" }
        switch column {
        case "subscriptions": return "\(t.subscriptions)"
        case "contractAmount": return t.contractAmount.description
        default: return t.collections.description
        }
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/reports/targets"
        let month = ReportService.month(m.month)
        return ReportShell.page(ctx, project: m.project, projects: m.projects, tab: .targets, .group(
            .div(.class("filters month-picker"),
                .unwrap(month) { d in .a(.class("button"), .href("\(base)?month=\(label(ReportPeriod.monthStart(d, plus: -1)))"),
                                         .text("‹ " + t("report.prev_month"))) },
                .form(.class("inline"), .method(.get), .action(base),
                    .label(.for("tg-month"), .text(t("report.month"))),
                    .input(.type(.month), .id("tg-month"), .name("month"), .value(m.month)),
                    .button(.type(.submit), .text(t("action.go")))),
                .unwrap(month) { d in .a(.class("button"), .href("\(base)?month=\(label(ReportPeriod.monthStart(d, plus: 1)))"),
                                         .text(t("report.next_month") + " ›")) }),
            FormFailure.view(m.failure),
            .unwrap(m.sheet) { sheet in
                m.editable ? form(ctx, m, sheet, action: "\(base)?month=\(sheet.month)") : readOnly(t, sheet)
            }))
    }

    static func label(_ d: CalendarDay) -> String { String(format: "%04d-%02d", d.year, d.month) }

    static func heads(_ t: Localizer) -> Node<HTML.TableRowContext> {
        .group(ReportShell.head(t("report.target.row"), num: false), ReportShell.head(t("report.subscriptions.count")),
               ReportShell.head(t("report.contracts.amount")), ReportShell.head(t("report.collections.amount")))
    }

    static func rows(_ t: Localizer, _ sheet: ReportService.TargetSheet) -> [(key: String, name: String, target: ReportService.Target?)] {
        [("project", t("report.target.project"), sheet.project)] + sheet.consultants.map { ($0.id.uuidString, $0.name, $0.target) }
    }

    static func readOnly(_ t: Localizer, _ sheet: ReportService.TargetSheet) -> Node<HTML.BodyContext> {
        .section(.class("card report-section"),
            .h2(.text(t("report.target.title", ["month": sheet.month]))),
            .p(.class("muted small"), .text(t("report.target.read_only"))),
            ReportShell.table("targets", heads(t), rows(t, sheet).map { r in
                Node<HTML.TableContext>.tr(.class(r.key == "project" ? "total" : ""), .th(.text(r.name)),
                                           .group(columns.map { ReportShell.num(text(r.target, $0)) }))
            }))
    }

    static func form(_ ctx: PageContext, _ m: Model, _ sheet: ReportService.TargetSheet, action: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .section(.class("card report-section"),
            .h2(.text(t("report.target.title", ["month": sheet.month]))),
            .p(.class("muted small"), .text(t("report.target.hint"))),
            .form(.method(.post), .action(action), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("month"), .value(sheet.month)),
                .div(.class("table-wrap"), .table(.class("data report targets"),
                    .thead(.tr(heads(t))),
                    .tbody(.group(rows(t, sheet).map { r in
                        Node<HTML.TableContext>.tr(.class(r.key == "project" ? "total" : ""), .th(.text(r.name)),
                            .group(columns.map { c in
                                let name = input(r.key, c)
                                let bad = m.failure?.has(name) == true
                                return .td(.class(bad ? "num field invalid" : "num"),
                                    .input(.type(c == "subscriptions" ? .number : .text), .name(name), .id(name),
                                           .value(m.values[name] ?? value(r.target, c)), .class("target-input"),
                                           .attribute(named: "inputmode", value: c == "subscriptions" ? "numeric" : "decimal"),
                                           // Empty values are left out: only the count has bounds.
                                           .attribute(named: "min", value: c == "subscriptions" ? "0" : ""),
                                           .attribute(named: "max", value: c == "subscriptions" ? "100000" : ""),
                                           .attribute(named: "aria-label", value: "\(r.name) \(t(heads(c)))"),
                                           .placeholder("0")))
                            }))
                    })))),
                .div(.class("actions row"), .button(.type(.submit), .class("primary"), .text(t("action.save"))))))
    }

    static func heads(_ column: String) -> String {
        switch column {
        case "subscriptions": "report.subscriptions.count"
        case "contractAmount": "report.contracts.amount"
        default: "report.collections.amount"
        }
    }
}

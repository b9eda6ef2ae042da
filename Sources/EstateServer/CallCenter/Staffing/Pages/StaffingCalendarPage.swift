import EstateCore
import Foundation
import Plot
import Vapor

/// 节假日与调休: the company's holiday calendar the forecast reads (one for every project: China's
/// public holidays are national). A holiday is forecast like a Sunday, a 调休 working day like a weekday.
enum StaffingCalendarPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var year: Int
        var entries: [StaffingService.CalendarEntry]
        var mayEdit: Bool
        var failure: FormFailure?
        /// The day whose 修改 link was followed: the form below starts from it.
        var editing: StaffingService.CalendarEntry?

        static func load(_ req: Request, _ projectID: UUID, failure: FormFailure? = nil) async throws -> Model {
            let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.callsHandle])
            let year = req.queryText("year").flatMap(Int.init).flatMap { (2000...2100).contains($0) ? $0 : nil }
                ?? CalendarDay(req.services.now()).year
            let entries = try await req.services.staffing(req.db).calendar(from: CalendarDay(year: year, month: 1, day: 1)!,
                                                                            to: CalendarDay(year: year, month: 12, day: 31)!)
            let edit = req.queryText("edit")
            return Model(project: project, projects: projects, year: year, entries: entries,
                         mayEdit: req.principal?.may(.callCenterManage, on: projectID) == true, failure: failure,
                         editing: entries.first { $0.day == edit })
        }
    }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/staffing/calendar"
        let action = base
        return StaffingShell.page(ctx, project: m.project, projects: m.projects, tab: .calendar, title: t("staffing.tab.calendar"), .group(
            .div(.class("toolbar"),
                .a(.class("button"), .href("\(base)?year=\(m.year - 1)"), .text("‹ \(m.year - 1)")),
                .strong(.text(" \(m.year) ")),
                .a(.class("button"), .href("\(base)?year=\(m.year + 1)"), .text("\(m.year + 1) ›"))),
            .p(.class("muted small"), .text(t("staffing.rule_text"))),
            .if(HolidayCalendar.years.contains(m.year) && !HolidayCalendar.isComplete(m.year),
                .p(.class("notice-inline"), .text(t("staffing.calendar_partial_note", ["year": "\(m.year)"])))),
            .if(m.mayEdit && HolidayCalendar.years.contains(m.year),
                .form(.class("inline"), .method(.post), .action("\(base)/load"), Shell.csrfField(ctx),
                    .input(.type(.hidden), .name("year"), .value("\(m.year)")),
                    .button(.type(.submit), .text(t(HolidayCalendar.isComplete(m.year) ? "staffing.calendar_load" : "staffing.calendar_load_partial",
                                                    ["year": "\(m.year)"]))))),
            m.entries.isEmpty ? .p(.class("muted empty"), .text(t("staffing.calendar_empty"))) :
            .div(.class("table-wrap"), .table(.class("data staffing-calendar"),
                .thead(.tr(.th(.text(t("staffing.col.day"))), .th(.text(t("staffing.col.kind"))), .th(.text(t("staffing.col.name"))),
                           .if(m.mayEdit, .th(.text(""))))),
                .tbody(.group(m.entries.map { e in
                    let day = CalendarDay(e.day)
                    return Node<HTML.TableContext>.tr(
                        .td(.class("nowrap"), .text(e.day + (day.map { " " + StaffingShell.weekdayName(t, $0) } ?? ""))),
                        .td(.class("nowrap"), .span(.class("cal-\(e.kind)"), .text(e.dayKind.map { t($0.catalogKey) } ?? e.kind))),
                        .td(.text(e.name)),
                        .if(m.mayEdit, .td(.class("nowrap"),
                            .a(.href("\(base)?year=\(m.year)&edit=\(e.day)#calendar-form"), .text(t("staffing.calendar_edit"))), .text(" "),
                            .form(.class("inline"), .method(.post), .action(action), Shell.csrfField(ctx),
                            .input(.type(.hidden), .name("day"), .value(e.day)), .input(.type(.hidden), .name("kind"), .value("")),
                            .input(.type(.hidden), .name("year"), .value("\(m.year)")),
                            .button(.type(.submit), .class("link"), .text(t("staffing.calendar_remove")))))))
                })))),
            .if(m.mayEdit, .section(.class("card"), .attribute(named: "id", value: "calendar-form"),
                .h2(.text(t("staffing.calendar_add"))),
                FormFailure.view(m.failure, form: "calendar"),
                .form(.class("form-grid"), .method(.post), .action(action), Shell.csrfField(ctx),
                    .input(.type(.hidden), .name("year"), .value("\(m.year)")),
                    .div(.class("field"), .label(.for("cal-day"), .text(t("staffing.col.day"))),
                         .input(.type(.date), .id("cal-day"), .name("day"), .value(m.failure?.values["day"] ?? m.editing?.day ?? ""), .required(true))),
                    .div(.class("field"), .label(.for("cal-kind"), .text(t("staffing.col.kind"))),
                         .select(.named("kind", id: "cal-kind"), .group(StaffingDayKind.allCases.map { k in
                             Node<HTML.SelectContext>.choice(k.rawValue, t(k.catalogKey), selected: (m.failure?.values["kind"] ?? m.editing?.kind) == k.rawValue)
                         }))),
                    .div(.class("field"), .label(.for("cal-name"), .text(t("staffing.col.name"))),
                         .input(.type(.text), .id("cal-name"), .name("name"), .value(m.failure?.values["name"] ?? m.editing?.name ?? ""),
                                .attribute(named: "maxlength", value: "40"))),
                    .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t("action.save")))))))))
    }
}

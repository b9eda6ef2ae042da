import EstateCore
import Foundation
import Plot

extension RosterPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/rosters"
        return StaffingShell.page(ctx, project: m.project, projects: m.projects, tab: .rosters, title: t("staffing.tab.rosters"), .group(
            StaffingShell.weekNav(t, base: base, monday: m.week.monday, param: "week"),
            FormFailure.view(m.failure, form: "roster"),
            summary(ctx, m, base: base),
            grid(ctx, m, base: base),
            coverage(t, m, base: base),
            .if(m.mayManage, addShiftForm(ctx, m, base: base)),
            leaveSection(ctx, m, base: base),
            swapSection(ctx, m, base: base),
            agentSection(ctx, m, base: base),
            templatesSection(ctx, m, base: base)))
    }

    static func summary(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, w = m.week
        let saved = w.naivePaidMinutes - w.paidMinutes
        return .section(.class("card roster-summary"),
            .p(.text(t("roster.summary", ["shifts": "\(w.shifts.count)", "hours": RosterText.hours(w.paidMinutes),
                                         "naive": RosterText.hours(w.naivePaidMinutes)]))),
            w.shifts.isEmpty ? .empty : .p(.strong(.text(saved >= 0
                ? t("roster.saving", ["hours": RosterText.hours(saved), "percent": String(format: "%.1f", w.saving * 100)])
                : t("roster.over_naive", ["hours": RosterText.hours(-saved)])))),
            .p(.class(w.shortIntervals > 0 ? "sla-over" : "muted"),
               .text(w.shortIntervals > 0 ? t("roster.short", ["n": "\(w.shortIntervals)", "hours": RosterText.hours(w.shortIntervals * 30)])
                                          : t("roster.covered"))),
            .group(w.requiredBySkill.keys.sorted().map { skill in
                let short = w.skillShortIntervals[skill] ?? 0
                return Node<HTML.BodyContext>.p(.class(short > 0 ? "sla-over" : "muted"),
                    .text(short > 0 ? t("roster.skill_short", ["skill": skill, "n": "\(short)", "hours": RosterText.hours(short * 30)])
                                    : t("roster.skill_covered", ["skill": skill])))
            }),
            .p(.class("muted small"), .text(t("roster.method"))),
            .div(.class("toolbar"),
                .if(m.mayManage, .form(.class("inline"), .method(.post), .action("\(base)/build"), Shell.csrfField(ctx),
                    .input(.type(.hidden), .name("week"), .value(w.monday.description)),
                    .button(.type(.submit), .class("primary"), .text(t(w.shifts.isEmpty ? "roster.build" : "roster.rebuild"))))),
                .a(.class("button"), .href("/projects/\(m.project.id)/rosters.xlsx?week=\(w.monday)"), .text(t("roster.export")))))
    }

    static func shiftLabel(_ t: Localizer, _ tp: RosterService.Template?) -> String {
        guard let tp else { return "?" }
        return "\(RosterText.templateName(t, tp)) \(RosterText.clock(tp.shift.startMinute))–\(RosterText.clock(tp.shift.startMinute + tp.shift.minutes))"
    }

    static func grid(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, w = m.week
        let templates = Dictionary(w.templates.map { ($0.shift.code, $0) }, uniquingKeysWith: { a, _ in a })
        let leaveDays = Dictionary(RosterService.ruleAgents(w.agents, leaves: w.leaves, week: w.monday).map { ($0.id, $0.leaveDays) },
                                   uniquingKeysWith: { a, _ in a })
        guard !w.agents.isEmpty else { return .p(.class("muted empty"), .text(t("roster.no_agents"))) }
        return .div(.class("table-wrap"), .table(.class("data roster-grid"),
            .thead(.tr(.th(.text(t("roster.col.agent"))), .th(.class("num"), .text(t("roster.col.hours"))),
                       .group((0..<7).map { i in
                           let d = w.monday.adding(days: i)
                           return Node<HTML.TableRowContext>.th(.text(StaffingShell.weekdayName(t, d)), .br(), .span(.class("muted small"), .text(String(d.description.suffix(5)))))
                       }))),
            .tbody(.group(w.agents.map { a in
                let mine = w.shifts.filter { $0.agentId == a.id }
                let minutes = mine.reduce(0) { $0 + (templates[$1.template]?.shift.paidMinutes ?? 0) }
                return Node<HTML.TableContext>.tr(.class(a.id == m.me ? "mine" : ""),
                    .td(.class("nowrap"), .text(a.name), .span(.class("muted small"), .text(" @" + a.username))),
                    .td(.class(minutes > w.settings.weeklyHours * 60 ? "num sla-over" : "num"), .text(RosterText.hours(minutes))),
                    .group((0..<7).map { i in
                        let onLeave = leaveDays[a.id]?.contains(i) == true
                        return Node<HTML.TableRowContext>.td(.class(onLeave ? "roster-cell on-leave" : (a.unavailableDays.contains(i) ? "roster-cell unavailable" : "roster-cell")),
                            .if(onLeave, .span(.class("muted small"), .text(t("roster.on_leave")))),
                            .group(mine.filter { $0.day == i }.map { s in
                                let warn = w.warnings[s.id] ?? []
                                let tp = templates[s.template]
                                return .div(.class(warn.isEmpty ? "roster-shift shift-\(s.template)" : "roster-shift shift-\(s.template) warn"),
                                    .attribute(named: "title", value: shiftLabel(t, tp)),
                                    .strong(.text(tp.map { RosterText.templateName(t, $0) } ?? s.template)),
                                    .span(.class("muted small"), .text(tp.map { " " + RosterText.clock($0.shift.startMinute) } ?? "")),
                                    .if(s.source == "hand", .span(.class("muted small"), .text(" ✎"))),
                                    .if(!warn.isEmpty, .div(.class("sla-over small"), .text("⚠ " + warn.map { t($0.catalogKey) }.joined(separator: t("list.separator"))))),
                                    .if(m.mayManage, .form(.class("inline"), .method(.post), .action("\(base)/shifts/\(s.id)/delete"), Shell.csrfField(ctx),
                                        .input(.type(.hidden), .name("week"), .value(w.monday.description)),
                                        .button(.type(.submit), .class("link small"), .attribute(named: "title", value: t("roster.remove")), .text("×")))))
                            }))
                    }))
            }))))
    }

    static func coverage(_ t: Localizer, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let w = m.week, d = m.dayIndex
        let range = (d * 48)..<((d + 1) * 48)
        let required = range.map { Double($0 < w.required.count ? w.required[$0] : 0) }
        let scheduled = range.map { Double(w.coverage[$0]) }
        let short = range.filter { ($0 < w.required.count ? w.required[$0] : 0) > w.coverage[$0] }.map { $0 - d * 48 }
        let over = range.filter { w.coverage[$0] > ($0 < w.required.count ? w.required[$0] : 0) + 1 }.count
        let day = w.monday.adding(days: d)
        return .section(.class("card"), .attribute(named: "id", value: "coverage"),
            .h2(.text(t("roster.coverage"))),
            .nav(.class("building-tabs"), .group((0..<7).map { i in
                Node<HTML.BodyContext>.a(.href("\(base)?week=\(w.monday)&day=\(i)#coverage"), .class(i == d ? "current" : ""),
                                         .text(StaffingShell.weekdayName(t, w.monday.adding(days: i))))
            })),
            .div(.class("chart-box"), SVGChart.columns(
                id: "roster-coverage", title: t("roster.coverage_title", ["day": day.description]), labels: (0..<48).map { StaffingInterval.label($0) },
                bars: [SVGChart.Series(name: t("staffing.col.scheduled_required"), values: required, fill: .light),
                       SVGChart.Series(name: t("roster.col.rostered"), values: scheduled, fill: .dark)],
                leftTitle: t("staffing.axis.agents"), barValues: false)),
            short.isEmpty ? .p(.class("muted small"), .text(t("roster.day_covered")))
                : .p(.class("sla-over small"), .text(t("roster.day_short", ["intervals": short.map { StaffingInterval.label($0) }.joined(separator: t("list.separator"))]))),
            .if(over > 0, .p(.class("muted small"), .text(t("roster.day_over", ["n": "\(over)"])))))
    }

    static func addShiftForm(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, w = m.week, f = FormFailure.values(m.failure, form: "shift")
        return .section(.class("card"), .attribute(named: "id", value: "shift"),
            .h2(.text(t("roster.add_shift"))),
            FormFailure.view(m.failure, form: "shift"),
            .p(.class("muted small"), .text(t("roster.rules_text", ["hours": "\(w.settings.weeklyHours)", "rest": "\(w.settings.minimumRestHours)"]))),
            .form(.class("form-grid"), .method(.post), .action("\(base)/shifts"), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("week"), .value(w.monday.description)),
                .div(.class("field"), .label(.for("sh-agent"), .text(t("roster.col.agent"))),
                     .select(.named("agentId", id: "sh-agent"), .group(w.agents.map { a in
                         Node<HTML.SelectContext>.choice(a.id.uuidString, a.name, selected: f["agentId"] == a.id.uuidString) }))),
                .div(.class("field"), .label(.for("sh-day"), .text(t("staffing.col.day"))),
                     .select(.named("day", id: "sh-day"), .group((0..<7).map { i in
                         Node<HTML.SelectContext>.choice("\(i)", "\(StaffingShell.weekdayName(t, w.monday.adding(days: i))) \(w.monday.adding(days: i))",
                                                         selected: f["day"] == "\(i)") }))),
                .div(.class("field"), .label(.for("sh-template"), .text(t("roster.col.shift"))),
                     .select(.named("template", id: "sh-template"), .group(w.templates.map { tp in
                         Node<HTML.SelectContext>.choice(tp.shift.code, shiftLabel(t, tp), selected: f["template"] == tp.shift.code) }))),
                .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t("roster.add"))))))
    }

    static func leaveSection(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, names = m.names, f = FormFailure.values(m.failure, form: "leave")
        let who = m.mayManage ? m.week.agents : m.week.agents.filter { $0.id == m.me }
        return .section(.class("card"), .attribute(named: "id", value: "leave"),
            .h2(.text(t("roster.leave"))),
            FormFailure.view(m.failure, form: "leave"),
            m.week.leaves.isEmpty ? .p(.class("muted"), .text(t("roster.no_leave"))) :
            .div(.class("table-wrap"), .table(.class("data"),
                .thead(.tr(.th(.text(t("roster.col.agent"))), .th(.text(t("roster.col.leave_kind"))), .th(.text(t("roster.col.dates"))),
                           .th(.text(t("roster.col.reason"))), .th(.text(t("field.status"))), .th(.text("")))),
                .tbody(.group(m.week.leaves.map { l in
                    Node<HTML.TableContext>.tr(
                        .td(.text(names[l.agentId] ?? "—")),
                        .td(.text(RosterService.LeaveKind(rawValue: l.kind).map { t($0.catalogKey) } ?? l.kind)),
                        .td(.class("nowrap"), .text("\(l.fromDay) – \(l.toDay)")),
                        .td(.text(l.reason)),
                        .td(.text(RosterService.RequestStatus(rawValue: l.status).map { t($0.catalogKey) } ?? l.status)),
                        .td(.if(m.mayManage && l.status == "pending", decideButtons(ctx, action: "\(base)/leave/\(l.id)/decide", week: m.week.monday))))
                })))),
            .if(!who.isEmpty, .form(.class("form-grid"), .method(.post), .action("\(base)/leave"), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("week"), .value(m.week.monday.description)),
                .div(.class("field"), .label(.for("lv-agent"), .text(t("roster.col.agent"))),
                     .select(.named("agentId", id: "lv-agent"), .group(who.map { a in Node<HTML.SelectContext>.choice(a.id.uuidString, a.name, selected: f["agentId"] == a.id.uuidString) }))),
                .div(.class("field"), .label(.for("lv-kind"), .text(t("roster.col.leave_kind"))),
                     .select(.named("kind", id: "lv-kind"), .group(RosterService.LeaveKind.allCases.map { k in
                         Node<HTML.SelectContext>.choice(k.rawValue, t(k.catalogKey), selected: f["kind"] == k.rawValue) }))),
                .div(.class("field"), .label(.for("lv-from"), .text(t("roster.col.from"))),
                     .input(.type(.date), .id("lv-from"), .name("fromDay"), .value(f["fromDay"] ?? m.week.monday.description), .required(true))),
                .div(.class("field"), .label(.for("lv-to"), .text(t("roster.col.to"))),
                     .input(.type(.date), .id("lv-to"), .name("toDay"), .value(f["toDay"] ?? m.week.monday.description), .required(true))),
                .div(.class("field"), .label(.for("lv-reason"), .text(t("roster.col.reason"))),
                     .input(.type(.text), .id("lv-reason"), .name("reason"), .value(f["reason"] ?? ""), .attribute(named: "maxlength", value: "200"))),
                .div(.class("field actions"), .button(.type(.submit), .text(t("roster.request_leave")))))))
    }

    static func decideButtons(_ ctx: PageContext, action: String, week: CalendarDay) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .form(.class("inline"), .method(.post), .action(action), Shell.csrfField(ctx),
            .input(.type(.hidden), .name("week"), .value(week.description)),
            .button(.type(.submit), .name("approve"), .value("1"), .class("primary small"), .text(t("roster.approve"))),
            .text(" "),
            .button(.type(.submit), .name("approve"), .value("0"), .class("small"), .text(t("roster.reject"))))
    }

    static func swapSection(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t, names = m.names, w = m.week
        let templates = Dictionary(w.templates.map { ($0.shift.code, $0) }, uniquingKeysWith: { a, _ in a })
        let myShifts = w.shifts.filter { $0.agentId == m.me }
        return .section(.class("card"), .attribute(named: "id", value: "swaps"),
            .h2(.text(t("roster.swaps"))),
            FormFailure.view(m.failure, form: "swap"),
            m.swaps.isEmpty ? .p(.class("muted"), .text(t("roster.no_swaps"))) :
            .div(.class("table-wrap"), .table(.class("data"),
                .thead(.tr(.th(.text(t("roster.col.from_agent"))), .th(.text(t("roster.col.shift"))), .th(.text(t("roster.col.to_agent"))),
                           .th(.text(t("roster.col.reason"))), .th(.text(t("field.status"))), .th(.text("")))),
                .tbody(.group(m.swaps.map { s in
                    let when = s.week.flatMap(CalendarDay.init).map { $0.adding(days: s.day ?? 0) }
                    return Node<HTML.TableContext>.tr(
                        .td(.text(names[s.requestedBy] ?? "—")),
                        .td(.class("nowrap"), .text("\(when.map { "\($0) \(StaffingShell.weekdayName(t, $0))" } ?? "") \(shiftLabel(t, s.template.flatMap { templates[$0] }))")),
                        .td(.text(names[s.toAgentId] ?? "—")),
                        .td(.text(s.note)),
                        .td(.text(RosterService.RequestStatus(rawValue: s.status).map { t($0.catalogKey) } ?? s.status)),
                        .td(.if(m.mayManage && s.status == "pending", decideButtons(ctx, action: "\(base)/swaps/\(s.id)/decide", week: w.monday))))
                })))),
            .if(!myShifts.isEmpty, .form(.class("form-grid"), .method(.post), .action("\(base)/swaps"), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("week"), .value(w.monday.description)),
                .div(.class("field"), .label(.for("sw-shift"), .text(t("roster.my_shift"))),
                     .select(.named("shiftId", id: "sw-shift"), .group(myShifts.map { s in
                         let d = w.monday.adding(days: s.day)
                         return Node<HTML.SelectContext>.choice(s.id.uuidString, "\(StaffingShell.weekdayName(t, d)) \(d) \(shiftLabel(t, templates[s.template]))")
                     }))),
                .div(.class("field"), .label(.for("sw-to"), .text(t("roster.col.to_agent"))),
                     .select(.named("toAgentId", id: "sw-to"), .group(w.agents.filter { $0.id != m.me }.map { a in
                         Node<HTML.SelectContext>.choice(a.id.uuidString, a.name) }))),
                .div(.class("field"), .label(.for("sw-note"), .text(t("roster.col.reason"))),
                     .input(.type(.text), .id("sw-note"), .name("note"), .attribute(named: "maxlength", value: "200"))),
                .div(.class("field actions"), .button(.type(.submit), .text(t("roster.request_swap")))))))
    }

    static func agentSection(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .section(.class("card"), .attribute(named: "id", value: "agents"),
            .h2(.text(t("roster.agents"))),
            FormFailure.view(m.failure, form: "agent"),
            .div(.class("table-wrap"), .table(.class("data"),
                .thead(.tr(.th(.text(t("roster.col.agent"))), .th(.text(t("roster.col.team"))), .th(.text(t("roster.col.skills"))),
                           .th(.text(t("roster.col.unavailable"))))),
                .tbody(.group(m.week.agents.map { a in
                    Node<HTML.TableContext>.tr(.td(.text(a.name), .span(.class("muted small"), .text(" @" + a.username))),
                        .td(.text(a.teamLeadID.map { id in m.teamLeads.first { $0.id == id }?.name ?? "—" } ?? "—")),
                        .td(.text(a.skills.isEmpty ? "—" : a.skills.joined(separator: t("list.separator")))),
                        .td(.text(a.unavailableDays.isEmpty ? "—" : a.unavailableDays.sorted().map { t("staffing.weekday.\($0 + 1)") }.joined(separator: t("list.separator")))))
                })))),
            .if(m.mayManage, .form(.class("form-grid"), .method(.post), .action("\(base)/agents"), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("week"), .value(m.week.monday.description)),
                .div(.class("field"), .label(.for("ag-user"), .text(t("roster.col.agent"))),
                     .select(.named("userId", id: "ag-user"),
                        .group((m.week.agents.map { ($0.id, $0.name) } + m.candidates.map { ($0.id, $0.name) }).map { p in
                            Node<HTML.SelectContext>.choice(p.0.uuidString, p.1) }))),
                .div(.class("field"), .label(.for("ag-team"), .text(t("roster.col.team"))),
                     .select(.named("teamLeadId", id: "ag-team"), .choice("", t("kpi.no_team")),
                        .group(m.teamLeads.map { Node<HTML.SelectContext>.choice($0.id.uuidString, $0.name) }))),
                .div(.class("field"), .label(.for("ag-skills"), .text(t("roster.col.skills"))),
                     .input(.type(.text), .id("ag-skills"), .name("skills"), .attribute(named: "placeholder", value: "hotline,repairs"))),
                .div(.class("field"), .span(.class("label"), .text(t("roster.col.unavailable"))),
                    .group((0..<7).map { i in
                        Node<HTML.FormContext>.label(.class("check"), .input(.type(.checkbox), .name("unavailable"), .value("\(i)")),
                                                     .text(t("staffing.weekday.\(i + 1)")))
                    })),
                .div(.class("field actions"), .button(.type(.submit), .text(t("action.save")))))))
    }

    static func templatesSection(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .section(.class("card"), .attribute(named: "id", value: "templates"),
            .h2(.text(t("roster.templates"))),
            .ul(.group(m.week.templates.map { tp in
                Node<HTML.ListContext>.li(.text(shiftLabel(t, tp)),
                    .span(.class("muted small"), .text(" · " + t("roster.template_paid", ["hours": RosterText.hours(tp.shift.paidMinutes)])
                        + (tp.shift.breaks.isEmpty ? "" : " · " + t("roster.template_breaks", ["breaks": breakText(tp.shift)])))))
            })),
            .if(m.mayManage, templateEditor(ctx, m, base: base)))
    }

    /// "12:00-12:30, 18:00-18:30"
    static func breakText(_ s: ShiftTemplate) -> String {
        s.breaks.map { "\(RosterText.clock(s.startMinute + $0.offset))-\(RosterText.clock(s.startMinute + $0.offset + $0.minutes))" }
            .joined(separator: ", ")
    }

    /// The supervisor's editor: one row per template and a blank one for a new template; clearing a
    /// row's code removes it (refused while a shift of this week or later uses it).
    static func templateEditor(_ ctx: PageContext, _ m: Model, base: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let typed = FormFailure.values(m.failure, form: "templates")
        let rows = m.week.templates.count + 1
        func value(_ key: String, _ i: Int, _ current: String) -> String { typed.isEmpty ? current : typed["\(key)_\(i)"] ?? "" }
        return .group(
            FormFailure.view(m.failure, form: "templates"),
            .form(.method(.post), .action("\(base)/templates"), Shell.csrfField(ctx),
                .input(.type(.hidden), .name("week"), .value(m.week.monday.description)),
                .input(.type(.hidden), .name("rows"), .value("\(rows)")),
                .div(.class("table-wrap"), .table(.class("data template-editor"),
                    .thead(.tr(.th(.text(t("roster.template.code"))), .th(.text(t("roster.template.name"))), .th(.text(t("roster.template.start"))),
                               .th(.text(t("roster.template.end"))), .th(.text(t("roster.template.breaks"))))),
                    .tbody(.group((0..<rows).map { i in
                        let tp = i < m.week.templates.count ? m.week.templates[i] : nil
                        let invalid = m.failure?.form == "templates" && m.failure?.fields.contains { $0.field.hasPrefix("templates[\(i)]") } == true
                        return Node<HTML.TableContext>.tr(.class(invalid ? "invalid" : ""),
                            .td(.input(.type(.text), .name("code_\(i)"), .value(value("code", i, tp?.shift.code ?? "")), .attribute(named: "maxlength", value: "20"),
                                       .attribute(named: "size", value: "8"), .attribute(named: "aria-label", value: t("roster.template.code")))),
                            .td(.input(.type(.text), .name("name_\(i)"), .value(value("name", i, tp.map { RosterText.templateName(t, $0) } ?? "")),
                                       .attribute(named: "maxlength", value: "20"), .attribute(named: "size", value: "6"),
                                       .attribute(named: "aria-label", value: t("roster.template.name")))),
                            .td(.input(.type(.time), .name("start_\(i)"), .value(value("start", i, tp.map { RosterText.clock($0.shift.startMinute) } ?? "")),
                                       .attribute(named: "aria-label", value: t("roster.template.start")))),
                            .td(.input(.type(.time), .name("end_\(i)"),
                                       .value(value("end", i, tp.map { RosterText.clock($0.shift.startMinute + $0.shift.minutes) } ?? "")),
                                       .attribute(named: "aria-label", value: t("roster.template.end")))),
                            .td(.input(.type(.text), .name("breaks_\(i)"), .value(value("breaks", i, tp.map { breakText($0.shift) } ?? "")),
                                       .attribute(named: "placeholder", value: "12:00-12:30"), .attribute(named: "aria-label", value: t("roster.template.breaks")))))
                    })))),
                .p(.class("muted small"), .text(t("roster.template.help"))),
                .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("roster.template.save"))))))
    }
}

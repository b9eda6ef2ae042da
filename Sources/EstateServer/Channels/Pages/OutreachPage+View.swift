import EstateCore
import EstateSheets
import Foundation
import Plot

extension OutreachPage {
    static let kinds = ["calls", "flyers", "interceptions", "points", "visits"]

    static func values(_ c: OutreachCounts) -> [Int] { c.all }

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)/channels/outreach"
        let query = "?from=\(m.from)&to=\(m.to)"
        return Shell.page(ctx, title: "\(t("or.title")) · \(m.project.name)", .div(.class("service-page channels-page"),
            .selfClosedElement(named: "link", attributes: [.attribute(named: "rel", value: "stylesheet"), .attribute(named: "href", value: "/channels/channels.css")]),
            .div(.class("inv-head"),
                .h1(.text(m.project.name), .span(.class("muted code"), .text(" " + m.project.code)), .span(.class("report-title"), .text(" · " + t("or.title")))),
                .a(.class("button"), .href("/projects/\(m.project.id)/channels"), .text(t("nav.channels")))),
            .section(.class("card"),
                .form(.class("ch-form inline"), .method(.get), .action(base),
                    .div(.class("field"), .label(.for("or-from"), .text(t("or.from"))), .input(.type(.date), .id("or-from"), .name("from"), .value(m.from.description))),
                    .div(.class("field"), .label(.for("or-to"), .text(t("or.to"))), .input(.type(.date), .id("or-to"), .name("to"), .value(m.to.description))),
                    .button(.type(.submit), .text(t("ch.filter"))),
                    .if(m.report != nil, .a(.class("button"), .href("\(base)/report.xlsx\(query)"), .text(t("or.report_xlsx")))))),
            .unwrap(m.report) { report(ctx, $0) },
            .if(m.mayPlan, .section(.class("card"), .id("or-plan"),
                .h2(.text(t("or.plan"))),
                .form(.class("ch-form inline"), .method(.post), .action("\(base)/plans"), Shell.csrfField(ctx),
                    .div(.class("field"), .label(.for("or-team"), .text(t("or.team"))),
                         .select(.named("channelId", id: "or-team"), .group(m.teams.map { Node<HTML.SelectContext>.choice($0.id.uuidString, $0.name) }))),
                    .div(.class("field"), .label(.for("or-area"), .text(t("or.area"))),
                         .input(.type(.text), .id("or-area"), .name("area"), .attribute(named: "maxlength", value: "40"), .required(true))),
                    .div(.class("field"), .label(.for("or-day"), .text(t("or.day"))),
                         .input(.type(.date), .id("or-day"), .name("day"), .value(m.today.adding(days: 1).description), .required(true))),
                    .group(kinds.map { k in
                        Node<HTML.FormContext>.div(.class("field"), .label(.for("or-p-\(k)"), .text(t("or.count.\(k)"))),
                             .input(.type(.number), .id("or-p-\(k)"), .name(k), .attribute(named: "min", value: "0"), .value("0")))
                    }),
                    .button(.type(.submit), .class("primary"), .text(t("or.plan_submit")))))),
            .section(.class("card"), .id("or-plans"),
                .h2(.text(t("or.plans")), .span(.class("muted small"), .text(" \(m.plans.count)"))),
                m.plans.isEmpty ? .p(.class("muted empty"), .text(t("or.none"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("or.day"))), .th(.text(t("or.team"))), .th(.text(t("or.area"))),
                               .group(kinds.map { Node<HTML.TableRowContext>.th(.class("num"), .text(t("or.count.\($0)"))) }),
                               .th(.class("num"), .text(t("or.cost"))), .th(.text(t("or.actuals"))))),
                    .tbody(.group(m.plans.map { p in row(ctx, m, p) }))))),
            .section(.class("card"), .id("or-import"),
                .h2(.text(t("or.import"))),
                .p(.class("muted small"), .text(t("or.import_columns", ["columns": OutreachService.columns.joined(separator: " · ")]))),
                .form(.class("inline-form upload"), .method(.post), .action("\(base)/import?_csrf=\(ctx.csrf ?? "")"), .enctype(.multipartData),
                    .input(.type(.file), .name("file"), .attribute(named: "accept", value: ".xlsx"), .required(true),
                           .attribute(named: "aria-label", value: t("or.import"))),
                    .button(.type(.submit), .class("primary"), .text(t("or.import_submit")))))))
    }

    /// A plan row: planned / actual per count, the day's cost, and the form to enter the actuals.
    static func row(_ ctx: PageContext, _ m: Model, _ p: OutreachService.Plan) -> Node<HTML.TableContext> {
        let t = ctx.t
        let planned = values(p.plan), actual = p.actual.map(values)
        return .tr(.td(.class("nowrap"), .text(p.day)), .td(.text(m.teamName(p.channelId))), .td(.text(p.area)),
                   .group(planned.indices.map { i in
                       Node<HTML.TableRowContext>.td(.class("num"), .text("\(actual.map { "\($0[i])" } ?? "—") / \(planned[i])"))
                   }),
                   .td(.class("num mono"), .text(p.actual == nil ? "—" : "\(p.costs.total)")),
                   .td(.form(.class("or-actuals"), .method(.post), .action("/outreach-plans/\(p.id)/actuals"), Shell.csrfField(ctx),
                       .group(kinds.enumerated().map { i, k in
                           Node<HTML.FormContext>.input(.type(.number), .name(k), .attribute(named: "min", value: "0"), .class("or-n"),
                                  .value("\(actual?[i] ?? planned[i])"), .attribute(named: "aria-label", value: t("or.count.\(k)")))
                       }),
                       .group(["staff", "materials", "fees"].map { k in
                           Node<HTML.FormContext>.input(.type(.text), .name(k), .class("or-n"), .attribute(named: "inputmode", value: "decimal"),
                                  .value(k == "staff" ? p.costs.staff.plain : k == "materials" ? p.costs.materials.plain : p.costs.fees.plain),
                                  .attribute(named: "aria-label", value: t("or.cost.\(k)")))
                       }),
                       .button(.type(.submit), .text(t("or.actuals_submit"))))))
    }

    static func per(_ m: Money?) -> String { m.map { "\($0)" } ?? "—" }

    static func report(_ ctx: PageContext, _ r: OutreachService.Report) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let total = r.total
        let funnel: [SVGChart.Row] = [("registrations", total.registrations), ("visits", total.visits), ("subscriptions", total.subscriptions),
                                      ("contracts", total.contracts)].map { SVGChart.Row(label: t("or.funnel.\($0.0)"), parts: [Double($0.1)], value: "\($0.1)") }
        // The outreach cost by channel, each bar naming what one registration and one visit cost.
        let perVisit = r.rows.filter { $0.funnel.cost.fen > 0 }.map { row in
            SVGChart.Row(label: row.name, parts: [Double(row.funnel.cost.fen) / 100],
                         value: "¥\(row.funnel.cost) · \(t("or.per_registration")) \(per(row.funnel.perRegistration)) · \(t("or.per_visit")) \(per(row.funnel.perVisit))")
        }
        return .section(.class("card"), .id("or-report"),
            .h2(.text(t("or.report", ["from": r.from.description, "to": r.to.description]))),
            SVGChart.bars(id: "or-funnel", title: t("or.funnel"), rows: funnel, fills: [.dark]),
            .if(!perVisit.isEmpty, SVGChart.bars(id: "or-cost", title: t("or.cost_by_channel"), rows: perVisit, fills: [.mid], labelWidth: 180)),
            .div(.class("table-wrap"), .table(.class("data"),
                .thead(.tr(.th(.text(t("ch.field.channel"))), .th(.text(t("ch.field.kind"))),
                           .group(["registrations", "visits", "subscriptions", "contracts"].map { Node<HTML.TableRowContext>.th(.class("num"), .text(t("or.funnel.\($0)"))) }),
                           .th(.class("num"), .text(t("or.cost"))), .th(.class("num"), .text(t("or.per_registration"))),
                           .th(.class("num"), .text(t("or.per_visit"))), .th(.class("num"), .text(t("or.per_deal"))))),
                .tbody(.group(r.rows.map { row in
                    let f = row.funnel
                    return Node<HTML.TableContext>.tr(.td(.text(row.name)), .td(.text(t("ch.kind.\(row.kind)"))),
                        .td(.class("num"), .text("\(f.registrations)")), .td(.class("num"), .text("\(f.visits)")),
                        .td(.class("num"), .text("\(f.subscriptions)")), .td(.class("num"), .text("\(f.contracts)")),
                        .td(.class("num mono"), .text("\(f.cost)")), .td(.class("num mono"), .text(per(f.perRegistration))),
                        .td(.class("num mono"), .text(per(f.perVisit))), .td(.class("num mono"), .text(per(f.perDeal))))
                })),
                .tfoot(.tr(.th(.attribute(named: "colspan", value: "2"), .text(t("cm.total"))),
                           .th(.class("num"), .text("\(total.registrations)")), .th(.class("num"), .text("\(total.visits)")),
                           .th(.class("num"), .text("\(total.subscriptions)")), .th(.class("num"), .text("\(total.contracts)")),
                           .th(.class("num mono"), .text("\(total.cost)")), .th(.class("num mono"), .text(per(total.perRegistration))),
                           .th(.class("num mono"), .text(per(total.perVisit))), .th(.class("num mono"), .text(per(total.perDeal))))))))
    }

    /// The report as .xlsx: one row per channel and a total; money as numbers.
    static func workbook(_ t: Localizer, _ r: OutreachService.Report) throws -> Data {
        var columns = [SheetColumn(t("ch.field.channel"), width: 22, format: .text), SheetColumn(t("ch.field.kind"), width: 10, format: .text)]
        for k in ["registrations", "visits", "subscriptions", "contracts"] { columns.append(SheetColumn(t("or.funnel.\(k)"), width: 8, format: .integer)) }
        for k in ["or.cost", "or.per_registration", "or.per_visit", "or.per_deal"] { columns.append(SheetColumn(t(k), width: 14, format: .money)) }
        for k in kinds { columns.append(SheetColumn(t("or.count.\(k)"), width: 10, format: .integer)) }
        func money(_ m: Money?) -> SheetCell { m.map { .decimal($0.fen, scale: 2) } ?? .empty }
        func cells(_ name: String, _ kind: String, _ f: ChannelFunnel, _ actual: OutreachCounts?) -> [SheetCell] {
            [.text(name), .text(kind), .integer(Int64(f.registrations)), .integer(Int64(f.visits)), .integer(Int64(f.subscriptions)),
             .integer(Int64(f.contracts)), money(f.cost), money(f.perRegistration), money(f.perVisit), money(f.perDeal)]
                + (actual.map { $0.all.map { SheetCell.integer(Int64($0)) } } ?? [])
        }
        var rows = r.rows.map { cells($0.name, t("ch.kind.\($0.kind)"), $0.funnel, $0.actual) }
        rows.append(cells(t("cm.total"), "", r.total, nil))
        return try XLSXWriter.data([Sheet(name: t("or.title"), columns: columns, rows: rows)])
    }
}

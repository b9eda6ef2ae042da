import EstateCore
import EstateSheets
import Foundation
import Plot

extension CommissionPage {
    static func frame(_ ctx: PageContext, _ project: InventoryShell.ProjectRef, _ projects: [InventoryShell.ProjectRef],
                      _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(t("cm.title")) · \(project.name)", .div(.class("service-page channels-page"),
            .selfClosedElement(named: "link", attributes: [.attribute(named: "rel", value: "stylesheet"), .attribute(named: "href", value: "/channels/channels.css")]),
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code)), .span(.class("report-title"), .text(" · " + t("cm.title")))),
                // The channel desk, for those who may open it (finance reads statements without it).
                .if(ctx.principal?.may(.channelLeadsRegister, on: project.id) == true,
                    .a(.class("button"), .href("/projects/\(project.id)/channels"), .text(t("nav.channels"))))),
            content))
    }

    static func status(_ t: Localizer, _ s: String) -> Node<HTML.BodyContext> {
        .span(.class("ch-st cm-st-\(s)"), .text(t("cm.status.\(s)")))
    }

    static func list(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t
        return frame(ctx, m.project, m.projects, .group(
            .if(m.mayGenerate, .section(.class("card"), .id("cm-generate"),
                .h2(.text(t("cm.generate"))),
                .form(.class("ch-form inline"), .method(.post), .action("/projects/\(m.project.id)/channels/commissions"), Shell.csrfField(ctx),
                    .div(.class("field"), .label(.for("cm-channel"), .text(t("ch.field.channel"))),
                         .select(.named("channelId", id: "cm-channel"), .group(m.channels.map { Node<HTML.SelectContext>.choice($0.id.uuidString, $0.name) }))),
                    .div(.class("field"), .label(.for("cm-month"), .text(t("cm.month"))),
                         .input(.type(.month), .id("cm-month"), .name("month"), .value(m.month ?? m.currentMonth), .required(true))),
                    .button(.type(.submit), .class("primary"), .text(t("cm.generate_submit")))))),
            .section(.class("card"), .id("cm-list"),
                .div(.class("toolbar"), .h2(.text(t("cm.statements")), .span(.class("muted small"), .text(" \(m.statements.count)"))), .div(.class("spacer")),
                    .form(.method(.get), .action("/projects/\(m.project.id)/channels/commissions"),
                        .select(.named("channel", id: "cm-filter-channel"), .attribute(named: "aria-label", value: t("ch.field.channel")),
                                Node<HTML.SelectContext>.choice("", t("ch.all")),
                                .group(m.channels.map { Node<HTML.SelectContext>.choice($0.id.uuidString, $0.name, selected: $0.id == m.channelID) })),
                        .input(.type(.month), .name("month"), .value(m.month ?? ""), .attribute(named: "aria-label", value: t("cm.month"))),
                        .button(.type(.submit), .text(t("ch.filter"))))),
                m.statements.isEmpty ? .p(.class("muted empty"), .text(t("cm.none"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("cm.month"))), .th(.text(t("ch.field.channel"))), .th(.class("num"), .text(t("cm.deals"))),
                               .th(.class("num"), .text(t("cm.total"))), .th(.text(t("field.status"))), .th(.text(t("cm.created"))))),
                    .tbody(.group(m.statements.map { s in
                        Node<HTML.TableContext>.tr(
                            .td(.class("nowrap mono"), .a(.href("/commissions/\(s.id)"), .text(s.month))),
                            .td(.text(m.channelName(s.channelId))), .td(.class("num"), .text("\(s.deals)")),
                            .td(.class("num mono"), .text("\(Money(fen: s.totalFen))")), .td(status(t, s.status)),
                            .td(.class("nowrap small"), .text(Shell.dateTime(s.createdAt))))
                    })))))))
    }

    static func show(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let s = m.statement
        return frame(ctx, m.project, m.projects, .section(.class("card"), .id("cm-statement"),
            .div(.class("toolbar"),
                .h2(.text("\(t("cm.statement")) \(m.channelName) \(s.month)"), .text(" "), status(t, s.status)), .div(.class("spacer")),
                .a(.class("button"), .href("/commissions/\(s.id)/statement.xlsx"), .text(t("cm.xlsx"))),
                .if(m.maySubmit, .form(.method(.post), .action("/commissions/\(s.id)/submit"), Shell.csrfField(ctx),
                    .button(.type(.submit), .class("primary"), .text(t("cm.submit"))))),
                .if(m.mayPay, .form(.method(.post), .action("/commissions/\(s.id)/pay"), Shell.csrfField(ctx),
                    .button(.type(.submit), .class("primary"), .text(t("cm.pay"))))),
                .unwrap(s.approvalId) { .a(.class("button"), .href("/approvals/\($0)"), .text(t("cm.approval"))) }),
            .unwrap(s.replacedBy) { .p(.class("notice"), .text(t("cm.replaced")), .text(" "), .a(.href("/commissions/\($0)"), .text(t("cm.replaced_link")))) },
            .dl(.class("facts"),
                .dt(.text(t("cm.deals"))), .dd(.text("\(s.deals)\(s.tier.map { " · " + t("cm.tier", ["min": "\($0)"]) } ?? "")")),
                .dt(.text(t("cm.total"))), .dd(.class("mono"), .text("¥\(Money(fen: s.totalFen))")),
                .dt(.text(t("cm.created"))), .dd(.text(Shell.dateTime(s.createdAt))),
                .unwrap(s.submittedAt) { .group(.dt(.text(t("cm.submitted"))), .dd(.text(Shell.dateTime($0)))) },
                .unwrap(s.decidedAt) { .group(.dt(.text(t("cm.decided"))), .dd(.text(Shell.dateTime($0)))) },
                .unwrap(s.paidAt) { .group(.dt(.text(t("cm.paid"))), .dd(.text(Shell.dateTime($0)))) }),
            m.lines.isEmpty ? .p(.class("muted empty"), .text(t("cm.no_lines"))) : .div(.class("table-wrap"), .table(.class("data"),
                .thead(.tr(.th(.text(t("ch.field.subscription"))), .th(.text(t("cm.kind"))), .th(.class("num"), .text(t("cm.amount"))),
                           .th(.text(t("cm.explanation"))))),
                .tbody(.group(m.lines.map { l in
                    Node<HTML.TableContext>.tr(.td(.class("mono"), .text(l.subscriptionNumber)), .td(.text(t("cm.kind.\(l.kind)"))),
                                               .td(.class("num mono"), .text("\(Money(fen: l.amountFen))")), .td(.class("small"), .text(l.explanation)))
                })),
                .tfoot(.tr(.th(.attribute(named: "colspan", value: "2"), .text(t("cm.total"))), .th(.class("num mono"), .text("\(Money(fen: s.totalFen))")), .th()))))))
    }

    /// The statement as .xlsx: one row per line and a total row; amounts as numbers (fen, scale 2).
    static func workbook(_ t: Localizer, _ m: Model) throws -> Data {
        let columns = [SheetColumn(t("ch.field.subscription"), width: 16, format: .text), SheetColumn(t("cm.kind"), width: 10, format: .text),
                       SheetColumn(t("cm.amount_yuan"), width: 16, format: .money), SheetColumn(t("cm.explanation"), width: 48, format: .text)]
        var rows: [[SheetCell]] = m.lines.map { l in
            [.text(l.subscriptionNumber), .text(t("cm.kind.\(l.kind)")), .decimal(l.amountFen, scale: 2), .text(l.explanation)]
        }
        rows.append([.text(t("cm.total")), .text(t("cm.status.\(m.statement.status)")), .decimal(m.statement.totalFen, scale: 2),
                     .text("\(m.channelName) \(m.statement.month)")])
        return try XLSXWriter.data([Sheet(name: "\(t("cm.statement")) \(m.statement.month)", columns: columns, rows: rows)])
    }

    /// `佣金结算单-链家-2026-12.xlsx` (`commission-statement-…` in English).
    static func fileName(_ t: Localizer, _ m: Model) -> String {
        "\(t.language == .zh ? t("cm.statement") : "commission-statement")-\(m.channelName)-\(m.statement.month).xlsx"
    }
}

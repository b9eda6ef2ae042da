import EstateCore
import Foundation
import Plot

extension QualityPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let q = "?project=\(m.project.id)"
        let period = t("qa.period", ["from": m.from.description, "to": m.to.description])
        return CallsShell.page(ctx, project: m.project, projects: m.projects, tab: .quality, title: t("calls.tab.quality"), .group(
            m.manages
                ? .group(
                    .div(.class("toolbar"),
                        .p(.class("muted small"), .text(m.form.map { t("qa.form.current", ["name": $0.name, "count": "\($0.items.count)"]) } ?? t("qa.form.none"))),
                        .div(.class("spacer")),
                        .a(.class("button"), .href("/callcentre/qa/form\(q)"), .text(t(m.form == nil ? "qa.form.define" : "qa.form.edit")))),
                    .section(.class("card"), .h2(.text(t("qa.scores")), .span(.class("muted small"), .text(" " + period))),
                        m.scores.isEmpty ? .p(.class("muted"), .text(t("qa.no_scores"))) : .div(.class("table-wrap"), .table(.class("data"),
                            .thead(.tr(.th(.text(t("call.field.agent"))), .th(.class("num"), .text(t("qa.reviews_count"))), .th(.class("num"), .text(t("qa.mean"))))),
                            .tbody(.group(m.scores.map { s in
                                Node<HTML.TableContext>.tr(.td(.text(s.name ?? "—")), .td(.class("num"), .text("\(s.reviews)")),
                                                           .td(.class("num"), scoreBadge(s.meanTenths)))
                            }))))),
                    .section(.class("card"), .id("qa-queue"), .h2(.text(t("qa.queue")), .span(.class("muted small"), .text(" " + t("qa.queue_hint", ["days": "\(queueDays)"])))),
                        m.queue.isEmpty ? .p(.class("muted"), .text(t("qa.queue_empty"))) : .div(.class("table-wrap"), .table(.class("data"),
                            .thead(.tr(.th(.text(t("call.field.offered"))), .th(.text(t("call.field.number"))), .th(.text(t("call.field.queue"))),
                                       .th(.text(t("call.field.agent"))), .th(.class("num"), .text(t("qa.handle"))), .th())),
                            .tbody(.group(m.queue.map { c in
                                Node<HTML.TableContext>.tr(
                                    .td(.class("nowrap"), .text(ServiceShell.clock(c.offeredAt))),
                                    .td(.class("nowrap mono"), .text(m.seesNumbers ? c.number : CallerNumber.masked(c.number))),
                                    .td(.text(c.queue)),
                                    .td(.text(c.agentID.flatMap { m.agentNames[$0] } ?? "—")),
                                    .td(.class("num"), .text(CallsShell.duration(c.talkSeconds + c.holdSeconds + c.wrapSeconds))),
                                    .td(.a(.href("/callcentre/qa/calls/\(c.id)\(q)"), .text(t("qa.review_action")))))
                            }))))),
                    .section(.class("card"), .h2(.text(t("qa.recent"))), reviewsTable(ctx, m, showAgent: true)))
                : .group(
                    .section(.class("card"),
                        .h2(.text(t("qa.mine")), .span(.class("muted small"), .text(" " + period))),
                        m.scores.first.map { s in
                            .p(.class("qa-mean"), .text(t("qa.mine_mean", ["count": "\(s.reviews)"]) + " "), scoreBadge(s.meanTenths))
                        } ?? .p(.class("muted"), .text(t("qa.no_scores")))),
                    .section(.class("card"), .h2(.text(t("qa.mine_all"))), reviewsTable(ctx, m, showAgent: false)))))
    }

    /// 92.5 in green from 90, amber from 75, red below.
    static func scoreBadge(_ tenths: Int) -> Node<HTML.BodyContext> {
        let band = tenths >= 900 ? "ok" : tenths >= 750 ? "warn" : "bad"
        return .span(.class("qa-score qa-\(band)"), .text(CallQuality.format(tenths: tenths)))
    }

    static func reviewsTable(_ ctx: PageContext, _ m: Model, showAgent: Bool) -> Node<HTML.BodyContext> {
        let t = ctx.t
        guard !m.reviews.isEmpty else { return .p(.class("muted"), .text(t("qa.no_reviews"))) }
        return .div(.class("table-wrap"), .table(.class("data qa-reviews"),
            .thead(.tr(.th(.text(t("call.field.offered"))), .if(showAgent, .th(.text(t("call.field.agent")))), .th(.text(t("qa.items"))),
                       .th(.text(t("qa.comment"))), .th(.text(t("qa.reviewer"))), .th(.class("num"), .text(t("qa.score"))))),
            .tbody(.group(m.reviews.map { r in
                Node<HTML.TableContext>.tr(
                    .td(.class("nowrap"), m.manages ? .a(.href("/callcentre/qa/calls/\(r.callId)?project=\(m.project.id)"), .text(ServiceShell.clock(r.callOfferedAt)))
                                                    : .text(ServiceShell.clock(r.callOfferedAt))),
                    .if(showAgent, .td(.text(r.agentName ?? "—"))),
                    .td(.class("small"), .group(zip(r.items, r.marks).map { item, mark in
                        Node<HTML.BodyContext>.span(.class("chip qa-mark-\(mark.rawValue)\(item.critical ? " qa-critical" : "")"),
                                                    .text("\(item.title) \(t(mark.catalogKey))"))
                    })),
                    .td(.class("small"), .text(r.comment.isEmpty ? "—" : r.comment)),
                    .td(.class("nowrap"), .text(r.reviewerName ?? "—")),
                    .td(.class("num"), scoreBadge(r.scoreTenths)))
            }))))
    }
}

extension QualityFormPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let q = "?project=\(m.project.id)"
        func message(_ e: Problem.FieldError) -> String { t("error.\(e.code)", e.arguments) }
        return CallsShell.page(ctx, project: m.project, projects: m.projects, tab: .quality, title: t("qa.form.title"), .group(
            .div(.class("crumbs"), .a(.href("/callcentre/qa\(q)"), .text(t("calls.tab.quality"))), .text(" / " + t("qa.form.title"))),
            .section(.class("card"),
                .h2(.text(t("qa.form.title"))),
                .p(.class("muted small"), .text(t("qa.form.hint", ["max": "\(CallQuality.maxItems)"]))),
                .if(!m.formErrors.isEmpty, .ul(.class("form-errors"), .attribute(named: "role", value: "alert"),
                    .group(m.formErrors.map { Node<HTML.ListContext>.li(.text(message($0))) }))),
                .form(.method(.post), .action("/callcentre/qa/form\(q)"), Shell.csrfField(ctx),
                    .div(.class("field"), .label(.for("qa-name"), .text(t("qa.form.name"))),
                         .input(.type(.text), .id("qa-name"), .name("name"), .value(m.name), .attribute(named: "maxlength", value: "\(CallQuality.titleMax)"),
                                .required(true))),
                    .div(.class("table-wrap"), .table(.class("data qa-form"),
                        .thead(.tr(.th(.text("#")), .th(.text(t("qa.form.item"))), .th(.class("num"), .text(t("qa.form.weight"))),
                                   .th(.text(t("qa.form.critical"))), .th())),
                        .tbody(.group(m.rows.enumerated().map { i, row in
                            let errors = m.errors(i)
                            return Node<HTML.TableContext>.tr(.class(errors.isEmpty ? "" : "has-error"),
                                .td(.class("muted"), .text("\(i + 1)")),
                                .td(.input(.type(.text), .name("title\(i)"), .value(row.title), .attribute(named: "maxlength", value: "\(CallQuality.titleMax)"),
                                           .attribute(named: "aria-label", value: "\(t("qa.form.item")) \(i + 1)"))),
                                .td(.class("num"), .input(.type(.number), .name("weight\(i)"), .value(row.weight), .attribute(named: "min", value: "0"),
                                                          .attribute(named: "max", value: "100"), .class("qa-weight"),
                                                          .attribute(named: "aria-label", value: "\(t("qa.form.weight")) \(i + 1)"))),
                                .td(.label(.class("check"), .input(.type(.checkbox), .name("critical\(i)"), .value("1"), .checked(row.critical)),
                                           .text(" " + t("qa.form.critical_short")))),
                                .td(.class("small error-text"), .text(errors.map(message).joined(separator: "；"))))
                        })))),
                    .p(.class("muted small"), .text(t("qa.form.total_hint")), .text(" "), .strong(.id("qa-total"), .attribute(named: "data-weight-total", value: "100"), .text(""))),
                    .button(.type(.submit), .class("primary"), .text(t("qa.form.save"))))),
            .if(m.history.count > 1, .section(.class("card"),
                .h2(.text(t("qa.form.history"))),
                .ul(.group(m.history.map { f in
                    Node<HTML.ListContext>.li(.text("\(ServiceShell.clock(f.createdAt)) · \(f.name) · \(f.createdByName ?? "—") · "),
                                              .span(.class("small muted"), .text(f.items.map { "\($0.title) \($0.weight)" }.joined(separator: "、"))),
                                              .if(f.active, .span(.class("chip"), .text(t("qa.form.active")))))
                }))))))
    }
}

extension QualityReviewPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, c = m.call
        let q = "?project=\(m.project.id)"
        func message(_ e: Problem.FieldError) -> String { t("error.\(e.code)", e.arguments) }
        let facts: Node<HTML.BodyContext> = .dl(.class("facts"),
            .dt(.text(t("call.field.offered"))), .dd(.text(ServiceShell.clock(c.offeredAt))),
            .dt(.text(t("call.field.number"))), .dd(.class("mono"), .text(m.seesNumbers ? c.number : CallerNumber.masked(c.number))),
            .dt(.text(t("call.field.queue"))), .dd(.text(c.queue)),
            .dt(.text(t("call.field.agent"))), .dd(.text(m.agentName ?? "—")),
            .dt(.text(t("qa.handle"))), .dd(.text(CallsShell.duration(c.talkSeconds + c.holdSeconds + c.wrapSeconds))),
            .dt(.text(t("call.field.note"))), .dd(.text(c.note.isEmpty ? "—" : c.note)))
        let body: Node<HTML.BodyContext>
        if let r = m.review {
            body = .section(.class("card"),
                .h2(.text(t("qa.done")), .text(" "), QualityPage.scoreBadge(r.scoreTenths)),
                .p(.class("muted small"), .text(t("qa.done_line", ["name": r.reviewerName ?? "—", "when": ServiceShell.clock(r.createdAt)]))),
                .ul(.group(zip(r.items, r.marks).map { item, mark in
                    Node<HTML.ListContext>.li(.text("\(item.title)（\(item.weight)）：\(t(mark.catalogKey))"),
                                              .if(item.critical, .span(.class("chip qa-critical"), .text(t("qa.form.critical_short")))))
                })),
                .p(.class("pre"), .text(r.comment.isEmpty ? "—" : r.comment)))
        } else if m.ownCall {
            body = .p(.class("notice error"), .text(t("error.qa_own_call")))
        } else if let form = m.form {
            body = .section(.class("card"),
                .h2(.text(t("qa.review_title", ["name": form.name]))),
                .if(!(m.problem?.fields.isEmpty ?? true), .ul(.class("form-errors"), .attribute(named: "role", value: "alert"),
                    .group((m.problem?.fields ?? []).map { Node<HTML.ListContext>.li(.text(message($0))) }))),
                .form(.method(.post), .action("/callcentre/qa/calls/\(c.id)\(q)"), Shell.csrfField(ctx),
                    .group(form.items.enumerated().map { i, item in
                        Node<HTML.FormContext>.fieldset(.class("qa-item"),
                            .element(named: "legend", nodes: [.text("\(item.title)（\(item.weight)）"),
                                                              .if(item.critical, .span(.class("chip qa-critical"), .text(t("qa.form.critical_short"))))]),
                            .group(QAMark.allCases.reversed().map { mark in
                                .label(.class("radio"), .input(.type(.radio), .name("mark\(i)"), .value("\(mark.rawValue)"), .required(true),
                                                               .checked(m.typed[i] == mark)),
                                       .text(" " + t(mark.catalogKey)))
                            }))
                    }),
                    .div(.class("field wide"), .label(.for("qa-comment"), .text(t("qa.comment"))),
                         .textarea(.id("qa-comment"), .name("comment"), .attribute(named: "rows", value: "3"),
                                   .attribute(named: "maxlength", value: "\(CallQuality.commentMax)"), .text(m.comment))),
                    .button(.type(.submit), .class("primary"), .text(t("qa.submit")))))
        } else {
            body = .p(.class("muted"), .text(t("qa.form.none")), .text(" "), .a(.href("/callcentre/qa/form\(q)"), .text(t("qa.form.define"))))
        }
        return CallsShell.page(ctx, project: m.project, projects: m.projects, tab: .quality, title: t("qa.review_page"), .group(
            .div(.class("crumbs"), .a(.href("/callcentre/qa\(q)"), .text(t("calls.tab.quality"))), .text(" / " + t("qa.review_page"))),
            .section(.class("card"), .h2(.text(t("qa.call"))), facts),
            .if(m.problem.map { $0.fields.isEmpty && $0.code != "qa_own_call" } ?? false,
                .p(.class("notice error"), .attribute(named: "role", value: "alert"), .text(t("error.\(m.problem?.code ?? "")")))),
            body))
    }
}

import EstateCore
import Foundation
import Plot

extension PlanPages {
    static let form = "plan"

    static func approver(_ t: Localizer, _ role: String, version: String) -> String {
        "\(t.catalog.has("role.\(role)") ? t("role.\(role)") : role)（\(t("pr.matrix_version")) \(version)）"
    }

    static func list(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t
        let v = FormFailure.values(m.failure, form: form)
        let base = ProcurementShell.Tab.plans.href(m.project.id)
        return ProcurementShell.page(ctx, tab: .plans, project: m.project, projects: m.projects, title: t("pr.tab.plans"), .group(
            .section(.class("card"), .id("pr-plans"),
                .div(.class("toolbar"), .h2(.text(t("pr.plans")), .span(.class("muted small"), .text(" \(m.plans.count)"))), .div(.class("spacer")),
                    ProcurementShell.statusFilter(t, action: base, prefix: "pr.plan_status", statuses: statuses, selected: m.status)),
                m.plans.isEmpty ? ProcurementShell.empty(t("pr.no_plans")) : ProcurementShell.table(
                    [t("pr.field.period"), t("pr.total"), t("pr.approver"), t("field.status"), t("pr.created")], numeric: [1],
                    m.plans.map { p in
                        Node<HTML.TableContext>.tr(
                            .td(.a(.href("/procurement/plans/\(p.id)"), .text(t("pr.plan_title", ["period": p.period])))),
                            .td(.class("num mono"), .text(ProcurementShell.money(p.totalFen))),
                            .td(.text(approver(t, p.requiredRole, version: p.matrixVersion))),
                            .td(ProcurementShell.badge(t, "pr.plan_status", p.status)), .td(.class("nowrap small"), .text(Shell.dateTime(p.createdAt))))
                    })),
            .section(.class("card"), .id("pr-plan-form"),
                .h2(.text(t("pr.build_plan"))),
                .p(.class("muted small"), .text(t("pr.build_plan_hint"))),
                FormFailure.view(m.failure, form: form),
                m.groups.isEmpty ? ProcurementShell.empty(t("pr.no_open_needs")) :
                .form(.class("ch-form"), .method(.post), .action(base), Shell.csrfField(ctx),
                    ServiceShell.input(t, form: form, "period", "pr.field.period", .month, value: v["period"] ?? m.period, failure: m.failure, required: true),
                    .input(.type(.hidden), .name("groups"), .value("\(m.groups.count)")),
                    .div(.class("table-wrap wide full"), .table(.class("data"),
                        .thead(.tr(.th(.text(t("pr.category"))), .th(.text(t("pr.field.material"))), .th(.text(t("pr.needs_consolidated"))),
                                   .th(.class("num"), .text(t("pr.field.budget"))))),
                        .tbody(.group(m.groups.enumerated().map { i, g in
                            Node<HTML.TableContext>.tr(
                                .td(.text(ProcurementShell.category(t, g.category))), .td(.text("\(g.material)（\(g.unit)）")),
                                .td(.group(g.needs.map { n in
                                    Node<HTML.BodyContext>.label(.class("chip"),
                                        .input(.type(.checkbox), .name("l\(i)_need"), .value(n.id.uuidString),
                                               .checked(v["need:\(n.id)"] != nil)),
                                        .text(" \(t("pr.department.\(n.department)")) \(ProcurementShell.qty(n.quantityMilli)) · \(n.neededOn)"))
                                })),
                                .td(.class(m.failure?.has("l\(i)_budget") == true ? "num invalid" : "num"),
                                    .input(.type(.text), .name("l\(i)_budget"), .value(v["l\(i)_budget"] ?? ""), .class("num"),
                                           .attribute(named: "inputmode", value: "decimal"),
                                           .attribute(named: "aria-label", value: "\(g.material) \(t("pr.field.budget"))"))))
                        })))),
                    .button(.type(.submit), .class("primary"), .text(t("pr.build_plan_submit")))))))
    }

    static func show(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let p = m.plan
        let title = t("pr.plan_title", ["period": p.period])
        return ProcurementShell.page(ctx, tab: .plans, project: m.project, title: title, .group(
            .section(.class("card"), .id("pr-plan"),
                .div(.class("toolbar"), .h2(.text(title), .text(" "), ProcurementShell.badge(t, "pr.plan_status", p.status))),
                .dl(.class("facts"),
                    .dt(.text(t("pr.total"))), .dd(.class("mono"), .text(ProcurementShell.money(p.totalFen))),
                    .dt(.text(t("pr.approver"))), .dd(.text(approver(t, p.requiredRole, version: p.matrixVersion))),
                    .dt(.text(t("pr.approval"))), .dd(.unwrap(p.approvalId, { .a(.href("/approvals/\($0)"), .text(t("pr.plan_status.\(p.status)"))) },
                                                              else: .text("—"))),
                    .dt(.text(t("pr.created"))), .dd(.text(Shell.dateTime(p.createdAt))),
                    .dt(.text(t("pr.decided"))), .dd(.text(Shell.dateTime(p.decidedAt))))),
            .section(.class("card"), .id("pr-plan-lines"),
                .h2(.text(t("pr.budget_lines"))),
                ProcurementShell.table([t("pr.category"), t("pr.field.material"), t("pr.field.quantity"), t("pr.field.budget"), t("pr.ordered"),
                                        t("pr.remaining"), t("pr.needs_consolidated"), ""], numeric: [2, 3, 4, 5],
                    m.lines.map { l in
                        Node<HTML.TableContext>.tr(
                            .td(.text(ProcurementShell.category(t, l.category))), .td(.text(l.material)),
                            .td(.class("num mono"), .text("\(ProcurementShell.qty(l.quantityMilli)) \(l.unit)")),
                            .td(.class("num mono"), .text(ProcurementShell.money(l.budgetFen))),
                            .td(.class("num mono"), .text(ProcurementShell.money(l.orderedFen))),
                            .td(.class("num mono"), .text(l.remaining.description)),
                            .td(.class("small"), .text((m.needs[l.id] ?? []).map {
                                "\(t("pr.department.\($0.department)")) \(ProcurementShell.qty($0.quantityMilli)) · \($0.neededOn)"
                            }.joined(separator: "；").nonEmpty ?? "—")),
                            .td(.class("nowrap"), .if(p.status == "approved" && l.remaining.fen > 0, .group(
                                .a(.href("\(ProcurementShell.Tab.orders.href(p.projectId))?line=\(l.id)#pr-order-form"), .text(t("pr.order_line"))),
                                .text(" · "),
                                .a(.href("\(ProcurementShell.Tab.tenders.href(p.projectId))?line=\(l.id)#pr-tender-form"), .text(t("pr.tender_line")))))))
                    }))))
    }
}

extension String {
    /// nil when empty: `"".nonEmpty ?? "—"`.
    var nonEmpty: String? { isEmpty ? nil : self }
}

import EstateCore
import Foundation
import Plot

extension NeedPages {
    static let form = "need"

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let v = FormFailure.values(m.failure, form: form)
        let base = ProcurementShell.Tab.needs.href(m.project.id)
        return ProcurementShell.page(ctx, tab: .needs, project: m.project, projects: m.projects, title: t("pr.tab.needs"), .group(
            .section(.class("card"), .id("pr-needs"),
                .div(.class("toolbar"), .h2(.text(t(m.handles ? "pr.needs" : "pr.my_needs")), .span(.class("muted small"), .text(" \(m.needs.count)"))),
                    .div(.class("spacer")),
                    ProcurementShell.statusFilter(t, action: base, prefix: "pr.need_status", statuses: ["open", "planned"], selected: m.status, extra: [
                        .select(.named("department", id: "pr-filter-department"), .attribute(named: "aria-label", value: t("pr.field.department")),
                                Node<HTML.SelectContext>.choice("", t("pr.all_departments")),
                                .group(PurchasePlanService.departments.map {
                                    Node<HTML.SelectContext>.choice($0, t("pr.department.\($0)"), selected: $0 == m.department)
                                }))])),
                m.needs.isEmpty ? ProcurementShell.empty(t("pr.no_needs")) : ProcurementShell.table(
                    [t("pr.field.department"), t("pr.category"), t("pr.field.material"), t("pr.field.quantity"), t("pr.field.neededOn"),
                     t("pr.field.note"), t("field.status")], numeric: [3],
                    m.needs.map { n in
                        Node<HTML.TableContext>.tr(
                            .td(.text(t("pr.department.\(n.department)"))), .td(.text(ProcurementShell.category(t, n.category))),
                            .td(.text(n.material)), .td(.class("num mono"), .text("\(ProcurementShell.qty(n.quantityMilli)) \(n.unit)")),
                            .td(.class("nowrap mono"), .text(n.neededOn)), .td(.text(n.note.isEmpty ? "—" : n.note)),
                            .td(ProcurementShell.badge(t, "pr.need_status", n.status)))
                    })),
            .section(.class("card"), .id("pr-need-form"),
                .h2(.text(t("pr.raise_need"))),
                FormFailure.view(m.failure, form: form),
                .form(.class("ch-form"), .method(.post), .action(base), Shell.csrfField(ctx),
                    ServiceShell.select(t, form: form, "department", "pr.field.department",
                                        m.departments.map { ($0, t("pr.department.\($0)")) },
                                        selected: v["department"] ?? m.defaultDepartment, failure: m.failure, required: true),
                    ServiceShell.select(t, form: form, "category", "pr.category", SupplierCategory.allCases.map { ($0.rawValue, t($0.catalogKey)) },
                                        selected: v["category"], failure: m.failure, required: true),
                    ServiceShell.input(t, form: form, "material", "pr.field.material", value: v["material"] ?? "", failure: m.failure, required: true,
                                       placeholder: t("pr.material_hint"), maxLength: 100),
                    ServiceShell.input(t, form: form, "unit", "pr.field.unit", value: v["unit"] ?? "", failure: m.failure, required: true,
                                       placeholder: t("pr.unit_hint"), maxLength: 10),
                    ServiceShell.input(t, form: form, "quantity", "pr.field.quantity", value: v["quantity"] ?? "", failure: m.failure, required: true),
                    ServiceShell.input(t, form: form, "neededOn", "pr.field.neededOn", .date, value: v["neededOn"] ?? "", failure: m.failure,
                                       required: true),
                    ServiceShell.input(t, form: form, "note", "pr.field.note", value: v["note"] ?? "", failure: m.failure, wide: true, maxLength: 500),
                    .button(.type(.submit), .class("primary"), .text(t("pr.raise_need_submit")))))))
    }
}

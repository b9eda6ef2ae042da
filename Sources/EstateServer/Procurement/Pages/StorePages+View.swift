import EstateCore
import EstateSheets
import Foundation
import Plot

extension StorePages {
    static let createForm = "store"
    static let issueForm = "issue"

    static func list(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t
        let v = FormFailure.values(m.failure, form: createForm)
        return ProcurementShell.page(ctx, tab: .stores, project: m.project, projects: m.projects, title: t("pr.tab.stores"), .group(
            .section(.class("card"), .id("pr-stores"),
                .h2(.text(t("pr.stores"))),
                .p(.class("muted small"), .text(t("pr.stores_hint"))),
                m.stores.isEmpty ? ProcurementShell.empty(t("pr.no_stores")) : ProcurementShell.table(
                    [t("pr.store_name"), t("pr.store_materials"), t("pr.store_since")], numeric: [1],
                    m.stores.map { s in
                        Node<HTML.TableContext>.tr(.td(.a(.href("/procurement/stores/\(s.id)"), .text(s.name))),
                                                   .td(.class("num mono"), .text("\(m.held[s.id] ?? 0)")),
                                                   .td(.class("nowrap"), .text(Shell.dateTime(s.createdAt))))
                    })),
            .section(.class("card"), .id("pr-store-form"),
                .h2(.text(t("pr.add_store"))),
                FormFailure.view(m.failure, form: createForm),
                .form(.class("ch-form"), .method(.post), .action("/procurement/projects/\(m.project.id)/stores"), Shell.csrfField(ctx),
                    ServiceShell.input(t, form: createForm, "name", "pr.store_name", value: v["name"] ?? "", failure: m.failure, required: true,
                                       placeholder: t("pr.store_hint"), maxLength: 60),
                    .button(.type(.submit), .class("primary"), .text(t("pr.add_store")))))))
    }

    static func show(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let s = m.store
        let v = FormFailure.values(m.failure, form: issueForm)
        let f = m.failure
        let stocked = m.balances.filter { $0.balanceMilli > 0 }
        return ProcurementShell.page(ctx, tab: .stores, project: m.project, title: s.name, .group(
            .section(.class("card"), .id("pr-store-balances"),
                .div(.class("toolbar"), .h2(.text(t("pr.store_title", ["name": s.name]))),
                     .a(.class("button"), .href("/procurement/stores/\(s.id)/ledger.xlsx"), .text(t("pr.download_xlsx")))),
                m.balances.isEmpty ? ProcurementShell.empty(t("pr.store_empty")) : ProcurementShell.table(
                    [t("pr.field.material"), t("pr.store_balance"), t("pr.unit")], numeric: [1],
                    m.balances.map { b in
                        Node<HTML.TableContext>.tr(.class(b.balanceMilli == 0 ? "muted" : ""), .td(.text(b.material)),
                                                   .td(.class("num mono"), .text(ProcurementShell.qty(b.balanceMilli))), .td(.text(b.unit)))
                    })),
            .if(!stocked.isEmpty, .section(.class("card"), .id("pr-store-issue"),
                .h2(.text(t("pr.issue_stock"))),
                .p(.class("muted small"), .text(t("pr.issue_hint"))),
                FormFailure.view(f, form: issueForm),
                .form(.class("ch-form"), .method(.post), .action("/procurement/stores/\(s.id)/issue"), Shell.csrfField(ctx),
                    ServiceShell.select(t, form: issueForm, "material", "pr.field.material",
                                        stocked.map { ($0.id.uuidString, "\($0.material)（\(ProcurementShell.qty($0.balanceMilli)) \($0.unit)）") },
                                        selected: v["material"], failure: f, required: true),
                    ServiceShell.input(t, form: issueForm, "quantity", "pr.field.quantity", value: v["quantity"] ?? "", failure: f, required: true, maxLength: 12),
                    ServiceShell.input(t, form: issueForm, "purpose", "pr.field.purpose", value: v["purpose"] ?? "", failure: f, required: true,
                                       placeholder: t("pr.purpose_hint"), wide: true, maxLength: 200),
                    ServiceShell.input(t, form: issueForm, "receivedBy", "pr.field.receivedBy", value: v["receivedBy"] ?? "", failure: f, required: true,
                                       maxLength: 40),
                    .button(.type(.submit), .class("primary"), .text(t("pr.issue_submit")))))),
            .section(.class("card"), .id("pr-store-ledger"),
                .h2(.text(t("pr.store_ledger"))),
                m.movements.isEmpty ? ProcurementShell.empty(t("pr.store_no_movements")) : ProcurementShell.table(
                    [t("pr.ledger.at"), t("pr.field.material"), t("pr.ledger.in"), t("pr.ledger.out"), t("pr.store_balance"), t("pr.ledger.for"),
                     t("pr.field.receivedBy"), t("pr.ledger.by")], numeric: [2, 3, 4],
                    m.movements.map { mv in
                        Node<HTML.TableContext>.tr(
                            .td(.class("nowrap"), .text(Shell.dateTime(mv.createdAt))), .td(.text("\(mv.material)（\(mv.unit)）")),
                            .td(.class("num mono"), .text(mv.kind == "in" ? ProcurementShell.qty(mv.quantityMilli) : "")),
                            .td(.class("num mono"), .text(mv.kind == "out" ? ProcurementShell.qty(mv.quantityMilli) : "")),
                            .td(.class("num mono"), .text(ProcurementShell.qty(mv.balanceMilli))),
                            .td(mv.deliveryId.map { id in Node<HTML.BodyContext>.a(.href("/procurement/deliveries/\(id)"), .text(t("pr.ledger.delivery", ["number": mv.purpose]))) }
                                ?? .text(mv.purpose)),
                            .td(.text(mv.receivedBy.isEmpty ? "—" : mv.receivedBy)), .td(.text(mv.createdBy.flatMap { m.names[$0] } ?? "")))
                    }))))
    }

    /// The store's ledger as .xlsx, oldest first: every movement with the balance after it.
    static func ledger(_ s: SiteStoreService.SiteStore, _ movements: [SiteStoreService.Movement], names: [UUID: String], t: Localizer) throws -> Data {
        let q = SheetColumn(t("pr.ledger.in"), width: 12, format: .general)
        let sheet = Sheet(name: t("pr.store_ledger"), columns: [
            SheetColumn(t("pr.ledger.at"), width: 18, format: .text), SheetColumn(t("pr.field.material"), width: 24, format: .text),
            SheetColumn(t("pr.unit"), width: 8, format: .text), q, SheetColumn(t("pr.ledger.out"), width: 12, format: .general),
            SheetColumn(t("pr.store_balance"), width: 12, format: .general), SheetColumn(t("pr.ledger.for"), width: 30, format: .text),
            SheetColumn(t("pr.field.receivedBy"), width: 12, format: .text), SheetColumn(t("pr.ledger.by"), width: 12, format: .text)],
            rows: movements.reversed().map { mv in
                [.text(Shell.dateTime(mv.createdAt)), .text(mv.material), .text(mv.unit),
                 mv.kind == "in" ? .decimal(mv.quantityMilli, scale: 3) : .empty, mv.kind == "out" ? .decimal(mv.quantityMilli, scale: 3) : .empty,
                 .decimal(mv.balanceMilli, scale: 3), .text(mv.purpose), .text(mv.receivedBy), .text(mv.createdBy.flatMap { names[$0] } ?? "")]
            })
        return try XLSXWriter.data([sheet])
    }

    static func fileName(_ s: SiteStoreService.SiteStore, project: String, t: Localizer) -> String {
        "\(t.language == .zh ? "仓库台账" : "store-ledger")-\(project)-\(s.name).xlsx"
    }
}

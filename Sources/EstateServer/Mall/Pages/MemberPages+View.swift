import EstateCore
import Foundation
import Plot

extension MemberPages {
    static func statusBadge(_ t: Localizer, _ s: String) -> Node<HTML.BodyContext> {
        .span(.class(s == "issued" ? "badge on" : s == "applied" || s == "approved" ? "badge warn" : "badge off"), .text(t("member.status.\(s)")))
    }

    static func listView(_ ctx: PageContext, _ m: ListModel) -> HTML {
        let t = ctx.t
        let base = "/malls/\(m.mall.id)/members"
        return MallShell.page(ctx, mall: m.mall, malls: m.malls, tab: .members, title: t("mall.tab.members"), .group(
            .section(.class("card"), .id("mb-list"),
                .form(.class("inline-form"), .method(.get), .action(base),
                    .input(.type(.search), .name("q"), .value(m.query), .attribute(named: "placeholder", value: t("member.search")),
                           .attribute(named: "aria-label", value: t("member.search"))),
                    .select(.attribute(named: "name", value: "status"), .attribute(named: "aria-label", value: t("field.status")), .choice("", t("member.all")),
                            .group(MemberStatus.allCases.map { s in Node<HTML.SelectContext>.choice(s.rawValue, t("member.status.\(s.rawValue)"), selected: s == m.status) })),
                    .button(.type(.submit), .text(t("action.search")))),
                m.page.items.isEmpty ? .p(.class("muted empty"), .text(t("member.none"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("member.card"))), .th(.text(t("field.name"))), .th(.text(t("field.mobile"))), .th(.text(t("member.tier"))),
                               .th(.class("num"), .text(t("member.balance"))), .th(.text(t("field.status"))), .th(.text(t("member.applied_at"))), .th())),
                    .tbody(.group(m.page.items.map { mb in
                        Node<HTML.TableContext>.tr(
                            .td(.class("mono"), .a(.href("/members/\(mb.id)"), .text(mb.cardNumber ?? "—"))),
                            .td(.a(.href("/members/\(mb.id)"), .text(mb.name)), .if(!mb.organisation.isEmpty, .span(.class("muted small"), .text(" " + mb.organisation)))),
                            .td(.class("mono"), .text(mb.maskedMobile)), .td(.text(t("member.tier.\(mb.tier)"))),
                            .td(.class("num"), .text("\(mb.pointsBalance)")), .td(statusBadge(t, mb.status)),
                            .td(.class("nowrap small"), .text(Shell.dateTime(mb.appliedAt))),
                            .td(.class("nowrap"), actions(ctx, m, mb)))
                    })))),
                Shell.pager(ctx, m.page, query: ["q": m.query, "status": m.status?.rawValue ?? ""])),
            .section(.class("card"), .id("mb-apply"),
                .h2(.text(t("member.apply"))),
                .form(.class("grid-form"), .method(.post), .action(base), Shell.csrfField(ctx),
                    MallShell.field("mb-kind", t("member.kind"), .select(.named("kind", id: "mb-kind"),
                        .group(MemberKind.allCases.map { k in Node<HTML.SelectContext>.choice(k.rawValue, t("member.kind.\(k.rawValue)")) }))),
                    MallShell.field("mb-name", t("field.name"), MallShell.text("name", id: "mb-name", max: 40)),
                    MallShell.field("mb-org", t("member.organisation"), MallShell.text("organisation", id: "mb-org", max: 60, required: false)),
                    MallShell.field("mb-mobile", t("field.mobile"), MallShell.text("mobile", id: "mb-mobile", max: 20)),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("member.apply")))))),
            .section(.class("card"), .id("mb-gifts"),
                .h2(.text(t("member.gifts"))),
                m.gifts.isEmpty ? .p(.class("muted empty"), .text(t("member.no_gifts"))) : .ul(.group(m.gifts.map { g in
                    Node<HTML.ListContext>.li(.text(t("member.gift_line", ["name": g.name, "points": "\(g.pointsCost)", "stock": "\(g.stock)"])))
                })),
                .if(m.maySupervise, .form(.class("inline-form"), .method(.post), .action("/malls/\(m.mall.id)/gifts"), Shell.csrfField(ctx),
                    .input(.type(.text), .name("name"), .attribute(named: "maxlength", value: "40"), .required(true), .attribute(named: "aria-label", value: t("member.gift"))),
                    .input(.type(.number), .name("pointsCost"), .attribute(named: "min", value: "1"), .required(true), .attribute(named: "aria-label", value: t("member.points"))),
                    .input(.type(.number), .name("stock"), .attribute(named: "min", value: "0"), .required(true), .attribute(named: "aria-label", value: t("member.stock"))),
                    .button(.type(.submit), .text(t("member.add_gift")))))),
            .if(m.maySupervise, importCard(ctx, m))))
    }

    /// 纸质会员登记本导入 (the supervisor): the .xlsx or CSV upload, all rows or none; refused, every bad row named.
    static func importCard(_ ctx: PageContext, _ m: ListModel) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .section(.class("card"), .id("mb-import"),
            .h2(.text(t("member.import.title")), .span(.class("muted small"), .text(" " + t("member.import.hint")))),
            .unwrap(m.importProblem) { p in .group(
                .p(.class("flash error"), .text(t("error.\(p.code)", p.arguments))),
                .if(!p.rows.isEmpty, RegisterPages.table([t("member.import.row"), t("member.import.column"), t("member.import.reason"), t("member.import.value")],
                    p.rows.map { r in
                        Node<HTML.TableContext>.tr(.td(.class("num"), .text("\(r.row)")), .td(.class("mono"), .text(r.column ?? "")),
                                                   .td(.text(t("error.\(r.code)"))), .td(.class("mono small"), .text(r.value ?? "")))
                    }, empty: "")))
            },
            .form(.class("inline-form"), .method(.post), .action("/malls/\(m.mall.id)/members/import?_csrf=\(ctx.csrf ?? "")"), .enctype(.multipartData),
                  Shell.csrfField(ctx),
                  .input(.type(.file), .name("file"), .required(true), .attribute(named: "accept", value: ".xlsx,.csv"),
                         .attribute(named: "aria-label", value: t("member.import.file"))),
                  .button(.type(.submit), .class("primary"), .text(t("member.import.submit")))))
    }

    /// Approve / reject (the supervisor, not for their own application) and issue (the desk).
    static func actions(_ ctx: PageContext, _ m: ListModel, _ mb: MemberService.Member) -> Node<HTML.BodyContext> {
        let t = ctx.t
        switch mb.memberStatus {
        case .applied where m.maySupervise && mb.appliedBy != m.viewer:
            return .group(
                .form(.class("inline"), .method(.post), .action("/members/\(mb.id)/decision"), Shell.csrfField(ctx),
                      .input(.type(.hidden), .name("approve"), .value("true")), .button(.type(.submit), .class("primary"), .text(t("member.approve")))),
                .form(.class("inline"), .method(.post), .action("/members/\(mb.id)/decision"), Shell.csrfField(ctx),
                      .input(.type(.hidden), .name("approve"), .value("false")), .button(.type(.submit), .text(t("member.reject")))))
        case .approved:
            return .form(.class("inline"), .method(.post), .action("/members/\(mb.id)/card"), Shell.csrfField(ctx),
                         .input(.type(.text), .name("cardNumber"), .attribute(named: "maxlength", value: "20"), .attribute(named: "size", value: "10"),
                                .attribute(named: "placeholder", value: t("member.card_auto")), .attribute(named: "aria-label", value: t("member.card"))),
                         .button(.type(.submit), .class("primary"), .text(t("member.issue"))))
        default:
            return .empty
        }
    }

    static func memberView(_ ctx: PageContext, _ m: MemberModel) -> HTML {
        let t = ctx.t
        let mb = m.member
        let tenantNames = Dictionary(m.tenants.map { ($0.id, $0.shopName) }, uniquingKeysWith: { a, _ in a })
        return MallShell.page(ctx, mall: m.mall, malls: m.malls, tab: .members, title: mb.name, .group(
            .section(.class("card"), .id("mb-card"),
                .h2(.text(mb.name), .span(.class("muted"), .text(" " + mb.organisation)), .text(" "), statusBadge(t, mb.status)),
                .dl(.class("facts"),
                    .dt(.text(t("member.card"))), .dd(.class("mono"), .text(mb.cardNumber ?? "—")),
                    .dt(.text(t("field.mobile"))), .dd(.class("mono"), .text(mb.maskedMobile)),
                    .dt(.text(t("member.tier"))), .dd(.text(t("member.tier.\(mb.tier)"))),
                    .dt(.text(t("member.balance"))), .dd(.strong(.text("\(mb.pointsBalance)"))),
                    .dt(.text(t("member.earned"))), .dd(.text("\(mb.pointsEarned)")),
                    .dt(.text(t("member.also_customer"))), .dd(.text(m.customerProjects.isEmpty ? "—" : m.customerProjects.joined(separator: "、"))))),
            .if(mb.memberStatus == .issued, .section(.class("card"), .id("mb-earn"),
                .h2(.text(t("member.earn"))),
                .form(.class("grid-form"), .method(.post), .action("/members/\(mb.id)/receipts"), Shell.csrfField(ctx),
                    MallShell.field("ea-tenant", t("mall.shop_name"), .select(.named("tenantId", id: "ea-tenant"),
                        .group(m.tenants.map { tn in Node<HTML.SelectContext>.choice(tn.id.uuidString, "\(tn.unitNo) \(tn.shopName)") }))),
                    MallShell.field("ea-no", t("member.receipt"), MallShell.text("receiptNumber", id: "ea-no", max: 40)),
                    MallShell.field("ea-amount", t("member.amount"), .input(.type(.text), .id("ea-amount"), .name("amount"),
                                                                           .attribute(named: "inputmode", value: "decimal"), .required(true))),
                    MallShell.field("ea-day", t("member.receipt_day"), .input(.type(.date), .id("ea-day"), .name("day"), .value(m.today.description), .required(true))),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("member.earn"))))),
                .h2(.text(t("member.redeem"))),
                .form(.class("inline-form"), .method(.post), .action("/members/\(mb.id)/redemptions"), Shell.csrfField(ctx),
                    .select(.attribute(named: "name", value: "giftId"), .attribute(named: "aria-label", value: t("member.gift")),
                            .group(m.gifts.map { g in Node<HTML.SelectContext>.choice(g.id.uuidString, t("member.gift_line", ["name": g.name, "points": "\(g.pointsCost)", "stock": "\(g.stock)"])) })),
                    .input(.type(.number), .name("quantity"), .value("1"), .attribute(named: "min", value: "1"), .attribute(named: "max", value: "20"),
                           .attribute(named: "aria-label", value: t("member.quantity"))),
                    .button(.type(.submit), .text(t("member.redeem")))))),
            .section(.class("card"), .id("mb-ledger"),
                .h2(.text(t("member.ledger"))),
                m.entries.isEmpty ? .p(.class("muted empty"), .text(t("member.no_entries"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("member.when"))), .th(.text(t("member.what"))), .th(.class("num"), .text(t("member.points"))),
                               .th(.class("num"), .text(t("member.balance"))))),
                    .tbody(.group(m.entries.map { e in
                        let what = e.kind == "earn"
                            ? t("member.earn_line", ["shop": e.tenantId.flatMap { tenantNames[$0] } ?? "", "receipt": e.receiptNo ?? "", "amount": MallShell.yuan(e.amountFen)])
                            : t("member.redeem_line", ["gift": e.note, "n": "\(e.quantity ?? 1)"])
                        return Node<HTML.TableContext>.tr(.td(.class("nowrap small"), .text(Shell.dateTime(e.createdAt))), .td(.text(what)),
                            .td(.class("num"), .text(e.points > 0 ? "+\(e.points)" : "\(e.points)")), .td(.class("num"), .text("\(e.balanceAfter)")))
                    })))))))
    }
}

import EstateCore
import Foundation
import Plot

extension RegisterPages {
    typealias F = MallShell

    static func table(_ heads: [String], _ rows: [Node<HTML.TableContext>], empty: String) -> Node<HTML.BodyContext> {
        rows.isEmpty ? .p(.class("muted empty"), .text(empty)) : .div(.class("table-wrap"), .table(.class("data"),
            .thead(.tr(.group(heads.map { Node<HTML.TableRowContext>.th(.text($0)) }))), .tbody(.group(rows))))
    }

    static func tenantSelect(_ m: Model, id: String, t: Localizer, optional: Bool) -> Node<HTML.FormContext> {
        F.field(id, t("mall.shop_name"), .select(.named("tenantId", id: id), .if(optional, .choice("", "—")),
                                                 .group(m.tenants.map { Node<HTML.SelectContext>.choice($0.id.uuidString, "\($0.unitNo) \($0.shopName)") })))
    }

    static func post(_ ctx: PageContext, _ action: String, _ label: String, hidden: [(String, String)] = [], _ extra: [Node<HTML.FormContext>] = [],
                     primary: Bool = false) -> Node<HTML.BodyContext> {
        .form(.class("inline"), .method(.post), .action(action), Shell.csrfField(ctx),
              .group(hidden.map { Node<HTML.FormContext>.input(.type(.hidden), .name($0.0), .value($0.1)) }), .group(extra),
              .button(.type(.submit), .class(primary ? "primary" : ""), .text(label)))
    }

    static func when(_ d: Date?) -> String { Shell.dateTime(d) }

    // MARK: Complaints

    static func complaints(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/malls/\(m.mall.id)"
        return F.page(ctx, mall: m.mall, malls: m.malls, tab: .complaints, title: t("mall.tab.complaints"), .group(
            .section(.class("card"), .id("mc-list"),
                .h2(.text(t("mall.complaints.title")), .span(.class("muted small"), .text(" " + t("mall.complaints.rule")))),
                table([t("mall.ticket"), t("mall.complaints.category"), t("mall.shop_name"), t("mall.floor"), t("mall.floor_manager"), t("field.status"),
                       t("mall.complaints.due")],
                      m.complaints.map { c in
                          Node<HTML.TableContext>.tr(.class(c.managerId == m.viewer.userID ? "mine" : ""),
                              .td(.class("mono"), .a(.href("/tickets/\(c.ticketId)"), .text(c.ticketNumber)), .text(" " + (c.ticket?.title ?? ""))),
                              .td(.text(t("mall.category.\(c.category)"))), .td(.text(m.tenantName(c.tenantId))), .td(.text(m.floorLabel(c.floorId))),
                              .td(.text(c.ticket?.assigneeName ?? "—")), .td(.text(t("ticket.status.\(c.ticket?.status ?? "new")"))),
                              .td(.class(c.overdue(at: m.now) ? "nowrap sla-over" : "nowrap"), .text(when(c.dueAt)),
                                  .if(c.escalatedAt != nil, .span(.class("badge warn"), .text(" " + t("mall.complaints.escalated"))))))
                      }, empty: t("mall.none"))),
            .section(.class("card"), .id("mc-take"),
                .h2(.text(t("mall.complaints.take"))),
                .form(.class("grid-form"), .method(.post), .action("\(base)/complaints"), Shell.csrfField(ctx),
                    F.field("mc-channel", t("mall.channel"), .select(.named("channel", id: "mc-channel"),
                        .group(["front_desk", "hotline", "walk_in", "letter", "online"].map { Node<HTML.SelectContext>.choice($0, t("ticket.channel.\($0)")) }))),
                    F.field("mc-cat", t("mall.complaints.category"), .select(.named("category", id: "mc-cat"),
                        .group(MallComplaintCategory.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t("mall.category.\($0.rawValue)")) }))),
                    tenantSelect(m, id: "mc-tenant", t: t, optional: true),
                    F.field("mc-floor", t("mall.floor"), .select(.named("floorId", id: "mc-floor"), .choice("", "—"),
                        .group(m.floors.map { Node<HTML.SelectContext>.choice($0.id.uuidString, $0.label) }))),
                    F.field("mc-title", t("mall.complaints.what"), F.text("title", id: "mc-title", max: 100)),
                    F.field("mc-name", t("mall.contact"), F.text("contactName", id: "mc-name", max: 40, required: false)),
                    F.field("mc-mobile", t("field.mobile"), F.text("contactMobile", id: "mc-mobile", max: 20, required: false)),
                    F.field("mc-desc", t("mall.complaints.detail"), .textarea(.name("description"), .id("mc-desc"), .attribute(named: "maxlength", value: "2000"))),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.complaints.take"))))))))
    }

    // MARK: Returns

    static func returns(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/malls/\(m.mall.id)"
        return F.page(ctx, mall: m.mall, malls: m.malls, tab: .returns, title: t("mall.tab.returns"), .group(
            .section(.class("card"), .id("mr-list"),
                .h2(.text(t("mall.tab.returns")), .span(.class("muted small"), .text(" " + t("mall.returns.rule")))),
                table([t("mall.number"), t("mall.shop_name"), t("mall.returns.goods"), t("mall.returns.amount"), t("mall.returns.bought"), t("field.status"), ""],
                      m.returns.map { r in
                          Node<HTML.TableContext>.tr(.td(.class("mono"), .text(r.number)), .td(.text(m.tenantName(r.tenantId))),
                              .td(.text(r.goods), .span(.class("muted small"), .text(" \(r.customerName) \(Masking.mobile(r.customerMobile))"))),
                              .td(.class("num"), .text(F.yuan(r.amountFen))), .td(.class("nowrap"), .text(r.purchasedOn)),
                              .td(.text(t("mall.return.\(r.status)")), .unwrap(r.refundFen) { .span(.class("muted small"), .text(" " + F.yuan($0))) }),
                              .td(.class("nowrap"), returnActions(ctx, m, r)))
                      }, empty: t("mall.none"))),
            .section(.class("card"), .id("mr-take"),
                .h2(.text(t("mall.returns.take"))),
                .form(.class("grid-form"), .method(.post), .action("\(base)/returns"), Shell.csrfField(ctx),
                    tenantSelect(m, id: "mr-tenant", t: t, optional: false),
                    F.field("mr-receipt", t("member.receipt"), F.text("receiptNo", id: "mr-receipt", max: 40)),
                    F.field("mr-bought", t("mall.returns.bought"), .input(.type(.date), .id("mr-bought"), .name("purchasedOn"), .required(true))),
                    F.field("mr-goods", t("mall.returns.goods"), F.text("goods", id: "mr-goods", max: 100)),
                    F.field("mr-amount", t("mall.returns.amount"), .input(.type(.text), .id("mr-amount"), .name("amount"), .attribute(named: "inputmode", value: "decimal"), .required(true))),
                    F.field("mr-reason", t("mall.returns.reason"), F.text("reason", id: "mr-reason", max: 500, required: false)),
                    F.field("mr-name", t("mall.returns.customer"), F.text("customerName", id: "mr-name", max: 40)),
                    F.field("mr-mobile", t("field.mobile"), F.text("customerMobile", id: "mr-mobile", max: 20)),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.returns.take"))))))))
    }

    static func returnActions(_ ctx: PageContext, _ m: Model, _ r: ReturnService.Return) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let action = "/returns/\(r.id)/steps"
        switch r.returnStatus {
        case .requested:
            return post(ctx, action, t("mall.return.step.tenant"), hidden: [("step", "tenant")],
                        [.input(.type(.text), .name("tenantContact"), .attribute(named: "size", value: "8"), .required(true),
                                .attribute(named: "placeholder", value: t("mall.returns.tenant_contact")), .attribute(named: "aria-label", value: t("mall.returns.tenant_contact")))])
        case .tenantAgreed where (r.managerId == m.viewer.userID || m.maySupervise) && r.requestedBy != m.viewer.userID:
            return .group(post(ctx, action, t("mall.return.step.floor_manager"), hidden: [("step", "floor_manager")], primary: true),
                          post(ctx, action, t("mall.return.step.reject"), hidden: [("step", "reject")],
                               [.input(.type(.text), .name("note"), .attribute(named: "size", value: "8"), .required(true), .attribute(named: "aria-label", value: t("field.note")))]))
        case .approved:
            return post(ctx, action, t("mall.return.step.refund"), hidden: [("step", "refund"), ("refund", Money(fen: r.amountFen).plain)],
                        [.select(.attribute(named: "name", value: "method"), .attribute(named: "aria-label", value: t("mall.returns.method")),
                                 .group(["original", "cash", "card", "wechat", "alipay"].map { Node<HTML.SelectContext>.choice($0, t("mall.refund.\($0)")) }))], primary: true)
        default:
            return .empty
        }
    }

    // MARK: Lost and found, broadcasts, screens

    static func records(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/malls/\(m.mall.id)"
        let showing = Set(Dictionary(grouping: m.screens, by: \.screen).values.flatMap { ScreenSlot.showing($0.map(\.slot), at: m.now).map(\.id) })
        return F.page(ctx, mall: m.mall, malls: m.malls, tab: .records, title: t("mall.tab.records"), .group(
            .section(.class("card"), .id("ml-lost"),
                .h2(.text(t("mall.lost.title"))),
                table([t("mall.number"), t("mall.lost.what"), t("mall.lost.found"), t("mall.lost.storage"), t("mall.lost.due"), t("field.status"), ""],
                      m.lost.map { i in
                          Node<HTML.TableContext>.tr(.td(.class("mono"), .text(i.number)), .td(.text(i.description),
                              .if(i.photo != nil, .a(.class("small"), .href("/lost-items/\(i.id)/photo"), .attribute(named: "target", value: "_blank"),
                                                     .text(" " + t("mall.lost.photo")))),
                              .if(i.status == "held", .details(.class("small"), .summary(.text(t("mall.lost.photo_upload"))),
                                  .form(.method(.post), .action("/lost-items/\(i.id)/photo?_csrf=\(ctx.csrf ?? "")"), .enctype(.multipartData), Shell.csrfField(ctx),
                                        .input(.type(.file), .name("file"), .required(true), .attribute(named: "accept", value: "image/jpeg,image/png,image/webp"),
                                               .attribute(named: "aria-label", value: t("mall.lost.photo"))),
                                        .button(.type(.submit), .text(t("action.save"))))))),
                              .td(.class("small"), .text("\(when(i.foundAt)) \(i.foundPlace) · \(i.finder)")), .td(.text(i.storagePlace)),
                              .td(.class("nowrap"), .text(i.handoverDue)),
                              .td(.text(t("mall.lost.\(i.status)")), .unwrap(i.claimantIdMasked) { .span(.class("muted small"), .text(" \(i.claimantName ?? "") \($0)")) },
                                  .unwrap(i.handedTo) { .span(.class("muted small"), .text(" → \($0)")) }),
                              .td(i.status == "held" ? .group(
                                  post(ctx, "/lost-items/\(i.id)/claim", t("mall.lost.claim"), [
                                      .input(.type(.text), .name("claimantName"), .attribute(named: "size", value: "6"), .required(true), .attribute(named: "placeholder", value: t("mall.lost.claimant")), .attribute(named: "aria-label", value: t("mall.lost.claimant"))),
                                      .input(.type(.hidden), .name("idKind"), .value("resident_id")),
                                      .input(.type(.text), .name("idNumber"), .attribute(named: "size", value: "18"), .attribute(named: "placeholder", value: t("mall.lost.id")), .attribute(named: "aria-label", value: t("mall.lost.id"))),
                                      .input(.type(.text), .name("signature"), .attribute(named: "size", value: "6"), .attribute(named: "placeholder", value: t("mall.lost.signature")), .attribute(named: "aria-label", value: t("mall.lost.signature")))]),
                                  .if(CalendarDay(i.handoverDue).map { m.today >= $0 } ?? false,
                                      post(ctx, "/lost-items/\(i.id)/handover", t("mall.lost.handover"), [
                                          .input(.type(.text), .name("handedTo"), .attribute(named: "size", value: "8"), .required(true), .attribute(named: "aria-label", value: t("mall.lost.handed_to")))])))
                                  : .empty))
                      }, empty: t("mall.none")),
                .form(.class("grid-form top-gap"), .method(.post), .action("\(base)/lost-items"), Shell.csrfField(ctx),
                    F.field("lf-what", t("mall.lost.what"), F.text("description", id: "lf-what", max: 100)),
                    F.field("lf-where", t("mall.lost.where"), F.text("foundPlace", id: "lf-where", max: 60)),
                    F.field("lf-finder", t("mall.lost.finder"), F.text("finder", id: "lf-finder", max: 40)),
                    F.field("lf-storage", t("mall.lost.storage"), F.text("storagePlace", id: "lf-storage", max: 40)),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.lost.record")))))),
            .section(.class("card"), .id("ml-broadcasts"),
                .h2(.text(t("mall.broadcast.title"))),
                table([t("member.when"), t("mall.broadcast.kind"), t("mall.broadcast.asked_by"), t("mall.broadcast.text"), t("mall.broadcast.read"), ""],
                      m.broadcasts.map { b in
                          Node<HTML.TableContext>.tr(.td(.class("nowrap small"), .text(when(b.createdAt))), .td(.text(t("mall.broadcast.\(b.kind)"))),
                              .td(.text(b.requestedBy)), .td(.text(b.text)), .td(.class("num"), .text("\(b.timesRead)")),
                              .td(post(ctx, "/broadcasts/\(b.id)/reads", t("mall.broadcast.read_now"))))
                      }, empty: t("mall.none")),
                .form(.class("grid-form top-gap"), .method(.post), .action("\(base)/broadcasts"), Shell.csrfField(ctx),
                    F.field("bc-kind", t("mall.broadcast.kind"), .select(.named("kind", id: "bc-kind"),
                        .group(BroadcastKind.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t("mall.broadcast.\($0.rawValue)")) }))),
                    F.field("bc-who", t("mall.broadcast.asked_by"), F.text("requestedBy", id: "bc-who", max: 60)),
                    F.field("bc-text", t("mall.broadcast.text"), .textarea(.name("text"), .id("bc-text"), .attribute(named: "maxlength", value: "500"), .required(true))),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.broadcast.record")))))),
            .section(.class("card"), .id("ml-screens"),
                .h2(.text(t("mall.screen.title"))),
                table([t("mall.screen.screen"), t("mall.broadcast.text"), t("mall.screen.window"), t("mall.screen.rotation"), ""],
                      m.screens.map { s in
                          Node<HTML.TableContext>.tr(.td(.text(s.screen)), .td(.text(s.text)), .td(.class("nowrap small"), .text("\(when(s.startsAt)) – \(when(s.endsAt))")),
                              .td(.class("num"), .text("\(s.rotation)")),
                              .td(.if(showing.contains(s.id), .span(.class("badge on"), .text(t("mall.screen.showing"))))))
                      }, empty: t("mall.none")),
                .form(.class("grid-form top-gap"), .method(.post), .action("\(base)/screens"), Shell.csrfField(ctx),
                    F.field("sc-screen", t("mall.screen.screen"), F.text("screen", id: "sc-screen", max: 40)),
                    F.field("sc-text", t("mall.broadcast.text"), F.text("text", id: "sc-text", max: 200)),
                    F.field("sc-from", t("mall.screen.from"), .input(.type(.datetimeLocal), .id("sc-from"), .name("startsAt"), .required(true))),
                    F.field("sc-to", t("mall.screen.to"), .input(.type(.datetimeLocal), .id("sc-to"), .name("endsAt"), .required(true))),
                    F.field("sc-rot", t("mall.screen.rotation"), .input(.type(.number), .id("sc-rot"), .name("rotation"), .value("0"), .attribute(named: "min", value: "0"), .attribute(named: "max", value: "99"))),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.screen.record"))))))))
    }

    // MARK: Mail and bags

    static func mail(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return F.page(ctx, mall: m.mall, malls: m.malls, tab: .mail, title: t("mall.tab.mail"), .group(
            .section(.class("card"), .id("mm-list"),
                .h2(.text(t("mall.tab.mail"))),
                table([t("member.when"), t("mall.mail.kind"), t("mall.mail.recipient"), t("mall.mail.ref"), t("mall.mail.picked"), ""],
                      m.mail.map { i in
                          Node<HTML.TableContext>.tr(.td(.class("nowrap small"), .text(when(i.receivedAt))), .td(.text(t("mall.mail.\(i.kind)"))),
                              .td(.text(i.recipient)), .td(.class("mono small"), .text([i.carrier, i.trackingNo, i.tag.map { "#\($0)" } ?? ""].filter { !$0.isEmpty }.joined(separator: " "))),
                              .td(.class("small"), .text(i.pickedUpAt.map { "\(when($0)) \(i.pickedUpBy ?? "")" } ?? "—")),
                              .td(i.pickedUpAt == nil ? post(ctx, "/mail/\(i.id)/pickup", t("mall.mail.pickup"), [
                                  .input(.type(.text), .name("pickedUpBy"), .attribute(named: "size", value: "6"), .required(true), .attribute(named: "placeholder", value: t("mall.mail.who")), .attribute(named: "aria-label", value: t("mall.mail.who"))),
                                  .input(.type(.text), .name("signature"), .attribute(named: "size", value: "6"), .required(true), .attribute(named: "placeholder", value: t("mall.lost.signature")), .attribute(named: "aria-label", value: t("mall.lost.signature"))),
                                  .if(i.kind == "bag", .input(.type(.text), .name("tag"), .attribute(named: "size", value: "5"), .required(true), .attribute(named: "placeholder", value: t("mall.mail.tag")), .attribute(named: "aria-label", value: t("mall.mail.tag"))))]) : .empty))
                      }, empty: t("mall.none")),
                .form(.class("grid-form top-gap"), .method(.post), .action("/malls/\(m.mall.id)/mail"), Shell.csrfField(ctx),
                    F.field("mm-kind", t("mall.mail.kind"), .select(.named("kind", id: "mm-kind"),
                        .group(MailService.Kind.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t("mall.mail.\($0.rawValue)")) }))),
                    tenantSelect(m, id: "mm-tenant", t: t, optional: true),
                    F.field("mm-rcpt", t("mall.mail.recipient"), F.text("recipient", id: "mm-rcpt", max: 60, required: false)),
                    F.field("mm-carrier", t("mall.mail.carrier"), F.text("carrier", id: "mm-carrier", max: 30, required: false)),
                    F.field("mm-track", t("mall.mail.tracking"), F.text("trackingNo", id: "mm-track", max: 40, required: false)),
                    F.field("mm-tag", t("mall.mail.tag"), F.text("tag", id: "mm-tag", max: 20, required: false)),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.mail.record"))))))))
    }

    // MARK: Price tags

    static func priceTags(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return F.page(ctx, mall: m.mall, malls: m.malls, tab: .priceTags, title: t("mall.tab.price-tags"), .group(
            .section(.class("card"), .id("mp-list"),
                .h2(.text(t("mall.tab.price-tags")), .span(.class("muted small"), .text(" " + t("mall.tags.rule")))),
                table([t("mall.number"), t("mall.shop_name"), t("mall.tags.count"), t("mall.tags.fee"), t("mall.tags.printed"), ""],
                      m.priceTags.map { r in
                          Node<HTML.TableContext>.tr(.td(.class("mono"), .text(r.number)), .td(.text(m.tenantName(r.tenantId))),
                              .td(.class("num"), .text("\(r.tagCount)")), .td(.class("num"), .text(F.yuan(r.feeFen))),
                              .td(.class("small"), .text(r.printedAt.map { "\(when($0)) ×\(r.printCount)" } ?? "—")),
                              .td(post(ctx, "/price-tags/\(r.id)/print", t("mall.tags.print"), primary: true)))
                      }, empty: t("mall.none")),
                .h3(.text(t("mall.tags.request"))),
                .form(.class("grid-form"), .method(.post), .action("/malls/\(m.mall.id)/price-tags"), Shell.csrfField(ctx),
                    tenantSelect(m, id: "pt-tenant", t: t, optional: false),
                    F.field("pt-item", t("mall.tag.item"), F.text("item", id: "pt-item", max: 40)),
                    F.field("pt-price", t("mall.tag.price"), .input(.type(.text), .id("pt-price"), .name("price"), .attribute(named: "inputmode", value: "decimal"), .required(true))),
                    F.field("pt-unit", t("mall.tag.unit"), F.text("unit", id: "pt-unit", max: 40)),
                    F.field("pt-origin", t("mall.tag.origin"), F.text("origin", id: "pt-origin", max: 40)),
                    F.field("pt-spec", t("mall.tag.spec"), F.text("specification", id: "pt-spec", max: 40)),
                    F.field("pt-orig", t("mall.tag.original"), .input(.type(.text), .id("pt-orig"), .name("originalPrice"), .attribute(named: "inputmode", value: "decimal"))),
                    F.field("pt-copies", t("mall.tags.copies"), .input(.type(.number), .id("pt-copies"), .name("copies"), .value("1"), .attribute(named: "min", value: "1"), .attribute(named: "max", value: "50"))),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.tags.request"))))))))
    }

    // MARK: The day

    /// 当班: each shift's times and its staff, or that nobody was on the rota.
    static func onDuty(_ t: Localizer, _ duty: [DeskDayService.Duty]?) -> String {
        let text = (duty ?? []).filter { !$0.names.isEmpty }.map { "\(t("rota.shift.\($0.shift)")) \($0.times) \($0.names.joined(separator: "、"))" }
        return text.isEmpty ? t("mall.day.no_rota") : text.joined(separator: "；")
    }

    static func day(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/malls/\(m.mall.id)"
        let log = m.log
        let called = Set(m.followUps.map(\.sourceId))
        let toCall = m.complaints.filter { !called.contains($0.id) }.map { ("complaint", $0.id, $0.ticketNumber) }
            + m.returns.filter { !called.contains($0.id) }.map { ("return", $0.id, $0.number) }
        return F.page(ctx, mall: m.mall, malls: m.malls, tab: .day, title: t("mall.tab.day"), .group(
            .section(.class("card"), .id("md-log"),
                .div(.class("toolbar"),
                    .h2(.text(t("mall.day.log", ["day": m.day.description]))),
                    .div(.class("spacer")),
                    .form(.class("inline"), .method(.get), .action("\(base)/day"),
                          .input(.type(.date), .name("day"), .value(m.day.description), .attribute(named: "aria-label", value: t("mall.report.day"))),
                          .button(.type(.submit), .text(t("action.search"))))),
                .unwrap(log) { l in .group(
                    .p(.text(DeskDayService.kinds.map { k in t("mall.kind." + k) + " " + String(l.counts[k] ?? 0) }.joined(separator: " · "))),
                    .p(.class("on-duty"), .strong(.text(t("mall.day.on_duty") + "：")),
                       .text(onDuty(t, l.onDuty))),
                    l.signedAt.map { Node<HTML.BodyContext>.p(.class("badge on"), .text(t("mall.day.signed", ["when": when($0)]))) }
                        ?? (m.maySupervise ? post(ctx, "\(base)/day/\(m.day)/sign", t("mall.day.sign"), primary: true) : .p(.class("muted"), .text(t("mall.day.unsigned")))),
                    table([t("member.when"), t("mall.day.kind"), t("member.what")], l.entries.map { e in
                        Node<HTML.TableContext>.tr(.td(.class("nowrap small"), .text(when(e.at))), .td(.text(t("mall.kind.\(e.kind)"))), .td(.text(e.text)))
                    }, empty: t("mall.day.empty")))
                }),
            .section(.class("card"), .id("md-followups"),
                .h2(.text(t("mall.follow.title"))),
                .unwrap(m.report) { r in
                    .p(.class("kpi"), .text(t("mall.follow.rate", ["rate": r.passRate.map { String(format: "%.1f%%", Double($0) / 10) } ?? "—",
                                                                     "goal": "98%", "n": "\(r.satisfied + r.unsatisfied)"])),
                       .if((r.passRate ?? 1000) < FollowUpRule.goalPermille, .span(.class("badge warn"), .text(" " + t("mall.follow.below"))))) },
                table([t("member.when"), t("mall.number"), t("mall.follow.outcome"), t("field.note")], m.followUps.map { f in
                    Node<HTML.TableContext>.tr(.td(.class("nowrap small"), .text(when(f.createdAt))), .td(.class("mono"), .text(f.sourceNumber)),
                                               .td(.text(t("mall.follow.\(f.outcome)"))), .td(.text(f.note)))
                }, empty: t("mall.none")),
                .if(!toCall.isEmpty, .form(.class("grid-form top-gap"), .method(.post), .action("\(base)/follow-ups"), Shell.csrfField(ctx),
                    F.field("fu-src", t("mall.follow.source"), .select(.named("source", id: "fu-src"),
                        .group(toCall.map { Node<HTML.SelectContext>.choice("\($0.0):\($0.1)", "\($0.2)") }))),
                    F.field("fu-out", t("mall.follow.outcome"), .select(.named("outcome", id: "fu-out"),
                        .group(DeskDayService.Outcome.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t("mall.follow.\($0.rawValue)")) }))),
                    F.field("fu-note", t("field.note"), F.text("note", id: "fu-note", max: 500, required: false)),
                    .div(.class("actions"), .button(.type(.submit), .class("primary"), .text(t("mall.follow.record"))))))),
            .section(.class("card"), .id("md-week"),
                .div(.class("toolbar"), .h2(.text(t("mall.day.week"))), .div(.class("spacer")),
                     .a(.class("button"), .href("\(base)/report.xlsx?from=\(m.day.adding(days: -6))&to=\(m.day)"), .text(t("mall.day.xlsx")))),
                .unwrap(m.report) { r in
                    table([t("mall.report.day")] + DeskDayService.kinds.map { t("mall.kind.\($0)") }, r.rows.map { row in
                        Node<HTML.TableContext>.tr(.td(.class("nowrap"), .text(row.day.description)),
                                                   .group(DeskDayService.kinds.map { k in Node<HTML.TableRowContext>.td(.class("num"), .text("\(row.counts[k] ?? 0)")) }))
                    }, empty: t("mall.none"))
                })))
    }
}

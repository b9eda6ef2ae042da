import EstateCore
import Foundation
import Plot

/// The staff's opening pages: the list with a new-opening form, one opening (setup and live
/// console), and the notary's printable order.
enum OpeningPages {
    static func frame(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], title: String,
                      _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(title) · \(project.name)", .div(.class("service-page opening-page"),
            .div(.class("inv-head"),
                .h1(.text(project.name), .span(.class("muted code"), .text(" " + project.code)), .span(.class("report-title"), .text(" · " + t("nav.openings")))),
                ProjectSwitcher.view(t, current: project, projects: projects, home: "/openings")),
            content))
    }

    static func badge(_ t: Localizer, _ s: OpeningState) -> Node<HTML.BodyContext> {
        .span(.class("og-st og-st-\(s.rawValue)"), .text(t(s.catalogKey)))
    }

    static func list(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], events: [OpeningService.Event],
                     mayEdit: Bool, now: Date) -> HTML {
        let t = ctx.t
        let base = "/projects/\(project.id)/openings"
        let table: Node<HTML.BodyContext> = events.isEmpty ? .p(.class("muted empty"), .text(t("opening.none"))) : eventTable(t, base, events)
        let form: Node<HTML.BodyContext> = mayEdit ? newForm(ctx, base, now) : .empty
        return frame(ctx, project: project, projects: projects, title: t("nav.openings"), .group(table, form))
    }

    static func eventRow(_ t: Localizer, _ base: String, _ e: OpeningService.Event) -> Node<HTML.TableContext> {
        let hash = e.orderHash.map { String($0.prefix(16)) + "…" } ?? "—"
        return .tr(.td(.a(.href("\(base)/\(e.id)"), .text(e.name))), .td(badge(t, e.state)),
                   .td(.class("nowrap"), .text(BuyerPages.time(e.startsAt))), .td(.text(t(e.kind.catalogKey))),
                   .td(.class("mono small"), .text(hash)))
    }

    static func eventTable(_ t: Localizer, _ base: String, _ events: [OpeningService.Event]) -> Node<HTML.BodyContext> {
        let head: Node<HTML.TableContext> = .thead(.tr(.th(.text(t("opening.field.name"))), .th(.text(t("field.status"))),
                                                       .th(.text(t("opening.field.starts"))), .th(.text(t("opening.field.order"))),
                                                       .th(.text(t("opening.field.hash")))))
        let rows: [Node<HTML.TableContext>] = events.map { eventRow(t, base, $0) }
        return .div(.class("table-wrap"), .table(.class("data"), head, .tbody(.group(rows))))
    }

    static func inputField(_ label: String, id: String, name: String, type: HTMLInputType = .text, value: String = "") -> Node<HTML.FormContext> {
        .div(.class("field"), .label(.for(id), .text(label)), .input(.type(type), .id(id), .name(name), .value(value)))
    }

    static func newForm(_ ctx: PageContext, _ base: String, _ now: Date) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let kinds: [Node<HTML.SelectContext>] = LotteryOrder.Kind.allCases.map { k in .choice(k.rawValue, t(k.catalogKey), selected: k == .lottery) }
        let methods: [Node<HTML.SelectContext>] = PaymentMethod.allCases.map { m in .choice(m.rawValue, t(m.catalogKey)) }
        let starts: Node<HTML.FormContext> = .div(.class("field"), .label(.for("o-starts"), .text(t("opening.field.starts"))),
            .input(.type(HTMLInputType(rawValue: "datetime-local") ?? .text), .id("o-starts"), .name("startsAt"),
                   .value(Format.localInput(now.addingTimeInterval(86_400))), .required(true)))
        let kind: Node<HTML.FormContext> = .div(.class("field"), .label(.for("o-kind"), .text(t("opening.field.order"))),
                                                .select(.named("orderKind", id: "o-kind"), .group(kinds)))
        let method: Node<HTML.FormContext> = .div(.class("field"), .label(.for("o-method"), .text(t("opening.field.method"))),
                                                  .select(.named("method", id: "o-method"), .group(methods)))
        let submit: Node<HTML.FormContext> = .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t("opening.create"))))
        let form: Node<HTML.BodyContext> = .form(.method(.post), .action(base), .class("grid-form"), Shell.csrfField(ctx),
            inputField(t("opening.field.name"), id: "o-name", name: "name"), starts,
            inputField(t("opening.field.hours"), id: "o-hours", name: "hours", type: .number, value: "4"), kind,
            inputField(t("opening.field.seed"), id: "o-seed", name: "seed"),
            inputField(t("opening.field.seed_note"), id: "o-seednote", name: "seedNote"),
            inputField(t("opening.field.quota"), id: "o-quota", name: "quota", type: .number, value: "1"),
            inputField(t("opening.field.deposit"), id: "o-deposit", name: "deposit", value: "50000"), method,
            inputField(t("opening.field.contract_days"), id: "o-days", name: "contractDays", type: .number, value: "7"), submit)
        return .section(.class("card"), .h2(.text(t("opening.new"))), form)
    }

    struct EventModel {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var event: OpeningService.Event
        var engine: OpeningService.Event
        var batches: [OpeningBatch]
        var slots: [OpeningService.Slot]
        var registrations: [OpeningService.Registration]
        var console: OpeningService.Console
        var available: [UnitRow]
        var mayControl: Bool
        var mayRegister: Bool
        var now: Date
        var formKey: String
    }

    static func event(_ ctx: PageContext, _ m: EventModel) -> HTML {
        let t = ctx.t, e = m.event
        let base = "/projects/\(m.project.id)/openings/\(e.id)"
        let actions = OpeningAction.allCases.filter { $0 != .extend && $0.next(from: e.state) != nil }
            + (e.state == .rehearsal ? [OpeningAction.pause, .resume].filter { $0.next(from: m.engine.state) != nil } : [])
        func actionForm(_ a: OpeningAction) -> Node<HTML.BodyContext> {
            .form(.class("inline"), .method(.post), .action("\(base)/actions"), Shell.csrfField(ctx),
                  .input(.type(.hidden), .name("action"), .value(a.rawValue)),
                  .button(.type(.submit), .class(a == .pause || a == .close ? "danger" : "primary"), .text(t("opening.action.\(a.rawValue)"))))
        }
        let s0: Node<HTML.BodyContext> =
            .section(.class("card"),
                .h2(.text(e.name + " "), badge(t, e.state), .if(m.engine.id != e.id, .group(.text(" · " + t("opening.rehearsal_copy") + " "), badge(t, m.engine.state)))),
                .p(.text(t("opening.summary", ["starts": BuyerPages.time(e.startsAt), "ends": BuyerPages.time(e.endsAt), "quota": "\(e.quota)",
                                               "deposit": e.deposit.description, "days": "\(e.contractDays)", "seconds": "\(e.confirmSeconds)"]))),
                .p(.class("small"), .text(t("opening.final_hash") + " "), .span(.class("mono"), .text(m.engine.logHash))),
                .if(m.mayControl, .div(.class("toolbar"), .group(actions.map(actionForm)),
                    .if(OpeningAction.extend.next(from: m.engine.state) != nil, .form(.class("inline"), .method(.post), .action("\(base)/actions"), Shell.csrfField(ctx),
                        .input(.type(.hidden), .name("action"), .value("extend")),
                        .input(.type(.number), .name("minutes"), .value("10"), .attribute(named: "aria-label", value: t("opening.extend_minutes"))),
                        .button(.type(.submit), .text(t("opening.action.extend"))))))),
                .p(.a(.href("\(base)/notary"), .text(t("opening.notary"))), .text(" · "), .a(.href("\(base)/results.xlsx"), .text(t("opening.results_xlsx"))),
                   .text(" · "), .a(.href("/xf/\(e.id)"), .text(t("opening.buyer_page")))))
        let s1: Node<HTML.BodyContext> =
            .section(.class("card"), .id("console"), .h2(.text(t("opening.console"))),
                .div(.class("kpis"),
                    .div(.class("kpi"), .div(.class("kpi-label"), .text(t("opening.kpi.taken"))), .div(.class("kpi-value"), .text("\(m.console.taken)"))),
                    .div(.class("kpi"), .div(.class("kpi-label"), .text(t("opening.kpi.held"))), .div(.class("kpi-value"), .text("\(m.console.held)"))),
                    .div(.class("kpi"), .div(.class("kpi-label"), .text(t("opening.kpi.open"))), .div(.class("kpi-value"), .text("\(m.console.open)"))),
                    .div(.class("kpi"), .div(.class("kpi-label"), .text(t("opening.kpi.per_minute"))), .div(.class("kpi-value"), .text("\(m.console.perMinute)")))),
                .div(.class("opening-board"), .group(m.slots.map { s in
                    let st = s.status == "held" && !SelectionLimits.holdKeepsUnit(heldUntil: s.heldUntil, now: m.now) ? "open" : s.status
                    return Node<HTML.BodyContext>.span(.class("og-unit og-unit-\(st)"), .text(s.code))
                })))
        let s2: Node<HTML.BodyContext> =
            .section(.class("card"), .id("batches"), .h2(.text(t("opening.batches"))),
                m.batches.isEmpty ? .p(.class("muted"), .text(t("opening.no_batches"))) : .table(.class("data"),
                    .thead(.tr(.th(.text(t("opening.col.batch"))), .th(.text(t("opening.col.ranks"))), .th(.text(t("opening.col.window"))), .th(.text(t("opening.col.waiting"))))),
                    .tbody(.group(m.batches.map { b in
                        Node<HTML.TableContext>.tr(.td(.text("\(b.seq)")), .td(.text("\(b.firstRank)–\(b.lastRank)")),
                                                   .td(.text("\(BuyerPages.time(b.opensAt)) – \(BuyerPages.time(b.closesAt))")), .td(.text("\(m.console.waiting[b.seq] ?? 0)")))
                    }))),
                .if(m.mayControl && e.drawnAt != nil && [.draft, .scheduled].contains(e.state), .form(.class("inline"), .method(.post), .action("\(base)/batches"), Shell.csrfField(ctx),
                    .label(.for("b-size"), .text(t("opening.batch_size") + " ")), .input(.type(.number), .id("b-size"), .name("size"), .value("50")),
                    .label(.for("b-min"), .text(t("opening.batch_minutes") + " ")), .input(.type(.number), .id("b-min"), .name("minutes"), .value("30")),
                    .label(.for("b-gap"), .text(t("opening.batch_gap") + " ")), .input(.type(.number), .id("b-gap"), .name("gap"), .value("20")),
                    .button(.type(.submit), .text(t("opening.plan_batches"))))))
        let s3: Node<HTML.BodyContext> =
            .section(.class("card"), .id("units"), .h2(.text(t("opening.units_n", ["n": "\(m.slots.count)"]))),
                .if(m.mayControl && [.draft, .scheduled].contains(e.state), .group(
                    .form(.class("inline"), .method(.post), .action("\(base)/units"), Shell.csrfField(ctx), .input(.type(.hidden), .name("all"), .value("1")),
                          .button(.type(.submit), .text(t("opening.add_all", ["n": "\(m.available.count)"])))),
                    .form(.class("inline"), .method(.post), .action("\(base)/units"), Shell.csrfField(ctx),
                          .input(.type(.text), .name("codes"), .attribute(named: "placeholder", value: "1-1-101, 1-1-102"), .attribute(named: "aria-label", value: t("opening.codes"))),
                          .button(.type(.submit), .text(t("opening.add_units")))))))
        let s4: Node<HTML.BodyContext> =
            .section(.class("card"), .id("order"), .h2(.text(t("opening.order"))),
                .p(.text(t(e.kind.catalogKey)), .if(!e.seed.isEmpty, .group(.text(" · " + t("opening.field.seed") + ": "), .span(.class("mono"), .text(e.seed)))),
                   .if(!e.seedNote.isEmpty, .span(.class("muted"), .text(" (" + e.seedNote + ")")))),
                .unwrap(e.orderHash) { .p(.text(t("opening.list_hash") + " "), .span(.class("mono"), .text($0))) },
                .if(m.mayControl && e.drawnAt == nil && e.state == .draft, .form(.class("inline"), .method(.post), .action("\(base)/draw"), Shell.csrfField(ctx),
                    .button(.type(.submit), .class("primary"), .text(t("opening.draw"))))))
        let regForm: Node<HTML.BodyContext> = m.mayRegister && e.drawnAt == nil && e.state != .closed ? registrationForms(ctx, base, m) : .empty
        let regHead: Node<HTML.TableContext> = .thead(.tr(.th(.text(t("opening.col.rank"))), .th(.text(t("opening.col.number"))), .th(.text(t("opening.col.buyer"))),
                                                          .th(.text(t("xf.mobile"))), .th(.text(t("opening.id_number"))), .th(.text(t("opening.sincerity"))),
                                                          .th(.text(t("opening.col.receipt"))), .th(.text(t("opening.eligible")))))
        let regRows: [Node<HTML.TableContext>] = m.registrations.map { registrationRow(ctx, base, m, $0) }
        let s5: Node<HTML.BodyContext> = .section(.class("card"), .id("registrations"),
            .h2(.text(t("opening.registrations_n", ["n": "\(m.registrations.count)"]))), regForm,
            .div(.class("table-wrap"), .table(.class("data"), regHead, .tbody(.group(regRows)))))
        return frame(ctx, project: m.project, projects: m.projects, title: e.name, .group(s0, s1, s2, s3, s4, s5))
    }

    static func registrationRow(_ ctx: PageContext, _ base: String, _ m: EventModel, _ r: OpeningService.Registration) -> Node<HTML.TableContext> {
        let t = ctx.t
        let eligibility: Node<HTML.BodyContext>
        if m.mayControl && m.event.state != .closed {
            let label = r.eligible ? "✓ " + t("opening.eligible") : "✗ " + t("opening.not_eligible")
            eligibility = .form(.class("inline"), .method(.post), .action("\(base)/registrations/\(r.id)/eligibility"), Shell.csrfField(ctx),
                                .input(.type(.hidden), .name("eligible"), .value(r.eligible ? "0" : "1")),
                                .button(.type(.submit), .class("link"), .text(label)))
        } else {
            eligibility = .text(r.eligible ? "✓" : "✗")
        }
        let rank = r.rank.map(String.init) ?? "—"
        return .tr(.td(.text(rank)), .td(.class("mono"), .text(r.number)), .td(.text(Masking.name(r.name))),
                   .td(.text(Masking.mobile(r.mobile))), .td(.class("mono"), .text(r.idMasked ?? "—")), .td(.text(r.sincerity.description)),
                   .td(.class("mono"), .text(r.receiptNumber)), .td(eligibility))
    }

    static func registrationForms(_ ctx: PageContext, _ base: String, _ m: EventModel) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let kinds: [Node<HTML.SelectContext>] = IdentityKind.allCases.map { k in .choice(k.rawValue, t(k.catalogKey)) }
        let kind: Node<HTML.FormContext> = .div(.class("field"), .label(.for("r-kind"), .text(t("opening.id_kind"))), .select(.named("idKind", id: "r-kind"), .group(kinds)))
        let eligible: Node<HTML.FormContext> = .div(.class("field"), .input(.type(.checkbox), .id("r-eligible"), .name("eligible"), .value("1")),
                                                    .label(.for("r-eligible"), .text(" " + t("opening.eligible"))))
        let submit: Node<HTML.FormContext> = .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t("opening.register"))))
        let register: Node<HTML.BodyContext> = .form(.method(.post), .action("\(base)/registrations"), .class("grid-form"), Shell.csrfField(ctx),
            .input(.type(.hidden), .name("key"), .value(m.formKey)),
            inputField(t("opening.col.buyer"), id: "r-name", name: "name"), inputField(t("xf.mobile"), id: "r-mobile", name: "mobile", type: .tel), kind,
            inputField(t("opening.id_number"), id: "r-id", name: "idNumber"), inputField(t("opening.sincerity"), id: "r-money", name: "sincerity", value: "20000"),
            eligible, inputField(t("opening.eligibility_note"), id: "r-note", name: "eligibilityNote"), submit)
        let importForm: Node<HTML.BodyContext> = .form(.class("inline"), .method(.post), .action("\(base)/registrations/import"), .enctype(.multipartData),
            Shell.csrfField(ctx),
            .input(.type(.file), .name("file"), .attribute(named: "accept", value: ".xlsx,.csv"), .attribute(named: "aria-label", value: t("opening.import"))),
            .button(.type(.submit), .text(t("opening.import"))))
        return .group(register, importForm)
    }

    static func notary(_ ctx: PageContext, event e: OpeningService.Event, order: [LotteryOrder.Entry],
                       registrations: [String: OpeningService.Registration]) -> HTML {
        let t = ctx.t
        return HTML(.lang(t.language == .zh ? .chinese : .english),
            .head(.meta(.charset(.utf8)), .title("\(t("opening.notary")) · \(e.name)"), .favicon("/assets/favicon.svg", type: "image/svg+xml"),
                  .stylesheet("/assets/app.css")),
            .body(.class("print-page"),
                .h1(.text("\(e.name) · \(t("opening.notary"))")),
                .p(.text(t(e.kind.catalogKey)), .if(!e.seed.isEmpty, .group(.text(" · " + t("opening.field.seed") + ": "), .span(.class("mono"), .text(e.seed))))),
                .unwrap(e.drawnAt) { .p(.text(t("opening.drawn_at") + " " + BuyerPages.time($0))) },
                .p(.strong(.text(t("opening.list_hash") + " ")), .span(.class("mono"), .text(e.orderHash ?? "—"))),
                .p(.class("small"), .text(t("opening.notary_hint"))),
                .table(.class("data"),
                    .thead(.tr(.th(.text(t("opening.col.rank"))), .th(.text(t("opening.col.number"))), .th(.text(t("opening.col.buyer"))),
                               .th(.text(t("opening.id_number"))), .th(.text(t("opening.col.key"))))),
                    .tbody(.group(order.map { o in
                        let r = registrations[o.id]
                        return Node<HTML.TableContext>.tr(.td(.text("\(o.rank)")), .td(.class("mono"), .text(o.id)), .td(.text(r.map { Masking.name($0.name) } ?? "")),
                                                          .td(.class("mono"), .text(r?.idMasked ?? "")), .td(.class("mono small"), .text(o.key)))
                    }))),
                .p(.class("small"), .text(t("opening.final_hash") + " "), .span(.class("mono"), .text(e.logHash)))))
    }
}

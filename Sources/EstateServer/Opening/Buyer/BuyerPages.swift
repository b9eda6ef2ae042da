import EstateCore
import Foundation
import Plot

/// The buyer's phone pages: built for a 375 px screen (one column, big buttons), no images, one
/// stylesheet and one script (`opening.css`, `opening.js`); the unit grid works without the script
/// (plain forms), the script adds the live availability, the countdowns and the 60-s timer.
enum BuyerPages {
    struct Context: Sendable {
        let t: Localizer
        let csrf: String
        let staffCSRF: String?
        let maskedMobile: String?
        let path: String
        var notice: String? = nil
        var error: String?
        var errorArguments: [String: String] = [:]
    }

    enum SignInStage { case mobile, code }

    struct EventModel {
        var event: OpeningService.Event
        var engine: OpeningService.Event
        var registration: OpeningService.Registration
        var batches: [OpeningBatch]
        var slots: [OpeningService.Slot]
        var favourites: [UUID]
        var selections: [OpeningService.Selection]
        var now: Date
        var pageKey: String
        var myBatch: OpeningBatch? { registration.rank.flatMap { r in batches.first { $0.contains(rank: r) } } }
    }

    static func iso(_ d: Date) -> String { d.formatted(.iso8601) }
    /// "12-08 10:30" in Beijing time.
    static func time(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = CalendarDay.zone
        f.dateFormat = "MM-dd HH:mm"
        return f.string(from: d)
    }

    static func frame(_ ctx: Context, title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return HTML(
            .lang(t.language == .zh ? .chinese : .english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1, viewport-fit=cover")),
                .meta(.name("format-detection"), .content("telephone=no")),
                .title("\(title) · \(t("xf.brand"))"),
                .favicon("/assets/favicon.svg", type: "image/svg+xml"),
                .stylesheet("/assets/opening.css"),
                .script(.src("/assets/opening.js"), .attribute(named: "defer", value: "defer"))
            ),
            .body(.class("xf"),
                .header(.class("xf-top"), .a(.class("xf-brand"), .href("/xf"), .text(t("xf.brand"))),
                        .unwrap(ctx.maskedMobile) { .span(.class("xf-who"), .text($0)) }),
                .main(.class("xf-main"),
                    .unwrap(ctx.notice) { .div(.class("xf-flash xf-ok"), .attribute(named: "role", value: "status"), .text(t($0))) },
                    .unwrap(ctx.error) { .div(.class("xf-flash xf-error"), .attribute(named: "role", value: "alert"), .text(t($0, ctx.errorArguments))) },
                    content)))
    }

    static func tokens<C: HTML.BodyContext>(_ ctx: Context) -> Node<C> {
        .group(.input(.type(.hidden), .name(BuyerController.csrfField), .value(ctx.csrf)),
               .unwrap(ctx.staffCSRF) { .input(.type(.hidden), .name("_csrf"), .value($0)) })
    }

    static func signIn(_ ctx: Context, stage: SignInStage, mobile: String) -> HTML {
        let t = ctx.t
        return frame(ctx, title: t("xf.signin.title"), .section(.class("xf-card"),
            .h1(.text(t("xf.signin.title"))),
            .p(.class("xf-muted"), .text(t("xf.signin.hint"))),
            .form(.method(.post), .action("/xf/code"), tokens(ctx),
                .label(.for("xf-mobile"), .text(t("xf.mobile"))),
                .input(.type(.tel), .id("xf-mobile"), .name("mobile"), .value(mobile), .attribute(named: "inputmode", value: "numeric"),
                       .attribute(named: "autocomplete", value: "tel"), .required(true)),
                .button(.type(.submit), .class(stage == .mobile ? "xf-primary" : "xf-secondary"), .text(t("xf.send_code")))),
            .if(stage == .code, .form(.method(.post), .action("/xf/login"), tokens(ctx),
                .input(.type(.hidden), .name("mobile"), .value(mobile)),
                .label(.for("xf-code"), .text(t("xf.code"))),
                .input(.type(.text), .id("xf-code"), .name("code"), .attribute(named: "inputmode", value: "numeric"),
                       .attribute(named: "autocomplete", value: "one-time-code"), .attribute(named: "maxlength", value: "6"), .required(true)),
                .button(.type(.submit), .class("xf-primary"), .text(t("xf.signin")))))))
    }

    static func home(_ ctx: Context, events: [OpeningService.Event]) -> HTML {
        let t = ctx.t
        return frame(ctx, title: t("xf.brand"), .section(.class("xf-card"),
            .h1(.text(t("xf.my_openings"))),
            events.isEmpty ? .p(.text(t("xf.none"))) : .ul(.class("xf-list"), .group(events.map { e in
                Node<HTML.ListContext>.li(.a(.href("/xf/\(e.id)"), .text(e.name)), .span(.class("xf-muted"), .text(" " + time(e.startsAt))))
            })),
            logout(ctx)))
    }

    static func logout(_ ctx: Context) -> Node<HTML.BodyContext> {
        .form(.method(.post), .action("/xf/logout"), .class("xf-logout"), tokens(ctx),
              .button(.type(.submit), .class("xf-link"), .text(ctx.t("xf.signout"))))
    }

    static func event(_ ctx: Context, _ m: EventModel) -> HTML {
        let t = ctx.t
        let taken = Set(m.slots.filter { $0.status == "taken" }.map(\.unitId))
        let held = Set(m.slots.filter { $0.status == "held" && SelectionLimits.holdKeepsUnit(heldUntil: $0.heldUntil, now: m.now) }.map(\.unitId))
        let favourites = Set(m.favourites)
        let mine = m.selections.first { $0.status == "held" && $0.heldUntil >= m.now } ?? m.selections.first { $0.status == "confirmed" }
        let ordered = m.slots.filter { favourites.contains($0.unitId) } + m.slots.filter { !favourites.contains($0.unitId) }
        let batch = m.myBatch
        func cell(_ s: OpeningService.Slot) -> Node<HTML.BodyContext> {
            let state = taken.contains(s.unitId) ? "taken" : held.contains(s.unitId) ? "held" : "open"
            return .div(.class("xf-unit xf-\(state)" + (favourites.contains(s.unitId) ? " xf-fav" : "")), .id("u-\(s.unitId)"),
                        .attribute(named: "data-unit", value: s.unitId.uuidString),
                .div(.class("xf-code"), .text(s.code)),
                .div(.class("xf-price"), .text(Money(fen: s.listTotalFen).description + " " + t("xf.yuan"))),
                .div(.class("xf-state"), .text(t("xf.unit.\(state)"))),
                .form(.method(.post), .action("/xf/\(m.event.id)/choose"), .class("xf-choose"), tokens(ctx),
                      .input(.type(.hidden), .name("unit"), .value(s.unitId.uuidString)),
                      .input(.type(.hidden), .name("key"), .value("\(m.pageKey)-\(s.unitId.uuidString.prefix(8))")),
                      .button(.type(.submit), .class("xf-primary"), .text(t("xf.choose")), .if(state != "open" || mine != nil, .attribute(named: "disabled", value: "disabled")),
                              .if(mine != nil, .attribute(named: "data-mine", value: "1")))),
                .form(.method(.post), .action("/xf/\(m.event.id)/favourites"), .class("xf-favform"), tokens(ctx),
                      .input(.type(.hidden), .name("unit"), .value(s.unitId.uuidString)),
                      .button(.type(.submit), .class("xf-link"), .text(favourites.contains(s.unitId) ? "★ " + t("xf.unfavourite") : "☆ " + t("xf.favourite")))))
        }
        return frame(ctx, title: m.event.name, .group(
            .section(.class("xf-card xf-head"), .attribute(named: "data-server-time", value: iso(m.now)),
                     .attribute(named: "data-state", value: m.engine.status),
                     .attribute(named: "data-opens", value: batch.map { iso($0.opensAt) } ?? ""),
                     .attribute(named: "data-closes", value: batch.map { iso($0.closesAt) } ?? ""),
                .h1(.text(m.engine.name)),
                .p(.span(.class("xf-state-badge"), .id("xf-state"), .text(t(m.engine.state.catalogKey))),
                   .text(" · " + t("xf.rank", ["rank": m.registration.rank.map(String.init) ?? "—", "number": m.registration.number]))),
                .unwrap(batch) { b in
                    .p(.text(t("xf.window", ["seq": "\(b.seq)", "from": time(b.opensAt), "to": time(b.closesAt)])))
                },
                .p(.class("xf-countdown"), .id("xf-countdown"), .text(" ")),
                .p(.class("xf-muted small"), .text(t("xf.terms", ["deposit": m.engine.deposit.description, "days": "\(m.engine.contractDays)",
                                                                  "quota": "\(m.engine.quota)"]))),
                .unwrap(mine) { s in
                    .p(.a(.class("xf-mine"), .href("/xf/\(m.event.id)/selections/\(s.id)"),
                          .text(t(s.status == "confirmed" ? "xf.mine_confirmed" : "xf.mine_held", ["code": s.code]))))
                }),
            .section(.class("xf-grid"), .id("xf-grid"), .attribute(named: "data-live", value: "/xf/\(m.event.id)/live"),
                     .group(ordered.map(cell))),
            logout(ctx)))
    }

    static func selection(_ ctx: Context, event: OpeningService.Event, selection s: OpeningService.Selection, now: Date) -> HTML {
        let t = ctx.t
        let live = s.status == "held" && s.heldUntil >= now
        return frame(ctx, title: s.code, .section(.class("xf-card"),
            .attribute(named: "data-server-time", value: iso(now)),
            .attribute(named: "data-held-until", value: live ? iso(s.heldUntil) : ""),
            .h1(.text(s.code)),
            .p(.class("xf-price big"), .text(Money(fen: s.listTotalFen).description + " " + t("xf.yuan"))),
            s.status == "confirmed"
                ? .group(.p(.class("xf-flash xf-ok"), .text(t("xf.confirmed", ["number": s.subscriptionNumber ?? t("xf.rehearsal")]))),
                         .p(.class("xf-muted small"), .text(t("xf.hash"))), .p(.class("xf-hash"), .text(s.logHash)))
                : live
                    ? .group(.p(.text(t("xf.confirm_hint"))), .p(.class("xf-countdown big"), .id("xf-hold"), .text(" ")),
                             .form(.method(.post), .action("/xf/\(event.id)/selections/\(s.id)/confirm"), tokens(ctx),
                                   .button(.type(.submit), .class("xf-primary big"), .text(t("xf.confirm")))))
                    : .p(.class("xf-flash xf-error"), .text(t("error.hold_expired"))),
            .p(.a(.href("/xf/\(event.id)"), .text("‹ " + t("xf.back"))))))
    }
}

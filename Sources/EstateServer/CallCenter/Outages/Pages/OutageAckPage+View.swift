import EstateCore
import Foundation
import Plot

/// 确认接单: the phone page the SMS links to. No sign-in: the one-time token in the link is the
/// credential; it shows the 抢修单 and one button, and afterwards what happened.
enum OutageAckPage {
    enum Stage {
        case confirm(OutageService.Outage, name: String, token: String)
        case acknowledged(OutageService.Outage)
        case taken(OutageService.Outage)
        case used(OutageService.Outage)
        case invalid
    }

    static func view(_ t: Localizer, _ stage: Stage, now: Date) -> HTML {
        let title = t("ack.title")
        return HTML(
            .lang(t.language == .zh ? .chinese : .english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1, viewport-fit=cover")),
                .meta(.name("format-detection"), .content("telephone=no")),
                .meta(.name("robots"), .content("noindex")),
                .title("\(title) · \(t("app.name"))"),
                .favicon("/assets/favicon.svg", type: "image/svg+xml"),
                .stylesheet("/assets/owner.css")
            ),
            .body(.class("owner"),
                .header(.class("o-top"), .span(.class("o-brand"), .text(t("app.name")))),
                .main(.class("o-main"), content(t, stage, now: now))))
    }

    static func facts(_ t: Localizer, _ o: OutageService.Outage) -> Node<HTML.BodyContext> {
        func fact(_ label: String, _ value: String) -> Node<HTML.BodyContext> {
            .div(.class("o-fact"), .span(.class("o-fact-label"), .text(t(label))), .span(.class("o-fact-value"), .text(value)))
        }
        return .div(.class("o-facts"),
            fact("outage.field.number", o.number),
            fact("outage.field.area", o.areaLabel),
            fact("outage.field.title", o.title),
            fact("outage.field.department", OutagesShell.department(t, o.department)),
            fact("outage.field.restore", ServiceShell.clock(o.expectedRestoreAt)),
            .if(!o.description.isEmpty, fact("outage.field.description", o.description)))
    }

    static func content(_ t: Localizer, _ stage: Stage, now: Date) -> Node<HTML.BodyContext> {
        switch stage {
        case .confirm(let o, let name, let token):
            return .section(.class("o-card"),
                .h1(.text(t("ack.title"))),
                .p(.class("o-muted"), .text(t("ack.greeting", ["name": name]))),
                facts(t, o),
                .unwrap(o.ackDueAt) { due in
                    let left = Int((due.timeIntervalSince(now) / 60).rounded(.down))
                    return .p(.class(left < 0 ? "o-flash o-error" : "o-hint"),
                              .text(left < 0 ? t("ack.late") : t("ack.within", ["n": "\(max(left, 0))"])))
                },
                .form(.class("o-form"), .method(.post), .action("/oa/\(token)"),
                    .button(.type(.submit), .class("o-btn o-primary"), .text(t("ack.submit")))))
        case .acknowledged(let o):
            return .section(.class("o-card"),
                .div(.class("o-flash o-ok"), .attribute(named: "role", value: "status"), .text(t("ack.done"))),
                facts(t, o),
                .p(.class("o-hint"), .text(t("ack.done_hint"))))
        case .taken(let o):
            return .section(.class("o-card"),
                .div(.class("o-flash o-ok"), .attribute(named: "role", value: "status"),
                     .text(o.acknowledgedByName.map { t("ack.taken_by", ["name": $0]) } ?? t("ack.taken"))),
                facts(t, o))
        case .used:
            // The link is spent: it no longer shows the 抢修单.
            return .section(.class("o-card"),
                .h1(.text(t("ack.title"))),
                .div(.class("o-flash o-error"), .attribute(named: "role", value: "alert"), .text(t("ack.used"))))
        case .invalid:
            return .section(.class("o-card"),
                .h1(.text(t("ack.title"))),
                .div(.class("o-flash o-error"), .attribute(named: "role", value: "alert"), .text(t("ack.invalid"))))
        }
    }
}

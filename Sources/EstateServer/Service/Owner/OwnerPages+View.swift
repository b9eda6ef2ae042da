import EstateCore
import Foundation
import Plot

extension OwnerPages {
    // MARK: - Frame

    static func frame(_ ctx: OwnerPageContext, title: String, back: String? = nil, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        let other: Language = t.language == .zh ? .en : .zh
        return HTML(
            .lang(t.language == .zh ? .chinese : .english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1, viewport-fit=cover")),
                .meta(.name("format-detection"), .content("telephone=no")),
                .meta(.name("theme-color"), .content("#0f5f54")),
                .title("\(title) · \(t("owner.brand"))"),
                .favicon("/assets/favicon.svg", type: "image/svg+xml"),
                .stylesheet("/assets/owner.css")
            ),
            .body(.class("owner"),
                .header(.class("o-top"),
                    .a(.class("o-brand"), .href("/owner"), .text(t("owner.brand"))),
                    .div(.class("o-top-right"),
                        .unwrap(ctx.maskedMobile) { .span(.class("o-who"), .text($0)) },
                        .a(.class("o-lang"), .href("/lang/\(other.rawValue)?back=\(ctx.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/owner")"),
                           .attribute(named: "lang", value: other.htmlCode), .text(other == .en ? "English" : "中文"))
                    )
                ),
                .main(.class("o-main"),
                    .unwrap(back) { .a(.class("o-back"), .href($0), .text("‹ " + t("owner.back"))) },
                    .unwrap(ctx.notice) { .div(.class("o-flash o-ok"), .attribute(named: "role", value: "status"), .text(t($0))) },
                    .unwrap(ctx.error) { .div(.class("o-flash o-error"), .attribute(named: "role", value: "alert"), .text(t($0, ctx.errorArguments))) },
                    content
                ),
                .footer(.class("o-foot"), .text(t("owner.footer")),
                    .forEach(ctx.hotlines) { h in
                        .div(.class("o-hotline"), .text(ctx.hotlines.count > 1 ? h.project + " " : ""),
                             .a(.href("tel:" + h.number.filter { $0.isNumber || $0 == "+" }), .text(h.number)))
                    })
            )
        )
    }

    static func tokens<C: HTML.BodyContext>(_ ctx: OwnerPageContext) -> Node<C> {
        .group(
            .input(.type(.hidden), .name(OwnerController.csrfField), .value(ctx.csrf)),
            .unwrap(ctx.staffCSRF) { .input(.type(.hidden), .name("_csrf"), .value($0)) }
        )
    }

    // MARK: - Sign-in

    enum SignInStage { case mobile, code }

    static func signIn(_ ctx: OwnerPageContext, stage: SignInStage, mobile: String) -> HTML {
        let t = ctx.t
        return frame(ctx, title: t("owner.signin.title"), .section(.class("o-card"),
            .h1(.text(t("owner.signin.title"))),
            .p(.class("o-muted"), .text(t("owner.signin.lead"))),
            stage == .mobile
                ? .form(.method(.post), .action("/owner/code"), .class("o-form"),
                    tokens(ctx),
                    .label(.for("mobile"), .text(t("owner.field.mobile"))),
                    .input(.type(.tel), .id("mobile"), .name("mobile"), .value(mobile), .required(true), .autofocus(true),
                           .attribute(named: "inputmode", value: "numeric"), .attribute(named: "autocomplete", value: "tel"),
                           .attribute(named: "maxlength", value: "20"), .placeholder(t("owner.field.mobile_hint"))),
                    .button(.type(.submit), .class("o-btn o-primary"), .text(t("owner.signin.get_code"))))
                : .group(
                    .form(.method(.post), .action("/owner/login"), .class("o-form"),
                        tokens(ctx),
                        .input(.type(.hidden), .name("mobile"), .value(mobile)),
                        .label(.for("mobile-shown"), .text(t("owner.field.mobile"))),
                        .input(.type(.tel), .id("mobile-shown"), .value(mobile), .readonly(true), .class("o-readonly")),
                        .label(.for("code"), .text(t("owner.field.code"))),
                        .input(.type(.text), .id("code"), .name("code"), .required(true), .autofocus(true), .class("o-code"),
                               .attribute(named: "inputmode", value: "numeric"), .attribute(named: "autocomplete", value: "one-time-code"),
                               .attribute(named: "pattern", value: "[0-9]{6}"), .attribute(named: "maxlength", value: "6"),
                               .placeholder(t("owner.field.code_hint"))),
                        .button(.type(.submit), .class("o-btn o-primary"), .text(t("owner.signin.submit")))),
                    .form(.method(.post), .action("/owner/code"), .class("o-form o-secondary-form"),
                        tokens(ctx),
                        .input(.type(.hidden), .name("mobile"), .value(mobile)),
                        .button(.type(.submit), .class("o-btn"), .text(t("owner.signin.resend")))),
                    .p(.class("o-center"), .a(.href("/owner"), .text(t("owner.signin.other_mobile"))))
                ),
            .p(.class("o-hint"), .text(t("owner.signin.privacy")))
        ))
    }

    // MARK: - Home

    static func statusLabel(_ t: Localizer, _ s: TicketStatus) -> String { t("owner.status.\(s.rawValue)") }

    static func statusBadge<C: HTML.BodyContext>(_ t: Localizer, _ s: TicketStatus) -> Node<C> {
        .span(.class("o-status o-status-\(s.rawValue)"), .text(statusLabel(t, s)))
    }

    static func home(_ ctx: OwnerPageContext, units: [OwnerDirectory.OwnedUnit], tickets: [OwnerDirectory.TicketRow]) -> HTML {
        let t = ctx.t
        return frame(ctx, title: t("owner.home.title"), .group(
            .section(.class("o-section"),
                .h1(.text(t("owner.home.units"))),
                units.isEmpty
                    ? .p(.class("o-empty"), .text(t("owner.home.no_units")))
                    : .ul(.class("o-units"), .forEach(units) { u in
                        .li(.class("o-unit"),
                            .div(.class("o-unit-code"), .text(u.unitCode)),
                            .div(.class("o-muted"), .text(u.projectName)),
                            u.deliveredOn != nil
                                ? .span(.class("o-badge o-badge-ok"), .text(t("owner.unit.delivered", ["day": u.deliveredOn ?? ""])))
                                : .span(.class("o-badge"), .text(t("owner.unit.not_delivered"))))
                    }),
                .if(!units.isEmpty, .div(.class("o-actions"),
                    .a(.class("o-btn o-primary"), .href("/owner/repairs/new"), .text(t("owner.action.repair"))),
                    .a(.class("o-btn"), .href("/owner/complaints/new"), .text(t("owner.action.complaint")))))
            ),
            .section(.class("o-section"),
                .h2(.text(t("owner.home.tickets"))),
                tickets.isEmpty
                    ? .p(.class("o-empty"), .text(t("owner.home.no_tickets")))
                    : .ul(.class("o-tickets"), .forEach(tickets) { r in
                        .li(.a(.class("o-ticket"), .href("/owner/tickets/\(r.id)"),
                            .div(.class("o-ticket-head"),
                                .span(.class("o-number"), .text(r.number)),
                                .span(.class("o-kind"), .text(t("owner.kind.\(r.kind)"))),
                                statusBadge(t, r.ticketStatus)),
                            .div(.class("o-ticket-title"), .text(r.title)),
                            .div(.class("o-muted o-small"),
                                .text((r.unitCode.map { "\($0) · " } ?? "") + t("owner.ticket.updated", ["at": Shell.dateTime(r.updatedAt)])))))
                    })
            ),
            .form(.method(.post), .action("/owner/logout"), .class("o-logout"),
                tokens(ctx),
                .button(.type(.submit), .class("o-btn o-quiet"), .text(t("owner.signout"))))
        ))
    }

    // MARK: - Filing

    static func unitChoice(_ u: OwnerDirectory.OwnedUnit, many: Bool) -> String {
        many ? "\(u.projectName) \(u.unitCode)" : u.unitCode
    }

    static func filing(_ ctx: OwnerPageContext, _ m: FilingModel) -> HTML {
        let t = ctx.t, repair = m.kind.isRepair
        let projects = Set(m.units.map(\.projectId)).count > 1
        let action = repair ? "/owner/repairs/new" : "/owner/complaints/new"
        // A multipart form's token also rides in the query, where the app-wide check reads it.
        let query = ctx.staffCSRF.map { "?_csrf=\($0)" } ?? ""
        let v = m.values
        let title = t(repair ? "owner.repair.title" : "owner.complaint.title")
        guard !m.units.isEmpty else {
            return frame(ctx, title: title, back: "/owner", .section(.class("o-card"), .h1(.text(title)), .p(.class("o-empty"), .text(t("owner.home.no_units")))))
        }
        return frame(ctx, title: title, back: "/owner", .section(.class("o-card"),
            .h1(.text(title)),
            .p(.class("o-muted"), .text(t(repair ? "owner.repair.lead" : "owner.complaint.lead"))),
            .form(.method(.post), .action(action + query), .enctype(.multipartData), .class("o-form"),
                tokens(ctx),
                .label(.for("unit"), .text(t("owner.field.unit"))),
                .select(.field("unit"), .attribute(named: "required", value: "required"),
                    .if(m.units.count > 1, .choice("", t("owner.field.choose"))),
                    .forEach(m.units) { u in .choice(u.unitId.uuidString, unitChoice(u, many: projects), selected: v["unit"] == u.unitId.uuidString) }),
                repair
                    ? .group(
                        .label(.for("component"), .text(t("owner.field.component"))),
                        .select(.field("component"), .attribute(named: "required", value: "required"),
                            .choice("", t("owner.field.choose")),
                            .forEach(RepairComponent.allCases) { c in .choice(c.rawValue, t("owner.component.\(c.rawValue)"), selected: v["component"] == c.rawValue) }),
                        .label(.for("location"), .text(t("owner.field.location"))),
                        .input(.type(.text), .id("location"), .name("location"), .value(v["location"] ?? ""), .attribute(named: "maxlength", value: "100"),
                               .placeholder(t("owner.field.location_hint"))))
                    : .group(
                        .label(.for("category"), .text(t("owner.field.category"))),
                        .select(.field("category"),
                            .choice("", t("owner.field.category_none")),
                            .forEach(m.categories) { c in .choice(c.id.uuidString, c.path, selected: v["category"] == c.id.uuidString) }),
                        .label(.for("title"), .text(t("owner.field.subject"))),
                        .input(.type(.text), .id("title"), .name("title"), .value(v["title"] ?? ""), .required(true),
                               .attribute(named: "maxlength", value: "60"), .placeholder(t("owner.field.subject_hint")))),
                .label(.for("description"), .text(t("owner.field.description"))),
                .textarea(.id("description"), .name("description"), .rows(5), .required(true),
                          .placeholder(t(repair ? "owner.field.description_hint" : "owner.field.complaint_hint")), .text(v["description"] ?? "")),
                .label(.for("photos"), .text(t("owner.field.photos", ["max": "\(OwnerController.maxPhotos)", "mb": "\(TicketService.maxAttachmentBytes / 1024 / 1024)"]))),
                .input(.type(.file), .id("photos"), .name("photos[]"), .multiple(true), .class("o-file"),
                       .attribute(named: "accept", value: "image/jpeg,image/png,image/webp")),
                .if(repair, .p(.class("o-hint"), .text(t("owner.repair.warranty_hint")))),
                .button(.type(.submit), .class("o-btn o-primary"), .text(t(repair ? "owner.repair.submit" : "owner.complaint.submit")))
            )
        ))
    }

    // MARK: - A ticket

    static let steps = ["received", "working", "done", "callback", "closed"]

    static func stepIndex(_ s: TicketStatus) -> Int {
        switch s {
        case .new, .assigned: 0
        case .inProgress: 1
        case .resolved: 2
        case .callback: 3
        case .closed: 4
        }
    }

    /// The warranty decision in plain words (repairs only).
    static func warranty(_ t: Localizer, _ k: TicketService.Ticket) -> String? {
        guard k.ticketKind.isRepair, let s = k.warrantyStatus.flatMap(WarrantyDecision.Status.init(rawValue:)) else { return nil }
        let day = ["day": k.warrantyLastDay ?? ""]
        switch s {
        case .beforeDelivery: return t("owner.warranty.before_delivery")
        case .inWarranty: return k.chargeable ? t("owner.warranty.chargeable", day) : t("owner.warranty.in", day)
        case .expired: return t("owner.warranty.expired", day)
        }
    }

    static func fact<C: HTML.BodyContext>(_ label: String, _ value: String?) -> Node<C> {
        guard let value, !value.isEmpty else { return .empty }
        return .div(.class("o-fact"), .span(.class("o-fact-label"), .text(label)), .span(.class("o-fact-value"), keepingDates(value)))
    }

    /// Text whose dates (2031-11-20) do not break at their hyphens on a narrow screen.
    static func keepingDates<C: HTML.BodyContext>(_ text: String) -> Node<C> {
        var nodes: [Node<C>] = []
        var rest = Substring(text)
        while let m = rest.firstMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) {
            nodes.append(.text(String(rest[..<m.range.lowerBound])))
            nodes.append(.span(.class("o-nowrap"), .text(String(m.output))))
            rest = rest[m.range.upperBound...]
        }
        nodes.append(.text(String(rest)))
        return .group(nodes)
    }

    static func ticket(_ ctx: OwnerPageContext, _ m: TicketModel) -> HTML {
        let t = ctx.t, k = m.detail.ticket, status = k.ticketStatus
        let current = stepIndex(status)
        let base = "/owner/tickets/\(k.id)"
        let survey = k.ticketKind.needsCallback && TicketFlow.mayRecordCallback(status)
        let v = m.values
        let photos = m.detail.attachments
        return frame(ctx, title: k.number, back: "/owner", .group(
            .section(.class("o-card"),
                .div(.class("o-ticket-head"),
                    .span(.class("o-number"), .text(k.number)),
                    .span(.class("o-kind"), .text(t("owner.kind.\(k.kind)"))),
                    statusBadge(t, status)),
                .h1(.class("o-ticket-h1"), .text(k.title)),
                .ol(.class("o-steps"), .attribute(named: "aria-label", value: t("owner.ticket.progress")),
                    .forEach(Array(steps.enumerated())) { i, key in
                        let state = i < current || status == .closed ? "done" : i == current ? "current" : "todo"
                        return .li(.class("o-step o-step-\(state)"), .attribute(named: "aria-current", value: i == current ? "step" : ""),
                                   .span(.class("o-dot"), .text(state == "done" ? "✓" : "\(i + 1)")),
                                   .span(.class("o-step-label"), .text(t("owner.step.\(key)"))))
                    }),
                .div(.class("o-facts"),
                    fact(t("owner.field.unit"), k.unitCode.map { code in m.projectName.map { "\($0) \(code)" } ?? code }),
                    fact(t("owner.field.component"), k.component.map { t("owner.component.\($0)") }),
                    fact(t("owner.field.location"), k.location),
                    fact(t("owner.field.category"), k.categoryPath),
                    fact(t("owner.ticket.filed"), Shell.dateTime(k.createdAt)),
                    fact(t("owner.ticket.warranty"), warranty(t, k))),
                .if(!k.description.isEmpty, .p(.class("o-desc"), .text(k.description))),
                .if(!photos.isEmpty, .div(.class("o-photos"),
                    .forEach(photos) { a in
                        a.contentType.hasPrefix("image/")
                            ? .a(.href("\(base)/attachments/\(a.id)"), .img(.src("\(base)/attachments/\(a.id)"), .alt(a.fileName),
                                                                        .attribute(named: "loading", value: "lazy")))
                            : .a(.class("o-file-link"), .href("\(base)/attachments/\(a.id)"), .text(a.fileName))
                    }))
            ),
            .if(survey, .section(.class("o-card o-survey"), .id("survey"),
                .h2(.text(t("owner.survey.title"))),
                .p(.class("o-muted"), .text(t("owner.survey.lead"))),
                .form(.method(.post), .action("\(base)/callback"), .class("o-form"),
                    tokens(ctx),
                    .fieldset(.class("o-fieldset"),
                        .element(named: "legend", text: t("owner.survey.satisfaction")),
                        .div(.class("o-stars"),
                            .forEach([5, 4, 3, 2, 1]) { n in
                                .group(
                                    .input(.type(.radio), .id("sat\(n)"), .name("satisfaction"), .value("\(n)"), .required(true),
                                           .checked(v["satisfaction"] == "\(n)")),
                                    .label(.for("sat\(n)"), .attribute(named: "title", value: t("owner.survey.stars", ["n": "\(n)"])),
                                           .span(.class("o-star"), .text("★")), .span(.class("o-star-n"), .text("\(n)"))))
                            }),
                        .div(.class("o-scale"), .span(.text(t("owner.survey.low"))), .span(.text(t("owner.survey.high"))))),
                    .fieldset(.class("o-fieldset"),
                        .element(named: "legend", text: t("owner.survey.solved")),
                        .div(.class("o-choice"),
                            .input(.type(.radio), .id("solved-yes"), .name("solved"), .value("yes"), .required(true), .checked(v["solved"] == "yes")),
                            .label(.for("solved-yes"), .text(t("owner.survey.yes"))),
                            .input(.type(.radio), .id("solved-no"), .name("solved"), .value("no"), .checked(v["solved"] == "no")),
                            .label(.for("solved-no"), .text(t("owner.survey.no"))))),
                    .label(.for("survey-note"), .text(t("owner.survey.note"))),
                    .textarea(.id("survey-note"), .name("note"), .rows(3), .placeholder(t("owner.survey.note_hint")), .text(v["note"] ?? "")),
                    .button(.type(.submit), .class("o-btn o-primary"), .text(t("owner.survey.submit")))
                ))),
            .section(.class("o-card"), .id("log"),
                .h2(.text(t("owner.ticket.log"))),
                .ol(.class("o-log"), .forEach(m.detail.events.reversed()) { e in
                    .li(.element(named: "time", text: Shell.dateTime(e.at)), .p(keepingDates(e.note)))
                })
            ),
            .if(TicketFlow.mayComment(status), .section(.class("o-card"), .id("comment"),
                .h2(.text(t("owner.comment.title"))),
                .form(.method(.post), .action("\(base)/comments"), .class("o-form"),
                    tokens(ctx),
                    .label(.for("comment-note"), .class("o-sr"), .text(t("owner.comment.title"))),
                    .textarea(.id("comment-note"), .name("note"), .rows(3), .required(true), .placeholder(t("owner.comment.hint")),
                              .text(v["comment"] ?? "")),
                    .button(.type(.submit), .class("o-btn"), .text(t("owner.comment.submit")))
                )))
        ))
    }

    // MARK: - Not found, expired

    static func message(_ ctx: OwnerPageContext, title: String, text: String) -> HTML {
        frame(ctx, title: title, .section(.class("o-card"),
            .h1(.text(title)),
            .p(.text(text)),
            .a(.class("o-btn o-primary"), .href("/owner"), .text(ctx.t("owner.back_home")))
        ))
    }
}

import EstateCore
import Foundation
import Plot

extension ChannelPages {
    static func frame(_ ctx: PageContext, _ m: Model, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(t("nav.channels")) · \(m.project.name)", .div(.class("service-page channels-page"),
            .selfClosedElement(named: "link", attributes: [.attribute(named: "rel", value: "stylesheet"), .attribute(named: "href", value: "/channels/channels.css")]),
            .div(.class("inv-head"),
                .h1(.text(m.project.name), .span(.class("muted code"), .text(" " + m.project.code)), .span(.class("report-title"), .text(" · " + t("nav.channels")))),
                ProjectSwitcher.view(t, current: m.project, projects: m.projects, home: "/channels")),
            content))
    }

    static func badge(_ t: Localizer, _ r: RegistrationService.Registration) -> Node<HTML.BodyContext> {
        .span(.class("ch-st ch-st-\(r.status)"), .text(t("ch.status.\(r.status)")))
    }

    static func when(_ d: Date?) -> String { Shell.dateTime(d) }

    // MARK: The channel manager

    static func managerView(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return frame(ctx, m, .group(
            .section(.class("card"), .id("ch-queue"),
                .h2(.text(t("ch.queue")), .span(.class("muted small"), .text(" \(m.queue.count)"))),
                m.queue.isEmpty ? .p(.class("muted"), .text(t("ch.queue_empty"))) : .group(m.queue.map { queued(ctx, $0) })),
            registrations(ctx, m, title: t("ch.registrations")),
            .section(.class("card"), .div(.class("toolbar"), .h2(.text(t("ch.attributions"))), .div(.class("spacer")),
                                          .a(.class("button"), .href("/projects/\(m.project.id)/channels/commissions"), .text(t("cm.title"))),
                                          .a(.class("button"), .href("/projects/\(m.project.id)/channels/outreach"), .text(t("or.title")))),
                m.attributions.isEmpty ? .p(.class("muted"), .text(t("ch.no_attributions"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("ch.field.subscription"))), .th(.text(t("ch.field.channel"))), .th(.text(t("ch.field.subscribed"))),
                               .th(.text(t("field.status"))))),
                    .tbody(.group(m.attributions.map { a in
                        Node<HTML.TableContext>.tr(.td(.class("mono"), .text(a.subscriptionNumber)),
                                                   .td(.text(m.channels.first { $0.id == a.channelId }?.name ?? "")),
                                                   .td(.class("nowrap small"), .text(when(a.subscribedAt))),
                                                   .td(.text(t("ch.attribution.\(a.status)"))))
                    }))))),
            .section(.class("card"), .h2(.text(t("ch.channels"))),
                m.channels.isEmpty ? .p(.class("muted"), .text(t("ch.no_channels"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("ch.field.channel"))), .th(.text(t("ch.field.kind"))), .th(.text(t("ch.field.agreement"))))),
                    .tbody(.group(m.channels.map { c in
                        Node<HTML.TableContext>.tr(.td(.text(c.name)), .td(.text(t("ch.kind.\(c.kind)"))),
                                                   .td(.class("nowrap"), .text((m.agreements[c.id] ?? []).map { "\($0.startsOn) – \($0.endsOn)" }.joined(separator: "；"))))
                    }))))),
            .section(.class("card"), .h2(.text(t("ch.rules"))),
                m.rules.isEmpty ? .p(.class("muted"), .text(t("ch.no_rules"))) : .div(.class("table-wrap"), .table(.class("data"),
                    .thead(.tr(.th(.text(t("ch.field.kind"))), .th(.text(t("ch.field.version"))), .th(.text(t("ch.field.mode"))),
                               .th(.text(t("ch.field.validity"))), .th(.text(t("ch.field.masked"))), .th(.text(t("ch.field.conflict"))),
                               .th(.text(t("ch.field.cap"))), .th(.text(t("ch.field.cooldown"))))),
                    .tbody(.group(m.rules.map { v in
                        Node<HTML.TableContext>.tr(.td(.text(t("ch.kind.\(v.kind.rawValue)"))), .td(.text("v\(v.rule.version)")),
                                                   .td(.text(t("ch.mode.\(v.rule.mode.rawValue)"))),
                                                   .td(.text(t("ch.hours_days", ["hours": "\(v.rule.validityHours)", "days": "\(v.rule.visitProtectionDays)"]))),
                                                   .td(.text(t("ch.masked.\(v.rule.maskedNumbers.rawValue)"))),
                                                   .td(.text(t("ch.conflict.\(v.rule.onConflict.rawValue)"))),
                                                   .td(.text(v.rule.capPerBrokerPerDay == 0 ? "—" : "\(v.rule.capPerBrokerPerDay)")),
                                                   .td(.text(v.rule.cooldownDays == 0 ? "—" : "\(v.rule.cooldownDays)")))
                    })))))))
    }

    /// One conflict waiting for the decision: the registration, the evidence and the verdict side by side.
    static func queued(_ ctx: PageContext, _ r: RegistrationService.Registration) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let ev = r.storedFacts?.evidence ?? RegistrationEvidence()
        let steps = r.storedVerdict?.steps ?? []
        return .div(.class("ch-conflict"),
            .div(.class("ch-side"),
                .h3(.text("\(r.number) · \(r.channelName ?? "")")),
                .p(.text("\(r.customerName) \(r.masked)")),
                .p(.class("muted small"), .text(t("ch.registered_by", ["broker": r.brokerName ?? "—", "when": when(r.createdAt)]))),
                .p(.class("ch-reason"), .text(t("error.\(r.reason ?? "registration_refused")")))),
            .div(.class("ch-side"),
                .h3(.text(t("ch.evidence"))),
                .ul(.class("ch-evidence"),
                    .unwrap(ev.owner) { o in .li(.text(t("ch.ev.owner", ["name": o.name, "until": when(o.protectedUntil)]))) },
                    .group(ev.walkIns.map { Node<HTML.ListContext>.li(.text(t("ch.ev.walk_in", ["when": when($0)]))) }),
                    .group(ev.hotlineCalls.map { Node<HTML.ListContext>.li(.text(t("ch.ev.call", ["when": when($0)]))) }),
                    .group(ev.claims.map { c in
                        Node<HTML.ListContext>.li(.text(t("ch.ev.claim", ["channel": c.channelName, "number": c.number.maskedForm, "when": when(c.at)])
                                                        + (c.visitedAt.map { " · " + t("ch.ev.visited", ["when": when($0)]) } ?? "")))
                    }))),
            .div(.class("ch-side"),
                .h3(.text(t("ch.steps", ["version": "v\(r.ruleVersion)"]))),
                .ol(.class("ch-steps"), .group(steps.map { s in
                    Node<HTML.ListContext>.li(.class("ch-step-\(s.result.rawValue)"),
                                              .text("\(t("ch.check.\(s.check.rawValue)")): \(t("ch.result.\(s.result.rawValue)"))"))
                })),
                .form(.class("ch-decide"), .method(.post), .action("/registrations/\(r.id)/decision"), Shell.csrfField(ctx),
                    .input(.type(.text), .name("note"), .attribute(named: "maxlength", value: "500"), .placeholder(t("ch.decision_note")),
                           .attribute(named: "aria-label", value: t("ch.decision_note"))),
                    .button(.type(.submit), .class("primary"), .attribute(named: "name", value: "award"), .attribute(named: "value", value: "true"), .text(t("ch.award"))),
                    .button(.type(.submit), .attribute(named: "name", value: "award"), .attribute(named: "value", value: "false"), .text(t("ch.refuse"))))))
    }

    static func registrations(_ ctx: PageContext, _ m: Model, title: String) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .section(.class("card"), .id("ch-list"),
            .div(.class("toolbar"), .h2(.text(title), .span(.class("muted small"), .text(" \(m.page.total)"))), .div(.class("spacer")),
                .form(.method(.get), .action("/projects/\(m.project.id)/channels"),
                    .select(.named("status", id: "ch-status"), .attribute(named: "aria-label", value: t("field.status")),
                            Node<HTML.SelectContext>.choice("", t("ch.all")),
                            .group(RegistrationStatus.allCases.map { Node<HTML.SelectContext>.choice($0.rawValue, t("ch.status.\($0.rawValue)"), selected: $0 == m.status) })),
                    .button(.type(.submit), .text(t("ch.filter"))))),
            m.page.items.isEmpty ? .p(.class("muted empty"), .text(t("ch.none"))) : .div(.class("table-wrap"), .table(.class("data"),
                .thead(.tr(.th(.text(t("ch.field.number"))), .th(.text(t("ch.field.channel"))), .th(.text(t("ch.field.broker"))),
                           .th(.text(t("ch.field.customer"))), .th(.text(t("ch.field.mobile"))), .th(.text(t("field.status"))),
                           .th(.text(t("ch.field.registered"))), .th(.text(t("ch.field.valid_until"))))),
                .tbody(.group(m.page.items.map { r in
                    Node<HTML.TableContext>.tr(
                        .td(.class("nowrap mono"), .a(.href("/registrations/\(r.id)/slip"), .text(r.number))),
                        .td(.text(r.channelName ?? "")), .td(.text(r.brokerName ?? "")),
                        .td(.text(r.customerName)), .td(.class("mono"), .text(r.mobile(for: m.viewer.userID))),
                        .td(.class("nowrap"), badge(t, r), .unwrap(r.reason) { .span(.class("muted small"), .text(" " + t("error.\($0)"))) }),
                        .td(.class("nowrap small"), .text(when(r.createdAt))),
                        .td(.class("nowrap small"), .text(r.state == .visited ? when(r.visitUntil) : when(r.validUntil))))
                })))),
            .if(m.page.total > m.page.perPage, Shell.pager(ctx, m.page, query: m.status.map { ["status": $0.rawValue] } ?? [:])))
    }

    // MARK: The broker (a phone)

    static func brokerView(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return frame(ctx, m, .div(.class("broker-page"),
            .section(.class("card"), .id("ch-register"),
                .h2(.text(t("ch.register"))),
                m.channels.isEmpty ? .p(.class("muted"), .text(t("error.broker_not_linked"))) :
                .form(.class("ch-form"), .method(.post), .action("/projects/\(m.project.id)/channels/registrations"), Shell.csrfField(ctx),
                    m.channels.count == 1
                        ? .group(.input(.type(.hidden), .name("channelId"), .value(m.channels[0].id.uuidString)),
                                 .p(.class("muted small"), .text(m.channels[0].name)))
                        : .div(.class("field"), .label(.for("ch-channel"), .text(t("ch.field.channel"))),
                               .select(.named("channelId", id: "ch-channel"),
                                       .group(m.channels.map { Node<HTML.SelectContext>.choice($0.id.uuidString, $0.name) }))),
                    .div(.class("field"), .label(.for("ch-name"), .text(t("ch.field.customer"))),
                         .input(.type(.text), .id("ch-name"), .name("customerName"), .attribute(named: "maxlength", value: "40"), .required(true))),
                    .div(.class("field"), .label(.for("ch-mobile"), .text(t("ch.field.mobile"))),
                         .input(.type(.tel), .id("ch-mobile"), .name("mobile"), .attribute(named: "maxlength", value: "20"), .required(true),
                                .placeholder("13812345678 / 138****5678"))),
                    .div(.class("field"), .label(.for("ch-note"), .text(t("ch.field.note"))),
                         .input(.type(.text), .id("ch-note"), .name("note"), .attribute(named: "maxlength", value: "500"))),
                    .div(.class("field"), .label(.for("ch-referrer"), .text(t("ch.field.referrer"))),
                         .input(.type(.text), .id("ch-referrer"), .name("referrer"), .attribute(named: "maxlength", value: "40"))),
                    .button(.type(.submit), .class("primary wide"), .text(t("ch.register_submit"))))),
            .section(.class("card"),
                .h2(.text(t("ch.mine")), .span(.class("muted small"), .text(" \(m.page.total)"))),
                m.page.items.isEmpty ? .p(.class("muted"), .text(t("ch.none"))) : .group(m.page.items.map { r in
                    .div(.class("ch-card"),
                        .div(.class("ch-card-head"), .span(.class("mono ch-no"), .text(r.number)), badge(t, r)),
                        .p(.text("\(r.customerName) \(r.mobile(for: m.viewer.userID))")),
                        .unwrap(r.reason) { .p(.class("ch-reason small"), .text(t("error.\($0)"))) },
                        .p(.class("muted small"), .text(r.state == .visited
                            ? t("ch.visited_until", ["when": when(r.visitUntil)]) : t("ch.valid_until", ["when": when(r.validUntil)]))),
                        .unwrap(m.tokens[r.id]) { tk in
                            .div(.class("ch-code"),
                                .p(.class("small"), .text(t("ch.show_code", ["when": when(tk.expires)]))),
                                .unwrap(m.codes[r.id]) { .img(.class("ch-qr"), .src($0), .alt(r.number)) },
                                .element(named: "code", nodes: [.attribute(named: "class", value: "ch-token"), .text(tk.token)]))
                        },
                        .a(.class("small"), .href("/registrations/\(r.id)/slip"), .text(t("ch.slip"))))
                }))))
    }

    // MARK: The consultant at the sales site

    static func visitView(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef],
                          found: RegistrationService.Registration?, token: String?) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(t("ch.visit")) · \(project.name)", .div(.class("service-page channels-page"),
            .selfClosedElement(named: "link", attributes: [.attribute(named: "rel", value: "stylesheet"), .attribute(named: "href", value: "/channels/channels.css")]),
            .div(.class("inv-head"), .h1(.text(project.name), .span(.class("report-title"), .text(" · " + t("ch.visit"))))),
            .section(.class("card broker-page"),
                .form(.method(.get), .action("/projects/\(project.id)/channels/visit"),
                    .div(.class("field"), .label(.for("ch-number"), .text(t("ch.field.number"))),
                         .input(.type(.text), .id("ch-number"), .name("number"), .attribute(named: "maxlength", value: "20"), .placeholder("BB000001"))),
                    .button(.type(.submit), .text(t("ch.find")))),
                .unwrap(found) { r in
                    .div(.class("ch-card"),
                        .div(.class("ch-card-head"), .span(.class("mono ch-no"), .text(r.number)), badge(t, r)),
                        .p(.text("\(Masking.name(r.customerName)) \(r.masked) · \(r.channelName ?? "") · \(r.brokerName ?? "")")),
                        .p(.class("muted small"), .text(t("ch.valid_until", ["when": when(r.validUntil)]))),
                        .if(r.state.visitable, .form(.class("ch-form"), .method(.post), .action("/projects/\(project.id)/channels/visit"), Shell.csrfField(ctx),
                            .input(.type(.hidden), .name("registrationId"), .value(r.id.uuidString)),
                            .input(.type(.hidden), .name("token"), .value(token ?? "")),
                            .if(r.mobile == nil, .div(.class("field"), .label(.for("ch-full"), .text(t("ch.full_mobile"))),
                                                      .input(.type(.tel), .id("ch-full"), .name("mobile"), .attribute(named: "maxlength", value: "20"), .required(true)))),
                            .div(.class("field"), .label(.for("ch-party"), .text(t("ch.party"))),
                                 .input(.type(.number), .id("ch-party"), .name("partySize"), .value("1"), .attribute(named: "min", value: "1"),
                                        .attribute(named: "max", value: "50"))),
                            .button(.type(.submit), .class("primary wide"), .text(t("ch.confirm_visit"))))))
                })))
    }

    // MARK: 带看单 (A5)

    static func slip(_ ctx: PageContext, project: InventoryShell.ProjectRef, r: RegistrationService.Registration, consultant: String?,
                     link: String) -> HTML {
        let t = ctx.t
        return HTML(.lang(.chinese),
            .head(.meta(.charset(.utf8)), .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                  .title("带看单 \(r.number)"), .favicon("/assets/favicon.svg", type: "image/svg+xml"), .stylesheet("/assets/app.css"), .stylesheet("/channels/channels.css"),
                  .script(.src("/assets/app.js"), .attribute(named: "defer", value: "defer"))),
            .body(.class("ch-slip-body"),
                .div(.class("print-bar"),
                    .a(.href("/projects/\(r.projectId)/channels"), .text("← " + t("nav.channels"))),
                    .button(.type(.button), .class("primary"), .attribute(named: "data-print", value: "1"), .text(t("ch.print")))),
                .div(.class("ch-slip"),
                    .h1(.text("\(project.name)　带看确认单")),
                    .div(.class("ch-slip-head"),
                        .unwrap(qr("\(link)/projects/\(r.projectId)/channels/visit?number=\(r.number)")) { .img(.class("ch-qr"), .src($0), .alt(r.number)) },
                        .p(.class("ch-slip-no"), .text("No. \(r.number)"))),
                    .table(.class("ch-slip-table"),
                        .tr(.th(.text("渠道")), .td(.text("\(r.channelName ?? "")（\(t("ch.kind.\(r.channelKind ?? "agency")"))）"))),
                        .tr(.th(.text("经纪人")), .td(.text(r.brokerName ?? ""))),
                        .tr(.th(.text("客户")), .td(.text(Masking.name(r.customerName)))),
                        .tr(.th(.text("手机")), .td(.class("mono"), .text(r.masked))),
                        .tr(.th(.text("报备时间")), .td(.text(when(r.createdAt)))),
                        .tr(.th(.text("到访时间")), .td(.text(when(r.visitedAt)))),
                        .tr(.th(.text("接待顾问")), .td(.text(consultant ?? ""))),
                        .tr(.th(.text("保护期至")), .td(.text(r.state == .visited ? when(r.visitUntil) : when(r.validUntil)))),
                        .tr(.th(.text("状态")), .td(.text(t("ch.status.\(r.status)"))))),
                    .div(.class("ch-slip-sign"),
                        .span(.text("经纪人签字：")), .span(.text("客户签字：")), .span(.text("置业顾问签字："))))))
    }

    static let css = """
        .broker-page { max-width: 420px; margin: 0 auto; }
        .broker-page .field { display: flex; flex-direction: column; gap: 4px; margin-bottom: 10px; }
        .broker-page input, .broker-page select { font-size: 16px; padding: 8px; width: 100%; box-sizing: border-box; }
        .broker-page button.wide { width: 100%; padding: 10px; font-size: 16px; }
        .ch-card { border: 1px solid var(--line, #dde); border-radius: 6px; padding: 10px; margin-bottom: 10px; }
        .ch-card-head { display: flex; justify-content: space-between; align-items: center; }
        .ch-no { font-size: 18px; font-weight: 600; }
        .ch-qr { display: block; width: 180px; height: 180px; margin: 6px auto; image-rendering: pixelated; }
        .ch-slip-head { display: flex; justify-content: space-between; align-items: center; }
        .ch-slip-head .ch-qr { width: 28mm; height: 28mm; margin: 0; }
        .ch-token { display: block; word-break: break-all; font-size: 11px; background: #f5f6f8; padding: 6px; user-select: all; }
        .ch-st { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #eef; }
        .ch-st-protected, .ch-st-pending { background: #e6f4ea; color: #1e6b34; }
        .ch-st-visited { background: #e3effd; color: #174ea6; }
        .ch-st-queued { background: #fff4e0; color: #8a5300; }
        .ch-st-refused, .ch-st-overruled { background: #fde8e8; color: #a11; }
        .ch-st-lapsed { background: #eee; color: #555; }
        .ch-reason { color: #a11; }
        .ch-conflict { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 12px; border-top: 1px solid var(--line, #dde); padding: 10px 0; }
        .ch-conflict h3 { margin: 0 0 6px; font-size: 14px; }
        .ch-steps li.ch-step-conflict, .ch-steps li.ch-step-fail { color: #a11; font-weight: 600; }
        .ch-steps li.ch-step-skipped { color: #999; }
        .ch-decide { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 8px; }
        .ch-slip { page: slip; width: 148mm; min-height: 190mm; margin: 12px auto; background: #fff; padding: 10mm; box-sizing: border-box; color: #000; }
        .ch-slip h1 { font-size: 18px; text-align: center; margin: 0 0 4px; }
        .ch-slip-no { text-align: right; font-family: monospace; }
        .ch-slip-table { width: 100%; border-collapse: collapse; }
        .ch-slip-table th, .ch-slip-table td { border: 1px solid #000; padding: 6px; text-align: left; }
        .ch-slip-table th { width: 28%; background: #f5f5f5; }
        .ch-slip-sign { display: flex; justify-content: space-between; margin-top: 18mm; }
        @page slip { size: A5 portrait; margin: 0; }
        @media print { .print-bar { display: none; } .ch-slip { margin: 0; } body.ch-slip-body { background: #fff; } }
        """
}

import EstateCore
import Foundation
import Plot

extension OnCallPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return OutagesShell.page(ctx, project: m.project, projects: m.projects, tab: .oncall, title: t("outage.tab.oncall"), .group(
            .p(.class("muted small"), .text(t("oncall.hint", ["supervisors": m.supervisors.isEmpty ? t("outage.no_supervisor") : m.supervisors.joined(separator: "、")]))),
            .div(.class("oncall-grid"), .group(m.lists.map { card(ctx, m, $0) }))))
    }

    static func card(_ ctx: PageContext, _ m: Model, _ l: OutageService.OnCallList) -> Node<HTML.BodyContext> {
        let t = ctx.t, d = l.department
        let form = "oncall-\(d.rawValue)"
        let failed = m.failure?.form == form ? m.failure : nil
        let people = m.candidates.filter { $0.departments.contains(d) }
        let typed = failed.map { f in (f.values["userIds"] ?? "").split(separator: ",").map(String.init) }
        let chosen = typed ?? l.members.map(\.userID.uuidString)
        let slots = max(OnCallPage.minSlots, chosen.count + 2)
        return .section(.class("card oncall-card"), .attribute(named: "id", value: form),
            .h2(.text(t(d.catalogKey)), .span(.class("muted small"), .text(" · " + t("outage.window", ["n": "\(l.ackMinutes)"])))),
            .unwrap(failed) { FormFailure.view($0, form: form) },
            l.members.isEmpty ? .p(.class("muted"), .text(t("oncall.empty")))
                : .ol(.class("og-chain"), .group(l.members.map { mem in
                    Node<HTML.ListContext>.li(.text(mem.name), .span(.class("muted small"), .text(" " + (mem.mobile.map(Masking.mobile) ?? t("oncall.no_mobile")))))
                })),
            .if(m.mayEdit, .form(.class("oncall-form"), .method(.post), .action("/projects/\(m.project.id)/outages/on-call/\(d.rawValue)"),
                Shell.csrfField(ctx),
                .group((0..<slots).map { i in
                    .div(.class("field"),
                        .label(.for("\(form)-\(i)"), .text(t("outage.level.oncall", ["n": "\(i + 1)"]))),
                        .select(.named("userIds", id: "\(form)-\(i)"),
                            Node<HTML.SelectContext>.choice("", "—"),
                            .group(people.map { p in
                                Node<HTML.SelectContext>.choice(p.id.uuidString, p.name + (p.mobile == nil ? " · " + t("oncall.no_mobile") : ""),
                                                                selected: i < chosen.count && chosen[i] == p.id.uuidString)
                            })))
                }),
                .div(.class(ServiceShell.fieldClass(failed, form: form, ["ackMinutes"])),
                    .label(.for("\(form)-ack"), .text(t("oncall.ack_minutes"))),
                    .input(.type(.number), .id("\(form)-ack"), .name("ackMinutes"),
                           .value(failed?.values["ackMinutes"] ?? "\(l.ackMinutes)"),
                           .attribute(named: "min", value: "\(OutageEscalation.windowRange.lowerBound)"),
                           .attribute(named: "max", value: "\(OutageEscalation.windowRange.upperBound)"), .required(true))),
                .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t("action.save")))))))
    }
}

import EstateCore
import Foundation
import Plot
import Vapor

/// The mall desk's frame: the mall's name, a picker when the reader works more than one mall, and the desk's tabs.
enum MallShell {
    enum Tab: String, CaseIterable {
        case place, members, complaints, returns, records, mail, orders, priceTags = "price-tags", day, rota, report

        var key: String { "mall.tab.\(rawValue)" }
        func href(_ mall: UUID) -> String {
            switch self {
            case .place: "/malls/\(mall)"
            default: "/malls/\(mall)/\(rawValue)"
            }
        }
    }

    static func page(_ ctx: PageContext, mall: MallService.Mall, malls: [MallService.Mall], tab: Tab?, title: String,
                     _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: "\(title) · \(mall.name)", .div(.class("service-page mall-page"),
            .div(.class("inv-head"),
                .h1(.text(mall.name), .span(.class("report-title"), .text(" · " + t("nav.mall")))),
                .if(malls.count > 1, .nav(.class("chips"), .group(malls.map { m in
                    Node<HTML.BodyContext>.a(.class(m.id == mall.id ? "chip current" : "chip"), .href("/malls/\(m.id)"), .text(m.name))
                })))),
            .nav(.class("tabs"), .attribute(named: "aria-label", value: t("nav.mall")),
                .group(Tab.allCases.map { tb in
                    Node<HTML.BodyContext>.a(.href(tb.href(mall.id)), .class(tb == tab ? "current" : ""), .text(t(tb.key)))
                })),
            content))
    }

    /// The mall in the path, for a reader who works its desk (404 otherwise: a mall not theirs does not exist for them).
    static func mall(_ req: Request, _ action: Action = .mallDesk) async throws -> (MallService.Mall, [MallService.Mall]) {
        let p = try req.requirePrincipal()
        let svc = req.services.malls(req.db)
        guard let m = try await ifFound({ try await svc.mall(try req.pathID("mallID")) }), p.canSee(project: m.projectId), p.may(action, on: m.projectId) else {
            throw Problem.notFound
        }
        return (m, try await svc.malls(in: p.projects(where: .mallDesk)))
    }

    static func field(_ id: String, _ label: String, _ input: Node<HTML.FormContext>) -> Node<HTML.FormContext> {
        .div(.class("field"), .label(.for(id), .text(label)), input)
    }

    static func text(_ name: String, id: String, max: Int, required: Bool = true, value: String = "") -> Node<HTML.FormContext> {
        .input(.type(.text), .id(id), .name(name), .attribute(named: "maxlength", value: "\(max)"), .required(required), .value(value))
    }

    static func yuan(_ fen: Int64?) -> String { fen.map { "¥" + Money(fen: $0).description } ?? "—" }
}

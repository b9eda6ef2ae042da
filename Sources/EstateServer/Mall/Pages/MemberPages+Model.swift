import EstateCore
import Foundation
import Vapor

/// 会员 pages: the mall's members and applications (filter, search by name, card or mobile's last four), the
/// application form; a member's page with the card, the points ledger and the earn and redeem forms.
enum MemberPages {
    struct ListModel {
        var mall: MallService.Mall
        var malls: [MallService.Mall]
        var page: Paged<MemberService.Member>
        var status: MemberStatus?
        var query: String
        var gifts: [MemberService.Gift]
        var maySupervise: Bool
        var viewer: UUID
        /// The paper VIP book's import refused, with every bad row (shown on the page that sent it).
        var importProblem: Problem? = nil

        static func load(_ req: Request) async throws -> ListModel {
            let (mall, malls) = try await MallShell.mall(req)
            let svc = req.services.members(req.db)
            var f = MemberService.Filter()
            f.status = req.queryText("status").flatMap(MemberStatus.init(rawValue:))
            f.query = req.queryText("q")
            let page = try await svc.list(mall.id, f, page: try PageRequest(page: (try? req.query.get(Int.self, at: "page")) ?? 1, perPage: 50))
            let p = try req.requirePrincipal()
            return ListModel(mall: mall, malls: malls, page: page, status: f.status, query: f.query ?? "", gifts: try await svc.gifts(mall.id),
                             maySupervise: p.may(.mallSupervise, on: mall.projectId), viewer: p.userID)
        }
    }

    struct MemberModel {
        var mall: MallService.Mall
        var malls: [MallService.Mall]
        var member: MemberService.Member
        var entries: [MemberService.Entry]
        var gifts: [MemberService.Gift]
        var tenants: [MallService.Tenant]
        var customerProjects: [String]
        var today: CalendarDay

        static func load(_ req: Request) async throws -> MemberModel {
            let p = try req.requirePrincipal()
            let svc = req.services.members(req.db), malls = req.services.malls(req.db)
            guard let m = try await ifFound({ try await svc.member(try req.pathID("memberID")) }), let mall = try await ifFound({ try await malls.mall(m.mallId) }),
                  p.canSee(project: mall.projectId), p.may(.mallDesk, on: mall.projectId) else { throw Problem.notFound }
            let projectIDs = try await svc.customerProjects(m)
            let names = try await req.services.projectDirectory.names(projectIDs, sql: req.services.store(req.db).sql)
            return MemberModel(mall: mall, malls: try await malls.malls(in: p.projects(where: .mallDesk)), member: m, entries: try await svc.entries(m.id),
                               gifts: try await svc.gifts(mall.id), tenants: try await malls.tenants(mall.id),
                               customerProjects: projectIDs.compactMap { names[$0].map { "\($0.code) \($0.name)" } },
                               today: CalendarDay(req.services.now()))
        }
    }
}

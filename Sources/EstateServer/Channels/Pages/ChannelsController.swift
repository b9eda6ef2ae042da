import EstateCore
import Foundation
import Vapor

/// 渠道 pages: the channel manager's desk (decision queue with the evidence side by side, every
/// registration, channels and rules), the broker's phone page (register, own registrations with the
/// visit code), the consultant's 带访确认 and the printable A5 带看单.
enum ChannelsController {
    static func register(_ app: Application) {
        app.on(.GET, "channels", guard: .allowed(.channelLeadsRegister), use: home)
        app.on(.GET, "channels", "channels.css", guard: .signedIn, use: css)
        let p = app.grouped("projects", ":projectID", "channels")
        p.on(.GET, guard: .allowed(.channelLeadsRegister), use: desk)
        p.on(.POST, "registrations", guard: .allowed(.channelLeadsRegister), use: register)
        p.on(.GET, "visit", guard: .allowed(.salesCreate), use: visitForm)
        p.on(.POST, "visit", guard: .allowed(.salesCreate), use: visit)
        let r = app.grouped("registrations", ":regID")
        r.on(.POST, "decision", guard: .allowed(.channelsManage), use: decide)
        r.on(.GET, "slip", guard: .signedIn, use: slip)
    }

    @Sendable static func home(_ req: Request) async throws -> Response {
        let projects = try await ProjectSwitcher.projects(req, any: [.channelLeadsRegister])
        if let chosen = req.queryText("project").flatMap(UUID.init(uuidString:)), projects.contains(where: { $0.id == chosen }) {
            return req.redirect(to: "/projects/\(chosen)/channels")
        }
        guard let first = projects.first else { throw Problem.notFound }
        return req.redirect(to: "/projects/\(first.id)/channels")
    }

    @Sendable static func css(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .css
        return Response(status: .ok, headers: headers, body: .init(string: ChannelPages.css))
    }

    @Sendable static func desk(_ req: Request) async throws -> Response {
        let m = try await ChannelPages.Model.load(req, try req.projectID())
        return Shell.response(m.isManager ? ChannelPages.managerView(PageContext(req), m) : ChannelPages.brokerView(PageContext(req), m))
    }

    @Sendable static func register(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let v = req.formFields(["channelId", "mobile", "customerName", "note", "referrer"])
        let back = "/projects/\(projectID)/channels"
        return try await FormAction.run(req) {
            guard let channel = v["channelId"].flatMap(UUID.init(uuidString:)) else { throw Problem.invalid("channelId", "channel_not_found") }
            var d = RegistrationService.Draft(projectID: projectID, channelID: channel, mobile: v["mobile"] ?? "", customerName: v["customerName"] ?? "")
            d.note = v["note"] ?? ""
            d.referrer = v["referrer"] ?? ""
            let r = try await req.services.registrations(req.db).register(d, by: try req.requirePrincipal(), context: req.auditContext)
            let notice = switch r.state {
            case .protected, .pending: "ch.registered_notice"
            case .queued: "ch.queued_notice"
            default: "ch.refused_notice"
            }
            return .to(back, notice: notice)
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }

    @Sendable static func decide(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let svc = req.services.registrations(req.db)
        let r = try await svc.registration(try req.pathID("regID"))
        guard p.canSee(project: r.projectId), p.may(.channelsManage, on: r.projectId) else { throw Problem.notFound }
        let award = req.formField("award") == "true"
        let back = "/projects/\(r.projectId)/channels"
        return try await FormAction.run(req) {
            _ = try await svc.decide(r.id, award: award, note: req.formField("note"), by: p, context: req.auditContext)
            return .to(back, notice: "ch.decided_notice")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }

    @Sendable static func visitForm(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.salesCreate])
        var found: RegistrationService.Registration?
        if let number = req.queryText("number", max: 20), !number.isEmpty {
            found = try await ifFound { try await req.services.registrations(req.db).registration(number: number, projectID: projectID) }
        } else if let token = req.queryText("t", max: 200),
                  case .success(let id) = VisitToken.verify(token, now: req.services.now(), key: req.services.keyring.channelVisitToken) {
            found = try await ifFound { try await req.services.registrations(req.db).registration(id) }
            if found?.projectId != projectID { found = nil }
        }
        return Shell.response(ChannelPages.visitView(PageContext(req), project: project, projects: projects, found: found,
                                                     token: req.queryText("t", max: 200)))
    }

    @Sendable static func visit(_ req: Request) async throws -> Response {
        let projectID = try req.projectID()
        let p = try req.requirePrincipal()
        let svc = req.services.registrations(req.db)
        let token = req.formField("token")
        let back = "/projects/\(projectID)/channels/visit"
        return try await FormAction.run(req) {
            guard let id = UUID(uuidString: req.formField("registrationId")) else { throw Problem.invalid("number", "registration_not_visitable") }
            let party = Int(req.formField("partySize"))
            let r = try await svc.confirmVisit(id, proof: token.isEmpty ? .number : .token(token), mobile: req.formField("mobile"),
                                               partySize: party, by: p, context: req.auditContext)
            return .to("/registrations/\(r.id)/slip", notice: "ch.visited_notice")
        } failed: { problem in
            FormAction.back(req, to: back, problem)
        }
    }

    /// 带看单 (A5): the broker's own, the channel manager's, or a consultant's of the project; names masked.
    @Sendable static func slip(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let r = try await req.services.registrations(req.db).registration(try req.pathID("regID"))
        guard RegistrationService.visible(r, to: p) || (p.canSee(project: r.projectId) && p.may(.salesCreate, on: r.projectId)) else {
            throw Problem.notFound
        }
        let (project, _) = try await ProjectSwitcher.refs(req, r.projectId, any: [.channelLeadsRegister, .salesCreate])
        var consultant: String?
        if let c = r.visitConfirmedBy { consultant = try await StaffDirectory.displayNames([c], sql: req.db.sql)[c] }
        return Shell.response(ChannelPages.slip(PageContext(req), project: project, r: r, consultant: consultant,
                                                 link: req.services.config.publicLinkBase))
    }
}

import EstateCore
import Foundation
import Vapor

/// What the channel pages need: the project's channels and rules; for the channel manager the
/// decision queue and every registration, for a broker their own with the visit codes.
enum ChannelPages {
    /// A QR code of `text` as an SVG data: URI (the pages' CSP allows data: images), or nil when too long.
    static func qr(_ text: String) -> String? {
        QRCode.encode(text).map { "data:image/svg+xml;base64," + Data($0.svg(scale: 3).utf8).base64EncodedString() }
    }

    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var viewer: Principal
        var isManager: Bool
        /// The channels the viewer may register for (a broker: their own).
        var channels: [ChannelService.Channel]
        var agreements: [UUID: [ChannelService.Agreement]]
        var rules: [ChannelService.RuleVersion]
        var queue: [RegistrationService.Registration]
        var page: Paged<RegistrationService.Registration>
        var tokens: [UUID: (token: String, expires: Date)]
        /// The visit codes as QR images (data: URIs), for the broker's own registrations.
        var codes: [UUID: String]
        var status: RegistrationStatus?
        /// 成交归属 (the channel manager's).
        var attributions: [AttributionService.Attribution] = []

        static func load(_ req: Request, _ projectID: UUID) async throws -> Model {
            let (project, projects) = try await ProjectSwitcher.refs(req, projectID, any: [.channelLeadsRegister])
            let p = try req.requirePrincipal()
            let channelSvc = req.services.channels(req.db), regs = req.services.registrations(req.db)
            let manager = p.may(.channelsManage, on: projectID)
            var channels = try await channelSvc.list(projectID: projectID)
            if let mine = try await channelSvc.broker(p.userID) { channels = channels.filter { $0.id == mine.channelId } }
            let agreements = Dictionary(grouping: try await channelSvc.agreements(channelIDs: channels.map(\.id), projectID: projectID), by: \.channelId)
            var seen = Set<ChannelKind>()
            let rules = try await channelSvc.rules(projectID: projectID).filter { seen.insert($0.kind).inserted }
            var f = RegistrationService.Filter()
            f.status = req.queryText("status").flatMap(RegistrationStatus.init(rawValue:))
            if !manager { f.brokerID = p.userID }
            let page = try await regs.list(projectID, f, page: PageRequest(page: (try? req.query.get(Int.self, at: "page")) ?? 1, perPage: 50))
            var queue: [RegistrationService.Registration] = []
            if manager {
                var q = RegistrationService.Filter()
                q.status = .queued
                queue = try await regs.list(projectID, q, page: PageRequest(page: 1, perPage: 20)).items
            }
            var tokens: [UUID: (token: String, expires: Date)] = [:]
            var codes: [UUID: String] = [:]
            for r in page.items where r.brokerId == p.userID {
                guard let tk = regs.visitToken(r) else { continue }
                tokens[r.id] = tk
                codes[r.id] = ChannelPages.qr("\(req.services.config.publicLinkBase)/projects/\(projectID)/channels/visit?t=\(tk.token)")
            }
            var m = Model(project: project, projects: projects, viewer: p, isManager: manager, channels: channels, agreements: agreements,
                          rules: rules, queue: queue, page: page, tokens: tokens, codes: codes, status: f.status)
            if manager { m.attributions = try await req.services.attributions(req.db).attributions(projectID: projectID) }
            return m
        }
    }
}

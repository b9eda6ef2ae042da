import EstateCore
import Foundation
import Plot
import Vapor

/// 大屏 (`/callcentre/wallboard`) for the floor: calls waiting, the longest wait, agents by state and
/// today's service level, live over server-sent events (a signal; the page then reads the JSON), and
/// 坐席状态 (`/callcentre/status`), where an agent says they are ready, on a break or signed off.
enum WallboardPage {
    static func register(_ app: Application) {
        app.on(.GET, "callcentre", "wallboard", guard: .allowed(.callsHandle), use: show)
        app.on(.GET, "callcentre", "wallboard.json", guard: .allowed(.callsHandle), use: json)
        app.on(.GET, "callcentre", "wallboard", "events", guard: .allowed(.callsHandle), use: events)
        app.on(.GET, "callcentre", "status", guard: .allowed(.callsHandle), use: status)
        app.on(.POST, "callcentre", "status", guard: .allowed(.callsHandle), use: setStatus)
    }

    /// The snapshot as the page's script reads it.
    struct JSON: Content {
        struct Agent: Content { var name: String; var state: String; var seconds: Int? }
        var waiting: Int
        var longestWaitSeconds: Int
        var serviceLevel: String
        var abandonment: String
        var asa: String
        var offered: Int
        var answered: Int
        var abandoned: Int
        var counts: [String: Int]
        var agents: [Agent]
    }

    static func encode(_ s: WallboardService.Snapshot) -> JSON {
        let at = s.generatedAt
        var counts: [String: Int] = [:]
        for st in AgentState.allCases { counts[st.rawValue] = s.agents.filter { $0.state == st }.count }
        return JSON(waiting: s.waiting, longestWaitSeconds: s.oldestWaitingSince.map { max(0, Int(at.timeIntervalSince($0).rounded())) } ?? 0,
                    serviceLevel: CallCentreReportPage.rate(s.serviceLevel), abandonment: CallCentreReportPage.rate(s.abandonment),
                    asa: CallCentreReportPage.secs(s.asa), offered: s.today.offered, answered: s.today.answered, abandoned: s.today.abandoned,
                    counts: counts,
                    agents: s.agents.sorted { ($0.state.order, $0.name) < ($1.state.order, $1.name) }.map { a in
                        JSON.Agent(name: a.name, state: a.state.rawValue,
                                   seconds: a.since.map { max(0, Int(at.timeIntervalSince($0).rounded())) })
                    })
    }

    @Sendable static func json(_ req: Request) async throws -> Response {
        guard let (project, _) = try await CallsController.project(req, .callsHandle) else { throw Problem.notFound }
        let response = try await encode(req.services.wallboard(req.db).snapshot(projectID: project.id)).encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    @Sendable static func events(_ req: Request) async throws -> Response {
        guard let (project, _) = try await CallsController.project(req, .callsHandle) else { throw Problem.notFound }
        let hub = req.services.callCentreEvents
        let sessionID = req.authenticated?.sessionID
        let auth = req.services.auth(req.application.db)
        return ServerSentEvents.response { writer in
            let changes = hub.subscribe()
            do {
                try await writer.write(.buffer(ByteBuffer(string: "retry: 2000\nevent: hello\ndata: {}\n\n")))
                try await ServerSentEvents.withHeartbeat(changes, buffering: 8) { merged in
                    for await item in merged {
                        switch item {
                        case .heartbeat:
                            // The stream outlives its request: end it when the session or the right ends.
                            if let sessionID, !((try? await auth.stillAllows(session: sessionID, .callsHandle, on: project.id)) ?? false) {
                                try await writer.write(.buffer(ByteBuffer(string: "event: reload\ndata: {}\n\n")))
                                return  // out of the loop; the stream ends below
                            }
                            try await writer.write(.buffer(ByteBuffer(string: ": beat\n\n")))
                        case .value:
                            try await writer.write(.buffer(ByteBuffer(string: "event: changed\ndata: {}\n\n")))
                        }
                    }
                }
                try await writer.write(.end)
            } catch {
                try? await writer.write(.end)
            }
        }
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        guard let (project, projects) = try await CallsController.project(req, .callsHandle) else { return CallsController.noProjects(req) }
        let snapshot = encode(try await req.services.wallboard(req.db).snapshot(projectID: project.id))
        return Shell.response(view(PageContext(req), project: project, projects: projects, snapshot))
    }

    static func clock(_ seconds: Int) -> String { String(format: "%d:%02d", seconds / 60, seconds % 60) }

    static func view(_ ctx: PageContext, project: InventoryShell.ProjectRef, projects: [InventoryShell.ProjectRef], _ s: JSON) -> HTML {
        let t = ctx.t
        let labels = Dictionary(uniqueKeysWithValues: AgentState.allCases.map { ($0.rawValue, t($0.catalogKey)) })
        let labelsJSON = String(decoding: (try? JSONEncoder().encode(labels)) ?? Data("{}".utf8), as: UTF8.self)
        func tile(_ id: String, _ label: String, _ value: String, _ cls: String = "") -> Node<HTML.BodyContext> {
            .div(.class("wb-tile \(cls)"), .span(.class("wb-label"), .text(t(label))), .strong(.id(id), .class("wb-value"), .text(value)))
        }
        return CallsShell.page(ctx, project: project, projects: projects, tab: .wallboard, title: t("calls.tab.wallboard"), .div(
            .id("wallboard"), .class("wallboard"),
            .attribute(named: "data-project", value: project.id.uuidString),
            .attribute(named: "data-labels", value: labelsJSON),
            .attribute(named: "data-wait", value: "\(s.longestWaitSeconds)"),
            .attribute(named: "data-waiting", value: "\(s.waiting)"),
            .div(.class("wb-tiles"),
                tile("wb-waiting", "wb.waiting", "\(s.waiting)", s.waiting > 0 ? "wb-alert" : ""),
                tile("wb-longest", "wb.longest", s.waiting > 0 ? clock(s.longestWaitSeconds) : "—"),
                tile("wb-sl", "wb.sl_today", s.serviceLevel),
                tile("wb-abandonment", "kpi.abandonment", s.abandonment),
                tile("wb-asa", "kpi.asa", s.asa),
                tile("wb-offered", "wb.offered_today", "\(s.offered)"),
                tile("wb-answered", "wb.answered_today", "\(s.answered)")),
            .div(.class("wb-states"), .group(AgentState.allCases.map { st in
                Node<HTML.BodyContext>.div(.class("wb-state wb-\(st.rawValue)"), .span(.class("wb-label"), .text(t(st.catalogKey))),
                                           .strong(.id("wb-count-\(st.rawValue)"), .text("\(s.counts[st.rawValue] ?? 0)")))
            })),
            .ul(.id("wb-agents"), .class("wb-agents"), .group(s.agents.map { a in
                Node<HTML.ListContext>.li(.class("wb-agent wb-\(a.state)"), .span(.class("wb-name"), .text(a.name)),
                                          .span(.class("wb-agent-state"), .text(labels[a.state] ?? a.state)),
                                          .span(.class("wb-since mono"), .attribute(named: "data-seconds", value: a.seconds.map(String.init) ?? ""),
                                                .text(a.seconds.map(clock) ?? "")))
            })),
            .p(.class("muted small"), .text(t("wb.live_note", ["sl": "\(CallKPI.serviceLevelSeconds)"]))),
            .script(.src("/assets/wallboard.js"), .attribute(named: "defer", value: "defer"))))
    }

    // MARK: 坐席状态

    /// The states an agent sets themselves (on a call is the telephony system's to say).
    static let settable: [AgentState] = [.ready, .onBreak, .offline]

    @Sendable static func status(_ req: Request) async throws -> Response {
        guard let (project, projects) = try await CallsController.project(req, .callsHandle) else { return CallsController.noProjects(req) }
        let me = try req.requirePrincipal().userID
        let current = try await req.services.agentStatus(req.db).current([me])[me]
        let ctx = PageContext(req), t = ctx.t
        let state = current?.agentState ?? .offline
        return Shell.response(CallsShell.page(ctx, project: project, projects: projects, tab: .status, title: t("calls.tab.status"), .section(
            .class("card agent-status"),
            .p(.text(t("wb.my_state")), .text(" "), .strong(.class("wb-agent-state wb-\(state.rawValue)"), .text(t(state.catalogKey))),
               .unwrap(current) { .span(.class("muted"), .text(" · " + t("wb.since", ["time": Shell.dateTime($0.since)]))) }),
            .form(.method(.post), .action("/callcentre/status?project=\(project.id)"), .class("status-buttons"),
                  Shell.csrfField(ctx),
                  .group(settable.map { st in
                      Node<HTML.FormContext>.button(.type(.submit), .name("state"), .value(st.rawValue),
                                                    .class(st == state ? "primary current" : ""), .text(t(st.catalogKey)))
                  })),
            .p(.class("muted small"), .text(t("wb.status_note"))))))
    }

    @Sendable static func setStatus(_ req: Request) async throws -> Response {
        guard let (project, _) = try await CallsController.project(req, .callsHandle) else { throw Problem.notFound }
        struct Form: Content { var state: String }
        guard let state = (try? req.content.decode(Form.self)).flatMap({ AgentState(rawValue: $0.state) }), settable.contains(state) else {
            throw Problem.invalid("state", "field_invalid")
        }
        try await req.services.agentStatus(req.db).set(try req.requirePrincipal().userID, state, context: req.auditContext)
        return FormAction.redirect(req, to: "/callcentre/status?project=\(project.id)", notice: "wb.status_saved")
    }
}

extension AgentState {
    /// Order on the wallboard: who is busy first.
    var order: Int { AgentState.allCases.firstIndex(of: self) ?? 0 }
}

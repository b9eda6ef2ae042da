import EstateCore
import Foundation
import NIOCore
import Vapor

/// The board's JSON and its live event stream: hand-written routes (documented in
/// openapi.yaml, not generated) because the JSON is served from cached bytes and
/// the stream stays open.
enum BoardController {
    /// `GET /api/v1/projects/{projectId}/board`
    @Sendable static func json(_ req: Request) async throws -> Response {
        let projectID = try projectID(req)
        let filter = try BoardQuery.filter(req, strict: true)
        let hub = req.services.unitEvents
        let bytes: [UInt8]
        if filter == UnitFilter() {
            bytes = try await hub.boardJSON(projectID)
        } else {
            bytes = BoardJSON.encode(try await hub.board(projectID).filtered(filter))
        }
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(buffer: ByteBuffer(bytes: bytes)))
    }

    /// `GET …/board/events`: server-sent events. `cells` carries the changed board
    /// cells as JSON; `reload` asks the viewer to fetch the board again (after a
    /// structural change, or when updates may have been missed). A comment every
    /// 15 s keeps proxies from closing the stream and notices a gone client.
    @Sendable static func events(_ req: Request) async throws -> Response {
        let projectID = try projectID(req)
        _ = try await req.services.unitEvents.board(projectID) // 404 for a project that is gone
        let hub = req.services.unitEvents
        let sessionID = req.authenticated?.sessionID
        let auth = req.services.auth(req.application.db)
        // Cells carry list prices; a viewer who may not see prices gets them without.
        let prices = req.principal?.may(.pricesView, on: projectID) == true
        return ServerSentEvents.response { writer in
            let (_, updates) = hub.subscribe(projectID: projectID)
            do {
                // What the board is now: a page rendered before a change compares and reloads.
                let fingerprint = (try? await hub.board(projectID))?.fingerprint ?? ""
                try await writer.write(.buffer(ByteBuffer(string: "retry: 2000\nevent: hello\ndata: {\"fingerprint\":\"\(fingerprint)\"}\n\n")))
                try await ServerSentEvents.withHeartbeat(updates, buffering: 512) { merged in
                    for await item in merged {
                        var buffer = ByteBuffer()
                        switch item {
                        case .heartbeat:
                            // The stream outlives its request: end it when the session or the right ends.
                            if let sessionID, !((try? await auth.stillAllows(session: sessionID, .inventoryView, on: projectID)) ?? false) {
                                try await writer.write(.buffer(ByteBuffer(string: "event: reload\ndata: {}\n\n")))
                                return  // out of the loop; the stream ends below
                            }
                            buffer.writeString(": ping\n\n")
                        case .value(.reload):
                            buffer.writeString("event: reload\ndata: {}\n\n")
                        case .value(.cells(_, let json)):
                            buffer.writeString("event: cells\ndata: ")
                            buffer.writeBytes(prices ? json : BoardJSON.withoutPrices(json))
                            buffer.writeString("\n\n")
                        }
                        try await writer.write(.buffer(buffer))
                    }
                }
                try await writer.write(.end)
            } catch {
                // The client went away: end the body properly (a writer dropped without .end or
                // .error is a programming error to Vapor); the subscription ends with this stream.
                try? await writer.write(.error(error))
            }
        }
    }

    static func projectID(_ req: Request) throws -> UUID {
        guard let id = (req.parameters.get("projectID") ?? req.parameters.get("projectId")).flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        return id
    }
}

/// The board's filters from a query string, checked as the contract says.
enum BoardQuery {
    /// `strict` (the API): a parameter given empty is an error, as the contract's patterns say;
    /// forms send empty fields for "any", so pages are lenient.
    static func filter(_ req: Request, strict: Bool = false) throws -> UnitFilter {
        var f = UnitFilter()
        var bad: [Problem.FieldError] = []
        func text(_ key: String) -> String? {
            guard let s = try? req.query.get(String.self, at: key) else { return nil }
            if s.isEmpty {
                // Ids, statuses, floors and amounts have patterns an empty value breaks; an empty
                // layout or code simply filters nothing.
                if strict, !["building", "layout", "code"].contains(key) { bad.append(.init(field: key, code: "required")) }
                return nil
            }
            return s
        }
        if let b = text("buildingId") ?? text("building") {
            // Pages show every building with `building=all` (the filter then has no building).
            if b == "all", !strict {
            } else if let id = UUID(uuidString: b) { f.buildingID = id } else { bad.append(.init(field: "buildingId", code: "building_unknown")) }
        }
        let statuses = (try? req.query.get([String].self, at: "status")) ?? text("status").map { [$0] } ?? []
        for s in statuses where !s.isEmpty {
            if let st = UnitStatus(rawValue: s) { f.statuses.insert(st) } else { bad.append(.init(field: "status", code: "status_unknown")) }
        }
        if let l = text("layout") {
            if l.unicodeScalars.count > 30 || l.contains("\0") { bad.append(.init(field: "layout", code: "too_long")) } else { f.layout = l }
        }
        for (key, path) in [("floorFrom", \UnitFilter.floorFrom), ("floorTo", \UnitFilter.floorTo)] {
            if let v = text(key) {
                if let n = Int(v), (-9...200).contains(n) { f[keyPath: path] = n } else { bad.append(.init(field: key, code: "floor_invalid")) }
            }
        }
        for (key, path) in [("priceFrom", \UnitFilter.priceFrom), ("priceTo", \UnitFilter.priceTo)] {
            if let v = text(key) {
                if let m = Money(yuanText: v) { f[keyPath: path] = m } else { bad.append(.init(field: key, code: "money_not_number")) }
            }
        }
        if let c = text("code") { f.code = String(c.prefix(32)) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        return f
    }
}

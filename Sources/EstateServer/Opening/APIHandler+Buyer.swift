import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/buyer/…` (线上选房 for an app or a script, issue 18 point 4): the phone page's flow as an
/// API, on the buyer's own token (`OpeningSignIn`, one live session per buyer) and the same engine:
/// the same limits, idempotency keys, refusals and log. A staff token is not a buyer's: 401.
extension APIHandler {
    /// The signed-in buyer's session from the bearer token, or 401.
    func buyerSession() async throws -> OwnerSignIn.Session {
        guard let token = try call.bearerToken, !token.isEmpty, token.count < 200,
              let s = try await buyerAccess.session(token: token)
        else { throw Problem.unauthenticated }
        return s
    }

    /// The buyer's seat in the opening `raw` (404 when not registered there).
    func buyerSeat(_ raw: String, _ s: OwnerSignIn.Session) async throws -> OpeningService.Seat {
        try await services.openings(database).seat(event: try Self.uuid(raw), mobile: s.mobile)
    }

    var buyerAccess: OpeningSignIn { OpeningSignIn(store: services.store(database), keyring: services.keyring, now: services.now) }

    func buyerContext(_ mobile: String) throws -> AuditContext {
        let c = try call.auditContext
        return AuditContext(actorID: nil, actorName: OpeningSignIn.actorName(mobile), requestID: c.requestID, ip: c.ip)
    }

    static func buyerSelectionSchema(_ s: OpeningService.Selection, logHash: String) -> Schemas.BuyerSelection {
        .init(id: s.id.uuidString, unitId: s.unitId.uuidString, code: s.code, listTotal: Money(fen: s.listTotalFen).plain,
              status: .init(rawValue: s.status) ?? .expired, heldUntil: s.heldUntil, confirmedAt: s.confirmedAt,
              subscriptionNumber: s.subscriptionNumber, logHash: s.logHash.isEmpty ? logHash : s.logHash)
    }

    func requestBuyerCode(_ input: Operations.RequestBuyerCode.Input) async throws -> Operations.RequestBuyerCode.Output {
        let b = switch input.body { case .json(let json): json }
        guard let mobile = MobileNumber.normalized(b.mobile) else { throw Problem.invalid("mobile", "mobile_invalid") }
        switch try await buyerAccess.requestCode(mobile: mobile, context: try buyerContext(mobile)) {
        case .accepted: return .accepted(.init(body: .json(.init(mobile: Masking.mobile(mobile)))))
        case .tooSoon(let seconds):
            throw Problem(.tooManyRequests, "buyer_code_too_soon", arguments: ["seconds": "\(seconds)"], headers: ["Retry-After": "\(seconds)"])
        case .hourlyLimit:
            throw Problem(.tooManyRequests, "buyer_code_hourly", arguments: ["max": "\(OwnerSignIn.perHour)"], headers: ["Retry-After": "3600"])
        case .addressLimit:
            throw Problem(.tooManyRequests, "buyer_code_address", headers: ["Retry-After": "3600"])
        }
    }

    func createBuyerSession(_ input: Operations.CreateBuyerSession.Input) async throws -> Operations.CreateBuyerSession.Output {
        let b = switch input.body { case .json(let json): json }
        guard let mobile = MobileNumber.normalized(b.mobile) else { throw Problem.invalid("mobile", "mobile_invalid") }
        switch try await buyerAccess.signIn(mobile: mobile, code: b.code, context: try buyerContext(mobile)) {
        case .signedIn(let token, let expiresAt): return .created(.init(body: .json(.init(token: token, expiresAt: expiresAt))))
        case .wrong(let left): throw Problem.invalid([.init(field: "code", code: "buyer_code_wrong", arguments: ["left": "\(left)"])])
        case .noCode: throw Problem.invalid("code", "buyer_code_expired")
        case .tooManyTries: throw Problem(.tooManyRequests, "buyer_code_dead", headers: ["Retry-After": "600"])
        }
    }

    func endBuyerSession(_ input: Operations.EndBuyerSession.Input) async throws -> Operations.EndBuyerSession.Output {
        let s = try await buyerSession()
        try await buyerAccess.signOut(s, context: try buyerContext(s.mobile))
        return .noContent(.init())
    }

    func listBuyerOpenings(_ input: Operations.ListBuyerOpenings.Input) async throws -> Operations.ListBuyerOpenings.Output {
        let s = try await buyerSession()
        let svc = services.openings(database)
        var items: [Schemas.BuyerOpening] = []
        for e in try await svc.buyerEvents(mobile: s.mobile) {
            guard let r = try await svc.registration(event: e.id, mobile: s.mobile) else { continue }
            let engine = try await svc.engineEvent(e.id)
            let batch = try await svc.batches(engine.id).first { b in r.rank.map { b.contains(rank: $0) } ?? false }
            items.append(.init(id: e.id.uuidString, name: e.name, state: .init(rawValue: engine.status)!, startsAt: e.startsAt, endsAt: e.endsAt,
                               quota: e.quota, deposit: e.deposit.plain, confirmSeconds: e.confirmSeconds, logHash: engine.logHash,
                               registrationNumber: r.number, rank: r.rank, picks: r.picks, batch: batch.map(Self.batchSchema)))
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func listBuyerOpeningUnits(_ input: Operations.ListBuyerOpeningUnits.Input) async throws -> Operations.ListBuyerOpeningUnits.Output {
        let s = try await buyerSession()
        let seat = try await buyerSeat(input.path.openingId, s)
        let now = services.now()
        let svc = services.openings(database)
        let slots = try await svc.hub.slots(seat.engine.id) { try await svc.slots(seat.engine.id) }
        return .ok(.init(body: .json(.init(serverTime: now, state: .init(rawValue: seat.engine.status)!, items: slots.map { u in
            // A hold past its minute (and the grace a late confirmation gets) is open to everyone: the clock lapses it
            // within a second.
            let status: Schemas.BuyerUnit.StatusPayload = u.status == "taken" ? .taken
                : u.status == "held" && SelectionLimits.holdKeepsUnit(heldUntil: u.heldUntil, now: now) ? .held : .open
            return .init(unitId: u.unitId.uuidString, code: u.code, listTotal: Money(fen: u.listTotalFen).plain, status: status)
        }))))
    }

    func createBuyerSelection(_ input: Operations.CreateBuyerSelection.Input) async throws -> Operations.CreateBuyerSelection.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.openings(database)
        // Admitted (or turned away 503) before the session is read: in a rush a selection shed costs no database work.
        return try await svc.gate.admit {
            let s = try await buyerSession()
            let seat = try await buyerSeat(input.path.openingId, s)
            let unit = try Self.uuid(b.unitId, field: "unitId")
            let held = try await svc.choose(event: seat.engine.id, registration: seat.registration.id, unit: unit, key: input.headers.idempotencyKey,
                                            context: try buyerContext(s.mobile))
            return .created(.init(body: .json(Self.buyerSelectionSchema(held, logHash: try await svc.event(seat.engine.id).logHash))))
        }
    }

    func confirmBuyerSelection(_ input: Operations.ConfirmBuyerSelection.Input) async throws -> Operations.ConfirmBuyerSelection.Output {
        let s = try await buyerSession()
        let seat = try await buyerSeat(input.path.openingId, s)
        let id = try Self.uuid(input.path.selectionId, field: "selectionId")
        let svc = services.openings(database)
        // Not found, or another buyer's: 404. A database error stays what it is (it used to answer 404 too).
        let mine = try await svc.selection(id)
        guard mine.registrationId == seat.registration.id else { throw Problem.notFound }
        let done = try await svc.confirm(event: seat.engine.id, registration: seat.registration.id, selection: mine.id, context: try buyerContext(s.mobile))
        return .ok(.init(body: .json(Self.buyerSelectionSchema(done, logHash: try await svc.event(seat.engine.id).logHash))))
    }
}

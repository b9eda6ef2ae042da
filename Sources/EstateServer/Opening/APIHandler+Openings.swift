import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/openings` (开盘 / 线上选房, issue 18): events, 认筹 registrations, the lottery, batches,
/// moves and results. The project comes from the opening; each handler checks the caller's right
/// on it (404 when they cannot see the project, 403 without the right).
extension APIHandler {
    func loadOpening(_ raw: String, _ action: Action) async throws -> OpeningService.Event {
        let e = try await services.openings(database).event(try Self.uuid(raw))
        guard !e.isRehearsal else { throw Problem.notFound }
        let p = try call.requirePrincipal()
        guard p.canSee(project: e.projectId) else { throw Problem.notFound }
        guard p.may(action, on: e.projectId) else { throw Problem.forbidden }
        return e
    }

    func openingSchema(_ e: OpeningService.Event, console: Bool = true) async throws -> Schemas.Opening {
        let svc = services.openings(database)
        let engine = try await svc.engineEvent(e.id)
        let batches = try await svc.batches(e.id)
        let c = console ? try await svc.console(engine.id) : nil
        return Schemas.Opening(
            id: e.id.uuidString, projectId: e.projectId.uuidString, name: e.name, state: .init(rawValue: e.status)!,
            orderKind: .init(rawValue: e.orderKind)!, seed: e.seed, seedNote: e.seedNote, orderHash: e.orderHash, drawnAt: e.drawnAt, quota: e.quota,
            deposit: e.deposit.plain, paymentMethod: .init(rawValue: e.paymentMethod)!, contractDays: e.contractDays, confirmSeconds: e.confirmSeconds,
            startsAt: e.startsAt, endsAt: e.endsAt, rehearsedAt: e.rehearsedAt, logHash: engine.logHash, unitCount: try await svc.slots(e.id).count,
            batches: batches.map(Self.batchSchema),
            console: c.map { c in .init(open: c.open, held: c.held, taken: c.taken, perMinute: c.perMinute,
                                        waiting: c.waiting.sorted { $0.key < $1.key }.map { .init(batch: $0.key, buyers: $0.value) }) })
    }

    static func batchSchema(_ b: OpeningBatch) -> Schemas.OpeningBatch {
        .init(seq: b.seq, firstRank: b.firstRank, lastRank: b.lastRank, opensAt: b.opensAt, closesAt: b.closesAt)
    }

    static func registrationSchema(_ r: OpeningService.Registration) -> Schemas.OpeningRegistration {
        .init(id: r.id.uuidString, number: r.number, receiptNumber: r.receiptNumber, name: Masking.name(r.name), mobile: Masking.mobile(r.mobile),
              idMasked: r.idMasked, sincerity: r.sincerity.plain, eligible: r.eligible, eligibilityNote: r.eligibilityNote, rank: r.rank,
              lotteryKey: r.lotteryKey, picks: r.picks)
    }

    func orderSchema(_ e: OpeningService.Event) async throws -> Schemas.OpeningOrder {
        let order = try await services.openings(database).order(e.id)
        return .init(kind: .init(rawValue: e.orderKind)!, seed: e.seed, listHash: e.orderHash,
                     entries: order.map { .init(rank: $0.rank, number: $0.id, key: $0.key) })
    }

    func listOpenings(_ input: Operations.ListOpenings.Input) async throws -> Operations.ListOpenings.Output {
        let project = try await reportProject(input.query.projectId, .salesView)
        var items: [Schemas.Opening] = []
        for e in try await services.openings(database).events(project.id) { items.append(try await openingSchema(e, console: false)) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createOpening(_ input: Operations.CreateOpening.Input) async throws -> Operations.CreateOpening.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .salesControl)
        let e = try await services.openings(database).create(
            .init(name: b.name, orderKind: LotteryOrder.Kind(rawValue: b.orderKind.rawValue) ?? .registration, seed: b.seed ?? "", seedNote: b.seedNote ?? "",
                  quota: b.quota ?? 1, deposit: try Self.money(b.deposit, field: "deposit"),
                  method: b.paymentMethod.flatMap { PaymentMethod(rawValue: $0.rawValue) } ?? .full, contractDays: b.contractDays ?? 7,
                  confirmSeconds: b.confirmSeconds ?? 60, startsAt: b.startsAt, endsAt: b.endsAt),
            in: project.id, context: call.auditContext)
        return .created(.init(body: .json(try await openingSchema(e))))
    }

    func getOpening(_ input: Operations.GetOpening.Input) async throws -> Operations.GetOpening.Output {
        .ok(.init(body: .json(try await openingSchema(try await loadOpening(input.path.openingId, .salesView)))))
    }

    func addOpeningUnits(_ input: Operations.AddOpeningUnits.Input) async throws -> Operations.AddOpeningUnits.Output {
        let b = switch input.body { case .json(let json): json }
        let e = try await loadOpening(input.path.openingId, .salesControl)
        let ids = try b.unitIds.map { try Self.uuid($0, field: "unitIds") }
        _ = try await services.openings(database).addUnits(ids, event: e.id, context: call.auditContext)
        return .ok(.init(body: .json(try await openingSchema(e))))
    }

    func listOpeningRegistrations(_ input: Operations.ListOpeningRegistrations.Input) async throws -> Operations.ListOpeningRegistrations.Output {
        let e = try await loadOpening(input.path.openingId, .salesView)
        let items = try await services.openings(database).registrations(e.id).map(Self.registrationSchema)
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createOpeningRegistration(_ input: Operations.CreateOpeningRegistration.Input) async throws -> Operations.CreateOpeningRegistration.Output {
        let b = switch input.body { case .json(let json): json }
        let e = try await loadOpening(input.path.openingId, .salesCreate)
        let draft = OpeningService.RegistrationDraft(
            name: b.name, mobile: b.mobile, idKind: b.idKind.flatMap { IdentityKind(rawValue: $0.rawValue) } ?? .residentID, idNumber: b.idNumber,
            sincerity: try Self.money(b.sincerity, field: "sincerity"), eligible: b.eligible ?? false, eligibilityNote: b.eligibilityNote ?? "")
        let svc = services.openings(database)
        let (r, replayed) = try await svc.register(draft, event: e.id, key: input.headers.idempotencyKey, actor: try call.requirePrincipal().userID,
                                                   context: call.auditContext)
        var shown = r
        if let full = try await svc.registrations(e.id).first(where: { $0.id == r.id }) { shown = full }
        return .created(.init(headers: .init(idempotentReplayed: replayed ? true : nil), body: .json(Self.registrationSchema(shown))))
    }

    func getOpeningLottery(_ input: Operations.GetOpeningLottery.Input) async throws -> Operations.GetOpeningLottery.Output {
        .ok(.init(body: .json(try await orderSchema(try await loadOpening(input.path.openingId, .salesView)))))
    }

    func drawOpeningLottery(_ input: Operations.DrawOpeningLottery.Input) async throws -> Operations.DrawOpeningLottery.Output {
        let e = try await loadOpening(input.path.openingId, .salesControl)
        let drawn = try await services.openings(database).draw(event: e.id, context: call.auditContext)
        return .ok(.init(body: .json(try await orderSchema(drawn))))
    }

    func planOpeningBatches(_ input: Operations.PlanOpeningBatches.Input) async throws -> Operations.PlanOpeningBatches.Output {
        let b = switch input.body { case .json(let json): json }
        let e = try await loadOpening(input.path.openingId, .salesControl)
        let plan = try await services.openings(database).planBatches(event: e.id, size: b.size, minutes: b.minutes, gapMinutes: b.gapMinutes ?? 0,
                                                                     context: call.auditContext)
        return .ok(.init(body: .json(.init(items: plan.map(Self.batchSchema)))))
    }

    func actOnOpening(_ input: Operations.ActOnOpening.Input) async throws -> Operations.ActOnOpening.Output {
        let b = switch input.body { case .json(let json): json }
        let e = try await loadOpening(input.path.openingId, .salesControl)
        guard let action = OpeningAction(rawValue: b.action.rawValue) else { throw Problem.invalid("action", "opening_action_not_allowed") }
        let done = try await services.openings(database).act(action, event: e.id, extendMinutes: b.minutes ?? 0, context: call.auditContext)
        return .ok(.init(body: .json(try await openingSchema(done))))
    }

    func pauseOpening(_ input: Operations.PauseOpening.Input) async throws -> Operations.PauseOpening.Output {
        let e = try await loadOpening(input.path.openingId, .salesControl)
        let svc = services.openings(database)
        _ = try await svc.act(.pause, event: try await svc.engineEvent(e.id).id, context: call.auditContext)
        return .ok(.init(body: .json(try await openingSchema(try await svc.event(e.id)))))
    }

    func resumeOpening(_ input: Operations.ResumeOpening.Input) async throws -> Operations.ResumeOpening.Output {
        let e = try await loadOpening(input.path.openingId, .salesControl)
        let svc = services.openings(database)
        _ = try await svc.act(.resume, event: try await svc.engineEvent(e.id).id, context: call.auditContext)
        return .ok(.init(body: .json(try await openingSchema(try await svc.event(e.id)))))
    }

    func getOpeningResults(_ input: Operations.GetOpeningResults.Input) async throws -> Operations.GetOpeningResults.Output {
        let e = try await loadOpening(input.path.openingId, .salesView)
        let rows = try await services.openings(database).results(e.id)
        return .ok(.init(body: .json(.init(logHash: e.logHash, items: rows.map { r in
            .init(rank: r.rank, number: r.number, name: Masking.name(r.name), unitCode: r.unitCode, price: r.listTotalFen.map { Money(fen: $0).plain },
                  confirmedAt: r.confirmedAt, subscriptionNumber: r.subscriptionNumber)
        }))))
    }
}

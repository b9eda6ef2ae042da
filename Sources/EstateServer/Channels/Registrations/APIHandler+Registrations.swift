import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/registrations` (报备): brokers and channel staff register, the channel manager sees all
/// and decides the queue, a broker only their own (another's by id is 404); consultants confirm
/// visits (带访确认).
extension APIHandler {
    /// A registration `principal` may read: the channel manager of its project, the broker who made it, or
    /// (to confirm its visit) a consultant of the project; 404 for anyone else.
    func loadRegistration(_ raw: String, consultants: Bool = true) async throws -> (RegistrationService.Registration, Principal) {
        let p = try call.requirePrincipal()
        let r = try await services.registrations(database).registration(try Self.uuid(raw))
        guard RegistrationService.visible(r, to: p) || (consultants && p.canSee(project: r.projectId) && p.may(.salesCreate, on: r.projectId))
        else { throw Problem.notFound }
        return (r, p)
    }

    static func verdictSchema(_ v: Verdict) -> Schemas.Verdict {
        Schemas.Verdict(outcome: .init(rawValue: v.outcome.rawValue)!, reason: v.reason, holds: v.holds, validUntil: v.validUntil,
                        displaces: v.displaces.map(\.uuidString), ruleVersion: v.ruleVersion,
                        steps: v.steps.map { .init(check: .init(rawValue: $0.check.rawValue)!, result: .init(rawValue: $0.result.rawValue)!,
                                                   detail: .init(additionalProperties: $0.detail)) })
    }

    static func evidenceSchema(_ e: RegistrationEvidence) -> Schemas.RegistrationEvidence {
        Schemas.RegistrationEvidence(owner: e.owner.map { .init(name: $0.name, since: $0.since, protectedUntil: $0.protectedUntil) },
                                     walkIns: e.walkIns, hotlineCalls: e.hotlineCalls,
                                     claims: e.claims.map { .init(id: $0.id.uuidString, channelName: $0.channelName, number: $0.number.maskedForm,
                                                                  at: $0.at, visitedAt: $0.visitedAt, state: .init(rawValue: $0.state.rawValue)!) })
    }

    func registrationSchema(_ r: RegistrationService.Registration, for p: Principal) -> Schemas.Registration {
        let own = r.brokerId == p.userID
        let manager = p.may(.channelsManage, on: r.projectId)
        let fallback = Schemas.Verdict(outcome: .refused, holds: false, displaces: [], ruleVersion: r.ruleVersion, steps: [])
        let verdict: Schemas.Verdict = r.storedVerdict.map(Self.verdictSchema) ?? fallback
        let token: (token: String, expires: Date)? = own ? services.registrations(database).visitToken(r) : nil
        let evidence: Schemas.RegistrationEvidence? = manager ? r.storedFacts.map { Self.evidenceSchema($0.evidence) } : nil
        let kind: Schemas.ChannelKind = .init(rawValue: r.channelKind ?? "") ?? .agency
        let status: Schemas.RegistrationStatus = .init(rawValue: r.status) ?? .refused
        let name: String = own || manager ? r.customerName : Masking.name(r.customerName)
        var out = Schemas.Registration(id: r.id.uuidString, number: r.number, projectId: r.projectId.uuidString, channelId: r.channelId.uuidString,
                                       channelName: r.channelName ?? "", channelKind: kind, brokerId: r.brokerId.uuidString,
                                       brokerName: r.brokerName ?? "", customerName: name, mobile: r.mobile(for: p.userID), status: status,
                                       ruleVersion: r.ruleVersion, verdict: verdict, createdAt: r.createdAt)
        out.reason = r.reason
        out.evidence = evidence
        out.validUntil = r.validUntil
        out.visitedAt = r.visitedAt
        out.visitUntil = r.visitUntil
        out.decidedAt = r.decidedAt
        out.decisionNote = r.decisionNote
        out.referrer = r.referrer
        out.visitToken = token?.token
        out.visitTokenExpires = token?.expires
        return out
    }

    func listRegistrations(_ input: Operations.ListRegistrations.Input) async throws -> Operations.ListRegistrations.Output {
        let q = input.query
        let p = try call.requirePrincipal()
        let projectID = try Self.uuid(q.projectId, field: "projectId")
        guard p.canSee(project: projectID) else { throw Problem.notFound }
        let svc = services.registrations(database)
        let page = try PageRequest(page: q.page ?? 1, perPage: q.perPage ?? 50)
        if let number = q.number, !number.isEmpty, !p.may(.channelLeadsRegister, on: projectID) {
            // A consultant at the sales site finds one registration by its number, to confirm the visit.
            guard p.may(.salesCreate, on: projectID) else { throw Problem.forbidden }
            let found = try await ifFound { try await svc.registration(number: number, projectID: projectID) }
            let items = found.map { [registrationSchema($0, for: p)] } ?? []
            return .ok(.init(body: .json(.init(items: items, page: 1, perPage: page.perPage, total: items.count))))
        }
        guard p.may(.channelLeadsRegister, on: projectID) else { throw Problem.forbidden }
        var f = RegistrationService.Filter()
        f.status = q.status.flatMap { RegistrationStatus(rawValue: $0.rawValue) }
        f.channelID = try q.channelId.map { try Self.uuid($0, field: "channelId") }
        if !p.may(.channelsManage, on: projectID) { f.brokerID = p.userID }
        if let number = q.number, !number.isEmpty {
            let found = try await ifFound { try await svc.registration(number: number, projectID: projectID) }
            let items = found.flatMap { RegistrationService.visible($0, to: p) ? [registrationSchema($0, for: p)] : nil } ?? []
            return .ok(.init(body: .json(.init(items: items, page: 1, perPage: page.perPage, total: items.count))))
        }
        let list = try await svc.list(projectID, f, page: page)
        return .ok(.init(body: .json(.init(items: list.items.map { registrationSchema($0, for: p) }, page: list.page, perPage: list.perPage,
                                           total: list.total))))
    }

    func createRegistration(_ input: Operations.CreateRegistration.Input) async throws -> Operations.CreateRegistration.Output {
        let b = switch input.body { case .json(let json): json }
        let p = try call.requirePrincipal()
        let projectID = try Self.uuid(b.projectId, field: "projectId")
        guard p.canSee(project: projectID) else { throw Problem.notFound }
        guard p.may(.channelLeadsRegister, on: projectID) else { throw Problem.forbidden }
        var d = RegistrationService.Draft(projectID: projectID, channelID: try Self.uuid(b.channelId, field: "channelId"), mobile: b.mobile,
                                          customerName: b.customerName)
        d.note = b.note ?? ""
        d.referrer = b.referrer ?? ""
        let r = try await services.registrations(database).register(d, by: p, context: call.auditContext)
        return .created(.init(body: .json(registrationSchema(r, for: p))))
    }

    func getRegistration(_ input: Operations.GetRegistration.Input) async throws -> Operations.GetRegistration.Output {
        let (r, p) = try await loadRegistration(input.path.registrationId)
        return .ok(.init(body: .json(registrationSchema(r, for: p))))
    }

    func confirmRegistrationVisit(_ input: Operations.ConfirmRegistrationVisit.Input) async throws -> Operations.ConfirmRegistrationVisit.Output {
        let b = switch input.body { case .json(let json): json }
        let p = try call.requirePrincipal()
        let id = try Self.uuid(input.path.registrationId)
        let proof: RegistrationService.VisitProof = b.token.map { .token($0) } ?? .number
        let r = try await services.registrations(database).confirmVisit(id, proof: proof, mobile: b.mobile, partySize: b.partySize, by: p,
                                                                        context: call.auditContext)
        return .ok(.init(body: .json(registrationSchema(r, for: p))))
    }

    func decideRegistration(_ input: Operations.DecideRegistration.Input) async throws -> Operations.DecideRegistration.Output {
        let b = switch input.body { case .json(let json): json }
        let (r, p) = try await loadRegistration(input.path.registrationId, consultants: false)
        guard p.may(.channelsManage, on: r.projectId) else { throw Problem.notFound }
        let decided = try await services.registrations(database).decide(r.id, award: b.award, note: b.note ?? "", by: p, context: call.auditContext)
        return .ok(.init(body: .json(registrationSchema(decided, for: p))))
    }

    func replayRegistration(_ input: Operations.ReplayRegistration.Input) async throws -> Operations.ReplayRegistration.Output {
        let (r, _) = try await loadRegistration(input.path.registrationId, consultants: false)
        let replay = try await services.registrations(database).replay(r)
        return .ok(.init(body: .json(.init(same: replay.same, stored: Self.verdictSchema(replay.stored), replayed: Self.verdictSchema(replay.replayed),
                                           ruleVersion: replay.rule.version, rule: Self.ruleBody(replay.rule)))))
    }
}

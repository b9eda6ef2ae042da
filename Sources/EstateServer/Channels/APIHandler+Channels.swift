import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/channels` and `/api/v1/channel-rules`: the channel manager of a project sets up its
/// channels (with agreements and brokers) and the 报备 rules per channel kind.
extension APIHandler {
    func channelSchema(_ c: ChannelService.Channel, projectID: UUID?) async throws -> Schemas.Channel {
        let svc = services.channels(database)
        let agreements = try await svc.agreements(channelIDs: [c.id], projectID: projectID)
        let brokers = try await svc.brokers(of: [c.id])
        return Schemas.Channel(id: c.id.uuidString, name: c.name, kind: .init(rawValue: c.kind) ?? .agency, contactName: c.contactName,
                               contactMobile: c.contactMobile.map(Masking.mobile), note: c.note,
                               agreements: agreements.map { .init(id: $0.id.uuidString, projectId: $0.projectId.uuidString, startsOn: $0.startsOn,
                                                                  endsOn: $0.endsOn, terms: $0.terms) },
                               brokers: brokers.map { .init(userId: $0.userId.uuidString, displayName: $0.displayName ?? "") },
                               createdAt: c.createdAt)
    }

    func listChannels(_ input: Operations.ListChannels.Input) async throws -> Operations.ListChannels.Output {
        let project = try await reportProject(input.query.projectId, .channelLeadsRegister)
        let list = try await services.channels(database).list(projectID: project.id, kind: input.query.kind.flatMap { ChannelKind(rawValue: $0.rawValue) })
        var items: [Schemas.Channel] = []
        for c in list { items.append(try await channelSchema(c, projectID: project.id)) }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createChannel(_ input: Operations.CreateChannel.Input) async throws -> Operations.CreateChannel.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .channelsManage)
        // Dates first: nothing is created when the agreement would be refused.
        guard let from = CalendarDay(b.startsOn) else { throw Problem.invalid("startsOn", "date_invalid") }
        guard let to = CalendarDay(b.endsOn), from <= to else { throw Problem.invalid("endsOn", "agreement_dates_invalid") }
        guard from.days(until: to) <= 3660 else { throw Problem.invalid("endsOn", "agreement_dates_invalid") }
        var d = ChannelService.Draft(name: b.name, kind: ChannelKind(rawValue: b.kind.rawValue) ?? .agency)
        d.contactName = b.contactName ?? ""
        d.contactMobile = b.contactMobile
        d.note = b.note ?? ""
        let p = try call.requirePrincipal()
        let svc = services.channels(database)
        let c = try await svc.create(d, by: p.userID, context: call.auditContext)
        _ = try await svc.addAgreement(c.id, projectID: project.id, startsOn: from.description, endsOn: to.description, terms: b.terms ?? "",
                                       by: p.userID, context: call.auditContext)
        return .created(.init(body: .json(try await channelSchema(c, projectID: project.id))))
    }

    func addChannelAgreement(_ input: Operations.AddChannelAgreement.Input) async throws -> Operations.AddChannelAgreement.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .channelsManage)
        let svc = services.channels(database)
        let c = try await svc.channel(try Self.uuid(input.path.channelId))
        _ = try await svc.addAgreement(c.id, projectID: project.id, startsOn: b.startsOn, endsOn: b.endsOn, terms: b.terms ?? "",
                                       by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(try await channelSchema(c, projectID: project.id))))
    }

    func addChannelBroker(_ input: Operations.AddChannelBroker.Input) async throws -> Operations.AddChannelBroker.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .channelsManage)
        let svc = services.channels(database)
        let c = try await svc.channel(try Self.uuid(input.path.channelId))
        // A channel manager links brokers of channels working on their project only.
        guard try await !svc.agreements(channelIDs: [c.id], projectID: project.id).isEmpty else { throw Problem.notFound }
        _ = try await svc.addBroker(c.id, userID: try Self.uuid(b.userId, field: "userId"), context: call.auditContext)
        return .created(.init(body: .json(try await channelSchema(c, projectID: project.id))))
    }

    static func ruleBody(_ r: ChannelRule) -> Schemas.ChannelRuleBody {
        Schemas.ChannelRuleBody(mode: .init(rawValue: r.mode.rawValue)!, validityHours: r.validityHours, visitProtectionDays: r.visitProtectionDays,
                                dealProtectionDays: r.dealProtectionDays, maskedNumbers: .init(rawValue: r.maskedNumbers.rawValue)!,
                                onConflict: .init(rawValue: r.onConflict.rawValue)!, capPerBrokerPerDay: r.capPerBrokerPerDay,
                                cooldownDays: r.cooldownDays, evidenceDays: r.evidenceDays,
                                exemptions: r.exemptions.map(\.rawValue).sorted().compactMap { .init(rawValue: $0) })
    }

    static func ruleSchema(_ v: ChannelService.RuleVersion) -> Schemas.ChannelRuleVersion {
        Schemas.ChannelRuleVersion(id: v.id.uuidString, projectId: v.projectID.uuidString, channelKind: .init(rawValue: v.kind.rawValue)!,
                                   version: v.rule.version, rule: ruleBody(v.rule), createdAt: v.createdAt)
    }

    func listChannelRules(_ input: Operations.ListChannelRules.Input) async throws -> Operations.ListChannelRules.Output {
        let project = try await reportProject(input.query.projectId, .channelLeadsRegister)
        let list = try await services.channels(database).rules(projectID: project.id, kind: input.query.kind.flatMap { ChannelKind(rawValue: $0.rawValue) })
        return .ok(.init(body: .json(.init(items: list.map(Self.ruleSchema)))))
    }

    func createChannelRule(_ input: Operations.CreateChannelRule.Input) async throws -> Operations.CreateChannelRule.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .channelsManage)
        let r = b.rule
        let rule = ChannelRule(mode: ProtectionMode(rawValue: r.mode.rawValue) ?? .registrationFirst, validityHours: r.validityHours,
                               visitProtectionDays: r.visitProtectionDays, dealProtectionDays: r.dealProtectionDays,
                               maskedNumbers: MaskedNumberPolicy(rawValue: r.maskedNumbers.rawValue) ?? .refused,
                               onConflict: ConflictHandling(rawValue: r.onConflict.rawValue) ?? .refuse, capPerBrokerPerDay: r.capPerBrokerPerDay,
                               cooldownDays: r.cooldownDays, evidenceDays: r.evidenceDays,
                               exemptions: Set(r.exemptions.compactMap { RuleExemption(rawValue: $0.rawValue) }))
        let v = try await services.channels(database).putRule(rule, kind: ChannelKind(rawValue: b.channelKind.rawValue) ?? .agency, projectID: project.id,
                                                               by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.ruleSchema(v))))
    }
}

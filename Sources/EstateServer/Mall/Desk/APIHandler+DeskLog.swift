import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/lost-items`, `/api/v1/broadcasts`, `/api/v1/screens` (issue 20 point 5).
extension APIHandler {
    static func lostSchema(_ i: DeskLogService.LostItem) -> Schemas.LostItem {
        Schemas.LostItem(id: i.id.uuidString, number: i.number, description: i.description, foundAt: i.foundAt, foundPlace: i.foundPlace, finder: i.finder,
                         storagePlace: i.storagePlace, keepDays: i.keepDays, handoverDue: i.handoverDue, status: .init(rawValue: i.status) ?? .held,
                         claimantName: i.claimantName, claimantIdMasked: i.claimantIdMasked, claimSignature: i.claimSignature, claimedAt: i.claimedAt,
                         handedTo: i.handedTo, handedAt: i.handedAt, hasPhoto: i.photo != nil)
    }

    static func broadcastSchema(_ b: DeskLogService.Broadcast) -> Schemas.Broadcast {
        Schemas.Broadcast(id: b.id.uuidString, kind: .init(rawValue: b.kind) ?? .person, requestedBy: b.requestedBy, text: b.text, timesRead: b.timesRead,
                          lastReadAt: b.lastReadAt, createdAt: b.createdAt)
    }

    /// A record of the desk by path id: its mall must be the caller's (404), with the desk's action there.
    func deskMall(of mallID: UUID) async throws -> MallService.Mall {
        let p = try call.requirePrincipal()
        guard let m = try await ifFound({ try await services.malls(database).mall(mallID) }), p.canSee(project: m.projectId) else { throw Problem.notFound }
        try await require(.mallDesk, on: m.projectId)
        return m
    }

    func listLostItems(_ input: Operations.ListLostItems.Input) async throws -> Operations.ListLostItems.Output {
        let m = try await mall(input.query.mallId, .mallDesk)
        let items = try await services.deskLog(database).lostItems(m.id, status: input.query.status.flatMap { LostItemStatus(rawValue: $0.rawValue) })
        return .ok(.init(body: .json(.init(items: items.map(Self.lostSchema)))))
    }

    func recordLostItem(_ input: Operations.RecordLostItem.Input) async throws -> Operations.RecordLostItem.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(b.mallId, .mallDesk)
        let i = try await services.deskLog(database).found(mall: m, description: b.description, foundAt: b.foundAt, place: b.foundPlace, finder: b.finder,
                                                           storage: b.storagePlace, keepDays: b.keepDays, by: try call.requirePrincipal().userID,
                                                           context: call.auditContext)
        return .created(.init(body: .json(Self.lostSchema(i))))
    }

    func claimLostItem(_ input: Operations.ClaimLostItem.Input) async throws -> Operations.ClaimLostItem.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.deskLog(database)
        guard let item = try await ifFound({ try await svc.lostItem(try Self.uuid(input.path.itemId)) }) else { throw Problem.notFound }
        let m = try await deskMall(of: item.mallId)
        let i = try await svc.claim(item.id, mall: m, claimant: b.claimantName, idKind: b.idKind.flatMap { IdentityKind(rawValue: $0.rawValue) },
                                    idNumber: b.idNumber ?? "", signature: b.signature, by: try call.requirePrincipal().userID, context: call.auditContext)
        return .ok(.init(body: .json(Self.lostSchema(i))))
    }

    func handOverLostItem(_ input: Operations.HandOverLostItem.Input) async throws -> Operations.HandOverLostItem.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = services.deskLog(database)
        guard let item = try await ifFound({ try await svc.lostItem(try Self.uuid(input.path.itemId)) }) else { throw Problem.notFound }
        let m = try await deskMall(of: item.mallId)
        let i = try await svc.handOver(item.id, mall: m, to: b.handedTo, by: try call.requirePrincipal().userID, context: call.auditContext)
        return .ok(.init(body: .json(Self.lostSchema(i))))
    }

    func listBroadcasts(_ input: Operations.ListBroadcasts.Input) async throws -> Operations.ListBroadcasts.Output {
        let m = try await mall(input.query.mallId, .mallDesk)
        return .ok(.init(body: .json(.init(items: try await services.deskLog(database).broadcasts(m.id).map(Self.broadcastSchema)))))
    }

    func createBroadcast(_ input: Operations.CreateBroadcast.Input) async throws -> Operations.CreateBroadcast.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(b.mallId, .mallDesk)
        let r = try await services.deskLog(database).broadcast(mall: m, kind: BroadcastKind(rawValue: b.kind.rawValue) ?? .person, requestedBy: b.requestedBy,
                                                               text: b.text, by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.broadcastSchema(r))))
    }

    func readBroadcast(_ input: Operations.ReadBroadcast.Input) async throws -> Operations.ReadBroadcast.Output {
        let svc = services.deskLog(database)
        guard let b = try await ifFound({ try await svc.broadcast(try Self.uuid(input.path.broadcastId)) }) else { throw Problem.notFound }
        let m = try await deskMall(of: b.mallId)
        return .ok(.init(body: .json(Self.broadcastSchema(try await svc.read(b.id, mall: m, context: call.auditContext)))))
    }

    static func screenSchema(_ s: DeskLogService.ScreenMessage, now: Date) -> Schemas.ScreenMessage {
        Schemas.ScreenMessage(id: s.id.uuidString, screen: s.screen, text: s.text, startsAt: s.startsAt, endsAt: s.endsAt, rotation: s.rotation,
                              showing: s.slot.shows(at: now))
    }

    func listScreenMessages(_ input: Operations.ListScreenMessages.Input) async throws -> Operations.ListScreenMessages.Output {
        let m = try await mall(input.query.mallId, .mallDesk)
        let now = services.now()
        let messages = try await services.deskLog(database).screenMessages(m.id)
        let screens = Array(Set(messages.map(\.screen))).sorted()
        let showing = screens.map { screen in
            Schemas.ScreenShowing(screen: screen, messageIds: ScreenSlot.showing(messages.filter { $0.screen == screen }.map(\.slot), at: now).map(\.id.uuidString))
        }
        return .ok(.init(body: .json(.init(at: now, messages: messages.map { Self.screenSchema($0, now: now) }, showing: showing))))
    }

    func scheduleScreenMessage(_ input: Operations.ScheduleScreenMessage.Input) async throws -> Operations.ScheduleScreenMessage.Output {
        let b = switch input.body { case .json(let json): json }
        let m = try await mall(b.mallId, .mallDesk)
        let s = try await services.deskLog(database).schedule(mall: m, screen: b.screen, text: b.text, startsAt: b.startsAt, endsAt: b.endsAt,
                                                              rotation: b.rotation ?? 0, by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.screenSchema(s, now: services.now()))))
    }
}

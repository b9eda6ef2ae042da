import EstateCore
import FluentKit
import Foundation
import SQLKit

/// What the buyer's phone page asks: their registrations, the engine's event (a rehearsal's copy
/// while one runs), favourites prepared before the opening.
extension OpeningService {
    /// The events (not closed, not copies) this mobile is registered for, soonest first.
    public func buyerEvents(mobile: String) async throws -> [Event] {
        try await store.sql.raw("""
            SELECT \(unsafeRaw: Self.eventColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))
            FROM opening_events e JOIN opening_registrations r ON r.event_id = e.id
            WHERE r.mobile = \(bind: mobile) AND r.status = 'active' AND e.source_event_id IS NULL AND e.status <> 'closed'
            ORDER BY e.starts_at
            """).all(decoding: Event.self, with: decoder)
    }

    /// The event the engine runs for `eventID` now: its rehearsal copy during a rehearsal, else itself.
    public func engineEvent(_ eventID: UUID) async throws -> Event {
        let e = try await event(eventID)
        if e.state == .rehearsal, let copy = try await rehearsal(of: eventID) { return copy }
        return e
    }

    /// Where a buyer stands in an event: the event, the one the engine runs now (its rehearsal copy
    /// during a rehearsal), the buyer's registration there, and the one on the real event (favourites
    /// live there). 404 unless `mobile` holds an active registration of a real event.
    public struct Seat: Sendable {
        public var event: Event
        public var engine: Event
        public var registration: Registration
        public var real: Registration
    }

    public func seat(event eventID: UUID, mobile: String) async throws -> Seat {
        let e = try await event(eventID)
        guard !e.isRehearsal, let real = try await registration(event: e.id, mobile: mobile), real.status == "active" else { throw Problem.notFound }
        let engine = try await engineEvent(e.id)
        guard let r = engine.id == e.id ? real : try await registration(event: engine.id, mobile: mobile) else { throw Problem.notFound }
        return Seat(event: e, engine: engine, registration: r, real: real)
    }

    public func registration(event eventID: UUID, mobile: String) async throws -> Registration? {
        try await store.sql.raw("""
            SELECT \(unsafeRaw: Self.registrationColumns) FROM opening_registrations WHERE event_id = \(bind: eventID) AND mobile = \(bind: mobile)
            """).first(decoding: Registration.self, with: decoder)
    }

    /// Favourite units by registration number, kept on the real event's registration so a rehearsal
    /// uses them too.
    public func favourites(_ registrationID: UUID) async throws -> [UUID] {
        struct R: Decodable { var unitId: UUID }
        return try await store.sql.raw("SELECT unit_id FROM opening_favourites WHERE registration_id = \(bind: registrationID) ORDER BY position")
            .all(decoding: R.self, with: decoder).map(\.unitId)
    }

    /// Adds or removes a favourite (at most 20); only units of the event.
    public func toggleFavourite(_ registration: Registration, unit unitID: UUID, context: AuditContext) async throws -> Bool {
        guard try await slots(registration.eventId).contains(where: { $0.unitId == unitID }) else { throw Self.problem(.unitNotInEvent) }
        let current = try await favourites(registration.id)
        let adding = !current.contains(unitID)
        if adding, current.count >= 20 { throw Problem.conflict("opening_favourites_full", ["max": "20"]) }
        try await store.audited(context) { tx in
            if adding {
                try await tx.sql.insert(into: "opening_favourites").columns("registration_id", "unit_id", "position")
                    .values(SQLBind(registration.id), SQLBind(unitID), SQLBind(current.count)).ignoringConflicts(with: ["registration_id", "unit_id"]).run()
            } else {
                try await tx.sql.delete(from: "opening_favourites").where("registration_id", .equal, registration.id).where("unit_id", .equal, unitID).run()
            }
            return ((), AuditEntry(action: "opening.favourite", entity: "opening_registration", entityID: registration.id.uuidString,
                                   projectID: registration.projectId, summary: "\(registration.number) \(adding ? "added" : "removed") a favourite"))
        }
        return adding
    }
}

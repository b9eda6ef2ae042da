import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 销控: every status move of a unit goes through here. A move is a conditional
/// UPDATE (`… WHERE status = <what we saw>`), so of two concurrent requests only
/// one changes the row; live holds are also rows of `unit_claims`, whose partial
/// unique index refuses a second live claim on a unit even if code were wrong.
public struct SalesControlService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let events: UnitEventHub

    public struct Reservation: Sendable, Equatable {
        public var customerName: String
        public var customerMobile: String
        public var expiresAt: Date
        public var note: String
        public init(customerName: String, customerMobile: String, expiresAt: Date, note: String = "") {
            self.customerName = customerName; self.customerMobile = customerMobile; self.expiresAt = expiresAt; self.note = note
        }
    }

    /// The longest a reservation may run.
    public static let maxReservation: TimeInterval = 30 * 24 * 3600

    /// Withhold, release the hold, reserve or cancel a reservation, or release one unit.
    public func apply(_ move: UnitMove, unit unitID: UUID, in projectID: UUID, reason: String,
                      reservation: Reservation? = nil, context: AuditContext) async throws -> UnitRow {
        guard move.isSalesControl else { throw Problem.invalid("move", "move_not_sales_control") }
        var bad: [Problem.FieldError] = []
        if move.needsReason, reason.isEmpty { bad.append(.init(field: "reason", code: "reason_required")) }
        if !reason.isEmpty, !Text.isCleanLine(reason, maxLength: 200) { bad.append(.init(field: "reason", code: "text_invalid")) }
        let now = now()
        if move == .reserve {
            if let r = reservation {
                if !Text.isCleanLine(r.customerName, maxLength: 40) { bad.append(.init(field: "customerName", code: "customer_name_invalid")) }
                if MobileNumber.normalized(r.customerMobile) != r.customerMobile { bad.append(.init(field: "customerMobile", code: "mobile_invalid")) }
                if r.expiresAt <= now || r.expiresAt.timeIntervalSince(now) > Self.maxReservation {
                    bad.append(.init(field: "expiresAt", code: "reservation_expiry_invalid"))
                }
                if !r.note.isEmpty, !Text.isCleanLine(r.note, maxLength: 200) { bad.append(.init(field: "note", code: "text_invalid")) }
            } else { bad.append(.init(field: "customerName", code: "required")) }
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        do {
            try await store.audited(context, announcing: events) { tx in
                var claimID: UUID?
                var detail = reason
                if move == .reserve {
                    // The status move first: an unknown unit is a 404 and a taken one a 409 with its
                    // status; the claim's unique index is the second line of defence.
                    _ = try await Self.transition(.reserve, unit: unitID, in: projectID, reason: "", claimID: nil, batchID: nil,
                                                  context: context, now: now, on: tx, recordHistory: false)
                }
                switch move {
                case .reserve:
                    let r = reservation!
                    claimID = try await Self.insertClaim(kind: "reservation", unitID: unitID, projectID: projectID,
                                                         customerName: r.customerName, mobile: r.customerMobile,
                                                         note: r.note, expiresAt: r.expiresAt, context: context, now: now, on: tx)
                    detail = r.customerName + (reason.isEmpty ? "" : " · \(reason)")
                case .unreserve:
                    claimID = try await Self.endClaim(unitID: unitID, kind: "reservation", reason: reason.isEmpty ? "cancelled" : reason,
                                                      now: now, on: tx)
                default: break
                }
                let moved = move == .reserve
                    ? try await Self.recordReserve(unit: unitID, in: projectID, reason: detail, claimID: claimID, context: context, now: now, on: tx)
                    : try await Self.transition(move, unit: unitID, in: projectID, reason: detail, claimID: claimID,
                                                batchID: nil, context: context, now: now, on: tx)
                return ((), AuditEntry(action: "unit.\(move.rawValue)", entity: "unit", entityID: unitID.uuidString,
                                       projectID: projectID,
                                       summary: "unit \(moved.code): \(moved.from.rawValue) → \(move.to.rawValue)\(detail.isEmpty ? "" : " (\(detail))")",
                                       before: ["status": moved.from.rawValue],
                                       after: ["status": move.to.rawValue, "reason": detail,
                                               "expiresAt": reservation.map { $0.expiresAt.rfc3339 } ?? ""].filter { !$0.value.isEmpty }),
                        UnitChange(projectID: projectID, unitIDs: [unitID]))
            }
        } catch where error.isConstraintFailure {
            // The partial unique index: someone else holds this unit.
            let current = try? await InventoryService(store: store, now: self.now, events: events).unit(unitID, in: projectID)
            throw Problem.conflict("unit_taken", ["code": current?.code ?? "", "status": current?.status.rawValue ?? ""])
        }
        return try await InventoryService(store: store, now: self.now, events: events).unit(unitID, in: projectID)
    }

    /// 推盘: releases the listed units as one named batch. All or nothing: if any unit
    /// is not unreleased, nothing changes and the answer lists them.
    public func release(_ unitIDs: [UUID], in projectID: UUID, batchName: String, context: AuditContext) async throws -> Int {
        let name = batchName
        guard Text.isCleanLine(name, maxLength: 60) else { throw Problem.invalid("name", "batch_name_invalid") }
        let ids = Array(Set(unitIDs))
        guard !ids.isEmpty else { throw Problem.invalid("unitIds", "no_units_selected") }
        guard ids.count <= 20_000 else { throw Problem.invalid("unitIds", "too_many_units") }
        let now = now()
        let batchID = UUID()
        return try await store.audited(context, announcing: events) { tx in
            struct Row: Decodable { var id: UUID; var code: String; var status: String }
            var rows: [Row] = []
            for chunk in ids.chunked(500) {
                rows += try await tx.sql.select().columns("id", "code", "status").from("units")
                    .where("project_id", .equal, projectID).where("id", .in, Array(chunk)).all(decoding: Row.self)
            }
            // Ids that are not units of this project: the request is wrong, the project is there.
            guard rows.count == ids.count else { throw Problem.invalid("unitIds", "unit_unknown") }
            let blocked = rows.filter { $0.status != UnitStatus.unreleased.rawValue }.map(\.code).sorted()
            if !blocked.isEmpty {
                throw Problem.conflict("units_not_unreleased", ["codes": blocked.prefix(20).joined(separator: "、"),
                                                                "count": "\(blocked.count)"])
            }
            try await tx.sql.insert(into: "release_batches").columns("id", "project_id", "name", "unit_count", "created_by", "created_at")
                .values(SQLBind(batchID), SQLBind(projectID), SQLBind(name), SQLBind(ids.count), SQLBind(context.actorID), SQLBind(now)).run()
            var changed = 0
            for chunk in ids.chunked(500) {
                changed += try await tx.sql.update("units").set("status", to: UnitStatus.available.rawValue).set("updated_at", to: now)
                    .where("project_id", .equal, projectID).where("id", .in, Array(chunk))
                    .where("status", .equal, UnitStatus.unreleased.rawValue)
                    .returning("id").all().count
            }
            // Read and update ran in one transaction; a difference means a concurrent move won.
            guard changed == ids.count else { throw Problem.conflict("units_not_unreleased", ["codes": "", "count": "\(ids.count - changed)"]) }
            try await Self.insertEvents(rows.map { ($0.id, UnitStatus.unreleased) }, move: .release, projectID: projectID,
                                        reason: name, claimID: nil, batchID: batchID, context: context, now: now, on: tx)
            return (ids.count,
                    AuditEntry(action: "unit.release", entity: "release_batch", entityID: batchID.uuidString, projectID: projectID,
                               summary: "released \(ids.count) units as batch “\(name)”",
                               after: ["units": "\(ids.count)", "first": rows.map(\.code).sorted().first ?? ""]),
                    UnitChange(projectID: projectID, unitIDs: ids))
        }
    }

    /// Ends reservations whose time has passed: each unit back to available, one
    /// transaction and audit line per unit (by the system). Returns how many lapsed.
    @discardableResult
    public func releaseLapsedReservations() async throws -> Int {
        let now = now()
        struct Lapsed: Decodable { var unit_id: UUID; var project_id: UUID }
        let lapsed = try await store.sql.select().columns("unit_id", "project_id").from("unit_claims")
            .where("kind", .equal, "reservation").where(SQLColumn("is_live"), .equal, SQLLiteral.boolean(true))
            .where("expires_at", .lessThanOrEqual, now).limit(1000).all(decoding: Lapsed.self)
        var count = 0
        let context = AuditContext.system("reservation-expiry")
        for l in lapsed {
            do {
                try await store.audited(context, announcing: events) { tx in
                    // Still live and still lapsed inside this transaction, or someone acted first.
                    struct C: Decodable { var id: UUID }
                    guard try await tx.sql.select().column("id").from("unit_claims").where("unit_id", .equal, l.unit_id)
                        .where("kind", .equal, "reservation").where(SQLColumn("is_live"), .equal, SQLLiteral.boolean(true))
                        .where("expires_at", .lessThanOrEqual, now).first(decoding: C.self) != nil
                    else { throw CancellationError() }
                    let claim = try await Self.endClaim(unitID: l.unit_id, kind: "reservation", reason: "expired", now: now, on: tx)
                    let moved = try await Self.transition(.unreserve, unit: l.unit_id, in: l.project_id, reason: "expired",
                                                          claimID: claim, batchID: nil, context: context, now: now, on: tx)
                    return ((), AuditEntry(action: "unit.unreserve", entity: "unit", entityID: l.unit_id.uuidString,
                                           projectID: l.project_id, summary: "reservation of unit \(moved.code) lapsed",
                                           before: ["status": "reserved"], after: ["status": "available", "reason": "expired"]),
                            UnitChange(projectID: l.project_id, unitIDs: [l.unit_id]))
                }
                count += 1
            } catch is CancellationError {
                continue
            } catch let p as Problem where p.status == .conflict {
                // Someone cancelled or used it first (another server, a user): nothing to release.
                continue
            }
        }
        return count
    }

    /// The live reservation of a unit, if any.
    public struct Claim: Sendable, Decodable, Equatable {
        public var id: UUID
        public var kind: String
        public var customerName: String
        public var customerMobile: String
        public var note: String
        public var expiresAt: Date?
        public var createdAt: Date
        enum CodingKeys: String, CodingKey {
            case id, kind, note
            case customerName = "customer_name", customerMobile = "customer_mobile", expiresAt = "expires_at", createdAt = "created_at"
        }
    }

    public func liveClaim(_ unitID: UUID) async throws -> Claim? {
        try await store.sql.select().columns("id", "kind", "customer_name", "customer_mobile", "note", "expires_at", "created_at")
            .from("unit_claims").where("unit_id", .equal, unitID)
            .where(SQLColumn("is_live"), .equal, SQLLiteral.boolean(true)).first(decoding: Claim.self)
    }

    // MARK: Building blocks, used inside a caller's transaction (sales use them too)

    /// Moves one unit if it is in a status the move starts from: 404 when there is no
    /// such unit, 409 (`unit_status_conflict`) when it is in any other status.
    static func transition(_ move: UnitMove, unit unitID: UUID, in projectID: UUID, reason: String, claimID: UUID?,
                           batchID: UUID?, context: AuditContext, now: Date, on tx: any Database, recordHistory: Bool = true)
        async throws -> (code: String, from: UnitStatus)
    {
        struct Row: Decodable { var code: String; var status: String }
        guard let row = try await tx.sql.select().columns("code", "status").from("units")
            .where("id", .equal, unitID).where("project_id", .equal, projectID).first(decoding: Row.self)
        else { throw Problem.notFound }
        let seen = UnitStatus(rawValue: row.status) ?? .unreleased
        guard seen.allows(move) else { throw conflict(move, code: row.code, status: seen) }
        let changed = try await tx.sql.update("units").set("status", to: move.to.rawValue).set("updated_at", to: now)
            .where("id", .equal, unitID).where("status", .equal, seen.rawValue).returning("id").all()
        if changed.isEmpty {
            // Another transaction moved it between our read and our update (PostgreSQL re-checks
            // the WHERE after waiting for the row lock): report what it is now.
            let now = try await tx.sql.select().columns("code", "status").from("units").where("id", .equal, unitID).first(decoding: Row.self)
            throw conflict(move, code: row.code, status: UnitStatus(rawValue: now?.status ?? "") ?? seen)
        }
        if recordHistory {
            try await insertEvents([(unitID, seen)], move: move, projectID: projectID, reason: reason, claimID: claimID,
                                   batchID: batchID, context: context, now: now, on: tx)
        }
        return (row.code, seen)
    }

    /// The history line of a reservation whose status move already ran (it needed the claim's id).
    static func recordReserve(unit unitID: UUID, in projectID: UUID, reason: String, claimID: UUID?, context: AuditContext,
                              now: Date, on tx: any Database) async throws -> (code: String, from: UnitStatus) {
        struct Row: Decodable { var code: String }
        let code = try await tx.sql.select().column("code").from("units").where("id", .equal, unitID).first(decoding: Row.self)?.code ?? ""
        try await insertEvents([(unitID, .available)], move: .reserve, projectID: projectID, reason: reason, claimID: claimID,
                               batchID: nil, context: context, now: now, on: tx)
        return (code, .available)
    }

    static func conflict(_ move: UnitMove, code: String, status: UnitStatus) -> Problem {
        Problem.conflict("unit_status_conflict", ["code": code, "status": status.rawValue, "move": move.rawValue])
    }

    static func insertEvents(_ units: [(UUID, UnitStatus)], move: UnitMove, projectID: UUID, reason: String, claimID: UUID?,
                             batchID: UUID?, context: AuditContext, now: Date, on tx: any Database) async throws {
        for chunk in units.chunked(500) {
            var insert = tx.sql.insert(into: "unit_events").columns(
                "id", "project_id", "unit_id", "move", "from_status", "to_status", "reason", "claim_id", "batch_id",
                "actor_id", "actor_name", "at")
            for (unitID, from) in chunk {
                insert = insert.values(SQLBind(UUID()), SQLBind(projectID), SQLBind(unitID), SQLBind(move.rawValue),
                                       SQLBind(from.rawValue), SQLBind(move.to.rawValue), SQLBind(reason), SQLBind(claimID),
                                       SQLBind(batchID), SQLBind(context.actorID), SQLBind(context.actorName), SQLBind(now))
            }
            try await insert.run()
        }
    }

    /// A live hold on a unit; a second live one violates `unit_claims_live_uidx`.
    static func insertClaim(kind: String, unitID: UUID, projectID: UUID, customerName: String, mobile: String, note: String,
                            expiresAt: Date?, context: AuditContext, now: Date, on tx: any Database) async throws -> UUID {
        let id = UUID()
        try await tx.sql.insert(into: "unit_claims").columns(
            "id", "project_id", "unit_id", "kind", "customer_name", "customer_mobile", "note", "expires_at", "is_live",
            "created_by", "created_at")
            .values(SQLBind(id), SQLBind(projectID), SQLBind(unitID), SQLBind(kind), SQLBind(customerName), SQLBind(mobile),
                    SQLBind(note), SQLBind(expiresAt), SQLLiteral.boolean(true), SQLBind(context.actorID), SQLBind(now)).run()
        return id
    }

    /// Ends the unit's live claim of `kind`; 409 when there is none.
    static func endClaim(unitID: UUID, kind: String, reason: String, now: Date, on tx: any Database) async throws -> UUID {
        struct R: Decodable { var id: UUID }
        let ended = try await tx.sql.update("unit_claims").set("is_live", to: SQLLiteral.boolean(false))
            .set("ended_at", to: now).set("end_reason", to: reason)
            .where("unit_id", .equal, unitID).where("kind", .equal, kind)
            .where(SQLColumn("is_live"), .equal, SQLLiteral.boolean(true))
            .returning("id").all(decoding: R.self)
        guard let first = ended.first else { throw Problem.conflict("no_live_claim", ["kind": kind]) }
        return first.id
    }

    /// Ends the unit's live claim, whatever its kind (a sale letting the unit go); none is fine.
    static func endLiveClaim(unitID: UUID, reason: String, now: Date, on tx: any Database) async throws {
        try await tx.sql.update("unit_claims").set("is_live", to: SQLLiteral.boolean(false)).set("ended_at", to: now)
            .set("end_reason", to: reason)
            .where("unit_id", .equal, unitID).where(SQLColumn("is_live"), .equal, SQLLiteral.boolean(true)).run()
    }

    /// Names a new holder on the unit's live claim (更名).
    static func renameLiveClaim(unitID: UUID, customerName: String, mobile: String, on tx: any Database) async throws {
        try await tx.sql.update("unit_claims").set("customer_name", to: customerName).set("customer_mobile", to: mobile)
            .where("unit_id", .equal, unitID).where(SQLColumn("is_live"), .equal, SQLLiteral.boolean(true)).run()
    }

    /// Turns the unit's live claim into one of `kind` (签约: the subscription's hold becomes the contract's).
    static func convertLiveClaim(unitID: UUID, to kind: String, on tx: any Database) async throws {
        try await tx.sql.update("unit_claims").set("kind", to: kind).where("unit_id", .equal, unitID)
            .where(SQLColumn("is_live"), .equal, SQLLiteral.boolean(true)).run()
    }

    /// 开盘保留: units released to an opening leave ordinary sale (available → withheld) until the event
    /// sells or returns them. All or nothing: a unit no longer available makes it a 409 naming it.
    static func withhold(_ unitIDs: [UUID], in projectID: UUID, reason: String, context: AuditContext, now: Date,
                         on tx: any Database) async throws {
        try await move(unitIDs, .withhold, in: projectID, reason: reason, context: context, now: now, on: tx, strict: true)
    }

    /// Returns withheld units to ordinary sale (withheld → available); units in another status (sold meanwhile) are left.
    @discardableResult
    static func returnWithheld(_ unitIDs: [UUID], in projectID: UUID, reason: String, context: AuditContext, now: Date,
                               on tx: any Database) async throws -> Int {
        try await move(unitIDs, .unwithhold, in: projectID, reason: reason, context: context, now: now, on: tx, strict: false)
    }

    /// One move of many units, each a conditional update on the status the move starts from.
    private static func move(_ unitIDs: [UUID], _ move: UnitMove, in projectID: UUID, reason: String, context: AuditContext, now: Date,
                             on tx: any Database, strict: Bool) async throws -> Int {
        guard let from = move.from.first, move.from.count == 1 else { preconditionFailure("a bulk move starts from one status") }
        struct Row: Decodable { var id: UUID }
        var moved: [UUID] = []
        for chunk in Array(Set(unitIDs)).chunked(500) {
            moved += try await tx.sql.update("units").set("status", to: move.to.rawValue).set("updated_at", to: now)
                .where("project_id", .equal, projectID).where("id", .in, Array(chunk)).where("status", .equal, from.rawValue)
                .returning("id").all(decoding: Row.self).map(\.id)
        }
        if strict, moved.count != Set(unitIDs).count {
            let missed = Set(unitIDs).subtracting(moved)
            let codes = try await tx.sql.select().columns("code", "status").from("units").where("id", .in, Array(missed.prefix(20)))
                .all(decoding: UnitCodeStatus.self)
            throw Problem.conflict("unit_status_conflict", ["code": codes.map(\.code).sorted().joined(separator: "、"),
                                                            "status": codes.first?.status ?? "", "move": move.rawValue])
        }
        try await insertEvents(moved.map { ($0, from) }, move: move, projectID: projectID, reason: reason, claimID: nil, batchID: nil,
                               context: context, now: now, on: tx)
        return moved.count
    }

    private struct UnitCodeStatus: Decodable { var code: String; var status: String }

    /// The unit's status, if it is in the project.
    static func status(of unitID: UUID, in projectID: UUID, on tx: any Database) async throws -> UnitStatus? {
        struct U: Decodable { var status: String }
        return try await tx.sql.select().column("status").from("units").where("id", .equal, unitID).where("project_id", .equal, projectID)
            .first(decoding: U.self).flatMap { UnitStatus(rawValue: $0.status) }
    }

}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

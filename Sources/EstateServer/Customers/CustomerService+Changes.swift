import EstateCore
import FluentKit
import Foundation
import SQLKit

extension CustomerService {
    // MARK: - Create and change

    /// Creates a customer. A second one with the same mobile in the project is refused with 409
    /// `customer_exists` naming the existing record (its name masked when the caller may not
    /// open it), even when both requests race. `owner` starts the protection period.
    public func create(_ d: Draft, in projectID: UUID, owner: UUID?, context: AuditContext) async throws -> Record {
        let c = try check(name: d.name, mobile: d.mobile, idKind: d.idKind, idNumber: d.idNumber, gender: d.gender, address: d.address,
                          source: d.source, grade: d.grade, tags: d.tags, notes: d.notes)
        guard let name = c.name, let mobile = c.mobile else { throw Problem.invalid("name", "customer_name_invalid") }
        // A merged-away record still names its person: point to the record it went into.
        if let existing = try await find(mobile: mobile, in: projectID, includingMerged: true) {
            throw Self.exists(existing)
        }
        if let owner, try await !mayOwn(owner, in: projectID) { throw Problem.invalid("ownerId", "owner_not_consultant") }
        let id = UUID(), now = now()
        let days = try await protectionDays(projectID)
        let identity = c.identity ?? nil
        do {
            try await store.audited(context) { tx in
                try await tx.sql.insert(into: "customers").columns(
                    "id", "project_id", "name", "mobile", "mobile_suffix", "id_kind", "id_sealed", "id_lookup", "id_masked", "gender",
                    "address", "source", "grade", "owner_id", "owned_since", "protected_until", "tags", "notes", "next_step",
                    "visit_count", "call_count", "created_by", "created_at", "updated_at")
                    .values(SQLBind(id), SQLBind(projectID), SQLBind(name), SQLBind(mobile), SQLBind(MobileNumber.suffix(mobile)),
                            SQLBind(identity?.kind.rawValue), SQLBind(identity?.sealed), SQLBind(identity?.lookup), SQLBind(identity?.masked),
                            SQLBind(c.gender ?? "unknown"), SQLBind(c.address ?? ""), SQLBind(c.source ?? ""), SQLBind(c.grade ?? "C"),
                            SQLBind(owner), SQLBind(owner.map { _ in now }), SQLBind(owner.map { _ in Self.protection(from: now, days: days) }),
                            SQLBind(c.tags ?? ""), SQLBind(c.notes ?? ""), SQLBind(""), SQLBind(0), SQLBind(0),
                            SQLBind(context.actorID), SQLBind(now), SQLBind(now)).run()
                return ((), AuditEntry(action: "customer.create", entity: "customer", entityID: id.uuidString, projectID: projectID,
                                       summary: "created customer \(Masking.name(name)) \(Masking.mobile(mobile))",
                                       after: ["mobile": Masking.mobile(mobile), "grade": c.grade ?? "C", "owner": owner?.uuidString ?? "pool"]))
            }
        } catch where error.isConstraintFailure {
            let existing = try await find(mobile: mobile, in: projectID, includingMerged: true)
            throw existing.map(Self.exists) ?? Problem.conflict("customer_exists", ["id": "", "name": ""])
        }
        return try await record(id, in: projectID)
    }

    static func exists(_ r: Record) -> Problem {
        Problem.conflict("customer_exists", ["id": (r.mergedInto ?? r.id).uuidString, "name": Masking.name(r.name),
                                             "owner": r.ownerName ?? "—"])
    }

    /// Changes the given fields; a new mobile must not belong to another live record.
    public func update(_ id: UUID, in projectID: UUID, _ p: Patch, context: AuditContext) async throws -> Record {
        let c = try check(name: p.name, mobile: p.mobile, idKind: p.idKind, idNumber: p.idNumber, gender: p.gender, address: p.address,
                          source: p.source, grade: p.grade, tags: p.tags, notes: p.notes)
        let old = try await record(id, in: projectID)
        guard old.mergedInto == nil else { throw Problem.conflict("customer_merged", ["id": old.mergedInto!.uuidString]) }
        var sets: [(String, any Encodable & Sendable)] = []
        var before: [String: String] = [:], after: [String: String] = [:]
        func change(_ column: String, _ key: String, _ old: String, _ new: String?, shown: (String) -> String = { $0 }) {
            guard let new, new != old else { return }
            sets.append((column, new)); before[key] = shown(old); after[key] = shown(new)
        }
        change("name", "name", old.name, c.name, shown: Masking.name)
        if let m = c.mobile, m != old.mobile {
            sets.append(("mobile", m)); sets.append(("mobile_suffix", MobileNumber.suffix(m)))
            before["mobile"] = Masking.mobile(old.mobile); after["mobile"] = Masking.mobile(m)
        }
        change("gender", "gender", old.gender, c.gender)
        change("address", "address", old.address, c.address, shown: { "\($0.count) chars" })
        change("source", "source", old.source, c.source)
        change("grade", "grade", old.grade, c.grade)
        change("tags", "tags", old.tagsText, c.tags)
        change("notes", "notes", old.notes, c.notes, shown: { "\($0.count) chars" })
        if let identity = c.identity {
            sets.append(("id_kind", identity?.kind.rawValue)); sets.append(("id_sealed", identity?.sealed))
            sets.append(("id_lookup", identity?.lookup)); sets.append(("id_masked", identity?.masked))
            before["idNumber"] = old.idMasked ?? ""; after["idNumber"] = identity?.masked ?? ""
        }
        guard !sets.isEmpty else { return old }
        let now = now(), summary = "updated customer \(Masking.name(old.name))", b = before, a = after, changes = sets
        do {
            try await store.audited(context) { tx in
                var u = tx.sql.update("customers").set("updated_at", to: SQLBind(now))
                for (column, value) in changes { u = u.set(SQLIdentifier(column), to: SQLBind(value)) }
                // Conditional: a record merged away meanwhile is not changed (its mobile leads to the kept one).
                struct I: Decodable { var id: UUID }
                let done = try await u.where("id", .equal, id).where("project_id", .equal, projectID)
                    .where(SQLColumn("merged_into"), .is, SQLLiteral.null).returning("id").all(decoding: I.self)
                guard !done.isEmpty else { throw Problem.conflict("customer_merged", ["id": ""]) }
                return ((), AuditEntry(action: "customer.update", entity: "customer", entityID: id.uuidString, projectID: projectID,
                                       summary: summary, before: b, after: a))
            }
        } catch where error.isConstraintFailure {
            let existing = try await find(mobile: c.mobile ?? "", in: projectID, includingMerged: false)
            throw existing.map(Self.exists) ?? Problem.conflict("customer_exists", ["id": "", "name": ""])
        }
        return try await record(id, in: projectID)
    }
}

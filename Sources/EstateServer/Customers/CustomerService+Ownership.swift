import EstateCore
import FluentKit
import Foundation
import SQLKit

extension CustomerService {
    // MARK: - Ownership

    static func protection(from start: Date, days: Int) -> Date { start.addingTimeInterval(Double(days) * 86_400) }

    func protectionDays(_ projectID: UUID) async throws -> Int {
        struct P: Decodable { var customer_protection_days: Int }
        guard let p = try await store.sql.select().column("customer_protection_days").from("projects").where("id", .equal, projectID)
            .first(decoding: P.self) else { throw Problem.notFound }
        return p.customer_protection_days
    }

    /// Who can own customers in the project: enabled users with a consultant or sales-manager grant
    /// on it (or company-wide), by display name.
    public struct Owner: Sendable, Decodable {
        public var id: UUID
        public var username: String
        public var displayName: String
        enum CodingKeys: String, CodingKey { case id, username, displayName = "display_name" }
    }

    public func owners(_ projectID: UUID, only userID: UUID? = nil) async throws -> [Owner] {
        try await StaffDirectory.holders(of: [.consultant, .salesManager], on: projectID, only: userID, sql: store.sql)
            .map { Owner(id: $0.id, username: $0.username, displayName: $0.displayName) }
    }

    func mayOwn(_ userID: UUID, in projectID: UUID) async throws -> Bool {
        try await !owners(projectID, only: userID).isEmpty
    }

    func userExists(_ id: UUID) async throws -> Bool {
        try await StaffDirectory.exists(id, sql: store.sql)
    }

    /// Gives customers to a consultant (or back to the pool with nil), one audit line each, all in
    /// one transaction: a missing or merged record refuses the whole request.
    public func reassign(_ ids: [UUID], in projectID: UUID, to owner: UUID?, context: AuditContext) async throws -> Int {
        let unique = Array(Set(ids))
        guard !unique.isEmpty, unique.count <= 500 else { throw Problem.invalid("customerIds", "selection_size_invalid") }
        if let owner, try await !mayOwn(owner, in: projectID) { throw Problem.invalid("ownerId", "owner_not_consultant") }
        let days = try await protectionDays(projectID)
        let now = now()
        return try await store.write { tx in
            struct R: Decodable { var id: UUID; var name: String; var owner_id: UUID?; var merged_into: UUID? }
            let rows = try await tx.sql.select().columns("id", "name", "owner_id", "merged_into").from("customers")
                .where("project_id", .equal, projectID).where("id", .in, unique).all(decoding: R.self)
            guard rows.count == unique.count, rows.allSatisfy({ $0.merged_into == nil }) else { throw Problem.invalid("customerIds", "customer_unknown") }
            var changed = 0
            for r in rows where r.owner_id != owner {
                try await tx.sql.update("customers").set("owner_id", to: SQLBind(owner))
                    .set("owned_since", to: SQLBind(owner.map { _ in now }))
                    .set("protected_until", to: SQLBind(owner.map { _ in Self.protection(from: now, days: days) }))
                    .set("updated_at", to: SQLBind(now)).where("id", .equal, r.id).run()
                try await AuditLog.record(AuditEntry(action: owner == nil ? "customer.to_pool" : "customer.reassign", entity: "customer",
                                                     entityID: r.id.uuidString, projectID: projectID,
                                                     summary: owner == nil ? "returned \(Masking.name(r.name)) to the pool" : "reassigned \(Masking.name(r.name))",
                                                     before: ["owner": r.owner_id?.uuidString ?? "pool"], after: ["owner": owner?.uuidString ?? "pool"]),
                                          context: context, on: tx)
                changed += 1
            }
            return changed
        }
    }

    /// A consultant takes a pool customer; of two racing, one wins (conditional update).
    public func claim(_ id: UUID, in projectID: UUID, by owner: UUID, context: AuditContext) async throws -> Record {
        let days = try await protectionDays(projectID)
        let now = now()
        let won: Bool = try await store.write { tx in
            struct R: Decodable { var id: UUID; var name: String }
            let rows = try await tx.sql.update("customers").set("owner_id", to: SQLBind(owner)).set("owned_since", to: SQLBind(now))
                .set("protected_until", to: SQLBind(Self.protection(from: now, days: days))).set("updated_at", to: SQLBind(now))
                .where("id", .equal, id).where("project_id", .equal, projectID)
                .where(SQLColumn("owner_id"), .is, SQLLiteral.null).where(SQLColumn("merged_into"), .is, SQLLiteral.null)
                .returning("id", "name").all(decoding: R.self)
            guard let r = rows.first else { return false }
            try await AuditLog.record(AuditEntry(action: "customer.claim", entity: "customer", entityID: id.uuidString, projectID: projectID,
                                                 summary: "claimed \(Masking.name(r.name)) from the pool", before: ["owner": "pool"],
                                                 after: ["owner": owner.uuidString]), context: context, on: tx)
            return true
        }
        guard won else {
            _ = try await record(id, in: projectID)
            throw Problem.conflict("customer_not_in_pool")
        }
        return try await record(id, in: projectID)
    }

    /// A buyer of a live sale stays with the consultant who sold to them.
    static var notBuying: SQLQueryString { "NOT \(LivePurchase.hasOne(customer: "customers.id"))" }

    /// Returns customers whose protection period has run out to the pool (保护期到期转公客).
    /// Each one is a conditional update, so a follow-up logged meanwhile keeps the customer.
    @discardableResult
    public func releaseLapsed(limit: Int = 500) async throws -> Int {
        let now = now()
        struct R: Decodable { var id: UUID; var project_id: UUID; var name: String; var owner_id: UUID }
        let due = try await store.sql.select().columns("id", "project_id", "name", "owner_id").from("customers")
            .where("protected_until", .lessThan, SQLBind(now)).where(SQLColumn("owner_id"), .isNot, SQLLiteral.null)
            .where(SQLColumn("merged_into"), .is, SQLLiteral.null)
            // A buyer of a live sale stays with the consultant who sold to them.
            .where(Self.notBuying)
            .limit(limit).all(decoding: R.self)
        guard !due.isEmpty else { return 0 }
        let system = AuditContext.system()
        return try await store.write { tx in
            var n = 0
            for r in due {
                struct I: Decodable { var id: UUID }
                let done = try await tx.sql.update("customers").set("owner_id", to: SQLLiteral.null).set("owned_since", to: SQLLiteral.null)
                    .set("protected_until", to: SQLLiteral.null).set("updated_at", to: SQLBind(now))
                    .where("id", .equal, r.id).where("owner_id", .equal, r.owner_id).where("protected_until", .lessThan, SQLBind(now))
                    .returning("id").all(decoding: I.self)
                guard !done.isEmpty else { continue }
                try await AuditLog.record(AuditEntry(action: "customer.lapse", entity: "customer", entityID: r.id.uuidString,
                                                     projectID: r.project_id, summary: "protection ended: \(Masking.name(r.name)) returned to the pool",
                                                     before: ["owner": r.owner_id.uuidString], after: ["owner": "pool"]), context: system, on: tx)
                n += 1
            }
            return n
        }
    }

    // MARK: - Merge

    /// Merges `duplicate` into `keep` (客户合并): the duplicate stays, pointing to `keep`, with its
    /// calls and visits (shown on `keep`'s page); `keep` takes what it lacks (identity, gender,
    /// address, source), both records' tags and notes, the counts and the latest contact.
    public func merge(_ duplicateID: UUID, into keepID: UUID, in projectID: UUID, context: AuditContext) async throws -> Record {
        guard duplicateID != keepID else { throw Problem.invalid("duplicateId", "merge_same_customer") }
        let now = now()
        try await store.write { tx in
            struct R: Decodable {
                var id: UUID; var name: String; var mobile: String; var merged_into: UUID?
                var id_kind: String?; var id_sealed: String?; var id_lookup: String?; var id_masked: String?
                var gender: String; var address: String; var source: String; var tags: String; var notes: String
                var last_contact_at: Date?; var next_follow_up_on: String?; var next_step: String; var visit_count: Int; var call_count: Int
            }
            let rows = try await tx.sql.select()
                .columns("id", "name", "mobile", "merged_into", "id_kind", "id_sealed", "id_lookup", "id_masked", "gender", "address",
                         "source", "tags", "notes", "last_contact_at", "next_follow_up_on", "next_step", "visit_count", "call_count")
                .from("customers").where("project_id", .equal, projectID).where("id", .in, [keepID, duplicateID]).all(decoding: R.self)
            guard let keep = rows.first(where: { $0.id == keepID }) else { throw Problem.notFound }
            guard let dup = rows.first(where: { $0.id == duplicateID }) else { throw Problem.invalid("duplicateId", "customer_unknown") }
            guard keep.merged_into == nil, dup.merged_into == nil else { throw Problem.conflict("customer_merged", ["id": ""]) }
            if let a = keep.id_lookup, let b = dup.id_lookup, a != b { throw Problem.conflict("merge_identity_differs") }
            // The duplicate first, so the (project, mobile) index never sees two live records.
            struct I: Decodable { var id: UUID }
            let dupDone = try await tx.sql.update("customers").set("merged_into", to: SQLBind(keepID)).set("merged_at", to: SQLBind(now))
                .set("owner_id", to: SQLLiteral.null).set("protected_until", to: SQLLiteral.null).set("next_follow_up_on", to: SQLLiteral.null)
                .set("updated_at", to: SQLBind(now)).where("id", .equal, duplicateID)
                .where(SQLColumn("merged_into"), .is, SQLLiteral.null).returning("id").all(decoding: I.self)
            // Conditional on both records still being live: of two merges racing, one rolls back.
            guard !dupDone.isEmpty else { throw Problem.conflict("customer_merged", ["id": ""]) }
            // Whatever was merged into the duplicate now points to the kept record: one hop, always.
            try await tx.sql.update("customers").set("merged_into", to: SQLBind(keepID)).where("merged_into", .equal, duplicateID).run()
            var u = tx.sql.update("customers")
                .set("tags", to: SQLBind(Self.tagsText(Self.tags(fromText: keep.tags) + Self.tags(fromText: dup.tags))))
                .set("notes", to: SQLBind([keep.notes, dup.notes].filter { !$0.isEmpty }.joined(separator: "\n")))
                .set("visit_count", to: SQLBind(keep.visit_count + dup.visit_count))
                .set("call_count", to: SQLBind(keep.call_count + dup.call_count))
                .set("updated_at", to: SQLBind(now))
            if keep.id_sealed == nil, dup.id_sealed != nil {
                u = u.set("id_kind", to: SQLBind(dup.id_kind)).set("id_sealed", to: SQLBind(dup.id_sealed))
                    .set("id_lookup", to: SQLBind(dup.id_lookup)).set("id_masked", to: SQLBind(dup.id_masked))
            }
            if keep.gender == "unknown", dup.gender != "unknown" { u = u.set("gender", to: SQLBind(dup.gender)) }
            if keep.address.isEmpty, !dup.address.isEmpty { u = u.set("address", to: SQLBind(dup.address)) }
            if keep.source.isEmpty, !dup.source.isEmpty { u = u.set("source", to: SQLBind(dup.source)) }
            if let d = dup.last_contact_at, keep.last_contact_at.map({ $0 < d }) ?? true { u = u.set("last_contact_at", to: SQLBind(d)) }
            if let d = dup.next_follow_up_on, keep.next_follow_up_on.map({ $0 > d }) ?? true {
                u = u.set("next_follow_up_on", to: SQLBind(d)).set("next_step", to: SQLBind(dup.next_step))
            }
            let keepDone = try await u.where("id", .equal, keepID).where(SQLColumn("merged_into"), .is, SQLLiteral.null)
                .returning("id").all(decoding: I.self)
            guard !keepDone.isEmpty else { throw Problem.conflict("customer_merged", ["id": ""]) }
            try await AuditLog.record(AuditEntry(action: "customer.merge", entity: "customer", entityID: keepID.uuidString, projectID: projectID,
                                                 summary: "merged \(Masking.name(dup.name)) \(Masking.mobile(dup.mobile)) into \(Masking.name(keep.name)) \(Masking.mobile(keep.mobile))",
                                                 before: ["duplicate": duplicateID.uuidString], after: ["kept": keepID.uuidString]),
                                      context: context, on: tx)
        }
        return try await record(keepID, in: projectID)
    }
}

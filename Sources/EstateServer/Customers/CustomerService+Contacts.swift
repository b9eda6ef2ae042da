import EstateCore
import FluentKit
import Foundation
import SQLKit

extension CustomerService {
    // MARK: - Calls and visits

    public struct ContactDraft: Sendable {
        public var kind: ContactKind
        public var direction: CallDirection?
        public var visitKind: VisitKind?
        public var partySize: Int?
        public var consultantID: UUID?
        public var occurredAt: Date?
        public var interests: String
        public var notes: String
        public var nextStep: String
        public var nextFollowUpOn: String?
        public var grade: String?
        public init(kind: ContactKind, direction: CallDirection? = nil, visitKind: VisitKind? = nil, partySize: Int? = nil,
                    consultantID: UUID? = nil, occurredAt: Date? = nil, interests: String = "", notes: String = "",
                    nextStep: String = "", nextFollowUpOn: String? = nil, grade: String? = nil) {
            self.kind = kind; self.direction = direction; self.visitKind = visitKind; self.partySize = partySize
            self.consultantID = consultantID; self.occurredAt = occurredAt; self.interests = interests; self.notes = notes
            self.nextStep = nextStep; self.nextFollowUpOn = nextFollowUpOn; self.grade = grade
        }
    }

    public struct Contact: Sendable, Decodable {
        public var id: UUID
        public var customerID: UUID
        public var kind: String
        public var callDirection: String?
        public var visitKind: String?
        public var partySize: Int?
        public var consultantID: UUID?
        /// Platform's, filled after the read (issue 14).
        public var consultantName: String? = nil
        public var occurredAt: Date
        public var interests: String
        public var notes: String
        public var nextStep: String
        public var nextFollowUpOn: String?
        public var createdAt: Date
        enum CodingKeys: String, CodingKey {
            case id, kind, interests, notes
            case customerID = "customer_id", callDirection = "call_direction", visitKind = "visit_kind", partySize = "party_size"
            case consultantID = "consultant_id", occurredAt = "occurred_at"
            case nextStep = "next_step", nextFollowUpOn = "next_follow_up_on", createdAt = "created_at"
        }
    }

    /// Logs a call or a visit. It replaces the customer's planned follow-up with this one's (none
    /// if it plans none), and when the owner made it, restarts their protection period.
    public func logContact(_ customerID: UUID, in projectID: UUID, _ d: ContactDraft, by actor: UUID?, context: AuditContext) async throws -> Contact {
        var bad: [Problem.FieldError] = []
        let now = now()
        let occurred = d.occurredAt ?? now
        if occurred > now.addingTimeInterval(300) { bad.append(.init(field: "occurredAt", code: "contact_in_future")) }
        if occurred < now.addingTimeInterval(-366 * 86_400) { bad.append(.init(field: "occurredAt", code: "contact_too_old")) }
        var follow: CalendarDay?
        if let text = d.nextFollowUpOn, !text.isEmpty {
            if let day = CalendarDay(text) {
                if day < CalendarDay(occurred) || CalendarDay(occurred).days(until: day) > 366 {
                    bad.append(.init(field: "nextFollowUpOn", code: "follow_up_date_invalid"))
                }
                follow = day
            } else { bad.append(.init(field: "nextFollowUpOn", code: "date_invalid")) }
        }
        switch d.kind {
        case .call:
            if d.direction == nil { bad.append(.init(field: "direction", code: "call_direction_required")) }
        case .visit:
            if let n = d.partySize, !(1...50).contains(n) { bad.append(.init(field: "partySize", code: "party_size_invalid")) }
        }
        for (field, text, limit) in [("interests", d.interests, 200), ("nextStep", d.nextStep, 200)] where !(text.isEmpty || Text.isCleanLine(text, maxLength: limit)) {
            bad.append(.init(field: field, code: "text_invalid"))
        }
        if d.notes.count > 2000 || d.notes.contains("\u{0}") { bad.append(.init(field: "notes", code: "notes_invalid")) }
        var grade: String?
        if let g = d.grade {
            if let ok = Grade(rawValue: g.uppercased()) { grade = ok.rawValue } else { bad.append(.init(field: "grade", code: "grade_invalid")) }
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let followDay = follow, newGrade = grade

        let customer = try await record(customerID, in: projectID)
        guard customer.mergedInto == nil else { throw Problem.conflict("customer_merged", ["id": customer.mergedInto!.uuidString]) }
        let consultant = d.consultantID ?? actor
        if let c = consultant, c != actor, try await !userExists(c) { throw Problem.invalid("consultantId", "user_unknown") }
        // A first visit is the first one: a return visit is anything after it.
        let visitKind: VisitKind? = d.kind == .visit ? (d.visitKind ?? (customer.visitCount == 0 ? .first : .return)) : nil
        let days = try await protectionDays(projectID)
        let id = UUID()
        let protects = customer.ownerID != nil && (consultant == customer.ownerID || actor == customer.ownerID)
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "customer_contacts").columns(
                "id", "project_id", "customer_id", "kind", "call_direction", "visit_kind", "party_size", "consultant_id", "occurred_at",
                "interests", "notes", "next_step", "next_follow_up_on", "created_by", "created_at", "occurred_on")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(customerID), SQLBind(d.kind.rawValue),
                        SQLBind(d.kind == .call ? d.direction?.rawValue : nil), SQLBind(visitKind?.rawValue),
                        SQLBind(d.kind == .visit ? d.partySize : nil), SQLBind(consultant), SQLBind(occurred), SQLBind(d.interests),
                        SQLBind(d.notes), SQLBind(d.nextStep), SQLBind(followDay?.description), SQLBind(actor), SQLBind(now),
                        SQLBind(CalendarDay(occurred).description)).run()
            try await ReportLedger.contact(id, projectID: projectID, on: tx.sql)
            let counter = d.kind == .call ? "call_count" : "visit_count"
            var u = tx.sql.update("customers")
                .set(SQLIdentifier(counter), to: SQLBinaryExpression(SQLIdentifier(counter), .add, SQLLiteral.numeric("1")))
                .set("next_follow_up_on", to: SQLBind(followDay?.description)).set("next_step", to: SQLBind(d.nextStep))
                .set("updated_at", to: SQLBind(now))
            // The latest contact, whichever order contacts are logged in.
            if customer.lastContactAt.map({ $0 < occurred }) ?? true { u = u.set("last_contact_at", to: SQLBind(occurred)) }
            if let grade = newGrade { u = u.set("grade", to: SQLBind(grade)) }
            struct I: Decodable { var id: UUID }
            // Conditional: a contact on a record merged away meanwhile rolls back (the kept record's counts stay right).
            let done = try await u.where("id", .equal, customerID).where(SQLColumn("merged_into"), .is, SQLLiteral.null)
                .returning("id").all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("customer_merged", ["id": ""]) }
            if protects, let owner = customer.ownerID {
                // Only while the same consultant still owns it: a lapse meanwhile is not undone.
                let until = Self.protection(from: occurred, days: days)
                try await tx.sql.update("customers").set("protected_until", to: SQLBind(until))
                    .where("id", .equal, customerID).where("owner_id", .equal, owner)
                    .where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLColumn("protected_until"), .is, SQLLiteral.null),
                                                                  .or, SQLBinaryExpression(SQLColumn("protected_until"), .lessThan, SQLBind(until)))))
                    .run()
            }
            let what = d.kind == .call ? "call (\(d.direction?.rawValue ?? ""))" : "visit (\(visitKind?.rawValue ?? ""))"
            return ((), AuditEntry(action: "customer.contact", entity: "customer", entityID: customerID.uuidString, projectID: projectID,
                                   summary: "logged \(what) with \(Masking.name(customer.name))",
                                   after: ["kind": d.kind.rawValue, "nextFollowUpOn": followDay?.description ?? ""]))
        }
        guard let c = try await contacts(of: [customerID]).first(where: { $0.id == id }) else { throw Problem.notFound }
        return c
    }

    public func contacts(of customerIDs: [UUID], limit: Int = 200) async throws -> [Contact] {
        guard !customerIDs.isEmpty else { return [] }
        var rows = try await store.sql.select()
            .columns(["id", "customer_id", "kind", "call_direction", "visit_kind", "party_size", "consultant_id", "occurred_at",
                      "interests", "notes", "next_step", "next_follow_up_on", "created_at"].map { SQLColumn($0, table: "k") })
            .from(SQLAlias(SQLIdentifier("customer_contacts"), as: SQLIdentifier("k")))
            .where(SQLColumn("customer_id", table: "k"), .in, SQLGroupExpression(customerIDs.map { SQLBind($0) }))
            .orderBy(SQLColumn("occurred_at", table: "k"), SQLDirection.descending).orderBy(SQLColumn("created_at", table: "k"), SQLDirection.descending)
            .limit(limit).all(decoding: Contact.self)
        let names = try await StaffDirectory.displayNames(rows.compactMap(\.consultantID), sql: store.sql)
        for i in rows.indices { rows[i].consultantName = rows[i].consultantID.flatMap { names[$0] } }
        return rows
    }

    // MARK: Follow-ups

    public struct FollowUps: Sendable {
        public var overdue: [Record]
        public var today: [Record]
    }

    /// A consultant's follow-ups (跟进提醒): due today, and overdue (planned for an earlier day
    /// and not yet followed by a contact).
    public func followUps(owner: UUID, in projectID: UUID, limit: Int = 500) async throws -> FollowUps {
        let today = CalendarDay(now()).description
        let due = try await records(selectRecords(store.sql).where(SQLColumn("project_id", table: "c"), .equal, SQLBind(projectID))
            .where(SQLColumn("owner_id", table: "c"), .equal, SQLBind(owner))
            .where(SQLColumn("merged_into", table: "c"), .is, SQLLiteral.null)
            .where(SQLColumn("next_follow_up_on", table: "c"), .lessThanOrEqual, SQLBind(today))
            .orderBy(SQLColumn("next_follow_up_on", table: "c")).orderBy(SQLColumn("name", table: "c"))
            .limit(limit))
        return FollowUps(overdue: due.filter { ($0.nextFollowUpOn ?? today) < today }, today: due.filter { $0.nextFollowUpOn == today })
    }
}

import EstateCore
import Foundation
import SQLKit

extension RegistrationService {
    /// How the consultant found the registration at the sales site.
    public enum VisitProof: Sendable {
        /// The broker's QR code (signed, expiring).
        case token(String)
        /// The registration number, typed in.
        case number
    }

    /// 带访确认: the consultant confirms the customer came. The visit is logged on the customer's
    /// record (created when new, owned by the consultant) through `CustomerService`; the registration
    /// then holds the number for the visit protection. A masked registration needs the full mobile
    /// now (the customer is there), which must match the mask. A forged or expired QR code is refused
    /// and logged.
    public func confirmVisit(_ id: UUID, proof: VisitProof, mobile: String?, partySize: Int?, by principal: Principal,
                             context: AuditContext) async throws -> Registration {
        if case .token(let token) = proof {
            switch VisitToken.verify(token, now: now(), key: tokenKey) {
            case .success(let named) where named == id: break
            case .success, .failure(.forged): try await logRefusedToken(id, "visit_token_invalid", context); throw Problem.invalid("token", "visit_token_invalid")
            case .failure(.expired): try await logRefusedToken(id, "visit_token_expired", context); throw Problem.invalid("token", "visit_token_expired")
            }
        }
        let r = try await registration(id)
        guard principal.canSee(project: r.projectId), principal.may(.salesCreate, on: r.projectId) else { throw Problem.notFound }
        let at = now()
        guard r.state.visitable else { throw Problem.conflict("registration_not_visitable", ["status": r.status]) }
        guard let until = r.validUntil, until >= at else { throw Problem.conflict("registration_lapsed") }
        var full = r.mobile
        if full == nil {
            guard let given = mobile.flatMap(MobileNumber.normalized) else { throw Problem.invalid("mobile", "visit_mobile_required") }
            guard RegisteredNumber.full(given).maskedForm == r.masked else { throw Problem.invalid("mobile", "visit_mobile_mismatch") }
            full = given
        }
        if let n = partySize, !(1...50).contains(n) { throw Problem.invalid("partySize", "party_size_invalid") }
        guard let full else { throw Problem.notFound }
        let rule = try await channels.rule(r.ruleId).rule

        // The customer's record and the visit on it, through the customers' own service.
        let customer: CustomerService.Record
        if let existing = try await customers.find(mobile: full, in: r.projectId) {
            customer = existing
        } else {
            customer = try await customers.create(.init(name: r.customerName, mobile: full, source: Self.source(r.channelKind)),
                                                  in: r.projectId, owner: principal.userID, context: context)
        }
        _ = try await customers.logContact(customer.id, in: r.projectId,
                                           .init(kind: .visit, visitKind: customer.visitCount == 0 ? .first : .return, partySize: partySize,
                                                 consultantID: principal.userID, occurredAt: at,
                                                 notes: "带访确认 \(r.number) \(r.channelName ?? "")"),
                                           by: principal.userID, context: context)

        let visitUntil = at.addingTimeInterval(Double(rule.visitProtectionDays) * 86_400)
        let engine = store.engine
        do {
            try await store.audited(context) { tx in
                let sql = tx.sql
                if engine == .postgres {
                    try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "channel_reg:\(r.projectId.uuidString):\(r.masked)")))").run()
                }
                // 到访为王: another channel's customer may have come first.
                let taken = try await Self.claims(projectID: r.projectId, masked: r.masked, on: sql)
                    .contains { $0.id != id && $0.state == .holding && $0.number.mayBe(.full(full)) && $0.visitedAt != nil }
                guard !taken else { throw Problem.conflict("registration_visit_taken") }
                struct I: Decodable { var id: UUID }
                let done = try await sql.update("channel_registrations").set("status", to: SQLBind(RegistrationStatus.visited.rawValue))
                    .set("visited_at", to: SQLBind(at)).set("visit_until", to: SQLBind(visitUntil)).set("visit_confirmed_by", to: SQLBind(principal.userID))
                    .set("customer_id", to: SQLBind(customer.id)).set("mobile", to: SQLBind(full)).set("lock_key", to: SQLBind(full))
                    .set("updated_at", to: SQLBind(at))
                    .where("id", .equal, id).where("status", .in, SQLBind.group([RegistrationStatus.protected.rawValue, RegistrationStatus.pending.rawValue]))
                    .returning("id").all(decoding: I.self)
                guard !done.isEmpty else { throw Problem.conflict("registration_not_visitable") }
                return ((), AuditEntry(action: "registration.visit", entity: "registration", entityID: id.uuidString, projectID: r.projectId,
                                       summary: "带访确认 \(r.number) \(Masking.name(r.customerName))",
                                       before: ["status": r.status], after: ["status": "visited", "customer": customer.id.uuidString]))
            }
        } catch let p as Problem {
            throw p
        } catch {
            // The holding index refused: another registration holds the number now.
            throw Problem.conflict("registration_visit_taken")
        }
        return try await registration(id)
    }

    func logRefusedToken(_ id: UUID, _ code: String, _ context: AuditContext) async throws {
        try await AuditLog.recordAlone(AuditEntry(action: "registration.visit_refused", entity: "registration", entityID: id.uuidString,
                                                  summary: "visit QR refused: \(code)", after: ["reason": code], outcome: .denied),
                                       context: context, store: store)
    }

    static func source(_ kind: String?) -> String {
        switch ChannelKind(rawValue: kind ?? "") {
        case .agency: "中介"
        case .referral: "老带新"
        case .outbound: "电话拓客"
        case .online: "线上推广"
        case .enterprise, nil: "渠道分销"
        }
    }

    // MARK: Reminders and lapses (background job)

    /// Reminds brokers of registrations lapsing within `ahead` (outbox SMS, once each) and lapses the
    /// ones past their validity or visit protection, which frees the customer for other channels.
    /// Returns (reminded, lapsed).
    public func remindAndLapse(ahead: TimeInterval = 24 * 3600, limit: Int = 500) async throws -> (Int, Int) {
        let at = now()
        struct Due: Decodable { var id: UUID; var number: String; var projectId: UUID; var brokerId: UUID; var customerName: String; var validUntil: Date }
        let due = try await store.sql.raw("""
            SELECT id, number, project_id, broker_id, customer_name, valid_until FROM channel_registrations
            WHERE status IN ('protected', 'pending') AND reminded_at IS NULL AND valid_until >= \(bind: at) AND valid_until < \(bind: at.addingTimeInterval(ahead))
            ORDER BY valid_until LIMIT \(bind: limit)
            """).all(decoding: Due.self, with: decoder)
        var reminded = 0
        let fmt = DateFormatter()
        fmt.locale = Locale(identifier: "zh_CN")
        fmt.timeZone = CalendarDay.zone
        fmt.dateFormat = "M月d日 HH:mm"
        for d in due {
            let mobile = try await StaffDirectory.mobile(of: d.brokerId, sql: store.sql).flatMap { Outbox.recipient($0, channel: .sms) }
            let text = fmt.string(from: d.validUntil)
            let sent: Bool = try await store.write { tx in
                struct I: Decodable { var id: UUID }
                let done = try await tx.sql.update("channel_registrations").set("reminded_at", to: SQLBind(at))
                    .where("id", .equal, d.id).where(SQLIdentifier("reminded_at"), .is, SQLLiteral.null).returning("id").all(decoding: I.self)
                guard !done.isEmpty else { return false }
                if let mobile {
                    try await Outbox.enqueue(.init(channel: .sms, recipient: mobile, template: "channel.registration_lapsing",
                                                   params: ["number": d.number, "customer": Masking.name(d.customerName), "due": text],
                                                   projectID: d.projectId, reference: "registration:\(d.id.uuidString)"), now: at, on: tx.sql)
                }
                return true
            }
            if sent { reminded += 1 }
        }
        struct I: Decodable { var id: UUID; var projectId: UUID }
        let lapsed: [I] = try await store.write { tx in
            let rows = try await tx.sql.raw("""
                UPDATE channel_registrations SET status = 'lapsed', lapsed_at = \(bind: at), updated_at = \(bind: at)
                WHERE (status IN ('protected', 'pending') AND valid_until < \(bind: at)) OR (status = 'visited' AND visit_until < \(bind: at))
                RETURNING id, project_id
                """).all(decoding: I.self, with: SQLRowDecoder.snakeCase)
            if !rows.isEmpty {
                let system = AuditContext(actorID: nil, actorName: "system", requestID: nil, ip: nil)
                try await AuditLog.record(AuditEntry(action: "registration.lapse", entity: "registration", entityID: rows.count == 1 ? rows[0].id.uuidString : nil,
                                                     projectID: Set(rows.map(\.projectId)).count == 1 ? rows[0].projectId : nil,
                                                     summary: "\(rows.count) registrations lapsed", after: ["count": "\(rows.count)"]),
                                          context: system, on: tx)
            }
            return rows
        }
        return (reminded, lapsed.count)
    }
}

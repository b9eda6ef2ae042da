import EstateCore
import EstateSheets
import FluentKit
import Foundation
import NIOPosix
import SQLKit

/// 认筹 (issue 18 point 1): a buyer registers for an opening with an identity document (GB 11643
/// checked and sealed on the customer record, as Customers does for everyone), pays 诚意金 through
/// an idempotent receipt (Sales' idempotency keys: a retry replays the first answer), has their
/// purchase eligibility (限购资格) recorded by staff, and gets a registration number (RC…).
extension OpeningService {
    public struct RegistrationDraft: Sendable {
        public var name: String
        public var mobile: String
        public var idKind: IdentityKind
        public var idNumber: String
        public var sincerity: Money
        public var eligible: Bool
        public var eligibilityNote: String
        public init(name: String, mobile: String, idKind: IdentityKind = .residentID, idNumber: String, sincerity: Money,
                    eligible: Bool = false, eligibilityNote: String = "") {
            self.name = name; self.mobile = mobile; self.idKind = idKind; self.idNumber = idNumber; self.sincerity = sincerity
            self.eligible = eligible; self.eligibilityNote = eligibilityNote
        }
    }

    /// The most 诚意金 one registration may carry (500,000 yuan): a typo guard, not a rule of law.
    static let maxSincerity = Money(yuan: 500_000)

    /// The field problems of a draft (empty when it is fine); `mobile` normalised on success.
    func check(_ d: RegistrationDraft) -> (problems: [Problem.FieldError], mobile: String?) {
        var bad: [Problem.FieldError] = []
        if !Text.isCleanLine(d.name.trimmed, maxLength: 40) || d.name.trimmed.isEmpty { bad.append(.init(field: "name", code: "customer_name_invalid")) }
        let mobile = MobileNumber.normalized(d.mobile)
        if mobile == nil { bad.append(.init(field: "mobile", code: "mobile_invalid")) }
        if case .failure(let p) = IdentityNumber.check(d.idNumber, kind: d.idKind, today: CalendarDay(now()).number) {
            bad.append(.init(field: "idNumber", code: p.rawValue))
        }
        if d.sincerity.fen <= 0 || d.sincerity > Self.maxSincerity {
            bad.append(.init(field: "sincerity", code: "sincerity_out_of_range", arguments: ["max": Self.maxSincerity.description]))
        }
        if !d.eligibilityNote.isEmpty, !Text.isCleanLine(d.eligibilityNote, maxLength: 200) { bad.append(.init(field: "eligibilityNote", code: "text_invalid")) }
        return (bad, mobile)
    }

    /// Registrations are taken while the event is being prepared (not once it opens).
    func checkOpenForRegistration(_ e: Event) throws {
        guard !e.isRehearsal, [.draft, .rehearsal, .scheduled].contains(e.state) else { throw Problem.conflict("opening_registration_closed") }
        guard e.drawnAt == nil else { throw Problem.conflict("opening_order_drawn") }
    }

    /// The customer of the project with this mobile (created with the identity if new; given the
    /// identity if they had none). A different identity on file is refused: one person, one mobile.
    func customer(for d: RegistrationDraft, mobile: String, projectID: UUID, context: AuditContext) async throws -> UUID {
        if let c = try await customers.find(mobile: mobile, in: projectID) {
            let number = IdentityNumber.normalized(d.idNumber)
            if c.hasIdentity {
                guard try await customers.find(identity: number, in: projectID).contains(where: { $0.id == c.id }) else {
                    throw Problem.conflict("registration_identity_mismatch")
                }
            } else {
                var p = CustomerService.Patch()
                p.idKind = d.idKind
                p.idNumber = number
                _ = try await customers.update(c.id, in: projectID, p, context: context)
            }
            return c.id
        }
        return try await customers.create(.init(name: d.name.trimmed, mobile: mobile, idKind: d.idKind, idNumber: d.idNumber, source: "认筹"),
                                          in: projectID, owner: nil, context: context).id
    }

    /// Why `customer(for:)` would refuse this buyer, found by reading only.
    func customerConflict(for d: RegistrationDraft, mobile: String, projectID: UUID) async throws -> String? {
        guard let c = try await customers.find(mobile: mobile, in: projectID), c.hasIdentity else { return nil }
        let matches = try await customers.find(identity: IdentityNumber.normalized(d.idNumber), in: projectID).contains { $0.id == c.id }
        return matches ? nil : "registration_identity_mismatch"
    }

    /// Registers a buyer; `key` (the Idempotency-Key) makes the 诚意金 receipt safe to retry.
    public func register(_ d: RegistrationDraft, event eventID: UUID, key: String, actor: UUID,
                         context: AuditContext) async throws -> (Registration, replayed: Bool) {
        let e = try await event(eventID)
        let fingerprint = "\(eventID)|\(d.name)|\(d.mobile)|\(d.idKind.rawValue)|\(IdentityNumber.normalized(d.idNumber))|\(d.sincerity.fen)|\(d.eligible)"
        if let done: Idempotent.Outcome<Registration> = try await Idempotent.replay(key: key, actor: actor, operation: "opening.register",
                                                                                      fingerprint: fingerprint, on: store.sql) {
            return (done.value, true)
        }
        try checkOpenForRegistration(e)
        let (bad, mobile) = check(d)
        guard bad.isEmpty, let mobile else { throw Problem.invalid(bad) }
        let customerID = try await customer(for: d, mobile: mobile, projectID: e.projectId, context: context)
        let now = now()
        let out = try await Idempotent.run(key: key, actor: actor, operation: "opening.register", fingerprint: fingerprint, store: store,
                                           context: context, now: now) { tx in
            let r = try await Self.insertRegistration(e, customerID: customerID, mobile: mobile, d, actor: context.actorID, now: now, on: tx)
            return (r, AuditEntry(action: "opening.register", entity: "opening_registration", entityID: r.id.uuidString, projectID: e.projectId,
                                  summary: "认筹 \(r.number) · \(Masking.name(d.name)) \(Masking.mobile(mobile)) · 诚意金 \(d.sincerity) 元 (\(r.receiptNumber))",
                                  after: ["number": r.number, "receipt": r.receiptNumber, "sincerity": d.sincerity.plain, "eligible": "\(d.eligible)"]))
        }
        return (out.value, out.replayed)
    }

    static func insertRegistration(_ e: Event, customerID: UUID, mobile: String, _ d: RegistrationDraft, actor: UUID?, now: Date,
                                   on tx: any Database) async throws -> Registration {
        let id = UUID()
        let number = try await DocumentNumbers.next("RC", projectID: e.projectId, on: tx)
        // 诚意金 receipt (收据) number, drawn in the same transaction.
        let receipt = try await DocumentNumbers.next("CY", projectID: e.projectId, on: tx)
        do {
            try await tx.sql.insert(into: "opening_registrations").columns(
                "id", "event_id", "project_id", "number", "customer_id", "mobile", "status", "eligible", "eligibility_note", "eligibility_by",
                "eligibility_at", "sincerity_fen", "receipt_number", "picks", "created_by", "created_at")
                .values(SQLBind(id), SQLBind(e.id), SQLBind(e.projectId), SQLBind(number), SQLBind(customerID), SQLBind(mobile), SQLBind("active"),
                        SQLBind(d.eligible), SQLBind(d.eligibilityNote), SQLBind(d.eligible ? actor : nil), SQLBind(d.eligible ? now : nil),
                        SQLBind(d.sincerity.fen), SQLBind(receipt), SQLBind(0), SQLBind(actor), SQLBind(now)).run()
        } catch where error.isConstraintFailure {
            throw Problem.conflict("registration_exists", ["mobile": Masking.mobile(mobile)])
        }
        return Registration(id: id, eventId: e.id, projectId: e.projectId, number: number, customerId: customerID, mobile: mobile, status: "active",
                            eligible: d.eligible, eligibilityNote: d.eligibilityNote, sincerityFen: d.sincerity.fen, receiptNumber: receipt,
                            rank: nil, lotteryKey: nil, picks: 0, createdAt: now)
    }

    /// Staff record purchase eligibility (限购 documents checked), with a note.
    public func setEligibility(_ registrationID: UUID, event eventID: UUID, eligible: Bool, note: String, context: AuditContext) async throws -> Registration {
        guard note.isEmpty || Text.isCleanLine(note, maxLength: 200) else { throw Problem.invalid("note", "text_invalid") }
        let r = try await registration(registrationID)
        guard r.eventId == eventID else { throw Problem.notFound }
        let e = try await event(eventID)
        guard !e.isRehearsal, e.state != .closed else { throw Problem.conflict("opening_registration_closed") }
        let now = now()
        try await store.audited(context) { tx in
            try await tx.sql.update("opening_registrations").set("eligible", to: SQLBind(eligible)).set("eligibility_note", to: SQLBind(note))
                .set("eligibility_by", to: SQLBind(context.actorID)).set("eligibility_at", to: SQLBind(now)).where("id", .equal, registrationID).run()
            return ((), AuditEntry(action: "opening.eligibility", entity: "opening_registration", entityID: registrationID.uuidString,
                                   projectID: r.projectId, summary: "认筹 \(r.number) eligibility \(eligible ? "confirmed" : "refused")",
                                   before: ["eligible": "\(r.eligible)"], after: ["eligible": "\(eligible)", "note": note]))
        }
        return try await registration(registrationID)
    }

    // MARK: Import

    static let importColumns: [(field: String, zh: String, en: String)] = [
        ("name", "姓名", "Name"), ("mobile", "手机号", "Mobile"), ("idKind", "证件类型", "ID kind"), ("idNumber", "证件号码", "ID number"),
        ("sincerity", "诚意金", "Sincerity deposit"), ("eligible", "购房资格", "Eligible"), ("eligibilityNote", "资格备注", "Eligibility note"),
    ]
    static let maxImportRows = 20_000

    /// Imports an existing 认筹 list (.xlsx or CSV) all or nothing: every bad row is named (row,
    /// column, code) and nothing is written — including a buyer whose mobile belongs to a customer
    /// on record with another ID; then customers are found or created and the registrations are
    /// inserted in one transaction, in the sheet's order. (Only a change by someone else between the
    /// check and the writes can still refuse a row after customers were written.)
    public func importRegistrations(_ data: Data, event eventID: UUID, parsing: NIOThreadPool, context: AuditContext) async throws -> Int {
        let e = try await event(eventID)
        try checkOpenForRegistration(e)
        let (_, _, header, body) = try await UnitImportService.read(data, maxRows: Self.maxImportRows, on: parsing)
        var problems: [Problem.RowError] = []
        var columnOf: [String: Int] = [:]
        for (i, title) in header.cells.enumerated() {
            let t = title.trimmed.replacingOccurrences(of: "*", with: "")
            if t.isEmpty { continue }
            guard let c = Self.importColumns.first(where: { $0.zh == t || $0.en.lowercased() == t.lowercased() || $0.field == t }) else {
                problems.append(.init(row: header.number, column: UnitImportService.letter(i), field: nil, code: "import_unknown_column", value: t))
                continue
            }
            columnOf[c.field] = i
        }
        for f in ["name", "mobile", "idNumber", "sincerity"] where columnOf[f] == nil {
            problems.append(.init(row: header.number, column: nil, field: f, code: "import_missing_column", value: Self.importColumns.first { $0.field == f }!.zh))
        }
        if !problems.isEmpty { throw UnitImportService.failed(problems) }
        var drafts: [(RegistrationDraft, String)] = []
        var seen: Set<String> = []
        for row in body {
            func cell(_ f: String) -> String { columnOf[f].flatMap { $0 < row.cells.count ? row.cells[$0].trimmed : nil } ?? "" }
            func col(_ f: String) -> String? { columnOf[f].map { UnitImportService.letter($0) } }
            let kindText = cell("idKind")
            let kind = IdentityKind.allCases.first { $0.rawValue == kindText } ?? (["", "身份证", "居民身份证"].contains(kindText) ? .residentID : nil)
            guard let kind else {
                problems.append(.init(row: row.number, column: col("idKind"), field: "idKind", code: "id_kind_invalid", value: kindText)); continue
            }
            guard let sincerity = Money(yuanText: cell("sincerity")) else {
                problems.append(.init(row: row.number, column: col("sincerity"), field: "sincerity", code: "sincerity_out_of_range", value: cell("sincerity"))); continue
            }
            let eligibleText = cell("eligible").lowercased()
            let d = RegistrationDraft(name: cell("name"), mobile: cell("mobile"), idKind: kind, idNumber: cell("idNumber"), sincerity: sincerity,
                                      eligible: ["是", "有", "y", "yes", "true", "1"].contains(eligibleText), eligibilityNote: cell("eligibilityNote"))
            let (bad, mobile) = check(d)
            for b in bad {
                problems.append(.init(row: row.number, column: col(b.field), field: b.field, code: b.code, value: b.field == "idNumber" ? nil : cell(b.field)))
            }
            guard bad.isEmpty, let mobile else { continue }
            if !seen.insert(mobile).inserted {
                problems.append(.init(row: row.number, column: col("mobile"), field: "mobile", code: "import_duplicate_mobile", value: Masking.mobile(mobile)))
                continue
            }
            drafts.append((d, mobile))
        }
        if !problems.isEmpty { throw UnitImportService.failed(problems) }
        // Mobiles already registered for this event are bad rows too (before anything is written).
        let existing = Set(try await registrations(eventID, limit: Self.maxImportRows * 2).map(\.mobile))
        for (i, (_, mobile)) in drafts.enumerated() where existing.contains(mobile) {
            problems.append(.init(row: body[i].number, column: columnOf["mobile"].map { UnitImportService.letter($0) }, field: "mobile",
                                  code: "registration_exists", value: Masking.mobile(mobile)))
        }
        if !problems.isEmpty { throw UnitImportService.failed(problems) }
        // A customer of the project on record with another ID number is a bad row too: every row is
        // checked before the first customer is created or completed, so a refused file writes nothing.
        for (i, (d, mobile)) in drafts.enumerated() {
            if let code = try await customerConflict(for: d, mobile: mobile, projectID: e.projectId) {
                problems.append(.init(row: body[i].number, column: columnOf["idNumber"].map { UnitImportService.letter($0) }, field: "idNumber",
                                      code: code, value: nil))
            }
        }
        if !problems.isEmpty { throw UnitImportService.failed(problems) }
        var people: [UUID] = []
        for (i, (d, mobile)) in drafts.enumerated() {
            do { people.append(try await customer(for: d, mobile: mobile, projectID: e.projectId, context: context)) } catch let p as Problem {
                throw UnitImportService.failed([.init(row: body[i].number, column: nil, field: "idNumber", code: p.code, value: nil)])
            }
        }
        let now = now()
        let list = drafts, customerIDs = people
        return try await store.audited(context) { tx in
            for (i, (d, mobile)) in list.enumerated() {
                _ = try await Self.insertRegistration(e, customerID: customerIDs[i], mobile: mobile, d, actor: context.actorID, now: now, on: tx)
            }
            return (list.count, AuditEntry(action: "opening.import", entity: "opening_event", entityID: eventID.uuidString, projectID: e.projectId,
                                           summary: "imported \(list.count) 认筹 registrations", after: ["count": "\(list.count)"]))
        }
    }
}

import EstateCore
import Foundation
import SQLKit

/// 供应商目录和档案: registration data (统一社会信用代码 checked per GB 32100), bank account, contact, categories,
/// qualifications with expiry (reminded 30 days ahead; an expired one blocks new orders in its category) and the
/// blacklist, which takes an approval (kind `supplier_blacklist`, decided by the procurement manager).
public struct SupplierService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public struct Supplier: Decodable, Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var creditCode: String
        public var categories: String
        public var address: String
        public var bankName: String
        public var bankAccount: String
        public var contactName: String
        public var contactMobile: String
        public var status: String
        public var blacklistReason: String?
        public var blacklistApprovalId: UUID?
        public var createdAt: Date

        public var categoryList: [SupplierCategory] { categories.split(separator: ",").compactMap { SupplierCategory(rawValue: String($0)) } }
    }

    public struct Qualification: Decodable, Sendable, Equatable {
        public var id: UUID
        public var supplierId: UUID
        public var category: String
        public var name: String
        public var number: String
        public var expiresOn: String

        public func standing(on day: CalendarDay) -> QualificationStanding {
            CalendarDay(expiresOn).map { QualificationStanding.of(expiresOn: $0, on: day) } ?? .expired
        }
    }

    public struct NewSupplier: Sendable {
        public var name: String
        public var creditCode: String
        public var categories: [SupplierCategory]
        public var address: String = ""
        public var bankName: String
        public var bankAccount: String
        public var contactName: String
        public var contactMobile: String
    }

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }
    var today: CalendarDay { CalendarDay(now()) }

    /// Registers a supplier; every bad field is named at once; one supplier per credit code.
    public func create(_ n: NewSupplier, by actor: UUID?, context: AuditContext) async throws -> Supplier {
        var bad: [Problem.FieldError] = []
        let name = n.name.trimmingCharacters(in: .whitespaces)
        if !Text.isCleanLine(name, maxLength: 100) { bad.append(.init(field: "name", code: "text_invalid")) }
        var code = ""
        switch CreditCode.check(n.creditCode) {
        case .success(let c): code = c
        case .failure(let p): bad.append(.init(field: "creditCode", code: p.rawValue))
        }
        if n.categories.isEmpty { bad.append(.init(field: "categories", code: "supplier_categories_required")) }
        let account = n.bankAccount.filter { !$0.isWhitespace }
        if !Text.isCleanLine(n.bankName.trimmingCharacters(in: .whitespaces), maxLength: 100) { bad.append(.init(field: "bankName", code: "text_invalid")) }
        if account.count < 8 || account.count > 34 || !account.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isUppercase) }) {
            bad.append(.init(field: "bankAccount", code: "bank_account_invalid"))
        }
        if !Text.isCleanLine(n.contactName.trimmingCharacters(in: .whitespaces), maxLength: 40) { bad.append(.init(field: "contactName", code: "text_invalid")) }
        let mobile = MobileNumber.normalized(n.contactMobile)
        if mobile == nil { bad.append(.init(field: "contactMobile", code: "mobile_invalid")) }
        let address = n.address.trimmingCharacters(in: .whitespaces)
        if !address.isEmpty, !Text.isCleanLine(address, maxLength: 200) { bad.append(.init(field: "address", code: "text_invalid")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        let id = UUID(), at = now()
        let categories = SupplierCategory.allCases.filter(n.categories.contains).map(\.rawValue).joined(separator: ",")
        let bankName = n.bankName.trimmingCharacters(in: .whitespaces), contact = n.contactName.trimmingCharacters(in: .whitespaces)
        let creditCode = code
        try await store.audited(context) { tx -> ((), AuditEntry) in
            struct I: Decodable { var id: UUID }
            if try await tx.sql.raw("SELECT id FROM suppliers WHERE credit_code = \(bind: creditCode)").first(decoding: I.self) != nil {
                throw Problem.conflict("supplier_exists")
            }
            try await tx.sql.raw("""
                INSERT INTO suppliers (id, name, credit_code, categories, address, bank_name, bank_account, contact_name, contact_mobile, status,
                created_by, created_at) VALUES (\(bind: id), \(bind: name), \(bind: creditCode), \(bind: categories), \(bind: address), \(bind: bankName),
                \(bind: account), \(bind: contact), \(bind: mobile!), 'active', \(bind: actor), \(bind: at))
                """).run()
            return ((), AuditEntry(action: "supplier.create", entity: "supplier", entityID: id.uuidString, summary: "供应商 \(name) \(creditCode)",
                                   after: ["name": name, "code": creditCode, "categories": categories]))
        }
        return try await supplier(id)
    }

    public func supplier(_ id: UUID) async throws -> Supplier {
        guard let s = try await store.sql.raw("SELECT * FROM suppliers WHERE id = \(bind: id)").first(decoding: Supplier.self, with: decoder)
        else { throw Problem.notFound }
        return s
    }

    /// The suppliers of `ids` (one query; the ones that do not exist are left out), in the order of `ids`.
    public func suppliers(_ ids: [UUID]) async throws -> [Supplier] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [] }
        let rows = try await store.sql.raw("SELECT * FROM suppliers WHERE id IN (\(binds: unique))").all(decoding: Supplier.self, with: decoder)
        let byID = Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<UUID>()
        return ids.compactMap { id in seen.insert(id).inserted ? byID[id] : nil }
    }

    /// The names of `ids` (one query): what a list shows beside a supplier id. Suppliers are never deleted, so every id
    /// of a stored row has its name; an id that matches none maps to nothing.
    public func names(_ ids: some Sequence<UUID>) async throws -> [UUID: String] {
        Dictionary(try await suppliers(Array(ids)).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    /// The directory, by name; optionally one category, one status or a name / credit code fragment.
    public func list(category: SupplierCategory? = nil, status: String? = nil, search: String? = nil, limit: Int = 500) async throws -> [Supplier] {
        var q: SQLQueryString = "SELECT * FROM suppliers WHERE 1 = 1"
        if let category { q = q + " AND (',' || categories || ',') LIKE \(bind: "%,\(category.rawValue),%")" }
        if let status { q = q + " AND status = \(bind: status)" }
        if let search = search.map(Text.withoutNUL)?.trimmingCharacters(in: .whitespaces), !search.isEmpty {
            let like = "%" + search.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            q = q + " AND (name LIKE \(bind: like) OR credit_code LIKE \(bind: like.uppercased()))"
        }
        q = q + " ORDER BY name, id LIMIT \(bind: limit)"
        return try await store.sql.raw(q).all(decoding: Supplier.self, with: decoder)
    }

    public func qualifications(_ supplierID: UUID) async throws -> [Qualification] {
        try await store.sql.raw("SELECT * FROM supplier_qualifications WHERE supplier_id = \(bind: supplierID) ORDER BY category, expires_on")
            .all(decoding: Qualification.self, with: decoder)
    }

    /// Adds a qualification (资质证书) in one of the supplier's categories.
    public func addQualification(_ supplierID: UUID, category: SupplierCategory, name: String, number: String, expiresOn: String,
                                 context: AuditContext) async throws -> Qualification {
        let s = try await supplier(supplierID)
        var bad: [Problem.FieldError] = []
        let name = name.trimmingCharacters(in: .whitespaces), number = number.trimmingCharacters(in: .whitespaces)
        if !s.categoryList.contains(category) { bad.append(.init(field: "category", code: "supplier_category_mismatch")) }
        if !Text.isCleanLine(name, maxLength: 100) { bad.append(.init(field: "name", code: "text_invalid")) }
        if !Text.isCleanLine(number, maxLength: 60) { bad.append(.init(field: "number", code: "text_invalid")) }
        guard let day = CalendarDay(expiresOn) else { throw Problem.invalid(bad + [.init(field: "expiresOn", code: "date_invalid")]) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        let id = UUID(), at = now()
        try await store.audited(context) { tx -> ((), AuditEntry) in
            try await tx.sql.raw("""
                INSERT INTO supplier_qualifications (id, supplier_id, category, name, number, expires_on, created_at)
                VALUES (\(bind: id), \(bind: supplierID), \(bind: category.rawValue), \(bind: name), \(bind: number), \(bind: day.description), \(bind: at))
                """).run()
            return ((), AuditEntry(action: "supplier.qualification", entity: "supplier", entityID: supplierID.uuidString,
                                   summary: "\(s.name): \(name) \(number) → \(day)", after: ["name": name, "number": number, "to": day.description]))
        }
        return Qualification(id: id, supplierId: supplierID, category: category.rawValue, name: name, number: number, expiresOn: day.description)
    }

    /// Qualifications lapsing within the reminder window or lapsed (for the 30-day reminder list), soonest first.
    public func expiringQualifications() async throws -> [(Supplier, Qualification)] {
        let until = today.adding(days: QualificationStanding.reminderDays).description
        let qs = try await store.sql.raw("""
            SELECT * FROM supplier_qualifications WHERE expires_on <= \(bind: until) ORDER BY expires_on, id LIMIT 500
            """).all(decoding: Qualification.self, with: decoder)
        var out: [(Supplier, Qualification)] = []
        var cache: [UUID: Supplier] = [:]
        for q in qs {
            let s: Supplier
            if let c = cache[q.supplierId] { s = c } else { s = try await supplier(q.supplierId); cache[q.supplierId] = s }
            // A renewed certificate of the same kind replaces the lapsing one.
            let all = try await qualifications(q.supplierId)
            if all.contains(where: { $0.category == q.category && $0.name == q.name && $0.expiresOn > q.expiresOn && $0.standing(on: today) == .valid }) { continue }
            out.append((s, q))
        }
        return out
    }

    /// Why `supplier` may not take a new order in `category` on `day`, as a catalogue code; nil when it may.
    /// Blacklisted (or awaiting a blacklist decision is still allowed), not registered in the category, or every
    /// qualification it holds in the category has lapsed.
    static func orderRefusal(_ s: Supplier, qualifications: [Qualification], category: SupplierCategory, on day: CalendarDay) -> String? {
        if s.status == "blacklisted" { return "supplier_blacklisted" }
        if !s.categoryList.contains(category) { return "supplier_category_mismatch" }
        let inCategory = qualifications.filter { $0.category == category.rawValue }
        if !inCategory.isEmpty, inCategory.allSatisfy({ $0.standing(on: day) == .expired }) { return "supplier_qualification_expired" }
        return nil
    }

    /// The refusal for a new order, read inside the caller's transaction.
    static func orderRefusal(_ supplierID: UUID, category: SupplierCategory, on day: CalendarDay, tx: any SQLDatabase) async throws -> String? {
        let decoder = SQLRowDecoder.snakeCase
        guard let s = try await tx.raw("SELECT * FROM suppliers WHERE id = \(bind: supplierID)").first(decoding: Supplier.self, with: decoder) else {
            return "supplier_not_found"
        }
        let qs = try await tx.raw("SELECT * FROM supplier_qualifications WHERE supplier_id = \(bind: supplierID)")
            .all(decoding: Qualification.self, with: decoder)
        return orderRefusal(s, qualifications: qs, category: category, on: day)
    }

    /// Procurement staff ask to blacklist a supplier, with a reason, on the project where it failed: an approval for
    /// the procurement manager, filed in the same transaction; one open request at a time.
    public func requestBlacklist(_ id: UUID, projectID: UUID, reason: String, by principal: Principal, context: AuditContext) async throws -> UUID {
        let s = try await supplier(id)
        let reason = reason.trimmingCharacters(in: .whitespaces)
        guard Text.isCleanLine(reason, maxLength: 500) else { throw Problem.invalid("reason", "reason_required") }
        let at = now()
        return try await store.audited(context) { tx -> (UUID, AuditEntry) in
            struct I: Decodable { var id: UUID }
            let marker = UUID()
            let done = try await tx.sql.raw("""
                UPDATE suppliers SET blacklist_approval_id = \(bind: marker), blacklist_reason = \(bind: reason)
                WHERE id = \(bind: id) AND status = 'active' AND blacklist_approval_id IS NULL RETURNING id
                """).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict(s.status == "blacklisted" ? "supplier_blacklisted" : "supplier_blacklist_pending") }
            let approval = try await ApprovalService.file(.init(kind: .supplierBlacklist, projectID: projectID, subjectType: "supplier", subjectID: id,
                                                                title: "供应商黑名单 \(s.name)", amount: nil, permyriad: nil, payload: "{}",
                                                                requiredRole: ApprovalPolicy.supplierBlacklistApprover, reason: reason),
                                                          context: context, now: at, on: tx)
            try await tx.sql.raw("UPDATE suppliers SET blacklist_approval_id = \(bind: approval) WHERE id = \(bind: id)").run()
            return (approval, AuditEntry(action: "supplier.blacklist_request", entity: "supplier", entityID: id.uuidString, projectID: projectID,
                                         summary: "\(s.name): \(reason)", after: ["reason": reason, "approval": approval.uuidString]))
        }
    }

    /// The blacklist approval's decision: approved → blacklisted; rejected or withdrawn → active, the request cleared.
    static func approvalAppliers() -> [ApprovalKind: ApprovalApplier] {
        [.supplierBlacklist: { approval, approved, tx, _, _ in
            guard let id = approval.subjectID else { return ApprovalEffect() }
            struct I: Decodable { var id: UUID }
            let q: SQLQueryString = approved
                ? "UPDATE suppliers SET status = 'blacklisted' WHERE id = \(bind: id) AND blacklist_approval_id = \(bind: approval.id) RETURNING id"
                : "UPDATE suppliers SET blacklist_approval_id = NULL, blacklist_reason = NULL WHERE id = \(bind: id) AND blacklist_approval_id = \(bind: approval.id) RETURNING id"
            let done = try await tx.sql.raw(q).all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("supplier_blacklist_not_pending") }
            return ApprovalEffect(entries: [AuditEntry(action: approved ? "supplier.blacklist" : "supplier.blacklist_reject", entity: "supplier",
                                                       entityID: id.uuidString, projectID: approval.projectID, summary: approval.title,
                                                       before: ["status": "active"], after: ["status": approved ? "blacklisted" : "active"])])
        }]
    }
}

import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Projects (项目): creating, editing and listing them, scoped to what the user may see.
public struct ProjectService: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    public enum PriceRounding: String, Sendable, CaseIterable { case fen, yuan }

    public struct ProjectSummary: Sendable {
        public var id: UUID
        public var code: String
        public var name: String
        public var city: String
        public var priceRounding: PriceRounding
        public var isActive: Bool
        public var customerProtectionDays: Int
        public var seller: Seller
        /// 客服热线 ("" when not set).
        public var serviceHotline: String
        public var buildingCount: Int
        public var unitCount: Int
        public var createdAt: Date
        public var updatedAt: Date
    }

    /// 出卖人 as the 认购书 and the contract name it: the developer's legal name, its 统一社会信用代码
    /// (GB 32100), its registered address, and the 预售许可证号 the units are sold under.
    public struct Seller: Sendable, Equatable {
        public var name: String
        public var creditCode: String
        public var address: String
        public var presaleLicense: String
        public init(name: String = "", creditCode: String = "", address: String = "", presaleLicense: String = "") {
            self.name = name; self.creditCode = creditCode; self.address = address; self.presaleLicense = presaleLicense
        }

        /// What a 认购书 needs to name its seller: the legal name, the code and the address.
        public var missingForAgreement: [String] {
            [("sellerName", name), ("sellerCreditCode", creditCode), ("sellerAddress", address)].filter { $0.1.isEmpty }.map(\.0)
        }

        /// A 商品房买卖合同 also states the 预售许可证号 (城市商品房预售管理办法 第十条; 现房 write
        /// their 现售备案 there).
        public var missingForContract: [String] {
            missingForAgreement + (presaleLicense.isEmpty ? ["presaleLicense"] : [])
        }
    }

    public struct Draft: Sendable {
        public var code: String?
        public var name: String?
        public var city: String?
        public var priceRounding: String?
        public var isActive: Bool?
        public var customerProtectionDays: Int?
        /// Seller fields: nil leaves them as they are, "" clears one.
        public var sellerName: String?
        public var sellerCreditCode: String?
        public var sellerAddress: String?
        public var presaleLicense: String?
        /// nil leaves it as it is, "" clears it.
        public var serviceHotline: String?
        public init(code: String? = nil, name: String? = nil, city: String? = nil, priceRounding: String? = nil, isActive: Bool? = nil,
                    customerProtectionDays: Int? = nil, sellerName: String? = nil, sellerCreditCode: String? = nil,
                    sellerAddress: String? = nil, presaleLicense: String? = nil, serviceHotline: String? = nil) {
            self.code = code; self.name = name; self.city = city; self.priceRounding = priceRounding; self.isActive = isActive
            self.customerProtectionDays = customerProtectionDays
            self.sellerName = sellerName; self.sellerCreditCode = sellerCreditCode; self.sellerAddress = sellerAddress
            self.presaleLicense = presaleLicense
            self.serviceHotline = serviceHotline
        }

        /// The seller fields as stored: trimmed, the credit code normalised (spaces out, upper-case).
        var normalizedSeller: Draft {
            var d = self
            d.sellerName = sellerName?.trimmingCharacters(in: .whitespacesAndNewlines)
            d.sellerCreditCode = sellerCreditCode.map(CreditCode.normalized)
            d.sellerAddress = sellerAddress?.trimmingCharacters(in: .whitespacesAndNewlines)
            d.presaleLicense = presaleLicense?.trimmingCharacters(in: .whitespacesAndNewlines)
            return d
        }

        public static let protectionDays = 1...365
    }

    private func validate(_ d: Draft, creating: Bool) -> [Problem.FieldError] {
        var bad: [Problem.FieldError] = []
        if let code = d.code {
            let ok = (2...16).contains(code.count) && code.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
            }
            if !ok { bad.append(.init(field: "code", code: "project_code_invalid")) }
        } else if creating { bad.append(.init(field: "code", code: "required")) }
        if let name = d.name {
            if !Text.isCleanLine(name, maxLength: 60) { bad.append(.init(field: "name", code: "project_name_invalid")) }
        } else if creating { bad.append(.init(field: "name", code: "required")) }
        if let city = d.city {
            if !Text.isCleanLine(city, maxLength: 30) { bad.append(.init(field: "city", code: "city_invalid")) }
        } else if creating { bad.append(.init(field: "city", code: "required")) }
        if let r = d.priceRounding, PriceRounding(rawValue: r) == nil {
            bad.append(.init(field: "priceRounding", code: "price_rounding_invalid"))
        }
        if let days = d.customerProtectionDays, !Draft.protectionDays.contains(days) {
            bad.append(.init(field: "customerProtectionDays", code: "protection_days_invalid"))
        }
        if let v = d.sellerName, !v.isEmpty, !Text.isCleanLine(v, maxLength: 100) { bad.append(.init(field: "sellerName", code: "seller_name_invalid")) }
        if let v = d.sellerCreditCode, !v.isEmpty, case .failure(let p) = CreditCode.check(v) {
            bad.append(.init(field: "sellerCreditCode", code: p.rawValue))
        }
        if let v = d.sellerAddress, !v.isEmpty, !Text.isCleanLine(v, maxLength: 200) { bad.append(.init(field: "sellerAddress", code: "seller_address_invalid")) }
        if let v = d.serviceHotline, !v.isEmpty, !Self.isPhoneNumber(v) { bad.append(.init(field: "serviceHotline", code: "hotline_invalid")) }
        if let v = d.presaleLicense, !v.isEmpty, !Text.isCleanLine(v, maxLength: 100) { bad.append(.init(field: "presaleLicense", code: "presale_license_invalid")) }
        return bad
    }

    public func create(_ draft: Draft, context: AuditContext) async throws -> ProjectSummary {
        let draft = draft.normalizedSeller
        let bad = validate(draft, creating: true)
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let now = now()
        let record = ProjectRecord()
        record.id = UUID()
        record.code = draft.code!
        record.name = draft.name!
        record.city = draft.city!
        record.priceRounding = draft.priceRounding ?? PriceRounding.fen.rawValue
        record.isActive = draft.isActive ?? true
        record.customerProtectionDays = draft.customerProtectionDays ?? 30
        record.sellerName = draft.sellerName ?? ""
        record.sellerCreditCode = draft.sellerCreditCode ?? ""
        record.sellerAddress = draft.sellerAddress ?? ""
        record.presaleLicense = draft.presaleLicense ?? ""
        record.serviceHotline = draft.serviceHotline?.trimmingCharacters(in: .whitespaces) ?? ""
        record.createdAt = now
        record.updatedAt = now
        do {
            try await store.audited(context) { tx in
                if try await ProjectRecord.query(on: tx).filter(\.$code == record.code).count() > 0 {
                    throw Problem.conflict("project_code_taken", ["code": record.code])
                }
                try await record.create(on: tx)
                return ((), AuditEntry(action: "project.create", entity: "project", entityID: record.id!.uuidString,
                                       projectID: record.id, summary: "created project \(record.code) \(record.name)",
                                       after: ["code": record.code, "name": record.name, "city": record.city,
                                               "priceRounding": record.priceRounding, "sellerName": record.sellerName,
                                               "sellerCreditCode": record.sellerCreditCode, "sellerAddress": record.sellerAddress,
                                               "presaleLicense": record.presaleLicense].filter { !$0.value.isEmpty }))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("project_code_taken", ["code": record.code])
        }
        return try await summaries([record]).first!
    }

    public func update(_ id: UUID, _ draft: Draft, context: AuditContext) async throws -> ProjectSummary {
        let draft = draft.normalizedSeller
        let bad = validate(draft, creating: false)
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let now = now()
        let record: ProjectRecord
        do {
            record = try await store.audited(context) { tx in
                guard let p = try await ProjectRecord.find(id, on: tx) else { throw Problem.notFound }
                var before: [String: String] = [:], after: [String: String] = [:]
                func change(_ key: String, _ old: String, _ new: String?, _ set: (String) -> Void) {
                    guard let new, new != old else { return }
                    before[key] = old; after[key] = new; set(new)
                }
                change("code", p.code, draft.code) { p.code = $0 }
                change("name", p.name, draft.name) { p.name = $0 }
                change("city", p.city, draft.city) { p.city = $0 }
                change("priceRounding", p.priceRounding, draft.priceRounding) { p.priceRounding = $0 }
                change("customerProtectionDays", "\(p.customerProtectionDays)", draft.customerProtectionDays.map { "\($0)" }) {
                    p.customerProtectionDays = Int($0)!
                }
                change("isActive", "\(p.isActive)", draft.isActive.map { "\($0)" }) { p.isActive = $0 == "true" }
                change("sellerName", p.sellerName, draft.sellerName) { p.sellerName = $0 }
                change("sellerCreditCode", p.sellerCreditCode, draft.sellerCreditCode) { p.sellerCreditCode = $0 }
                change("sellerAddress", p.sellerAddress, draft.sellerAddress) { p.sellerAddress = $0 }
                change("presaleLicense", p.presaleLicense, draft.presaleLicense) { p.presaleLicense = $0 }
                change("serviceHotline", p.serviceHotline, draft.serviceHotline?.trimmingCharacters(in: .whitespaces)) { p.serviceHotline = $0 }
                if before["code"] != nil, try await ProjectRecord.query(on: tx).filter(\.$code == p.code).filter(\.$id != id).count() > 0 {
                    throw Problem.conflict("project_code_taken", ["code": p.code])
                }
                p.updatedAt = now
                try await p.save(on: tx)
                return (p, AuditEntry(action: "project.update", entity: "project", entityID: id.uuidString, projectID: id,
                                      summary: "updated project \(p.code)", before: before, after: after))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("project_code_taken", ["code": draft.code ?? ""])
        }
        return try await summaries([record]).first!
    }

    /// The project if it exists and the user can see it; otherwise 404 (never 403).
    public func find(_ id: UUID, for principal: Principal) async throws -> ProjectSummary {
        guard principal.canSee(project: id), let p = try await ProjectRecord.find(id, on: store.db) else { throw Problem.notFound }
        return try await summaries([p]).first!
    }

    /// Projects the user holds a role on, by code.
    public func list(for principal: Principal, page: PageRequest) async throws -> Paged<ProjectSummary> {
        var query = ProjectRecord.query(on: store.db).sort(\.$code)
        if let visible = principal.visibleProjectIDs {
            if visible.isEmpty { return Paged(items: [], page: page.page, perPage: page.perPage, total: 0) }
            query = query.filter(\.$id ~~ visible)
        }
        let paged = try await query.paged(page)
        return Paged(items: try await summaries(paged.items), page: paged.page, perPage: paged.perPage, total: paged.total)
    }

    /// The seller a project's printed 认购书 and contracts name (404 when there is no such project).
    public func seller(of projectID: UUID) async throws -> Seller {
        guard let p = try await ProjectRecord.find(projectID, on: store.db) else { throw Problem.notFound }
        return Seller(name: p.sellerName, creditCode: p.sellerCreditCode, address: p.sellerAddress, presaleLicense: p.presaleLicense)
    }

    public func id(code: String) async throws -> UUID? {
        try await ProjectRecord.query(on: store.db).filter(\.$code == code).first()?.id
    }

    /// All projects, for pickers in the admin pages.
    func all() async throws -> [ProjectRecord] {
        try await ProjectRecord.query(on: store.db).sort(\.$code).all()
    }

    private func summaries(_ records: [ProjectRecord]) async throws -> [ProjectSummary] {
        let ids = records.compactMap(\.id)
        guard !ids.isEmpty else { return [] }
        // Counts in SQL, one query each, not per project.
        let sql = store.sql
        struct CountRow: Decodable { var project_id: UUID; var n: Int }
        let buildings = try await sql.select().column("project_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("buildings").where("project_id", .in, ids).groupBy("project_id").all(decoding: CountRow.self)
        let units = try await sql.select().column("project_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("units").where("project_id", .in, ids).groupBy("project_id").all(decoding: CountRow.self)
        let b = Dictionary(uniqueKeysWithValues: buildings.map { ($0.project_id, $0.n) })
        let u = Dictionary(uniqueKeysWithValues: units.map { ($0.project_id, $0.n) })
        return records.map { p in
            ProjectSummary(id: p.id!, code: p.code, name: p.name, city: p.city,
                           priceRounding: PriceRounding(rawValue: p.priceRounding) ?? .fen, isActive: p.isActive,
                           customerProtectionDays: p.customerProtectionDays,
                           seller: Seller(name: p.sellerName, creditCode: p.sellerCreditCode, address: p.sellerAddress,
                                          presaleLicense: p.presaleLicense), serviceHotline: p.serviceHotline,
                           buildingCount: b[p.id!] ?? 0, unitCount: u[p.id!] ?? 0, createdAt: p.createdAt, updatedAt: p.updatedAt)
        }
    }

    /// A telephone number as people write one: digits with optional +, spaces and dashes, 5 to 20
    /// characters ("400-820-8820", "0571-8888 6666", "95105").
    static func isPhoneNumber(_ s: String) -> Bool {
        let v = s.trimmingCharacters(in: .whitespaces)
        guard (5...20).contains(v.count), v.first?.isNumber == true || v.first == "+" else { return false }
        return v.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || $0 == "-" || $0 == " " || $0 == "+" }
            && v.filter(\.isNumber).count >= 5
    }
}

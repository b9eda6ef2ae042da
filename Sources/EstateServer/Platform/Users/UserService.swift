import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Staff accounts and their roles. Every change is audited in its transaction.
public struct UserService: Sendable {
    let store: Store
    let hasher: PasswordHasher
    let now: @Sendable () -> Date
    /// Inventory's projects, for grants (issue 14).
    let projects: any ProjectDirectory
    /// Every change here may change what a signed-in user is: their cached principals go with it.
    let principals: PrincipalCache

    public struct UserSummary: Sendable {
        public var id: UUID
        public var username: String
        public var displayName: String
        /// 手机号 for SMS (ticket assignments, escalations); nil when none is on file.
        public var mobile: String?
        public var isDisabled: Bool
        public var lockedUntil: Date?
        public var lastLoginAt: Date?
        public var createdAt: Date
        public var grants: [GrantSummary]
    }

    public struct GrantSummary: Sendable {
        public var id: UUID
        public var role: Role
        public var projectID: UUID?
        public var projectName: String?
    }

    func validate(username: String, displayName: String, password: String?, mobile: String? = nil) -> [Problem.FieldError] {
        var bad: [Problem.FieldError] = []
        if !Credentials.isValidUsername(username) { bad.append(.init(field: "username", code: "username_invalid")) }
        if !Text.isCleanLine(displayName, maxLength: 40) { bad.append(.init(field: "displayName", code: "display_name_invalid")) }
        if let password, let p = Credentials.check(password: password) { bad.append(.init(field: "password", code: p.rawValue)) }
        if let mobile, !MobileNumber.isValid(mobile) { bad.append(.init(field: "mobile", code: "mobile_invalid")) }
        return bad
    }

    /// `mobile`: 11 digits as stored ("13812345678"), or nil for none.
    public func create(username: String, displayName: String, password: String, mobile: String? = nil,
                       context: AuditContext) async throws -> UserSummary {
        let bad = validate(username: username, displayName: displayName, password: password, mobile: mobile)
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let hash = try await hasher.hash(password)
        let now = now()
        let user = UserRecord(username: username, displayName: displayName, passwordHash: hash, now: now)
        do {
            try await store.audited(context) { tx in
                if try await UserRecord.query(on: tx).filter(\.$username == username).count() > 0 {
                    throw Problem.conflict("username_taken", ["username": username])
                }
                try await user.create(on: tx)
                var after = ["username": username, "displayName": user.displayName]
                if let mobile {
                    try await tx.sql.update("users").set("mobile", to: SQLBind(mobile)).where("id", .equal, user.id!).run()
                    after["mobile"] = Masking.mobile(mobile)
                }
                return ((), AuditEntry(action: "user.create", entity: "user", entityID: user.id?.uuidString,
                                       summary: "created user \(username)", after: after))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("username_taken", ["username": username])
        }
        return try await find(user.id!)!
    }

    public struct Changes: Sendable {
        public var displayName: String?
        /// nil: left as it is; `.some(nil)`: removed; `.some(m)`: set to `m`.
        public var mobile: String??
        public var isDisabled: Bool?
        /// Clears a sign-in lock-out.
        public var unlock: Bool = false
        public init(displayName: String? = nil, mobile: String?? = nil, isDisabled: Bool? = nil, unlock: Bool = false) {
            self.displayName = displayName
            self.mobile = mobile
            self.isDisabled = isDisabled
            self.unlock = unlock
        }
    }

    /// Disabling a user ends all their sessions and tokens in the same transaction.
    public func update(_ id: UUID, _ changes: Changes, context: AuditContext) async throws -> UserSummary {
        if let name = changes.displayName, !Text.isCleanLine(name, maxLength: 40) {
            throw Problem.invalid("displayName", "display_name_invalid")
        }
        if case .some(.some(let m)) = changes.mobile, !MobileNumber.isValid(m) { throw Problem.invalid("mobile", "mobile_invalid") }
        if changes.isDisabled == true, id == context.actorID { throw Problem.conflict("cannot_disable_self") }
        let now = now()
        try await store.audited(context, forgetting: id, in: principals) { tx in
            guard let user = try await UserRecord.find(id, on: tx) else { throw Problem.notFound }
            var before: [String: String] = [:], after: [String: String] = [:]
            if let name = changes.displayName, name != user.displayName {
                before["displayName"] = user.displayName; after["displayName"] = name
                user.displayName = name
            }
            if let mobile = changes.mobile {
                let current = try await Self.mobiles([id], on: tx)[id] ?? nil
                if mobile != current {
                    before["mobile"] = current.map(Masking.mobile) ?? ""; after["mobile"] = mobile.map(Masking.mobile) ?? ""
                    try await tx.sql.update("users").set("mobile", to: SQLBind(mobile)).where("id", .equal, id).run()
                }
            }
            if let disabled = changes.isDisabled, disabled != user.isDisabled {
                before["isDisabled"] = "\(user.isDisabled)"; after["isDisabled"] = "\(disabled)"
                user.isDisabled = disabled
                if disabled { try await AuthService.revokeAll(userID: id, at: now, on: tx) }
            }
            if changes.unlock, user.lockedUntil != nil || user.failedLogins > 0 {
                before["locked"] = "true"; after["locked"] = "false"
                user.lockedUntil = nil
                user.failedLogins = 0
            }
            user.updatedAt = now
            try await user.save(on: tx)
            let action = changes.isDisabled == true && before["isDisabled"] != nil ? "user.disable"
                : changes.isDisabled == false && before["isDisabled"] != nil ? "user.enable" : "user.update"
            return ((), AuditEntry(action: action, entity: "user", entityID: id.uuidString,
                                   summary: "\(action) \(user.username)", before: before, after: after))
        }
        return try await find(id)!
    }

    /// Sets a new password and ends the user's sessions (they sign in again with it).
    public func resetPassword(_ id: UUID, to password: String, context: AuditContext) async throws {
        if let p = Credentials.check(password: password) { throw Problem.invalid("password", p.rawValue) }
        let hash = try await hasher.hash(password)
        let now = now()
        try await store.audited(context, forgetting: id, in: principals) { tx in
            guard let user = try await UserRecord.find(id, on: tx) else { throw Problem.notFound }
            user.passwordHash = hash
            user.failedLogins = 0
            user.lockedUntil = nil
            user.updatedAt = now
            try await user.save(on: tx)
            try await AuthService.revokeAll(userID: id, at: now, except: id == context.actorID ? context.sessionID : nil, on: tx)
            return ((), AuditEntry(action: "user.reset_password", entity: "user", entityID: id.uuidString,
                                   summary: "password reset for \(user.username)"))
        }
    }

    public func grant(_ role: Role, to userID: UUID, projectID: UUID?, context: AuditContext) async throws -> GrantSummary {
        let now = now()
        let record = RoleGrantRecord(userID: userID, role: role, projectID: projectID, now: now)
        do {
            try await store.audited(context, forgetting: userID, in: principals) { tx in
                guard let user = try await UserRecord.find(userID, on: tx) else { throw Problem.notFound }
                if let projectID, try await projects.names([projectID], sql: tx.sql)[projectID] == nil {
                    throw Problem(.notFound, "project_unknown")
                }
                var existing = RoleGrantRecord.query(on: tx).filter(\.$userID == userID).filter(\.$role == role.rawValue)
                existing = projectID.map { existing.filter(\.$projectID == $0) } ?? existing.filter(\.$projectID == nil)
                if try await existing.count() > 0 { throw Problem.conflict("grant_exists") }
                try await record.create(on: tx)
                return ((), AuditEntry(action: "role.grant", entity: "user", entityID: userID.uuidString, projectID: projectID,
                                       summary: "granted \(role.rawValue) to \(user.username)",
                                       after: ["role": role.rawValue, "project": projectID?.uuidString ?? "*"]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("grant_exists")
        }
        let name: String? = if let projectID { try await projects.names([projectID], sql: store.sql)[projectID]?.name } else { nil }
        return GrantSummary(id: record.id!, role: role, projectID: projectID, projectName: name)
    }

    public func revoke(grantID: UUID, of userID: UUID, context: AuditContext) async throws {
        try await store.audited(context, forgetting: userID, in: principals) { tx in
            guard let grant = try await RoleGrantRecord.find(grantID, on: tx), grant.userID == userID else { throw Problem.notFound }
            if grant.role == Role.admin.rawValue, grant.projectID == nil,
               try await companyAdminCount(on: tx) <= 1 {
                throw Problem.conflict("last_admin")
            }
            try await grant.delete(on: tx)
            return ((), AuditEntry(action: "role.revoke", entity: "user", entityID: userID.uuidString, projectID: grant.projectID,
                                   summary: "revoked \(grant.role)",
                                   before: ["role": grant.role, "project": grant.projectID?.uuidString ?? "*"]))
        }
    }

    private func companyAdminCount(on db: any Database) async throws -> Int {
        try await RoleGrantRecord.query(on: db).filter(\.$role == Role.admin.rawValue).filter(\.$projectID == nil).count()
    }

    public func find(_ id: UUID) async throws -> UserSummary? {
        guard let user = try await UserRecord.find(id, on: store.db) else { return nil }
        return try await summaries([user]).first
    }

    public func find(username: String) async throws -> UserSummary? {
        guard let user = try await UserRecord.query(on: store.db).filter(\.$username == username).first() else { return nil }
        return try await summaries([user]).first
    }

    public func list(search: String?, page: PageRequest) async throws -> Paged<UserSummary> {
        var query = UserRecord.query(on: store.db).sort(\.$username)
        if let search = search?.trimmingCharacters(in: .whitespaces), !search.isEmpty {
            query = query.group(.or) {
                $0.filter(\.$username, .custom("LIKE"), "%\(search.lowercased())%")
                    .filter(\.$displayName, .custom("LIKE"), "%\(search)%")
            }
        }
        let paged = try await query.paged(page)
        return Paged(items: try await summaries(paged.items), page: paged.page, perPage: paged.perPage, total: paged.total)
    }

    /// Staff mobiles by user (the column is not on `UserRecord`).
    static func mobiles(_ ids: [UUID], on db: any Database) async throws -> [UUID: String?] {
        struct R: Decodable { var id: UUID; var mobile: String? }
        guard !ids.isEmpty else { return [:] }
        let rows = try await db.sql.select().columns("id", "mobile").from("users").where("id", .in, SQLBind.group(ids)).all(decoding: R.self)
        return Dictionary(rows.map { ($0.id, $0.mobile) }, uniquingKeysWith: { a, _ in a })
    }

    private func summaries(_ users: [UserRecord]) async throws -> [UserSummary] {
        let ids = users.compactMap(\.id)
        guard !ids.isEmpty else { return [] }
        let mobiles = try await Self.mobiles(ids, on: store.db)
        let grants = try await RoleGrantRecord.query(on: store.db).filter(\.$userID ~~ ids).all()
        let projectIDs = Set(grants.compactMap(\.projectID))
        let names = try await projects.names(Array(projectIDs), sql: store.sql).mapValues(\.name)
        let byUser = Dictionary(grouping: grants, by: \.userID)
        return users.map { u in
            UserSummary(id: u.id!, username: u.username, displayName: u.displayName, mobile: mobiles[u.id!] ?? nil, isDisabled: u.isDisabled,
                        lockedUntil: u.lockedUntil, lastLoginAt: u.lastLoginAt, createdAt: u.createdAt,
                        grants: Self.listed(byUser[u.id!] ?? [], projectNames: names))
        }
    }

    /// A user's grants as lists show them: by project name, then role.
    static func listed(_ grants: [RoleGrantRecord], projectNames names: [UUID: String]) -> [GrantSummary] {
        grants.compactMap { g in
            Role(rawValue: g.role).map { GrantSummary(id: g.id!, role: $0, projectID: g.projectID, projectName: g.projectID.flatMap { names[$0] }) }
        }.sorted { ($0.projectName ?? "", $0.role.rawValue) < ($1.projectName ?? "", $1.role.rawValue) }
    }

    /// First start: with no users at all, create `admin` (company-wide admin role).
    /// Returns the generated password, to be printed once, or nil if users exist.
    func bootstrapAdmin(password configured: String?) async throws -> String? {
        guard try await UserRecord.query(on: store.db).count() == 0 else { return nil }
        let now = now()
        let password = configured ?? Self.randomPassword()
        let hash = try await hasher.hash(password)
        try await store.audited(.system()) { tx in
            let admin = UserRecord(username: "admin", displayName: "系统管理员", passwordHash: hash, now: now)
            try await admin.create(on: tx)
            try await RoleGrantRecord(userID: admin.id!, role: .admin, projectID: nil, now: now).create(on: tx)
            return ((), AuditEntry(action: "user.create", entity: "user", entityID: admin.id?.uuidString,
                                   summary: "created first administrator admin", after: ["username": "admin", "role": "admin"]))
        }
        return configured == nil ? password : nil
    }

    static func randomPassword() -> String {
        // No look-alike characters (0/O, 1/l/I): it is read off a terminal and typed.
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }
}

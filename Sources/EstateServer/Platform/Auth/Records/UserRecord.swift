import EstateCore
import FluentKit
import Foundation

/// A staff account (员工账号).
final class UserRecord: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "is_disabled") var isDisabled: Bool
    /// Consecutive failed sign-ins; reset by a successful one.
    @Field(key: "failed_logins") var failedLogins: Int
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @OptionalField(key: "last_login_at") var lastLoginAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    init(id: UUID = UUID(), username: String, displayName: String, passwordHash: String, now: Date) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.isDisabled = false
        self.failedLogins = 0
        self.createdAt = now
        self.updatedAt = now
    }
}

/// A role held by a user on one project, or on all projects when `projectID` is nil.
final class RoleGrantRecord: Model, @unchecked Sendable {
    static let schema = "role_grants"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "role") var role: String
    @OptionalField(key: "project_id") var projectID: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(userID: UUID, role: Role, projectID: UUID?, now: Date) {
        self.id = UUID()
        self.userID = userID
        self.role = role.rawValue
        self.projectID = projectID
        self.createdAt = now
    }

    var grant: Grant? { Role(rawValue: role).map { Grant(role: $0, projectID: projectID) } }
}

/// A signed-in session: a browser cookie (`web`) or an API bearer token (`api`).
/// Only the SHA-256 of the secret is stored, so a database leak yields no usable token.
final class AuthSessionRecord: Model, @unchecked Sendable {
    static let schema = "auth_sessions"

    enum Kind: String { case web, api }

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "user_id") var userID: UUID
    @Field(key: "kind") var kind: String
    @OptionalField(key: "csrf_token") var csrfToken: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "ip") var ip: String?
    @OptionalField(key: "user_agent") var userAgent: String?

    init() {}
}

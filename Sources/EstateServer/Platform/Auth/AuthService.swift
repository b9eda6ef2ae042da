import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit
import Vapor

/// Sign-in, sessions and API tokens.
public struct AuthService: Sendable {
    let store: Store
    let hasher: PasswordHasher
    let config: AppConfiguration
    let now: @Sendable () -> Date
    let principals: PrincipalCache
    /// Names the projects of the user's grants (`/api/v1/me` lists them).
    let projects: any ProjectDirectory

    public struct SignedIn: Sendable {
        public let token: String
        public let expiresAt: Date
        public let csrfToken: String?
        public let principal: Principal
    }

    /// Where a request came from, for throttling and the audit line.
    public struct Origin: Sendable {
        public var ip: String?
        public var userAgent: String?
        public var requestID: String?
    }

    /// Checks the password and opens a session of `kind`. Unknown user, wrong password, disabled
    /// and locked account all answer the same `invalid_credentials` after the same bcrypt work, so
    /// the answer never tells whether a name exists (a lock that answered differently did).
    /// Many failures from one address answer 429, but a correct password still gets through
    /// (one address may be a whole office behind NAT); the per-account lock still applies.
    func signIn(username rawUsername: String, password: String, kind: AuthSessionRecord.Kind, origin: Origin) async throws -> SignedIn {
        let username = rawUsername.trimmingCharacters(in: .whitespaces).lowercased()
        let now = now()
        let printable = String(String.UnicodeScalarView(username.unicodeScalars.filter { $0.value >= 0x20 }.prefix(64)))
        let context = AuditContext(actorID: nil, actorName: printable.isEmpty ? "?" : printable,
                                   requestID: origin.requestID, ip: origin.ip)
        let throttledAddress: String? = if let ip = origin.ip,
            try await recentFailures(from: ip, since: now.addingTimeInterval(-config.lockoutDuration)) >= config.addressThrottleThreshold { ip } else { nil }
        // A name that cannot exist is not looked up (and NUL never reaches PostgreSQL).
        let user = Credentials.isValidUsername(username)
            ? try await UserRecord.query(on: store.db).filter(\.$username == username).first() : nil
        let locked = user?.lockedUntil.map { $0 > now } ?? false
        // The hash is checked in every case, so a locked or unknown name takes as long as any other.
        let passwordOK = try await hasher.verify(password, against: locked ? hasher.decoy : user?.passwordHash ?? hasher.decoy) && !locked
        guard let user, let userID = user.id, passwordOK, !user.isDisabled else {
            if locked {
                try await AuditLog.recordAlone(AuditEntry(action: "auth.login_locked", entity: "user", entityID: user?.id?.uuidString,
                                                          summary: "sign-in refused: account locked", outcome: .denied),
                                               context: context, store: store)
            } else {
                try await recordFailure(user: user, context: context, now: now)
            }
            if let ip = throttledAddress {
                try await AuditLog.recordAlone(AuditEntry(action: "auth.throttled", entity: "user", summary: "sign-in throttled for \(ip)",
                                                          outcome: .denied),
                                               context: context, store: store)
                throw Problem(.tooManyRequests, "too_many_attempts", headers: ["Retry-After": "\(Int(config.lockoutDuration))"])
            }
            throw Problem(.unauthorized, "invalid_credentials")
        }
        let token = Self.newSecret()
        let csrf = kind == .web ? Self.newSecret() : nil
        let expiresAt = now.addingTimeInterval(kind == .web ? config.sessionAbsoluteTimeout : config.apiTokenLifetime)
        let context2 = AuditContext(actorID: userID, actorName: user.username, requestID: origin.requestID, ip: origin.ip)
        try await store.audited(context2) { tx in
            let session = AuthSessionRecord()
            session.id = UUID()
            session.tokenHash = Self.digest(token)
            session.userID = userID
            session.kind = kind.rawValue
            session.csrfToken = csrf
            session.createdAt = now
            session.lastSeenAt = now
            session.expiresAt = expiresAt
            session.ip = origin.ip
            session.userAgent = origin.userAgent.map { String($0.prefix(200)) }
            try await session.create(on: tx)
            try await (tx as! any SQLDatabase).update("users")
                .set("failed_logins", to: 0).set("locked_until", to: SQLLiteral.null).set("last_login_at", to: now)
                .where("id", .equal, userID).run()
            return ((), AuditEntry(action: "auth.login", entity: "user", entityID: userID.uuidString,
                                   summary: "signed in (\(kind.rawValue))"))
        }
        let principal = try await loadPrincipal(userID: userID, on: store.db)
        return SignedIn(token: token, expiresAt: expiresAt, csrfToken: csrf, principal: principal!)
    }

    private func recordFailure(user: UserRecord?, context: AuditContext, now: Date) async throws {
        let threshold = config.lockoutThreshold
        let lockUntil = now.addingTimeInterval(config.lockoutDuration)
        try await store.write { tx in
            var summary = "sign-in failed"
            if let user, let id = user.id {
                // An increment in SQL, not read-modify-write: concurrent failures all count.
                let sql = tx as! any SQLDatabase
                try await sql.update("users")
                    .set(SQLIdentifier("failed_logins"), to: SQLBinaryExpression(SQLIdentifier("failed_logins"), .add, SQLLiteral.numeric("1")))
                    .where("id", .equal, id).run()
                let count = try await sql.select().column("failed_logins").from("users").where("id", .equal, id)
                    .first(decodingColumn: "failed_logins", as: Int.self) ?? 0
                if count >= threshold {
                    try await sql.update("users").set("locked_until", to: lockUntil).set("failed_logins", to: 0)
                        .where("id", .equal, id).run()
                    summary = "sign-in failed; account locked after \(count) failures"
                }
            }
            try await AuditLog.record(AuditEntry(action: "auth.login_failed", entity: "user", entityID: user?.id?.uuidString,
                                                 summary: summary, outcome: .failed),
                                      context: context, at: now, on: tx)
        }
    }

    private func recentFailures(from ip: String, since: Date) async throws -> Int {
        try await AuditRecord.query(on: store.db)
            .filter(\.$action == "auth.login_failed").filter(\.$ip == ip).filter(\.$at >= since)
            .count()
    }

    /// The session behind a token, if it is still valid; touches `last_seen_at` at most once a minute.
    /// A recent answer for the same token comes from `principals` without a query; the expiry and
    /// idle checks run on every request either way.
    func authenticate(token: String, kind: AuthSessionRecord.Kind) async throws -> (SessionInfo, Principal, [UserService.GrantSummary])? {
        guard !token.isEmpty, token.count < 200 else { return nil }
        let digest = Self.digest(token)
        let now = now()
        let entry: PrincipalCache.Entry
        if let cached = principals.entry(digest, now: now), cached.session.kind == kind {
            entry = cached
        } else {
            let generation = principals.generation
            guard let record = try await AuthSessionRecord.query(on: store.db)
                .filter(\.$tokenHash == digest).filter(\.$kind == kind.rawValue).first(), record.revokedAt == nil,
                let (principal, grants) = try await loadSignedIn(userID: record.userID)
            else { return nil }
            entry = PrincipalCache.Entry(session: SessionInfo(record), principal: principal, grants: grants, loadedAt: now)
            principals.store(digest, entry, readAt: generation)
        }
        let session = entry.session
        guard session.expiresAt > now, kind != .web || now.timeIntervalSince(session.lastSeenAt) <= config.sessionIdleTimeout else {
            principals.forget(digest)
            return nil
        }
        if now.timeIntervalSince(session.lastSeenAt) > 60 {
            try await store.write { tx in
                try await (tx as! any SQLDatabase).update("auth_sessions").set("last_seen_at", to: now).where("id", .equal, session.id).run()
            }
            principals.touched(digest, at: now)
        }
        return (session, entry.principal, entry.grants)
    }

    /// The principal and the grants as `/api/v1/me` lists them; nil when the user is gone or disabled.
    private func loadSignedIn(userID: UUID) async throws -> (Principal, [UserService.GrantSummary])? {
        guard let user = try await UserRecord.find(userID, on: store.db), !user.isDisabled else { return nil }
        let records = try await RoleGrantRecord.query(on: store.db).filter(\.$userID == userID).all()
        let projectIDs = Array(Set(records.compactMap(\.projectID)))
        let names = projectIDs.isEmpty ? [:] : try await projects.names(projectIDs, sql: store.sql).mapValues(\.name)
        return (Principal(userID: userID, username: user.username, displayName: user.displayName, grants: Set(records.compactMap(\.grant))),
                UserService.listed(records, projectNames: names))
    }

    /// Whether a session still lets its user see `projectID` with `action`, for streams that outlive
    /// their request: not revoked, not past its absolute end, the user enabled and still granted.
    /// (Idle time is not counted: an open board is in use.)
    func stillAllows(session sessionID: UUID, _ action: Action, on projectID: UUID) async throws -> Bool {
        guard let session = try await AuthSessionRecord.find(sessionID, on: store.db),
              session.revokedAt == nil, session.expiresAt > now(),
              let principal = try await loadPrincipal(userID: session.userID, on: store.db) else { return false }
        return principal.canSee(project: projectID) && principal.may(action, on: projectID)
    }

    /// The user and their grants; nil when the user is gone or disabled.
    func loadPrincipal(userID: UUID, on db: any Database) async throws -> Principal? {
        guard let user = try await UserRecord.find(userID, on: db), !user.isDisabled else { return nil }
        let grants = try await RoleGrantRecord.query(on: db).filter(\.$userID == userID).all().compactMap(\.grant)
        return Principal(userID: userID, username: user.username, displayName: user.displayName, grants: Set(grants))
    }

    func signOut(session: SessionInfo, context: AuditContext) async throws {
        let id = session.id
        let now = now()
        try await store.audited(context, forgetting: session.userID, in: principals) { tx in
            try await (tx as! any SQLDatabase).update("auth_sessions").set("revoked_at", to: now).where("id", .equal, id).run()
            return ((), AuditEntry(action: "auth.logout", entity: "user", entityID: session.userID.uuidString, summary: "signed out"))
        }
    }

    /// Ends every session and token of a user, inside the caller's transaction.
    /// `except` keeps one session: the one a user is using to change their own password.
    static func revokeAll(userID: UUID, at now: Date, except kept: UUID? = nil, on tx: any Database) async throws {
        var update = (tx as! any SQLDatabase).update("auth_sessions").set("revoked_at", to: now)
            .where("user_id", .equal, userID).where("revoked_at", .is, SQLLiteral.null)
        if let kept { update = update.where("id", .notEqual, kept) }
        try await update.run()
    }

    static func newSecret() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

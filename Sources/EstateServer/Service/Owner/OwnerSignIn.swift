import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 业主自助: the owner signs in with a one-time code sent by SMS to the mobile registered on
/// their purchase. Codes and session tokens are kept only as keyed hashes (HMAC-SHA256 with a
/// key derived from the master secret), so a copy of the database cannot be used to sign in.
///
/// A mobile that is not an owner's is treated exactly like one (a code row is stored, the same
/// limits apply, the page says the same) except that no SMS goes out and its code cannot be
/// known: the page cannot be used to find out who owns a home here.
struct OwnerSignIn: Sendable {
    let store: Store
    let key: SymmetricKey
    let now: @Sendable () -> Date

    /// A code lives 10 minutes and dies after 5 wrong tries.
    static let codeLifetime: TimeInterval = 10 * 60
    static let maxAttempts = 5
    /// At most one code a minute and five an hour per mobile.
    static let minimumInterval: TimeInterval = 60
    static let perHour = 5
    /// At most this many codes an hour from one address (SMS bombing across many mobiles).
    static let perAddressHour = 30
    static let sessionLifetime: TimeInterval = 7 * 24 * 3600

    init(store: Store, keyring: Keyring, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.now = now
        // Its own key, derived from the keyed-lookup key: no key is used for two things.
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: keyring.personalDataLookup, info: Data("estatedesk/owner-sign-in".utf8),
                                     outputByteCount: 32)
    }

    func hash(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    func codeHash(mobile: String, code: String) -> String { hash("code|\(mobile)|\(code)") }
    func tokenHash(_ token: String) -> String { hash("session|\(token)") }

    /// The per-session CSRF token: derived from the session token (which only the owner's
    /// browser holds, in an HttpOnly cookie), so nothing more needs storing.
    func csrfToken(forSession token: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data("csrf|\(token)".utf8), using: key)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Six digits from the system's cryptographic generator, uniform over 000000–999999.
    static func newCode() -> String {
        var rng = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0..<1_000_000, using: &rng))
    }

    static func actorName(_ mobile: String) -> String { "owner:" + Masking.mobile(mobile) }

    // MARK: - Codes

    enum CodeOutcome: Equatable, Sendable {
        /// Sent if the mobile is an owner's; the page says the same either way.
        case accepted
        case tooSoon(seconds: Int)
        case hourlyLimit
        case addressLimit
    }

    /// Stores a code (its hash) and, for an owner, queues the SMS in the same transaction.
    /// `isOwner` is decided by the caller (`OwnerDirectory.isOwner`).
    func requestCode(mobile: String, isOwner: Bool, context: AuditContext) async throws -> CodeOutcome {
        let now = now()
        let code = Self.newCode()
        // A non-owner's row holds the hash of a secret nobody is told: it only counts for the limits.
        let stored = isOwner ? codeHash(mobile: mobile, code: code) : hash("void|\(AuthService.newSecret())")
        let engine = store.engine
        return try await store.write { tx in
            let sql = tx.sql
            if engine == .postgres {
                // One request per mobile at a time, so two quick taps cannot both pass the limits.
                try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "owner_code:" + mobile)))").run()
            }
            struct R: Decodable { var createdAt: Date }
            let recent = try await sql.raw("""
                SELECT created_at FROM owner_codes WHERE mobile = \(bind: mobile) AND created_at > \(bind: now.addingTimeInterval(-3600))
                ORDER BY created_at DESC
                """).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
            if let last = recent.first?.createdAt, now.timeIntervalSince(last) < Self.minimumInterval {
                return .tooSoon(seconds: max(1, Int((Self.minimumInterval - now.timeIntervalSince(last)).rounded(.up))))
            }
            if recent.count >= Self.perHour { return .hourlyLimit }
            if let ip = context.ip {
                let n = try await AuditQuery.count("owner.code", fromIP: ip, since: now.addingTimeInterval(-3600), on: sql)
                if n >= Self.perAddressHour { return .addressLimit }
            }
            // Old rows are of no further use (the limits look back an hour).
            try await sql.delete(from: "owner_codes").where("created_at", .lessThan, SQLBind(now.addingTimeInterval(-86400))).run()
            try await sql.insert(into: "owner_codes").columns("id", "mobile", "code_hash", "attempts", "created_at", "expires_at", "used_at")
                .values(SQLBind(UUID()), SQLBind(mobile), SQLBind(stored), SQLBind(0), SQLBind(now),
                        SQLBind(now.addingTimeInterval(Self.codeLifetime)), SQLLiteral.null).run()
            if isOwner {
                try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: mobile, template: "owner.code",
                                                     params: ["code": code, "minutes": "\(Int(Self.codeLifetime / 60))"],
                                                     reference: "owner:\(Masking.mobile(mobile))"), now: now, on: sql)
            }
            try await AuditLog.record(AuditEntry(action: "owner.code", entity: "owner", entityID: Masking.mobile(mobile),
                                                 summary: isOwner ? "sign-in code sent to \(Masking.mobile(mobile))"
                                                     : "sign-in code asked for \(Masking.mobile(mobile)), not an owner: nothing sent"),
                                      context: context, at: now, on: tx)
            return .accepted
        }
    }

    // MARK: - Signing in

    enum LoginOutcome: Sendable {
        case signedIn(token: String, expiresAt: Date)
        /// Wrong code; `left` tries remain on it.
        case wrong(left: Int)
        /// No live code: never asked, expired, used, or killed by wrong tries.
        case noCode
        case tooManyTries
    }

    /// Checks `code` against the latest code of `mobile`. Each try first takes one of the code's
    /// five tries (a conditional update), so parallel guesses cannot exceed them; the hashes are
    /// compared in constant time. Success marks the code used and opens a session.
    func signIn(mobile: String, code rawCode: String, isOwner: Bool, context: AuditContext) async throws -> LoginOutcome {
        let now = now()
        let code = rawCode.trimmingCharacters(in: .whitespaces)
        let offered = codeHash(mobile: mobile, code: code)
        let wellFormed = code.count == 6 && code.allSatisfy { $0.isASCII && $0.isNumber }
        let token = AuthService.newSecret()
        let tokenHash = tokenHash(token)
        let outcome: LoginOutcome = try await store.write { tx in
            let sql = tx.sql
            struct C: Decodable { var id: UUID; var codeHash: String; var attempts: Int; var expiresAt: Date; var usedAt: Date? }
            // Only the latest code counts: asking again retires the earlier ones.
            guard let c = try await sql.raw("""
                SELECT id, code_hash, attempts, expires_at, used_at FROM owner_codes WHERE mobile = \(bind: mobile)
                ORDER BY created_at DESC LIMIT 1
                """).first(decoding: C.self, with: SQLRowDecoder.snakeCase),
                c.usedAt == nil, c.expiresAt > now
            else { return .noCode }
            guard c.attempts < Self.maxAttempts else { return .tooManyTries }
            struct A: Decodable { var attempts: Int }
            guard let taken = try await sql.update("owner_codes")
                .set(SQLIdentifier("attempts"), to: SQLBinaryExpression(SQLIdentifier("attempts"), .add, SQLLiteral.numeric("1")))
                .where("id", .equal, c.id).where("attempts", .lessThan, SQLBind(Self.maxAttempts))
                .where(SQLColumn("used_at"), .is, SQLLiteral.null)
                .returning("attempts").first(decoding: A.self)
            else { return .tooManyTries }
            guard wellFormed, CSRFMiddleware.equal(offered, c.codeHash), isOwner else {
                try await AuditLog.record(AuditEntry(action: "owner.login_failed", entity: "owner", entityID: Masking.mobile(mobile),
                                                     summary: "wrong sign-in code for \(Masking.mobile(mobile)) (try \(taken.attempts) of \(Self.maxAttempts))",
                                                     outcome: .failed),
                                          context: context, at: now, on: tx)
                return taken.attempts >= Self.maxAttempts ? .tooManyTries : .wrong(left: Self.maxAttempts - taken.attempts)
            }
            struct I: Decodable { var id: UUID }
            guard try await sql.update("owner_codes").set("used_at", to: SQLBind(now)).where("id", .equal, c.id)
                .where(SQLColumn("used_at"), .is, SQLLiteral.null).returning("id").first(decoding: I.self) != nil
            else { return .noCode }
            try await sql.delete(from: "owner_sessions").where("expires_at", .lessThan, SQLBind(now)).run()
            let expires = now.addingTimeInterval(Self.sessionLifetime)
            try await sql.insert(into: "owner_sessions").columns("id", "token_hash", "mobile", "created_at", "expires_at")
                .values(SQLBind(UUID()), SQLBind(tokenHash), SQLBind(mobile), SQLBind(now), SQLBind(expires)).run()
            try await AuditLog.record(AuditEntry(action: "owner.login", entity: "owner", entityID: Masking.mobile(mobile),
                                                 summary: "owner \(Masking.mobile(mobile)) signed in"),
                                      context: context, at: now, on: tx)
            return .signedIn(token: token, expiresAt: expires)
        }
        return outcome
    }

    // MARK: - Sessions

    struct Session: Sendable {
        var id: UUID
        var mobile: String
        var expiresAt: Date
        /// The raw token from the cookie (for the CSRF token); never stored.
        var token: String
    }

    func session(token: String) async throws -> Session? {
        guard !token.isEmpty, token.count < 200 else { return nil }
        struct R: Decodable { var id: UUID; var mobile: String; var expiresAt: Date }
        guard let r = try await store.sql.raw("""
            SELECT id, mobile, expires_at FROM owner_sessions WHERE token_hash = \(bind: tokenHash(token)) AND expires_at > \(bind: now())
            """).first(decoding: R.self, with: SQLRowDecoder.snakeCase)
        else { return nil }
        return Session(id: r.id, mobile: r.mobile, expiresAt: r.expiresAt, token: token)
    }

    func signOut(_ session: Session, context: AuditContext) async throws {
        try await store.audited(context) { tx in
            try await tx.sql.delete(from: "owner_sessions").where("id", .equal, session.id).run()
            return ((), AuditEntry(action: "owner.logout", entity: "owner", entityID: Masking.mobile(session.mobile),
                                   summary: "owner \(Masking.mobile(session.mobile)) signed out"))
        }
    }
}

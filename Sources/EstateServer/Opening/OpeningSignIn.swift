import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The buyer's sign-in on the phone page (issue 18 point 4): the owner page's mechanism
/// (`OwnerSignIn`: a six-digit code by SMS, kept only as a keyed hash, 10 minutes, 5 tries taken by
/// a conditional update, one a minute and five an hour per mobile, 30 an hour per address), with
/// its own key and tables, and one live session per buyer: signing in on a second device replaces
/// the first's session row (unique on the mobile), so the first device is signed out.
/// A mobile not registered for an opening gets the same answers and no SMS.
struct OpeningSignIn: Sendable {
    let store: Store
    let key: SymmetricKey
    let now: @Sendable () -> Date

    static let sessionLifetime: TimeInterval = 24 * 3600

    init(store: Store, keyring: Keyring, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.now = now
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: keyring.personalDataLookup, info: Data("estatedesk/opening-sign-in".utf8),
                                     outputByteCount: 32)
    }

    func hash(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }
    func codeHash(mobile: String, code: String) -> String { hash("code|\(mobile)|\(code)") }
    func tokenHash(_ token: String) -> String { hash("session|\(token)") }
    func csrfToken(forSession token: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data("csrf|\(token)".utf8), using: key)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    static func actorName(_ mobile: String) -> String { "buyer:" + Masking.mobile(mobile) }

    /// Whether `mobile` holds an active registration of an event not closed.
    static func isRegistered(_ mobile: String, sql: any SQLDatabase) async throws -> Bool {
        struct N: Decodable { var n: Int }
        return try await sql.raw("""
            SELECT COUNT(*) AS n FROM opening_registrations r JOIN opening_events e ON e.id = r.event_id
            WHERE r.mobile = \(bind: mobile) AND r.status = 'active' AND e.status <> 'closed' AND e.source_event_id IS NULL
            """).first(decoding: N.self)?.n ?? 0 > 0
    }

    func requestCode(mobile: String, context: AuditContext) async throws -> OwnerSignIn.CodeOutcome {
        let now = now()
        let registered = try await Self.isRegistered(mobile, sql: store.sql)
        let code = OwnerSignIn.newCode()
        let stored = registered ? codeHash(mobile: mobile, code: code) : hash("void|\(AuthService.newSecret())")
        let engine = store.engine
        return try await store.write { tx in
            let sql = tx.sql
            if engine == .postgres {
                try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "opening_code:" + mobile)))").run()
            }
            struct R: Decodable { var createdAt: Date }
            let recent = try await sql.raw("""
                SELECT created_at FROM opening_codes WHERE mobile = \(bind: mobile) AND created_at > \(bind: now.addingTimeInterval(-3600))
                ORDER BY created_at DESC
                """).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
            if let last = recent.first?.createdAt, now.timeIntervalSince(last) < OwnerSignIn.minimumInterval {
                return .tooSoon(seconds: max(1, Int((OwnerSignIn.minimumInterval - now.timeIntervalSince(last)).rounded(.up))))
            }
            if recent.count >= OwnerSignIn.perHour { return .hourlyLimit }
            if let ip = context.ip {
                let n = try await AuditQuery.count("opening.code", fromIP: ip, since: now.addingTimeInterval(-3600), on: sql)
                if n >= OwnerSignIn.perAddressHour { return .addressLimit }
            }
            try await sql.delete(from: "opening_codes").where("created_at", .lessThan, SQLBind(now.addingTimeInterval(-86400))).run()
            try await sql.insert(into: "opening_codes").columns("id", "mobile", "code_hash", "attempts", "created_at", "expires_at", "used_at")
                .values(SQLBind(UUID()), SQLBind(mobile), SQLBind(stored), SQLBind(0), SQLBind(now),
                        SQLBind(now.addingTimeInterval(OwnerSignIn.codeLifetime)), SQLLiteral.null).run()
            if registered {
                try await Outbox.enqueue(OutboxDraft(channel: .sms, recipient: mobile, template: "opening.code",
                                                     params: ["code": code, "minutes": "\(Int(OwnerSignIn.codeLifetime / 60))"],
                                                     reference: "opening:\(Masking.mobile(mobile))"), now: now, on: sql)
            }
            try await AuditLog.record(AuditEntry(action: "opening.code", entity: "opening_buyer", entityID: Masking.mobile(mobile),
                                                 summary: registered ? "selection sign-in code sent to \(Masking.mobile(mobile))"
                                                     : "selection sign-in code asked for \(Masking.mobile(mobile)), not registered: nothing sent"),
                                      context: context, at: now, on: tx)
            return .accepted
        }
    }

    func signIn(mobile: String, code rawCode: String, context: AuditContext) async throws -> OwnerSignIn.LoginOutcome {
        let now = now()
        let registered = try await Self.isRegistered(mobile, sql: store.sql)
        let code = rawCode.trimmingCharacters(in: .whitespaces)
        let offered = codeHash(mobile: mobile, code: code)
        let wellFormed = code.count == 6 && code.allSatisfy { $0.isASCII && $0.isNumber }
        let token = AuthService.newSecret()
        let tokenHash = tokenHash(token)
        return try await store.write { tx in
            let sql = tx.sql
            struct C: Decodable { var id: UUID; var codeHash: String; var attempts: Int; var expiresAt: Date; var usedAt: Date? }
            guard let c = try await sql.raw("""
                SELECT id, code_hash, attempts, expires_at, used_at FROM opening_codes WHERE mobile = \(bind: mobile)
                ORDER BY created_at DESC LIMIT 1
                """).first(decoding: C.self, with: SQLRowDecoder.snakeCase),
                c.usedAt == nil, c.expiresAt > now
            else { return .noCode }
            guard c.attempts < OwnerSignIn.maxAttempts else { return .tooManyTries }
            struct A: Decodable { var attempts: Int }
            guard let taken = try await sql.update("opening_codes")
                .set(SQLIdentifier("attempts"), to: SQLBinaryExpression(SQLIdentifier("attempts"), .add, SQLLiteral.numeric("1")))
                .where("id", .equal, c.id).where("attempts", .lessThan, SQLBind(OwnerSignIn.maxAttempts))
                .where(SQLColumn("used_at"), .is, SQLLiteral.null)
                .returning("attempts").first(decoding: A.self)
            else { return .tooManyTries }
            guard wellFormed, CSRFMiddleware.equal(offered, c.codeHash), registered else {
                try await AuditLog.record(AuditEntry(action: "opening.login_failed", entity: "opening_buyer", entityID: Masking.mobile(mobile),
                                                     summary: "wrong selection sign-in code for \(Masking.mobile(mobile)) (try \(taken.attempts))",
                                                     outcome: .failed), context: context, at: now, on: tx)
                return taken.attempts >= OwnerSignIn.maxAttempts ? .tooManyTries : .wrong(left: OwnerSignIn.maxAttempts - taken.attempts)
            }
            try await sql.update("opening_codes").set("used_at", to: SQLBind(now)).where("id", .equal, c.id).run()
            // One live session per buyer: the new one replaces any other device's.
            try await sql.delete(from: "opening_sessions").where("mobile", .equal, mobile).run()
            let expires = now.addingTimeInterval(Self.sessionLifetime)
            try await sql.insert(into: "opening_sessions").columns("id", "token_hash", "mobile", "created_at", "expires_at")
                .values(SQLBind(UUID()), SQLBind(tokenHash), SQLBind(mobile), SQLBind(now), SQLBind(expires)).run()
            try await AuditLog.record(AuditEntry(action: "opening.login", entity: "opening_buyer", entityID: Masking.mobile(mobile),
                                                 summary: "buyer \(Masking.mobile(mobile)) signed in to choose"), context: context, at: now, on: tx)
            return .signedIn(token: token, expiresAt: expires)
        }
    }

    func session(token: String) async throws -> OwnerSignIn.Session? {
        guard !token.isEmpty, token.count < 200 else { return nil }
        struct R: Decodable { var id: UUID; var mobile: String; var expiresAt: Date }
        guard let r = try await store.sql.raw("""
            SELECT id, mobile, expires_at FROM opening_sessions WHERE token_hash = \(bind: tokenHash(token)) AND expires_at > \(bind: now())
            """).first(decoding: R.self, with: SQLRowDecoder.snakeCase)
        else { return nil }
        return OwnerSignIn.Session(id: r.id, mobile: r.mobile, expiresAt: r.expiresAt, token: token)
    }

    func signOut(_ session: OwnerSignIn.Session, context: AuditContext) async throws {
        try await store.audited(context) { tx in
            try await tx.sql.delete(from: "opening_sessions").where("id", .equal, session.id).run()
            return ((), AuditEntry(action: "opening.logout", entity: "opening_buyer", entityID: Masking.mobile(session.mobile),
                                   summary: "buyer \(Masking.mobile(session.mobile)) signed out"))
        }
    }
}

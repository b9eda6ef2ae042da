import FluentKit
import Foundation
import Logging
import SQLKit

/// Sends due outbox messages through a gateway. Each message is claimed by a conditional
/// update that leases it to this worker, so two servers never send one message at the same
/// time; a message left `sending` by a server that died is claimed again once its lease runs
/// out and resent with the same id (at least once; the provider drops the duplicate).
/// No transaction is held open across the network call: claim (with the attempt row) and
/// outcome are two short transactions.
public struct OutboxWorker: Sendable {
    let store: Store
    let gateway: any NotificationGateway
    let now: @Sendable () -> Date
    let maxAttempts: Int
    let logger: Logger
    /// How long a claim keeps other workers away; well above the gateway's timeout.
    public static let lease: TimeInterval = 60

    public init(store: Store, gateway: any NotificationGateway, now: @escaping @Sendable () -> Date, maxAttempts: Int,
                logger: Logger = Logger(label: "estate.outbox")) {
        self.store = store
        self.gateway = gateway
        self.now = now
        self.maxAttempts = max(1, maxAttempts)
        self.logger = logger
    }

    /// One message, claimed and ready to hand to the gateway.
    struct Claimed: Sendable, Decodable {
        var id: UUID
        var channel: String
        var recipient: String
        var subject: String
        var body: String
        var attempts: Int
        var template: String
    }

    /// Sends up to `limit` due messages one after another; returns how many were attempted
    /// (whatever the outcome).
    @discardableResult
    public func runOnce(limit: Int = 50) async throws -> Int {
        try await failExhausted()
        var attempted = 0
        for id in try await due(limit: limit) {
            if Task.isCancelled { break }
            guard let claimed = try await claim(id) else { continue }   // another worker was first
            try await deliver(claimed)
            attempted += 1
        }
        return attempted
    }

    /// Due messages: pending and due, or sending with a lapsed lease.
    func due(limit: Int) async throws -> [UUID] {
        struct Row: Decodable { var id: UUID }
        let now = now()
        return try await store.sql.raw("""
            SELECT id FROM outbox_messages
            WHERE (status = 'pending' AND next_attempt_at <= \(bind: now)) OR (status = 'sending' AND lease_until < \(bind: now))
            ORDER BY next_attempt_at, id LIMIT \(unsafeRaw: String(max(0, limit)))
            """).all(decoding: Row.self).map(\.id)
    }

    /// Leases the message to this worker and opens its attempt row, in one transaction; nil
    /// when it is no longer due (sent, or claimed by another worker meanwhile).
    func claim(_ id: UUID) async throws -> Claimed? {
        let now = now(), maxAttempts = maxAttempts
        return try await store.write { tx in
            let sql = tx as! any SQLDatabase
            guard let c = try await sql.raw("""
                UPDATE outbox_messages SET status = 'sending', lease_until = \(bind: now.addingTimeInterval(Self.lease)), attempts = attempts + 1
                WHERE id = \(bind: id) AND attempts < \(bind: maxAttempts)
                  AND ((status = 'pending' AND next_attempt_at <= \(bind: now)) OR (status = 'sending' AND lease_until < \(bind: now)))
                RETURNING id, channel, recipient, subject, body, attempts, template
                """).first(decoding: Claimed.self) else { return nil }
            try await Self.abandonOpenAttempts(of: [id], now: now, on: sql)
            try await sql.insert(into: "outbox_attempts")
                .columns("id", "message_id", "attempt", "started_at", "detail")
                .values(SQLBind(UUID()), SQLBind(id), SQLBind(c.attempts), SQLBind(now), SQLBind(""))
                .run()
            return c
        }
    }

    /// Hands the claimed message to the gateway and records the outcome.
    func deliver(_ c: Claimed) async throws {
        guard let channel = NotificationChannel(rawValue: c.channel) else {
            try await finish(c, .rejected("unknown channel \(c.channel)", httpStatus: nil))
            return
        }
        let message = OutgoingMessage(id: c.id, channel: channel, recipient: c.recipient, subject: c.subject, body: c.body,
                                      attempt: c.attempts, secret: NotificationTemplates.all[c.template]?.secret ?? false)
        let result: GatewayResult
        do {
            result = try await gateway.send(message)
        } catch {
            result = .retry("gateway error: \(String(describing: error).prefix(300))", httpStatus: nil)
        }
        try await finish(c, result)
    }

    func finish(_ c: Claimed, _ result: GatewayResult) async throws {
        let now = now(), maxAttempts = maxAttempts
        let outcome: OutboxAttemptOutcome, detail: String, httpStatus: Int?
        switch result {
        case .sent(let ref): (outcome, detail, httpStatus) = (.sent, ref.map { "provider ref \($0)" } ?? "", nil)
        case .retry(let why, let status): (outcome, detail, httpStatus) = (c.attempts >= maxAttempts ? .failed : .retry, why, status)
        case .rejected(let why, let status): (outcome, detail, httpStatus) = (.failed, why, status)
        }
        let retryAt = now.addingTimeInterval(OutboxBackoff.delay(attempt: c.attempts, messageID: c.id))
        try await store.write { tx in
            let sql = tx as! any SQLDatabase
            try await sql.update("outbox_attempts")
                .set("finished_at", to: SQLBind(now)).set("outcome", to: SQLBind(outcome.rawValue))
                .set("detail", to: SQLBind(String(detail.prefix(1000)))).set("http_status", to: SQLBind(httpStatus))
                .where("message_id", .equal, c.id).where("attempt", .equal, c.attempts)
                .where(SQLColumn("finished_at"), .is, SQLLiteral.null)
                .run()
            switch (result, outcome) {
            case (.sent(let ref), _):
                // Sent wins even if our lease lapsed and another worker holds the message now.
                try await sql.raw("""
                    UPDATE outbox_messages SET status = 'sent', sent_at = \(bind: now), provider_ref = \(bind: ref),
                           lease_until = NULL, last_error = ''
                    WHERE id = \(bind: c.id) AND status <> 'sent'
                    """).run()
                // A sign-in code is no one's business once delivered: it does not stay readable in the table.
                try await sql.raw("""
                    UPDATE outbox_messages SET body = '（验证码已发送，内容不保留）', params = '{}'
                    WHERE id = \(bind: c.id) AND template = 'owner.code' AND status = 'sent'
                    """).run()
            case (_, .retry):
                try await sql.raw("""
                    UPDATE outbox_messages SET status = 'pending', next_attempt_at = \(bind: retryAt), lease_until = NULL,
                           last_error = \(bind: String(detail.prefix(1000)))
                    WHERE id = \(bind: c.id) AND status = 'sending' AND attempts = \(bind: c.attempts)
                    """).run()
            default:
                try await sql.raw("""
                    UPDATE outbox_messages SET status = 'failed', lease_until = NULL, last_error = \(bind: String(detail.prefix(1000)))
                    WHERE id = \(bind: c.id) AND status = 'sending' AND attempts = \(bind: c.attempts)
                    """).run()
            }
        }
        switch outcome {
        case .sent: logger.debug("outbox message sent", metadata: ["message": "\(c.id)", "attempt": "\(c.attempts)"])
        case .retry: logger.info("outbox message will be retried: \(detail)", metadata: ["message": "\(c.id)", "attempt": "\(c.attempts)"])
        case .failed, .abandoned: logger.warning("outbox message failed: \(detail)", metadata: ["message": "\(c.id)", "attempt": "\(c.attempts)"])
        }
    }

    /// A message whose last allowed attempt died mid-send (lease lapsed) is not sent again: it
    /// fails, its open attempt marked abandoned (the provider may or may not have it).
    func failExhausted() async throws {
        let now = now(), maxAttempts = maxAttempts
        struct Row: Decodable { var id: UUID }
        let candidates = try await store.sql.raw("""
            SELECT id FROM outbox_messages WHERE status = 'sending' AND lease_until < \(bind: now) AND attempts >= \(bind: maxAttempts)
            """).all(decoding: Row.self)
        guard !candidates.isEmpty else { return }
        try await store.write { tx in
            let sql = tx as! any SQLDatabase
            let failed = try await sql.raw("""
                UPDATE outbox_messages SET status = 'failed', lease_until = NULL,
                       last_error = 'the last attempt was interrupted; the provider may not have the message'
                WHERE status = 'sending' AND lease_until < \(bind: now) AND attempts >= \(bind: maxAttempts)
                RETURNING id
                """).all(decoding: Row.self)
            try await Self.abandonOpenAttempts(of: failed.map(\.id), now: now, on: sql)
        }
    }

    static func abandonOpenAttempts(of ids: [UUID], now: Date, on sql: any SQLDatabase) async throws {
        guard !ids.isEmpty else { return }
        try await sql.update("outbox_attempts")
            .set("finished_at", to: SQLBind(now)).set("outcome", to: SQLBind(OutboxAttemptOutcome.abandoned.rawValue))
            .set("detail", to: SQLBind("the worker stopped before the outcome was recorded; its lease lapsed"))
            .where(SQLColumn("message_id"), .in, SQLBind.group(ids))
            .where(SQLColumn("finished_at"), .is, SQLLiteral.null)
            .run()
    }
}

/// Waits between attempts: 10 s, 30 s, 2 min, 10 min, 30 min, then hourly, each ±20 %. The
/// jitter is a hash of the message id and attempt: messages queued together spread out, and
/// a test knows the exact delay.
public enum OutboxBackoff {
    public static let steps: [TimeInterval] = [10, 30, 120, 600, 1800, 3600]

    public static func base(attempt: Int) -> TimeInterval { steps[min(max(attempt, 1), steps.count) - 1] }

    public static func delay(attempt: Int, messageID: UUID) -> TimeInterval {
        (base(attempt: attempt) * (0.8 + 0.4 * unit(messageID, attempt)) * 1000).rounded() / 1000
    }

    /// A number in [0, 1) from FNV-1a over the id's bytes and the attempt.
    static func unit(_ id: UUID, _ attempt: Int) -> Double {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let u = id.uuid
        let bytes = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15, UInt8(truncatingIfNeeded: attempt)]
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return Double(h >> 11) / Double(UInt64(1) << 53)
    }
}

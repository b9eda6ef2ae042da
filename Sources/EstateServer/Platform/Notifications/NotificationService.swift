import Foundation
import SQLKit

/// Reading the outbox, for staff pages: what was sent, to whom, and every attempt.
public struct NotificationService: Sendable {
    let store: Store

    public struct OutboxRow: Sendable, Equatable, Codable {
        public var id: UUID
        public var projectID: UUID?
        public var channel: NotificationChannel
        public var recipient: String
        /// "138****1234": what a list shows unless the role needs the full value.
        public var recipientMasked: String
        public var template: String
        public var subject: String
        /// Redacted for secret templates (sign-in codes).
        public var body: String
        public var reference: String?
        public var status: OutboxStatus
        public var attempts: Int
        public var nextAttemptAt: Date
        public var lastError: String
        public var providerRef: String?
        public var createdAt: Date
        public var sentAt: Date?
    }

    public struct AttemptRow: Sendable, Equatable, Codable {
        public var attempt: Int
        public var startedAt: Date
        public var finishedAt: Date?
        /// Nil while the attempt is in flight.
        public var outcome: OutboxAttemptOutcome?
        public var detail: String
        public var httpStatus: Int?
    }

    private struct MessageSQL: Decodable {
        var id: UUID
        var project_id: UUID?
        var channel: String
        var recipient: String
        var template: String
        var subject: String
        var body: String
        var reference: String?
        var status: String
        var attempts: Int
        var next_attempt_at: Date
        var last_error: String
        var provider_ref: String?
        var created_at: Date
        var sent_at: Date?
    }

    private struct AttemptSQL: Decodable {
        var attempt: Int
        var started_at: Date
        var finished_at: Date?
        var outcome: String?
        var detail: String
        var http_status: Int?
    }

    /// The newest messages of a project (all projects when nil), newest first.
    public func recent(projectID: UUID?, limit: Int) async throws -> [OutboxRow] {
        var q = store.sql.select()
            .columns("id", "project_id", "channel", "recipient", "template", "subject", "body", "reference", "status", "attempts",
                     "next_attempt_at", "last_error", "provider_ref", "created_at", "sent_at")
            .from("outbox_messages")
        if let projectID { q = q.where("project_id", .equal, projectID) }
        let rows = try await q.orderBy("created_at", .descending).orderBy("id", .descending)
            .limit(min(max(limit, 0), 1000)).all(decoding: MessageSQL.self)
        return rows.map { r in
            let channel = NotificationChannel(rawValue: r.channel) ?? .sms
            let secret = NotificationTemplates.all[r.template]?.secret ?? false
            return OutboxRow(id: r.id, projectID: r.project_id, channel: channel, recipient: r.recipient,
                             recipientMasked: Outbox.masked(r.recipient, channel: channel), template: r.template,
                             subject: r.subject, body: secret ? "（内容含验证码，已隐藏）" : r.body, reference: r.reference,
                             status: OutboxStatus(rawValue: r.status) ?? .pending, attempts: r.attempts, nextAttemptAt: r.next_attempt_at,
                             lastError: r.last_error, providerRef: r.provider_ref, createdAt: r.created_at, sentAt: r.sent_at)
        }
    }

    /// Every attempt to send one message, first to last.
    public func attempts(messageID: UUID) async throws -> [AttemptRow] {
        try await store.sql.select()
            .columns("attempt", "started_at", "finished_at", "outcome", "detail", "http_status")
            .from("outbox_attempts").where("message_id", .equal, messageID)
            .orderBy("attempt").orderBy("started_at")
            .all(decoding: AttemptSQL.self)
            .map { AttemptRow(attempt: $0.attempt, startedAt: $0.started_at, finishedAt: $0.finished_at,
                              outcome: $0.outcome.flatMap(OutboxAttemptOutcome.init(rawValue:)), detail: $0.detail,
                              httpStatus: $0.http_status) }
    }
}

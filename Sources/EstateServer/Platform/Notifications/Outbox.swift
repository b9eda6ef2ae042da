import EstateCore
import Foundation
import SQLKit

public enum NotificationChannel: String, Sendable, Codable, CaseIterable {
    case sms, email
}

/// A message a capability wants sent: which template, to whom, with what values.
public struct OutboxDraft: Sendable {
    public var channel: NotificationChannel
    public var recipient: String
    public var template: String
    public var params: [String: String]
    public var projectID: UUID?
    /// What the message is about, for lists ("ticket:<uuid>").
    public var reference: String?

    public init(channel: NotificationChannel, recipient: String, template: String, params: [String: String],
                projectID: UUID? = nil, reference: String? = nil) {
        self.channel = channel
        self.recipient = recipient
        self.template = template
        self.params = params
        self.projectID = projectID
        self.reference = reference
    }
}

/// The transactional outbox: a message is a row written by the caller's own transaction, so
/// it exists if and only if the business change committed; `OutboxWorker` sends it later.
public enum Outbox {
    /// Renders and queues `draft` on `db` (the caller's transaction); returns the message id,
    /// which is also the id the provider sees. Throws `NotificationError` for an unknown
    /// template, a missing parameter or a recipient that is not a mobile / e-mail address.
    @discardableResult
    public static func enqueue(_ draft: OutboxDraft, now: Date, on db: any SQLDatabase) async throws -> UUID {
        let (subject, body) = try NotificationTemplates.render(draft.template, draft.params)
        guard let recipient = recipient(draft.recipient, channel: draft.channel) else {
            throw NotificationError.invalidRecipient(channel: draft.channel, recipient: draft.recipient)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let params = String(decoding: try encoder.encode(draft.params), as: UTF8.self)
        let id = UUID()
        try await db.insert(into: "outbox_messages")
            .columns("id", "project_id", "channel", "recipient", "template", "params", "subject", "body", "reference",
                     "status", "attempts", "next_attempt_at", "last_error", "created_at")
            .values(SQLBind(id), SQLBind(draft.projectID), SQLBind(draft.channel.rawValue), SQLBind(recipient),
                    SQLBind(draft.template), SQLBind(params), SQLBind(subject), SQLBind(body), SQLBind(draft.reference),
                    SQLBind(OutboxStatus.pending.rawValue), SQLBind(0), SQLBind(now), SQLBind(""), SQLBind(now))
            .run()
        return id
    }

    /// The recipient as stored (a mobile reduced to its 11 digits), or nil when it is not one:
    /// callers with an optional contact check this first and skip the message.
    public static func recipient(_ raw: String, channel: NotificationChannel) -> String? {
        switch channel {
        case .sms:
            return MobileNumber.normalized(raw)
        case .email:
            let s = raw.trimmingCharacters(in: .whitespaces)
            let parts = s.split(separator: "@", omittingEmptySubsequences: false)
            guard s.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty,
                  !s.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 }) else { return nil }
            let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else { return nil }
            return s
        }
    }

    /// "138****1234", "z***@example.com": recipients in logs and lists.
    public static func masked(_ recipient: String, channel: NotificationChannel) -> String {
        switch channel {
        case .sms: return Masking.mobile(recipient)
        case .email:
            guard let at = recipient.firstIndex(of: "@"), let first = recipient.first else { return Masking.mobile(recipient) }
            return String(first) + "***" + recipient[at...]
        }
    }
}

public enum OutboxStatus: String, Sendable, Codable, CaseIterable {
    case pending, sending, sent, failed
}

public enum OutboxAttemptOutcome: String, Sendable, Codable, CaseIterable {
    case sent, retry, failed, abandoned
}

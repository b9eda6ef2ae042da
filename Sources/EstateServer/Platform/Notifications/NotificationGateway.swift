import Foundation
import Logging
import Vapor

/// One message as handed to a provider. `id` is the outbox id: the same on every attempt, so
/// a provider that de-duplicates by it delivers a message resent after a crash only once.
public struct OutgoingMessage: Sendable, Equatable {
    public var id: UUID
    public var channel: NotificationChannel
    public var recipient: String
    public var subject: String
    public var body: String
    /// 1 for the first attempt.
    public var attempt: Int
    /// The body holds a secret (a sign-in code): never written to the log outside demo mode.
    public var secret: Bool

    public init(id: UUID, channel: NotificationChannel, recipient: String, subject: String, body: String, attempt: Int,
                secret: Bool = false) {
        self.secret = secret
        self.id = id
        self.channel = channel
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.attempt = attempt
    }
}

public enum GatewayResult: Sendable, Equatable {
    /// Accepted by the provider.
    case sent(providerRef: String?)
    /// Not now (timeout, 5xx, 408, 429, network): try again later.
    case retry(String, httpStatus: Int?)
    /// Never (other 4xx): the message fails without further attempts.
    case rejected(String, httpStatus: Int?)
}

/// Where messages go. A gateway reports the provider's answer; a thrown error counts as `retry`.
public protocol NotificationGateway: Sendable {
    func send(_ m: OutgoingMessage) async throws -> GatewayResult
}

/// The default when no provider is configured: writes each message to the log, the mobile
/// masked, and a secret body (a sign-in code) hidden unless `showsSecrets` (demo mode, where
/// the log is the only way to read an owner's code).
public struct LogGateway: NotificationGateway {
    let logger: Logger
    let showsSecrets: Bool
    static let hidden = "（内容含验证码，已隐藏）"

    public init(logger: Logger = Logger(label: "estate.notifications"), showsSecrets: Bool = false) {
        self.logger = logger
        self.showsSecrets = showsSecrets
    }

    public func send(_ m: OutgoingMessage) async throws -> GatewayResult {
        let to = Outbox.masked(m.recipient, channel: m.channel)
        let body = m.secret && !showsSecrets ? Self.hidden : m.body
        switch m.channel {
        case .sms: logger.notice("SMS to \(to): \(body)", metadata: ["message": "\(m.id)"])
        case .email: logger.notice("E-mail to \(to): \(m.subject) — \(body)", metadata: ["message": "\(m.id)"])
        }
        return .sent(providerRef: nil)
    }
}

/// The provider from the configuration: HTTP when `smsGatewayURL` is set, else the log.
func configuredNotificationGateway(_ config: AppConfiguration, _ app: Application) -> any NotificationGateway {
    if let url = config.smsGatewayURL {
        return HTTPGateway(url: url, key: config.smsGatewayKey ?? "", client: app.client)
    }
    var logger = Logger(label: "estate.notifications")
    logger.logLevel = config.logLevel
    return LogGateway(logger: logger, showsSecrets: config.demo)
}

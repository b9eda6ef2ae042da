import Foundation

/// 渠道类型: who brings the customer (DOMAIN §6).
public enum ChannelKind: String, CaseIterable, Codable, Sendable {
    /// 中介公司, with its brokers.
    case agency
    /// 全民经纪人 / 老带新: an owner or friend recommending someone.
    case referral
    /// call客 / 派单 / 竞品拦截 / 巡展: the developer's own outbound team.
    case outbound
    /// 企拓: companies, their key contacts and group-purchase agreements.
    case enterprise
    /// 电商 / 线上平台.
    case online
}

/// How a registration's claim is won.
public enum ProtectionMode: String, CaseIterable, Codable, Sendable {
    /// 报备保护: the first valid registration holds the customer for its validity.
    case registrationFirst = "registration_first"
    /// 到访为王: registrations do not hold; the first one whose customer visits wins.
    case visitFirst = "visit_first"
    /// 竞争带看: the first registration holds, every later one goes to the channel manager.
    case competitive
}

/// Whether a masked number (first 3 + last 4, "138****5678") may register, and how it is
/// decided against a full number of the same shape.
public enum MaskedNumberPolicy: String, CaseIterable, Codable, Sendable {
    /// Full numbers only.
    case refused
    /// Allowed; a masked and a full number of the same shape are one customer, first wins.
    case firstWins = "first_wins"
    /// Allowed; the full number wins over a masked one (the masked holder is displaced, by rule).
    case fullWins = "full_wins"
    /// Allowed; a collision between masked and full goes to the channel manager.
    case decide
}

/// What happens to a registration that meets evidence or another channel's claim.
public enum ConflictHandling: String, CaseIterable, Codable, Sendable {
    /// Refused with the reason.
    case refuse
    /// Queued for the channel manager's decision with the evidence side by side.
    case queue
}

/// A check a rule may waive (e.g. 老带新 referrers are not capped and may bring a customer a
/// consultant already follows).
public enum RuleExemption: String, CaseIterable, Codable, Sendable {
    case cap
    case cooldown
    case ownerEvidence = "owner_evidence"
    case callEvidence = "call_evidence"
}

/// One version of a project's 报备 rule for one channel kind. A change makes a new version;
/// every registration keeps the version it was judged under.
public struct ChannelRule: Codable, Equatable, Sendable {
    public var version: Int
    public var mode: ProtectionMode
    /// 报备有效期: hours the channel has to bring the customer.
    public var validityHours: Int
    /// 到访保护期: days a confirmed visit keeps the customer with the channel.
    public var visitProtectionDays: Int
    /// 成交保护期: days after the visit within which a deal is attributed.
    public var dealProtectionDays: Int
    public var maskedNumbers: MaskedNumberPolicy
    public var onConflict: ConflictHandling
    /// Registrations per broker per day; 0: no cap.
    public var capPerBrokerPerDay: Int
    /// Days after a lapse before the same channel may register the same number again; 0: none.
    public var cooldownDays: Int
    /// How far back a walk-in or hotline call counts as the customer's own contact.
    public var evidenceDays: Int
    public var exemptions: Set<RuleExemption>

    public init(version: Int = 1, mode: ProtectionMode = .registrationFirst, validityHours: Int = 72, visitProtectionDays: Int = 30,
                dealProtectionDays: Int = 90, maskedNumbers: MaskedNumberPolicy = .refused, onConflict: ConflictHandling = .refuse,
                capPerBrokerPerDay: Int = 0, cooldownDays: Int = 0, evidenceDays: Int = 90, exemptions: Set<RuleExemption> = []) {
        self.version = version
        self.mode = mode
        self.validityHours = validityHours
        self.visitProtectionDays = visitProtectionDays
        self.dealProtectionDays = dealProtectionDays
        self.maskedNumbers = maskedNumbers
        self.onConflict = onConflict
        self.capPerBrokerPerDay = capPerBrokerPerDay
        self.cooldownDays = cooldownDays
        self.evidenceDays = evidenceDays
        self.exemptions = exemptions
    }

    public enum Problem: String, Sendable, CaseIterable {
        case validityInvalid = "rule_validity_invalid"
        case visitProtectionInvalid = "rule_visit_protection_invalid"
        case dealProtectionInvalid = "rule_deal_protection_invalid"
        case capInvalid = "rule_cap_invalid"
        case cooldownInvalid = "rule_cooldown_invalid"
        case evidenceInvalid = "rule_evidence_days_invalid"
    }

    /// The field and problem of every value out of range.
    public func problems() -> [(field: String, problem: Problem)] {
        var out: [(String, Problem)] = []
        if !(1...24 * 90).contains(validityHours) { out.append(("validityHours", .validityInvalid)) }
        if !(0...365).contains(visitProtectionDays) { out.append(("visitProtectionDays", .visitProtectionInvalid)) }
        if !(0...730).contains(dealProtectionDays) { out.append(("dealProtectionDays", .dealProtectionInvalid)) }
        if !(0...10_000).contains(capPerBrokerPerDay) { out.append(("capPerBrokerPerDay", .capInvalid)) }
        if !(0...365).contains(cooldownDays) { out.append(("cooldownDays", .cooldownInvalid)) }
        if !(0...3650).contains(evidenceDays) { out.append(("evidenceDays", .evidenceInvalid)) }
        return out
    }
}

/// The number a channel registers: the full mobile, or the masked form (first 3 + last 4).
public enum RegisteredNumber: Codable, Equatable, Hashable, Sendable {
    case full(String)
    case masked(prefix: String, suffix: String)

    /// "13812345678", "+86 138 1234 5678" → full; "138****5678", "138*5678" → masked; else nil.
    public static func parse(_ raw: String) -> RegisteredNumber? {
        if let m = MobileNumber.normalized(raw) { return .full(m) }
        let s = raw.filter { !$0.isWhitespace && $0 != "-" }
        guard let star = s.firstIndex(of: "*"), let lastStar = s.lastIndex(of: "*") else { return nil }
        let head = String(s[..<star]), tail = String(s[s.index(after: lastStar)...])
        let middle = s[star...lastStar]
        guard head.count == 3, tail.count == 4, middle.allSatisfy({ $0 == "*" }), (1...4).contains(middle.count),
              (head + tail).allSatisfy(\.isASCII), (head + tail).allSatisfy(\.isNumber),
              head.hasPrefix("1"), let second = head.dropFirst().first, ("3"..."9").contains(second)
        else { return nil }
        return .masked(prefix: head, suffix: tail)
    }

    public var isMasked: Bool { if case .masked = self { true } else { false } }

    /// "138****5678" for both forms: what a broker may always see.
    public var maskedForm: String {
        switch self {
        case .full(let m): Masking.mobile(m)
        case .masked(let p, let s): p + "****" + s
        }
    }

    /// The key a holding registration locks in its project: the full number, or the masked form.
    public var lockKey: String {
        switch self {
        case .full(let m): m
        case .masked: maskedForm
        }
    }

    /// Whether both may be the same person (same number, or the same shape when one is masked).
    public func mayBe(_ other: RegisteredNumber) -> Bool {
        switch (self, other) {
        case (.full(let a), .full(let b)): a == b
        default: maskedForm == other.maskedForm
        }
    }

    public var full: String? { if case .full(let m) = self { m } else { nil } }
}

/// Where a registration stands.
public enum RegistrationStatus: String, CaseIterable, Codable, Sendable {
    /// 报备有效: holds the number until `valid_until` (报备保护, 竞争带看).
    case protected
    /// Registered without holding (到访为王) until its customer visits.
    case pending
    /// 已到访: the visit was confirmed; holds the number for the visit protection.
    case visited
    /// 待裁定: a conflict waiting for the channel manager.
    case queued
    case refused
    /// 已失效: the customer did not come in time, or the protection ended; the number is free.
    case lapsed
    /// 被裁定出局: another registration was awarded the customer.
    case overruled

    /// Statuses that hold the number in the project (the partial unique index's predicate).
    public static let holding: [RegistrationStatus] = [.protected, .visited]
    /// Statuses still in play: other channels see them as claims.
    public static let live: [RegistrationStatus] = [.protected, .visited, .pending]

    public var holds: Bool { Self.holding.contains(self) }
    /// The customer may still be brought (带访确认).
    public var visitable: Bool { self == .protected || self == .pending }
}

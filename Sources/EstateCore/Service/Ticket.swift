import Foundation

/// 工单类型: what the owner came with.
public enum TicketKind: String, CaseIterable, Sendable, Codable {
    /// 咨询
    case inquiry
    /// 投诉
    case complaint
    /// 报修
    case repair
    /// 抢修: a burst pipe, no power; staff are told by SMS at once.
    case emergencyRepair = "emergency_repair"
    /// 建议
    case suggestion
    /// 表扬
    case praise
    /// 勘察: someone goes to look (a crack, damp, a noise) and records findings; what needs
    /// fixing becomes a repair of its own, linked to the survey.
    case survey
    /// 稽查: a finished repair checked on site and scored 1–5; a failing score reopens it.
    case audit

    /// Complaints and repairs close only after a callback (回访) that the owner agrees (DOMAIN §4).
    public var needsCallback: Bool { self == .complaint || self == .repair || self == .emergencyRepair }
    public var isRepair: Bool { self == .repair || self == .emergencyRepair }
    /// Work on site that repair staff (engineers) take: repairs and surveys.
    public var isFieldWork: Bool { isRepair || self == .survey }
    /// A 回访 is due within two days of the resolution (our rule: the owner still remembers the
    /// visit, and a failed fix is found while the crew is near); later, it is shown as late.
    public static let callbackDue: TimeInterval = 2 * 86_400
    public var catalogKey: String { "ticket.kind.\(rawValue)" }
}

/// 来源渠道.
public enum TicketChannel: String, CaseIterable, Sendable, Codable {
    /// 400 热线
    case hotline
    /// 前台
    case frontDesk = "front_desk"
    /// 业主论坛 / 微信
    case online
    /// 来函
    case letter
    /// 来访
    case walkIn = "walk_in"
    /// The owner's own page (业主自助).
    case ownerPage = "owner_page"

    public var catalogKey: String { "ticket.channel.\(rawValue)" }
}

/// 严重程度: major complaints and crises go to the manager at once.
public enum TicketSeverity: String, CaseIterable, Sendable, Codable, Comparable {
    /// 一般
    case normal
    /// 重大
    case major
    /// 危机
    case crisis

    public var escalatesAtOnce: Bool { self != .normal }
    public var catalogKey: String { "ticket.severity.\(rawValue)" }
    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// 工单状态 (DOMAIN §4): new → assigned → in progress → resolved → callback → closed; a failed
/// callback reopens it.
public enum TicketStatus: String, CaseIterable, Sendable, Codable {
    case new
    case assigned
    case inProgress = "in_progress"
    case resolved
    /// 回访中: the owner is being asked whether it is solved.
    case callback
    case closed

    public var isOpen: Bool { self != .closed }
    /// Still being worked on: the resolution deadline runs.
    public var isActive: Bool { self == .new || self == .assigned || self == .inProgress }
    public var catalogKey: String { "ticket.status.\(rawValue)" }
}

/// What staff do to a ticket. Every action is a log line.
public enum TicketAction: String, CaseIterable, Sendable, Codable {
    /// 派单 (or re-assign) to a department and person.
    case assign
    /// 接单: the assignee starts; the first response.
    case start
    /// 处理完成, with what was done (and for complaints and repairs, the cause).
    case resolve
    /// 开始回访
    case startCallback = "start_callback"
    /// 关闭: only kinds that need no callback; the others close through the callback.
    case close
    /// 重开 a closed ticket (the owner came back).
    case reopen
}

/// Why a move is refused.
public enum TicketMoveError: Error, Equatable, Sendable {
    case notAllowed(from: TicketStatus, action: TicketAction)
    case callbackRequired(TicketKind)
}

public enum TicketFlow {
    /// The status an action leads to, or why it may not be taken.
    public static func next(_ status: TicketStatus, _ action: TicketAction, kind: TicketKind) throws(TicketMoveError) -> TicketStatus {
        switch (status, action) {
        case (.new, .assign), (.assigned, .assign): return .assigned
        // Handing over while working keeps the work going.
        case (.inProgress, .assign): return .inProgress
        case (.assigned, .start): return .inProgress
        case (.inProgress, .resolve): return .resolved
        case (.resolved, .startCallback): return .callback
        case (.resolved, .close):
            guard !kind.needsCallback else { throw .callbackRequired(kind) }
            return .closed
        case (.closed, .reopen): return .inProgress
        default: throw .notAllowed(from: status, action: action)
        }
    }

    /// A callback may be recorded on a resolved ticket or one whose callback has started.
    public static func mayRecordCallback(_ status: TicketStatus) -> Bool { status == .resolved || status == .callback }

    /// After the callback: solved closes; not solved goes back to work (reopened).
    public static func afterCallback(solved: Bool) -> TicketStatus { solved ? .closed : .inProgress }

    /// Comments can be added to any ticket not closed.
    public static func mayComment(_ status: TicketStatus) -> Bool { status != .closed }
}

/// 勘察 and 稽查 (issue 16): what each may do besides the common flow.
public enum WorkOrderFlow {
    /// A survey spawns a repair from what it found: while on site (in progress) or once its
    /// findings are written (resolved).
    public static func maySpawnRepair(_ kind: TicketKind, _ status: TicketStatus) -> Bool {
        kind == .survey && (status == .inProgress || status == .resolved)
    }

    /// A repair may be audited once its work is reported done: resolved, in callback or closed.
    public static func mayAudit(_ kind: TicketKind, _ status: TicketStatus) -> Bool {
        kind.isRepair && (status == .resolved || status == .callback || status == .closed)
    }

    /// The status a repair goes back to when its audit fails: back to work (in progress), from
    /// any status where the work was reported done; nil where it is still being worked on.
    public static func afterFailedAudit(_ status: TicketStatus) -> TicketStatus? {
        switch status {
        case .resolved, .callback, .closed: .inProgress
        case .new, .assigned, .inProgress: nil
        }
    }

    /// What resolving needs beyond the common note: findings (the note) for a survey, a score for an audit.
    public enum ResolveProblem: String, Error, Equatable, Sendable {
        case scoreRequired = "audit_score_required"
        case scoreInvalid = "audit_score_invalid"
        case scoreNotForKind = "audit_score_for_audits"
    }

    public static func checkResolve(_ kind: TicketKind, score: Int?) -> ResolveProblem? {
        switch (kind, score) {
        case (.audit, nil): .scoreRequired
        case (.audit, let s?): AuditScore(s) == nil ? .scoreInvalid : nil
        case (_, _?): .scoreNotForKind
        case (_, nil): nil
        }
    }
}

/// 稽查评分: 1 (redo) … 5 (excellent); 1 and 2 fail the repair.
public struct AuditScore: Sendable, Hashable, Codable {
    public let value: Int
    public init?(_ value: Int) {
        guard (1...5).contains(value) else { return nil }
        self.value = value
    }
    public static let passMark = 3
    public var fails: Bool { value < Self.passMark }
}

/// The cause found when a complaint or repair is resolved (原因分类), for the analysis.
public enum TicketCause: String, CaseIterable, Sendable, Codable {
    /// 设计
    case design
    /// 施工
    case construction
    /// 材料/设备
    case material
    /// 物业服务
    case propertyService = "property_service"
    /// 销售承诺
    case salesPromise = "sales_promise"
    /// 业主使用不当
    case ownerUse = "owner_use"
    /// 其他
    case other

    public var catalogKey: String { "ticket.cause.\(rawValue)" }
}

/// 响应/解决时限 per kind and severity, in minutes.
public struct SLATerms: Sendable, Hashable, Codable {
    public var responseMinutes: Int
    public var resolveMinutes: Int

    public init(responseMinutes: Int, resolveMinutes: Int) {
        self.responseMinutes = responseMinutes; self.resolveMinutes = resolveMinutes
    }

    public static let maxMinutes = 90 * 24 * 60

    /// Defaults a project starts with (editable in its settings): emergencies in minutes, a
    /// normal repair within a day and a week, a crisis at once.
    public static func standard(_ kind: TicketKind, _ severity: TicketSeverity) -> SLATerms {
        let h = 60
        switch (kind, severity) {
        case (.emergencyRepair, .normal): return .init(responseMinutes: 30, resolveMinutes: 24 * h)
        case (.emergencyRepair, .major): return .init(responseMinutes: 15, resolveMinutes: 12 * h)
        case (.emergencyRepair, .crisis): return .init(responseMinutes: 10, resolveMinutes: 6 * h)
        case (.complaint, .normal): return .init(responseMinutes: 2 * h, resolveMinutes: 72 * h)
        case (.complaint, .major): return .init(responseMinutes: 1 * h, resolveMinutes: 24 * h)
        case (.complaint, .crisis): return .init(responseMinutes: 30, resolveMinutes: 12 * h)
        case (.repair, .normal): return .init(responseMinutes: 24 * h, resolveMinutes: 7 * 24 * h)
        case (.repair, .major): return .init(responseMinutes: 4 * h, resolveMinutes: 72 * h)
        case (.repair, .crisis): return .init(responseMinutes: 1 * h, resolveMinutes: 24 * h)
        case (.inquiry, .normal): return .init(responseMinutes: 2 * h, resolveMinutes: 24 * h)
        case (.inquiry, _): return .init(responseMinutes: 1 * h, resolveMinutes: 12 * h)
        case (.suggestion, _), (.praise, _): return .init(responseMinutes: 24 * h, resolveMinutes: 7 * 24 * h)
        // A survey visits within a working day and reports within three; urgent ones the same day.
        case (.survey, .normal): return .init(responseMinutes: 8 * h, resolveMinutes: 72 * h)
        case (.survey, .major): return .init(responseMinutes: 2 * h, resolveMinutes: 24 * h)
        case (.survey, .crisis): return .init(responseMinutes: 1 * h, resolveMinutes: 8 * h)
        // An audit is planned work: within the week, sooner when the repair was a serious one.
        case (.audit, .normal): return .init(responseMinutes: 48 * h, resolveMinutes: 7 * 24 * h)
        case (.audit, .major): return .init(responseMinutes: 24 * h, resolveMinutes: 72 * h)
        case (.audit, .crisis): return .init(responseMinutes: 4 * h, resolveMinutes: 24 * h)
        }
    }
}

/// 维修部位 and the statutory warranty (保修期) of each, 建设工程质量管理条例 第40条, counted from
/// the day the unit was delivered to the owner.
public enum RepairComponent: String, CaseIterable, Sendable, Codable {
    /// 屋面防水
    case roofWaterproofing = "roof_waterproofing"
    /// 卫生间、厨房等有防水要求的房间
    case wetRoomWaterproofing = "wet_room_waterproofing"
    /// 外墙面防渗漏
    case exteriorWall = "exterior_wall"
    /// 供热与供冷系统: two heating or cooling seasons.
    case heatingCooling = "heating_cooling"
    /// 电气管线
    case electrical
    /// 给排水管道
    case plumbing
    /// 设备安装
    case equipment
    /// 装修工程 (门窗、地面、墙面…)
    case decoration
    /// 地基基础和主体结构: the design life.
    case structure
    /// 其他: as the contract agrees; two years here.
    case other

    public var catalogKey: String { "ticket.component.\(rawValue)" }

    /// Years of warranty. Two heating/cooling seasons are taken as two years from delivery (one
    /// season a year); the main structure as its design life, 50 years for housing (GB 50068).
    public var warrantyYears: Int {
        switch self {
        case .roofWaterproofing, .wetRoomWaterproofing, .exteriorWall: 5
        case .heatingCooling, .electrical, .plumbing, .equipment, .decoration, .other: 2
        case .structure: 50
        }
    }
}

/// Whether a repair is within warranty (and so not chargeable to the owner).
public struct WarrantyDecision: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Not yet delivered: the developer's to put right before handover (验房 findings).
        case beforeDelivery = "before_delivery"
        case inWarranty = "in_warranty"
        case expired
    }

    public var status: Status
    /// The last day covered (nil before delivery).
    public var lastDay: CalendarDay?
    public var chargeable: Bool { status == .expired }

    /// 民法典 第201条: the delivery day is not counted, the period starts the next day; 第202条: it
    /// ends on the corresponding day of the last year (the month's last day when there is none).
    /// Delivered 2021-11-27, five years cover 2026-11-27 and end on 2026-11-28; delivered
    /// 2024-02-29, the last day is 2029-02-28.
    public static func decide(_ component: RepairComponent, deliveredOn: CalendarDay?, reportedOn: CalendarDay) -> WarrantyDecision {
        guard let delivered = deliveredOn else { return WarrantyDecision(status: .beforeDelivery, lastDay: nil) }
        let years = component.warrantyYears
        let y = delivered.year + years
        let last = CalendarDay(year: y, month: delivered.month, day: min(delivered.day, CalendarDay.days(in: delivered.month, of: y)))!
        return WarrantyDecision(status: reportedOn <= last ? .inWarranty : .expired, lastDay: last)
    }
}

/// 重复维修: the same component of the same unit again within 90 days.
public enum RepeatRepair {
    public static let windowDays = 90

    public static func isRepeat(previous: CalendarDay, current: CalendarDay) -> Bool {
        let d = previous.days(until: current)
        return d >= 0 && d <= windowDays
    }
}

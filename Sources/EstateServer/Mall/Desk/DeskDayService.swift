import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 回访 and the desk's day (issue 20 point 8): follow-up calls to complainants and returners within 30 days with
/// their outcome and the pass rate (goal ≥ 98 %); the front desk's daily log assembled from the day's records —
/// every one of them, nothing typed twice — and signed off by the supervisor; the period report by day.
public struct DeskDayService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let malls: MallService
    let members: MemberService
    let complaints: ComplaintService
    let returns: ReturnService
    let deskLog: DeskLogService
    let mail: MailService
    let priceTags: PriceTagService
    let deskOrders: DeskOrderService
    let rota: RotaService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    // MARK: Follow-ups

    public enum Outcome: String, CaseIterable, Sendable { case satisfied, unsatisfied, unreachable }

    public struct FollowUp: Decodable, Sendable {
        public var id: UUID
        public var mallId: UUID
        public var sourceKind: String
        public var sourceId: UUID
        public var sourceNumber: String
        public var outcome: String
        public var note: String
        public var createdAt: Date
    }

    /// A call about a complaint or a return of this mall, within 30 days of it (422 `follow_up_too_late`).
    public func followUp(mall: MallService.Mall, kind: String, sourceID: UUID, outcome: Outcome, note: String, by actor: UUID?,
                         context: AuditContext) async throws -> FollowUp {
        let taken: Date, number: String
        switch kind {
        case "complaint":
            guard let c = try await ifFound({ try await complaints.complaint(sourceID) }), c.mallId == mall.id else { throw Problem.invalid("sourceId", "follow_up_source_not_found") }
            taken = c.takenAt; number = c.ticketNumber
        case "return":
            guard let r = try await ifFound({ try await returns.get(sourceID) }), r.mallId == mall.id else { throw Problem.invalid("sourceId", "follow_up_source_not_found") }
            taken = r.requestedAt; number = r.number
        default:
            throw Problem.invalid("sourceKind", "follow_up_source_not_found")
        }
        guard note.count <= 500, !note.contains("\u{0}") else { throw Problem.invalid("note", "too_long") }
        let at = now()
        guard FollowUpRule.within(CalendarDay(taken), CalendarDay(at)) else {
            throw Problem.invalid("sourceId", "follow_up_too_late")
        }
        let id = UUID()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "mall_follow_ups")
                .columns("id", "mall_id", "source_kind", "source_id", "source_number", "outcome", "note", "created_by", "created_at")
                .values(SQLBind(id), SQLBind(mall.id), SQLBind(kind), SQLBind(sourceID), SQLBind(number), SQLBind(outcome.rawValue), SQLBind(note),
                        SQLBind(actor), SQLBind(at)).run()
            return ((), AuditEntry(action: "mall.follow_up", entity: "mall_follow_up", entityID: id.uuidString, projectID: mall.projectId,
                                   summary: "follow-up of \(number): \(outcome.rawValue)", after: ["outcome": outcome.rawValue]))
        }
        guard let f = try await followUps(mall.id).first(where: { $0.id == id }) else { throw Problem.notFound }
        return f
    }

    public func followUps(_ mallID: UUID, from: Date? = nil, to: Date? = nil) async throws -> [FollowUp] {
        var cond: SQLQueryString = "mall_id = \(bind: mallID)"
        if let from { cond = "\(cond) AND created_at >= \(bind: from)" }
        if let to { cond = "\(cond) AND created_at < \(bind: to)" }
        return try await store.sql.raw("SELECT * FROM mall_follow_ups WHERE \(cond) ORDER BY created_at DESC, id LIMIT 1000").all(decoding: FollowUp.self, with: decoder)
    }

    // MARK: The daily log

    /// One record of the day, as the log lists it.
    public struct Entry: Codable, Sendable, Equatable {
        public var kind: String
        public var id: UUID
        public var at: Date
        public var text: String
    }

    /// Who was on a shift of the day, as the rota had it when the log was assembled.
    public struct Duty: Codable, Sendable, Equatable {
        public var shift: String
        public var times: String
        public var names: [String]
    }

    public struct DailyLog: Codable, Sendable {
        public var day: String
        public var entries: [Entry]
        public var counts: [String: Int]
        /// The day's shifts and their staff (absent from logs signed before the rota existed).
        public var onDuty: [Duty]?
        public var signedBy: UUID?
        public var signedAt: Date?
    }

    /// The log is kept as signed, in the desk's language: the codes of mail kinds and call outcomes in words.
    static let words = ["letter": "信件", "parcel": "包裹", "bag": "寄存", "satisfied": "满意", "unsatisfied": "不满意", "unreachable": "未接通",
                        "phone_order": "电话订货", "group_purchase": "团体购物", "appliance_test": "大件试机"]

    /// The kinds of record a day's log is made of, in the order it lists them.
    public static let kinds = ["member_application", "card_issue", "points", "complaint", "return", "lost_item", "broadcast", "screen_message",
                               "mail", "price_tags", "follow_up", "desk_order"]

    /// The day's records from every desk register: applications and cards, points lines, complaints, returns, found
    /// items, broadcasts, screen messages, mail and bags, price-tag requests, follow-up calls and the orders taken for
    /// tenants (phone orders, group purchases, appliance tests); and who was on duty.
    public func assemble(_ mall: MallService.Mall, day: CalendarDay) async throws -> DailyLog {
        let from = day.start, to = day.adding(days: 1).start
        var e: [Entry] = []
        struct M: Decodable { var id: UUID; var name: String; var appliedAt: Date; var issuedAt: Date?; var cardNumber: String? }
        let applied = try await store.sql.raw("""
            SELECT id, name, applied_at, issued_at, card_number FROM mall_members WHERE mall_id = \(bind: mall.id)
            AND ((applied_at >= \(bind: from) AND applied_at < \(bind: to)) OR (issued_at >= \(bind: from) AND issued_at < \(bind: to)))
            """).all(decoding: M.self, with: decoder)
        for m in applied {
            if m.appliedAt >= from, m.appliedAt < to { e.append(Entry(kind: "member_application", id: m.id, at: m.appliedAt, text: Masking.name(m.name))) }
            if let i = m.issuedAt, i >= from, i < to { e.append(Entry(kind: "card_issue", id: m.id, at: i, text: m.cardNumber ?? "")) }
        }
        struct P: Decodable { var id: UUID; var kind: String; var points: Int64; var createdAt: Date; var note: String }
        for p in try await store.sql.raw("""
            SELECT id, kind, points, created_at, note FROM mall_points WHERE mall_id = \(bind: mall.id) AND created_at >= \(bind: from) AND created_at < \(bind: to)
            """).all(decoding: P.self, with: decoder) {
            e.append(Entry(kind: "points", id: p.id, at: p.createdAt, text: p.kind == "earn" ? "+\(p.points)" : "\(p.points) \(p.note)"))
        }
        var cf = ComplaintService.Filter()
        cf.from = from; cf.to = to
        for c in try await complaints.list(mall.id, cf, limit: 5000) {
            e.append(Entry(kind: "complaint", id: c.id, at: c.takenAt, text: "\(c.ticketNumber) \(c.ticket?.title ?? "")"))
        }
        for r in try await returns.list(mall.id, from: from, to: to, limit: 5000) {
            e.append(Entry(kind: "return", id: r.id, at: r.requestedAt, text: "\(r.number) \(r.goods) ¥\(Money(fen: r.amountFen).plain)"))
        }
        for i in try await deskLog.lostItems(mall.id, from: from, to: to) { e.append(Entry(kind: "lost_item", id: i.id, at: i.createdAt, text: "\(i.number) \(i.description)")) }
        for b in try await deskLog.broadcasts(mall.id, from: from, to: to) { e.append(Entry(kind: "broadcast", id: b.id, at: b.createdAt, text: b.text)) }
        for s in try await deskLog.screenMessages(mall.id, from: from, to: to) { e.append(Entry(kind: "screen_message", id: s.id, at: s.createdAt, text: "\(s.screen)：\(s.text)")) }
        for m in try await mail.items(mall.id, from: from, to: to) {
            e.append(Entry(kind: "mail", id: m.id, at: m.receivedAt, text: "\(Self.words[m.kind] ?? m.kind) \(m.recipient)"))
        }
        for p in try await priceTags.list(mall.id, from: from, to: to) { e.append(Entry(kind: "price_tags", id: p.id, at: p.requestedAt, text: "\(p.number) × \(p.tagCount)")) }
        for f in try await followUps(mall.id, from: from, to: to) { e.append(Entry(kind: "follow_up", id: f.id, at: f.createdAt, text: "\(f.sourceNumber) \(Self.words[f.outcome] ?? f.outcome)")) }
        var of = DeskOrderService.Filter()
        of.from = from; of.to = to
        let orders = try await deskOrders.list(mall.id, of, limit: 5000)
        let shops = try await malls.tenants(ids: orders.map(\.tenantId))
        for o in orders {
            e.append(Entry(kind: "desk_order", id: o.id, at: o.takenAt,
                           text: "\(o.number) \(Self.words[o.kind] ?? o.kind) \(shops[o.tenantId]?.shopName ?? "") \(Masking.name(o.customerName)) \(o.details)"))
        }
        e.sort { ($0.at, $0.kind, $0.id.uuidString) < ($1.at, $1.kind, $1.id.uuidString) }
        var counts = Dictionary(uniqueKeysWithValues: Self.kinds.map { ($0, 0) })
        for x in e { counts[x.kind, default: 0] += 1 }
        let duty = try await rota.onDuty(mall, day: day).map { Duty(shift: $0.kind.rawValue, times: $0.times, names: $0.staff.map(\.name)) }
        return DailyLog(day: day.description, entries: e, counts: counts, onDuty: duty)
    }

    /// The day's log: as signed when it was, else assembled now.
    public func log(_ mall: MallService.Mall, day: CalendarDay) async throws -> DailyLog {
        struct S: Decodable { var content: String; var signedBy: UUID; var signedAt: Date }
        if let s = try await store.sql.raw("SELECT content, signed_by, signed_at FROM mall_daily_logs WHERE mall_id = \(bind: mall.id) AND day = \(bind: day.description)")
            .first(decoding: S.self, with: decoder) {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            var log = try decoder.decode(DailyLog.self, from: Data(s.content.utf8))
            log.signedBy = s.signedBy; log.signedAt = s.signedAt
            return log
        }
        return try await assemble(mall, day: day)
    }

    /// The supervisor signs off a day that is over (or today, at the end of the late shift): the log as assembled
    /// is kept; a day is signed once (409 `daily_log_signed`).
    public func sign(_ mall: MallService.Mall, day: CalendarDay, by p: Principal, context: AuditContext) async throws -> DailyLog {
        guard p.may(.mallSupervise, on: mall.projectId) else { throw Problem.forbidden }
        guard day <= CalendarDay(now()) else { throw Problem.invalid("day", "daily_log_future") }
        var assembled = try await assemble(mall, day: day)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let at = now()
        assembled.signedBy = p.userID; assembled.signedAt = at
        let text = String(decoding: try encoder.encode(assembled), as: UTF8.self)
        let count = assembled.entries.count
        do {
            try await store.audited(context) { tx in
                try await tx.sql.insert(into: "mall_daily_logs").columns("id", "mall_id", "day", "content", "entry_count", "signed_by", "signed_at")
                    .values(SQLBind(UUID()), SQLBind(mall.id), SQLBind(day.description), SQLBind(text), SQLBind(count), SQLBind(p.userID), SQLBind(at)).run()
                return ((), AuditEntry(action: "mall.daily_log_sign", entity: "mall_daily_log", entityID: day.description, projectID: mall.projectId,
                                       summary: "front-desk log of \(day) signed: \(count) records", after: ["entries": "\(count)"]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("daily_log_signed", ["day": day.description])
        }
        return try await log(mall, day: day)
    }

    // MARK: The report

    public struct DayRow: Sendable {
        public var day: CalendarDay
        public var counts: [String: Int]
        public var followUps: Int
        public var satisfied: Int
        public var unsatisfied: Int
    }

    public struct Report: Sendable {
        public var from: CalendarDay
        public var to: CalendarDay
        public var rows: [DayRow]
        public var total: [String: Int]
        public var satisfied: Int
        public var unsatisfied: Int
        /// Per mille; nil without a call that reached someone.
        public var passRate: Int? { FollowUpRule.passRate(passed: satisfied, total: satisfied + unsatisfied) }
        public var overdueComplaints: Int
    }

    /// The desk's records per day over a period (weekly and monthly reports are periods), with the follow-up pass rate.
    public func report(_ mall: MallService.Mall, from: CalendarDay, to: CalendarDay) async throws -> Report {
        guard from <= to, from.days(until: to) <= 366 else { throw Problem.invalid("to", "report_range_invalid") }
        var rows: [DayRow] = []
        var total = Dictionary(uniqueKeysWithValues: Self.kinds.map { ($0, 0) })
        var sat = 0, unsat = 0
        var day = from
        let calls = try await followUps(mall.id, from: from.start, to: to.adding(days: 1).start)
        while day <= to {
            let log = try await assemble(mall, day: day)
            let mine = calls.filter { CalendarDay($0.createdAt) == day }
            let s = mine.filter { $0.outcome == Outcome.satisfied.rawValue }.count, u = mine.filter { $0.outcome == Outcome.unsatisfied.rawValue }.count
            rows.append(DayRow(day: day, counts: log.counts, followUps: mine.count, satisfied: s, unsatisfied: u))
            for (k, v) in log.counts { total[k, default: 0] += v }
            sat += s; unsat += u
            day = day.adding(days: 1)
        }
        var f = ComplaintService.Filter()
        f.from = from.start; f.to = to.adding(days: 1).start
        let overdue = try await complaints.list(mall.id, f, limit: 5000).filter { $0.overdue(at: now()) }.count
        return Report(from: from, to: to, rows: rows, total: total, satisfied: sat, unsatisfied: unsat, overdueComplaints: overdue)
    }
}

// MARK: The weekly and monthly figures

extension DeskDayService {
    /// The report page's figures per day of a period: complaints by category, returns taken and refunded, members'
    /// applications and cards, points earned and redeemed, found items recorded and claimed.
    public struct Figures: Sendable {
        public var days: [CalendarDay]
        public var complaintsByCategory: [String: Int]
        public var returnsTaken: [Int]
        public var returnsRefunded: [Int]
        public var refundFen: Int64
        public var membersApplied: [Int]
        public var cardsIssued: [Int]
        public var pointsEarned: [Int64]
        public var pointsRedeemed: [Int64]
        public var lostFound: [Int]
        public var lostClaimed: [Int]
    }

    public func figures(_ mall: MallService.Mall, from: CalendarDay, to: CalendarDay) async throws -> Figures {
        guard from <= to, from.days(until: to) <= 366 else { throw Problem.invalid("to", "report_range_invalid") }
        let start = from.start, end = to.adding(days: 1).start
        let n = from.days(until: to) + 1
        let days = (0..<n).map { from.adding(days: $0) }
        func slot(_ d: Date?) -> Int? {
            guard let d, d >= start, d < end else { return nil }
            let i = from.days(until: CalendarDay(d))
            return (0..<n).contains(i) ? i : nil
        }
        var f = Figures(days: days, complaintsByCategory: [:], returnsTaken: .init(repeating: 0, count: n), returnsRefunded: .init(repeating: 0, count: n),
                        refundFen: 0, membersApplied: .init(repeating: 0, count: n), cardsIssued: .init(repeating: 0, count: n),
                        pointsEarned: .init(repeating: 0, count: n), pointsRedeemed: .init(repeating: 0, count: n),
                        lostFound: .init(repeating: 0, count: n), lostClaimed: .init(repeating: 0, count: n))
        var cf = ComplaintService.Filter()
        cf.from = start; cf.to = end
        for c in try await complaints.list(mall.id, cf, limit: 20000) { f.complaintsByCategory[c.category, default: 0] += 1 }
        struct R: Decodable { var requestedAt: Date; var refundedAt: Date?; var refundFen: Int64? }
        for r in try await store.sql.raw("""
            SELECT requested_at, refunded_at, refund_fen FROM mall_returns WHERE mall_id = \(bind: mall.id)
            AND ((requested_at >= \(bind: start) AND requested_at < \(bind: end)) OR (refunded_at >= \(bind: start) AND refunded_at < \(bind: end)))
            """).all(decoding: R.self, with: decoder) {
            if let i = slot(r.requestedAt) { f.returnsTaken[i] += 1 }
            if let i = slot(r.refundedAt) { f.returnsRefunded[i] += 1; f.refundFen += r.refundFen ?? 0 }
        }
        struct M: Decodable { var appliedAt: Date; var issuedAt: Date? }
        for m in try await store.sql.raw("""
            SELECT applied_at, issued_at FROM mall_members WHERE mall_id = \(bind: mall.id)
            AND ((applied_at >= \(bind: start) AND applied_at < \(bind: end)) OR (issued_at >= \(bind: start) AND issued_at < \(bind: end)))
            """).all(decoding: M.self, with: decoder) {
            if let i = slot(m.appliedAt) { f.membersApplied[i] += 1 }
            if let i = slot(m.issuedAt) { f.cardsIssued[i] += 1 }
        }
        struct P: Decodable { var points: Int64; var createdAt: Date }
        for p in try await store.sql.raw("""
            SELECT points, created_at FROM mall_points WHERE mall_id = \(bind: mall.id) AND created_at >= \(bind: start) AND created_at < \(bind: end)
            """).all(decoding: P.self, with: decoder) {
            guard let i = slot(p.createdAt) else { continue }
            if p.points >= 0 { f.pointsEarned[i] += p.points } else { f.pointsRedeemed[i] += -p.points }
        }
        struct L: Decodable { var createdAt: Date; var claimedAt: Date? }
        for l in try await store.sql.raw("""
            SELECT created_at, claimed_at FROM mall_lost_items WHERE mall_id = \(bind: mall.id)
            AND ((created_at >= \(bind: start) AND created_at < \(bind: end)) OR (claimed_at >= \(bind: start) AND claimed_at < \(bind: end)))
            """).all(decoding: L.self, with: decoder) {
            if let i = slot(l.createdAt) { f.lostFound[i] += 1 }
            if let i = slot(l.claimedAt) { f.lostClaimed[i] += 1 }
        }
        return f
    }
}

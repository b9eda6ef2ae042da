import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 早晚班 (issue 20 point 8): the desk's shifts per day (早班 / 晚班 with their times) and who is on each — staff holding
/// 商场客服 or 商场客服主管 on the mall's project. The supervisor edits the week; one person is never on two shifts whose
/// times overlap (in any mall): refused 409 `rota_shift_overlap`, checked inside the write under a lock on the day, so
/// two racing assignments cannot both pass.
public struct RotaService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let malls: MallService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    /// The roles a person on the rota holds on the mall's project.
    static let roles: [Role] = [.mallCS, .mallSupervisor]

    public struct Person: Sendable, Equatable {
        public var id: UUID
        public var name: String
    }

    /// A shift of a day: as stored, or the mall's usual times when nobody set it yet (`id` nil).
    public struct Shift: Sendable {
        public var id: UUID?
        public var day: CalendarDay
        public var kind: ShiftKind
        public var startsMin: Int
        public var endsMin: Int
        public var staff: [Person]
        public var times: String { "\(RotaRule.text(startsMin))–\(RotaRule.text(endsMin))" }
    }

    struct Row: Decodable { var id: UUID; var day: String; var kind: String; var startsMin: Int; var endsMin: Int }
    struct StaffRow: Decodable { var shiftId: UUID; var userId: UUID }

    /// The Monday of the week `day` is in.
    public static func monday(of day: CalendarDay) -> CalendarDay {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = CalendarDay.zone
        let weekday = cal.component(.weekday, from: day.start) // 1 = Sunday
        return day.adding(days: -((weekday + 5) % 7))
    }

    /// Staff who may be put on the rota.
    func deskStaff(_ mall: MallService.Mall) async throws -> [StaffDirectory.Member] {
        try await StaffDirectory.holders(of: Self.roles, on: mall.projectId, sql: store.sql)
    }

    /// Every day from `from` through `to`, both shifts each, with their staff by name.
    public func shifts(_ mall: MallService.Mall, from: CalendarDay, to: CalendarDay) async throws -> [Shift] {
        guard from <= to, from.days(until: to) <= 62 else { throw Problem.invalid("to", "report_range_invalid") }
        let rows = try await store.sql.raw("""
            SELECT id, day, kind, starts_min, ends_min FROM mall_shifts WHERE mall_id = \(bind: mall.id)
            AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            """).all(decoding: Row.self, with: decoder)
        let staff = rows.isEmpty ? [] : try await store.sql.raw("""
            SELECT shift_id, user_id FROM mall_shift_staff WHERE shift_id IN \(SQLBind.group(rows.map(\.id))) ORDER BY created_at, id
            """).all(decoding: StaffRow.self, with: decoder)
        let names = try await StaffDirectory.displayNames(staff.map(\.userId), sql: store.sql)
        let byShift = Dictionary(grouping: staff, by: \.shiftId)
        var out: [Shift] = []
        var day = from
        while day <= to {
            for kind in ShiftKind.allCases {
                if let r = rows.first(where: { $0.day == day.description && $0.kind == kind.rawValue }) {
                    let people = (byShift[r.id] ?? []).map { Person(id: $0.userId, name: names[$0.userId] ?? "—") }
                    out.append(Shift(id: r.id, day: day, kind: kind, startsMin: r.startsMin, endsMin: r.endsMin, staff: people))
                } else {
                    let t = kind.defaultTimes
                    out.append(Shift(id: nil, day: day, kind: kind, startsMin: t.starts, endsMin: t.ends, staff: []))
                }
            }
            day = day.adding(days: 1)
        }
        return out
    }

    public func onDuty(_ mall: MallService.Mall, day: CalendarDay) async throws -> [Shift] {
        try await shifts(mall, from: day, to: day)
    }

    static func checkDay(_ day: CalendarDay, today: CalendarDay) throws {
        guard abs(today.days(until: day)) <= 366 else { throw Problem.invalid("day", "rota_day_invalid") }
    }

    /// Locks the day's rota (PostgreSQL; SQLite has one writer) and makes sure the shift exists, with the mall's usual
    /// times when new. Returns its row.
    static func shiftRow(_ mall: MallService.Mall, _ day: CalendarDay, _ kind: ShiftKind, engine: Store.Engine, by actor: UUID?, at: Date,
                         on tx: any Database) async throws -> Row {
        if engine == .postgres { try await tx.sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "mall_rota:" + day.description)))").run() }
        let t = kind.defaultTimes
        try await tx.sql.insert(into: "mall_shifts").columns("id", "mall_id", "day", "kind", "starts_min", "ends_min", "updated_by", "updated_at")
            .values(SQLBind(UUID()), SQLBind(mall.id), SQLBind(day.description), SQLBind(kind.rawValue), SQLBind(t.starts), SQLBind(t.ends),
                    SQLBind(actor), SQLBind(at))
            .ignoringConflicts(with: ["mall_id", "day", "kind"]).run()
        guard let r = try await tx.sql.raw("""
            SELECT id, day, kind, starts_min, ends_min FROM mall_shifts WHERE mall_id = \(bind: mall.id) AND day = \(bind: day.description) AND kind = \(bind: kind.rawValue)
            """).first(decoding: Row.self, with: SQLRowDecoder.snakeCase) else { throw Problem.notFound }
        return r
    }

    /// The person's other shifts of the day (any mall), with their times.
    static func otherShifts(of user: UUID, day: CalendarDay, except shift: UUID, on tx: any Database) async throws -> [Row] {
        try await tx.sql.raw("""
            SELECT sh.id, sh.day, sh.kind, sh.starts_min, sh.ends_min FROM mall_shift_staff s JOIN mall_shifts sh ON sh.id = s.shift_id
            WHERE s.user_id = \(bind: user) AND s.day = \(bind: day.description) AND sh.id <> \(bind: shift)
            """).all(decoding: Row.self, with: SQLRowDecoder.snakeCase)
    }

    static func overlapProblem(_ r: Row) -> Problem {
        Problem(.conflict, RotaRule.overlapCode, arguments: ["day": r.day, "times": "\(RotaRule.text(r.startsMin))–\(RotaRule.text(r.endsMin))"])
    }

    /// Sets a shift's times; refused when someone on it is on another shift of the day these times would overlap.
    public func setTimes(_ mall: MallService.Mall, day: CalendarDay, kind: ShiftKind, starts: String, ends: String, by actor: UUID?,
                         context: AuditContext) async throws -> Shift {
        try Self.checkDay(day, today: CalendarDay(now()))
        var bad: [Problem.FieldError] = []
        let s = RotaRule.minutes(starts), e = RotaRule.minutes(ends)
        if s == nil { bad.append(.init(field: "startsAt", code: "rota_time_invalid")) }
        if e == nil { bad.append(.init(field: "endsAt", code: "rota_time_invalid")) }
        if let s, let e, !RotaRule.validWindow(starts: s, ends: e) { bad.append(.init(field: "endsAt", code: "rota_window_invalid")) }
        guard bad.isEmpty, let s, let e else { throw Problem.invalid(bad) }
        let at = now(), engine = store.engine
        try await store.audited(context) { tx in
            let row = try await Self.shiftRow(mall, day, kind, engine: engine, by: actor, at: at, on: tx)
            let users = try await tx.sql.raw("SELECT shift_id, user_id FROM mall_shift_staff WHERE shift_id = \(bind: row.id)")
                .all(decoding: StaffRow.self, with: SQLRowDecoder.snakeCase)
            for u in users {
                if let other = try await Self.otherShifts(of: u.userId, day: day, except: row.id, on: tx)
                    .first(where: { RotaRule.overlaps((s, e), ($0.startsMin, $0.endsMin)) }) {
                    throw Self.overlapProblem(other)
                }
            }
            try await tx.sql.update("mall_shifts").set("starts_min", to: SQLBind(s)).set("ends_min", to: SQLBind(e))
                .set("updated_by", to: SQLBind(actor)).set("updated_at", to: SQLBind(at)).where("id", .equal, row.id).run()
            return ((), AuditEntry(action: "mall.rota_times", entity: "mall_shift", entityID: row.id.uuidString, projectID: mall.projectId,
                                   summary: "\(day) \(kind.rawValue) shift \(RotaRule.text(s))–\(RotaRule.text(e))",
                                   before: ["times": "\(RotaRule.text(row.startsMin))–\(RotaRule.text(row.endsMin))"],
                                   after: ["times": "\(RotaRule.text(s))–\(RotaRule.text(e))"]))
        }
        return try await shifts(mall, from: day, to: day).first { $0.kind == kind }!
    }

    /// Puts a desk person on a shift (made with the usual times if new): 422 `rota_staff_invalid` for someone not of
    /// the desk, 409 `rota_already_on_shift`, 409 `rota_shift_overlap` naming the other shift.
    public func assign(_ mall: MallService.Mall, day: CalendarDay, kind: ShiftKind, userID: UUID, by actor: UUID?,
                       context: AuditContext) async throws -> Shift {
        try Self.checkDay(day, today: CalendarDay(now()))
        guard let person = try await StaffDirectory.holders(of: Self.roles, on: mall.projectId, only: userID, sql: store.sql).first else {
            throw Problem.invalid("userId", "rota_staff_invalid")
        }
        let at = now(), engine = store.engine
        do {
            try await store.audited(context) { tx in
                let row = try await Self.shiftRow(mall, day, kind, engine: engine, by: actor, at: at, on: tx)
                if let other = try await Self.otherShifts(of: userID, day: day, except: row.id, on: tx)
                    .first(where: { RotaRule.overlaps((row.startsMin, row.endsMin), ($0.startsMin, $0.endsMin)) }) {
                    throw Self.overlapProblem(other)
                }
                try await tx.sql.insert(into: "mall_shift_staff").columns("id", "shift_id", "mall_id", "day", "user_id", "created_by", "created_at")
                    .values(SQLBind(UUID()), SQLBind(row.id), SQLBind(mall.id), SQLBind(day.description), SQLBind(userID), SQLBind(actor), SQLBind(at)).run()
                return ((), AuditEntry(action: "mall.rota_assign", entity: "mall_shift", entityID: row.id.uuidString, projectID: mall.projectId,
                                       summary: "\(person.displayName) on the \(kind.rawValue) shift of \(day)", after: ["userId": userID.uuidString]))
            }
        } catch where error.isConstraintFailure {
            throw Problem.conflict("rota_already_on_shift")
        }
        return try await shifts(mall, from: day, to: day).first { $0.kind == kind }!
    }

    /// Takes a person off a shift (404 when they are not on it).
    public func unassign(_ mall: MallService.Mall, day: CalendarDay, kind: ShiftKind, userID: UUID, context: AuditContext) async throws -> Shift {
        try await store.audited(context) { tx in
            let rows = try await tx.sql.raw("""
                DELETE FROM mall_shift_staff WHERE user_id = \(bind: userID) AND shift_id IN
                (SELECT id FROM mall_shifts WHERE mall_id = \(bind: mall.id) AND day = \(bind: day.description) AND kind = \(bind: kind.rawValue)) RETURNING shift_id, user_id
                """).all(decoding: StaffRow.self, with: SQLRowDecoder.snakeCase)
            guard let r = rows.first else { throw Problem.notFound }
            return ((), AuditEntry(action: "mall.rota_unassign", entity: "mall_shift", entityID: r.shiftId.uuidString, projectID: mall.projectId,
                                   summary: "off the \(kind.rawValue) shift of \(day)", before: ["userId": userID.uuidString]))
        }
        return try await shifts(mall, from: day, to: day).first { $0.kind == kind }!
    }
}

import EstateCore
import Foundation
import SQLKit

/// 值班日志 (call centre): per shift of a project, who was on, incidents, notable complaints,
/// the 抢修单 opened in the shift (asked of `OutageService`) and the handover to the next shift.
/// The shift lead (班长) signs it off; from then on it is read-only (409 `duty_log_signed`).
public struct DutyLogService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let outages: OutageService

    var decoder: SQLRowDecoder { SQLRowDecoder.snakeCase }

    public struct Draft: Sendable {
        public var shiftDate: String
        public var shiftName: String
        public var startsAt: Date
        public var endsAt: Date
        public var onDuty: String = ""
        public var incidents: String = ""
        public var complaints: String = ""
        public var handover: String = ""
        public init(shiftDate: String, shiftName: String, startsAt: Date, endsAt: Date) {
            self.shiftDate = shiftDate; self.shiftName = shiftName; self.startsAt = startsAt; self.endsAt = endsAt
        }
    }

    /// A change of the texts; nil leaves one as it is.
    public struct Patch: Sendable {
        public var onDuty: String?
        public var incidents: String?
        public var complaints: String?
        public var handover: String?
        public init() {}
    }

    public struct DutyLog: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID
        public var shiftDate: String
        public var shiftName: String
        public var startsAt: Date
        public var endsAt: Date
        public var onDuty: String
        public var incidents: String
        public var complaints: String
        public var handover: String
        public var outages: String
        public var status: String
        public var signedBy: UUID?
        public var signedAt: Date?
        public var createdBy: UUID?
        public var createdAt: Date
        public var updatedAt: Date
        /// Platform's, filled after the read.
        public var signedByName: String? = nil
        public var createdByName: String? = nil
        public var logStatus: DutyLogStatus { DutyLogStatus(rawValue: status) ?? .open }
    }

    static func checkText(_ fields: [(String, String?)]) -> [Problem.FieldError] {
        fields.compactMap { name, value in
            guard let value else { return nil }
            return value.count > DutyShiftRules.maxText || value.contains("\u{0}")
                ? .init(field: name, code: "too_long", arguments: ["limit": "\(DutyShiftRules.maxText)"]) : nil
        }
    }

    public func create(_ d: Draft, in projectID: UUID, by principal: Principal, context: AuditContext) async throws -> DutyLog {
        var bad: [Problem.FieldError] = []
        if CalendarDay(d.shiftDate) == nil { bad.append(.init(field: "shiftDate", code: "date_invalid")) }
        for p in DutyShiftRules.check(name: d.shiftName, startsAt: d.startsAt, endsAt: d.endsAt) {
            bad.append(.init(field: p == .nameInvalid ? "shiftName" : "endsAt", code: p.rawValue))
        }
        bad += Self.checkText([("onDuty", d.onDuty), ("incidents", d.incidents), ("complaints", d.complaints), ("handover", d.handover)])
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let name = d.shiftName.trimmingCharacters(in: .whitespaces)
        struct I: Decodable { var id: UUID }
        if try await store.sql.raw("""
            SELECT id FROM duty_logs WHERE project_id = \(bind: projectID) AND shift_date = \(bind: d.shiftDate) AND shift_name = \(bind: name)
            """).first(decoding: I.self) != nil {
            throw Problem.conflict("duty_log_exists", ["date": d.shiftDate, "shift": name])
        }
        let id = UUID(), at = now()
        try await store.audited(context) { tx in
            try await tx.sql.insert(into: "duty_logs").columns("id", "project_id", "shift_date", "shift_name", "starts_at", "ends_at", "on_duty",
                                                               "incidents", "complaints", "handover", "outages", "status", "created_by",
                                                               "created_at", "updated_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(d.shiftDate), SQLBind(name), SQLBind(d.startsAt), SQLBind(d.endsAt),
                        SQLBind(d.onDuty), SQLBind(d.incidents), SQLBind(d.complaints), SQLBind(d.handover), SQLBind(""),
                        SQLBind(DutyLogStatus.open.rawValue), SQLBind(principal.userID), SQLBind(at), SQLBind(at)).run()
            return ((), AuditEntry(action: "duty_log.create", entity: "duty_log", entityID: id.uuidString, projectID: projectID,
                                   summary: "duty log \(d.shiftDate) \(name)", after: ["shift": "\(d.shiftDate) \(name)"]))
        }
        return try await log(id)
    }

    public func log(_ id: UUID) async throws -> DutyLog {
        guard var l = try await store.sql.raw("SELECT * FROM duty_logs WHERE id = \(bind: id)").first(decoding: DutyLog.self, with: decoder)
        else { throw Problem.notFound }
        let names = try await StaffDirectory.displayNames([l.signedBy, l.createdBy].compactMap { $0 }, sql: store.sql)
        l.signedByName = l.signedBy.flatMap { names[$0] }
        l.createdByName = l.createdBy.flatMap { names[$0] }
        return l
    }

    /// Changes the texts of an open log; a signed one is refused (409 `duty_log_signed`), also when
    /// it is signed between the read and the write.
    public func update(_ id: UUID, _ p: Patch, context: AuditContext) async throws -> DutyLog {
        let l = try await log(id)
        guard l.logStatus.editable else { throw Problem.conflict("duty_log_signed") }
        let bad = Self.checkText([("onDuty", p.onDuty), ("incidents", p.incidents), ("complaints", p.complaints), ("handover", p.handover)])
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let at = now()
        try await store.audited(context) { tx in
            var u = tx.sql.update("duty_logs").set("updated_at", to: SQLBind(at))
            var changed: [String] = []
            for (column, field, value) in [("on_duty", "onDuty", p.onDuty), ("incidents", "incidents", p.incidents),
                                           ("complaints", "complaints", p.complaints), ("handover", "handover", p.handover)] {
                guard let value else { continue }
                u = u.set(SQLIdentifier(column), to: SQLBind(value))
                changed.append(field)
            }
            struct I: Decodable { var id: UUID }
            let done = try await u.where("id", .equal, id).where("status", .equal, DutyLogStatus.open.rawValue).returning("id").all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("duty_log_signed") }
            return ((), AuditEntry(action: "duty_log.update", entity: "duty_log", entityID: id.uuidString, projectID: l.projectId,
                                   summary: "duty log \(l.shiftDate) \(l.shiftName) edited", after: ["fields": changed.joined(separator: ",")]))
        }
        return try await log(id)
    }

    /// 签收: the shift lead of the project (班长, `shift_lead`) only; the 抢修单 opened in the shift
    /// are written into it; once.
    public func signOff(_ id: UUID, by principal: Principal, context: AuditContext) async throws -> DutyLog {
        let l = try await log(id)
        guard principal.roles(on: l.projectId).contains(.shiftLead) else { throw Problem(.forbidden, "duty_log_lead_only") }
        guard l.logStatus.editable else { throw Problem.conflict("duty_log_signed") }
        let opened = try await outages.opened(in: l.projectId, from: l.startsAt, to: l.endsAt)
        let list = opened.map { "\($0.number) \($0.areaLabel) \($0.title)" }.joined(separator: "\n")
        let at = now()
        try await store.audited(context) { tx in
            struct I: Decodable { var id: UUID }
            let done = try await tx.sql.update("duty_logs").set("status", to: SQLBind(DutyLogStatus.signed.rawValue))
                .set("signed_by", to: SQLBind(principal.userID)).set("signed_at", to: SQLBind(at)).set("outages", to: SQLBind(list))
                .set("updated_at", to: SQLBind(at))
                .where("id", .equal, id).where("status", .equal, DutyLogStatus.open.rawValue).returning("id").all(decoding: I.self)
            guard !done.isEmpty else { throw Problem.conflict("duty_log_signed") }
            return ((), AuditEntry(action: "duty_log.sign_off", entity: "duty_log", entityID: id.uuidString, projectID: l.projectId,
                                   summary: "duty log \(l.shiftDate) \(l.shiftName) signed off", after: ["outages": "\(opened.count)"]))
        }
        return try await log(id)
    }

    /// The 抢修单 of a log's shift: as fixed at sign-off, or as they stand while it is open.
    public func outageLines(_ l: DutyLog) async throws -> [String] {
        if !l.logStatus.editable { return l.outages.split(separator: "\n").map(String.init) }
        return try await outages.opened(in: l.projectId, from: l.startsAt, to: l.endsAt).map { "\($0.number) \($0.areaLabel) \($0.title)" }
    }

    public struct Filter: Sendable {
        /// Words in the shift name, who was on, incidents, complaints, handover or 抢修单.
        public var q: String?
        public var status: DutyLogStatus?
        public var from: String?
        public var to: String?
        public init() {}
    }

    /// A page of the project's logs, newest shift first.
    public func list(_ projectID: UUID, _ f: Filter, page: PageRequest) async throws -> Paged<DutyLog> {
        var cond: SQLQueryString = "project_id = \(bind: projectID)"
        if let q = f.q?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            let like = "%" + q.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            cond = "\(cond) AND (shift_name LIKE \(bind: like) OR on_duty LIKE \(bind: like) OR incidents LIKE \(bind: like) OR complaints LIKE \(bind: like) OR handover LIKE \(bind: like) OR outages LIKE \(bind: like))"
        }
        if let s = f.status { cond = "\(cond) AND status = \(bind: s.rawValue)" }
        if let d = f.from { cond = "\(cond) AND shift_date >= \(bind: d)" }
        if let d = f.to { cond = "\(cond) AND shift_date <= \(bind: d)" }
        struct N: Decodable { var n: Int }
        let total = try await store.sql.raw("SELECT COUNT(*) AS n FROM duty_logs WHERE \(cond)").first(decoding: N.self)?.n ?? 0
        var rows = try await store.sql.raw("""
            SELECT * FROM duty_logs WHERE \(cond) ORDER BY shift_date DESC, starts_at DESC, id
            LIMIT \(bind: page.perPage) OFFSET \(bind: page.offset)
            """).all(decoding: DutyLog.self, with: decoder)
        let names = try await StaffDirectory.displayNames(rows.compactMap(\.signedBy), sql: store.sql)
        for i in rows.indices { rows[i].signedByName = rows[i].signedBy.flatMap { names[$0] } }
        return Paged(items: rows, page: page.page, perPage: page.perPage, total: total)
    }
}

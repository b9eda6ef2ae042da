import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 值班表: per project and department, the staff told of a 抢修单 in order, and the minutes each has
/// to acknowledge before it goes to the next (then to the supervisors). Set by the shift lead or
/// the supervisor (`callcenter.manage`).
extension OutageService {
    public struct OnCallMember: Sendable, Equatable {
        public var userID: UUID
        public var name: String
        public var mobile: String?
        public var position: Int
    }

    public struct OnCallList: Sendable {
        public var department: TicketService.Department
        public var ackMinutes: Int
        public var members: [OnCallMember]
        /// Whether the window was set (else the default).
        public var configured: Bool
    }

    /// Someone who may be put on a department's list: enabled, with a role of that department on the project.
    public struct Candidate: Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var mobile: String?
        public var departments: Set<TicketService.Department>
    }

    public func candidates(_ projectID: UUID) async throws -> [Candidate] {
        let roles = StaffDirectory.roles(allowing: [.ticketsHandle, .repairsHandle])
        return try await StaffDirectory.holdersWithRoles(of: roles, on: projectID, sql: store.sql).map { m, roles in
            Candidate(id: m.id, name: m.displayName, mobile: m.mobile, departments: Set(roles.compactMap(TicketService.department(of:))))
        }
    }

    public func onCallList(_ projectID: UUID, _ department: TicketService.Department) async throws -> OnCallList {
        try await Self.onCallList(projectID, department, sql: store.sql)
    }

    static func onCallList(_ projectID: UUID, _ department: TicketService.Department, sql: any SQLDatabase) async throws -> OnCallList {
        struct S: Decodable { var ackMinutes: Int }
        struct E: Decodable { var userId: UUID; var position: Int }
        let d = SQLRowDecoder.snakeCase
        let setting = try await sql.raw("""
            SELECT ack_minutes FROM oncall_settings WHERE project_id = \(bind: projectID) AND department = \(bind: department.rawValue)
            """).first(decoding: S.self, with: d)
        let entries = try await sql.raw("""
            SELECT user_id, position FROM oncall_entries WHERE project_id = \(bind: projectID) AND department = \(bind: department.rawValue)
            ORDER BY position
            """).all(decoding: E.self, with: d)
        // Names and mobiles are Platform's; someone disabled since drops off the list.
        let staff = try await StaffDirectory.holders(of: Role.allCases, on: projectID, sql: sql)
        let byID = Dictionary(staff.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let members = entries.compactMap { e -> OnCallMember? in
            guard let m = byID[e.userId] else { return nil }
            return OnCallMember(userID: m.id, name: m.displayName, mobile: m.mobile, position: e.position)
        }
        return OnCallList(department: department, ackMinutes: setting?.ackMinutes ?? OutageEscalation.defaultWindow, members: members,
                          configured: setting != nil)
    }

    public func onCallLists(_ projectID: UUID) async throws -> [OnCallList] {
        var out: [OnCallList] = []
        for d in TicketService.Department.allCases { out.append(try await onCallList(projectID, d)) }
        return out
    }

    /// Replaces the department's list (in the order given) and its window.
    @discardableResult
    public func setOnCall(_ projectID: UUID, _ department: TicketService.Department, userIDs: [UUID], ackMinutes: Int,
                          context: AuditContext) async throws -> OnCallList {
        var bad: [Problem.FieldError] = []
        if !OutageEscalation.windowRange.contains(ackMinutes) {
            bad.append(.init(field: "ackMinutes", code: "outage_window_invalid",
                             arguments: ["min": "\(OutageEscalation.windowRange.lowerBound)", "max": "\(OutageEscalation.windowRange.upperBound)"]))
        }
        if Set(userIDs).count != userIDs.count { bad.append(.init(field: "userIds", code: "oncall_duplicate")) }
        if userIDs.count > 20 { bad.append(.init(field: "userIds", code: "oncall_too_long")) }
        let fits = try await candidates(projectID).filter { $0.departments.contains(department) }.map(\.id)
        if userIDs.contains(where: { !fits.contains($0) }) { bad.append(.init(field: "userIds", code: "oncall_person_invalid")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        let now = now()
        let before = try await onCallList(projectID, department)
        try await store.audited(context) { tx in
            try await tx.sql.raw("""
                DELETE FROM oncall_entries WHERE project_id = \(bind: projectID) AND department = \(bind: department.rawValue)
                """).run()
            for (i, u) in userIDs.enumerated() {
                try await tx.sql.insert(into: "oncall_entries").columns("id", "project_id", "department", "position", "user_id", "created_at")
                    .values(SQLBind(UUID()), SQLBind(projectID), SQLBind(department.rawValue), SQLBind(i + 1), SQLBind(u), SQLBind(now)).run()
            }
            try await tx.sql.raw("""
                DELETE FROM oncall_settings WHERE project_id = \(bind: projectID) AND department = \(bind: department.rawValue)
                """).run()
            try await tx.sql.insert(into: "oncall_settings").columns("project_id", "department", "ack_minutes", "updated_by", "updated_at")
                .values(SQLBind(projectID), SQLBind(department.rawValue), SQLBind(ackMinutes), SQLBind(context.actorID), SQLBind(now)).run()
            return ((), AuditEntry(action: "outage.oncall", entity: "oncall_list", entityID: department.rawValue, projectID: projectID,
                                   summary: "值班表 \(Self.departmentName(department))：\(userIDs.count) 人，确认时限 \(ackMinutes) 分钟",
                                   before: ["people": before.members.map(\.name).joined(separator: "、"), "ackMinutes": "\(before.ackMinutes)"],
                                   after: ["people": "\(userIDs.count)", "ackMinutes": "\(ackMinutes)"]))
        }
        return try await onCallList(projectID, department)
    }
}

import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The demo company's staff: one user per role, each with a realistic Chinese name and a mobile.
enum DemoPeople {
    /// One user per role: user name = role id (`DemoSeeder.username(for:)`), a realistic Chinese name.
    static let staff: [(Role, String)] = [
        (.admin, "系统管理员"), (.gm, "王建国"), (.csManager, "李静"), (.csStaff, "陈晓雯"), (.salesManager, "赵磊"),
        (.consultant, "孙丽娜"), (.finance, "周敏"), (.channelManager, "吴强"), (.channelStaff, "郑浩"),
        (.agent, "冯雪"), (.shiftLead, "褚婷"), (.ccSupervisor, "卫东"), (.engineer, "蒋工"), (.property, "沈物业"),
        (.legal, "韩律"), (.procurementStaff, "杨帆"), (.procurementManager, "朱涛"), (.mallCS, "秦悦"),
        (.mallSupervisor, "柳青"),
    ]

    /// The mobile of `staff[i]`, for the SMS of tickets (13900000001, …).
    static func mobile(_ i: Int) -> String { String(format: "139000000%02d", i + 1) }

    /// One user per role, each with a mobile for SMS unless one is on file. A user already there
    /// is kept: the first administrator ("admin") may exist when the demo is seeded into a
    /// database the server has already started on.
    static func enroll(projectID: UUID, hash: String, now: Date, on tx: any Database) async throws {
        for (i, (role, name)) in staff.enumerated() {
            let username = DemoSeeder.username(for: role)
            let user: UserRecord
            if let existing = try await UserRecord.query(on: tx).filter(\.$username == username).first() {
                user = existing
            } else {
                user = UserRecord(username: username, displayName: name, passwordHash: hash, now: now)
                try await user.create(on: tx)
            }
            try await tx.sql.update("users").set("mobile", to: SQLBind(mobile(i))).where("id", .equal, user.id!)
                .where(SQLColumn("mobile"), .is, SQLLiteral.null).run()
            // Administrators and the GM act company-wide; everyone else on the demo project.
            let scope: UUID? = role == .admin || role == .gm ? nil : projectID
            var existing = RoleGrantRecord.query(on: tx).filter(\.$userID == user.id!).filter(\.$role == role.rawValue)
            existing = scope.map { existing.filter(\.$projectID == $0) } ?? existing.filter(\.$projectID == nil)
            if try await existing.count() == 0 {
                try await RoleGrantRecord(userID: user.id!, role: role, projectID: scope, now: now).create(on: tx)
            }
        }
    }
}

/// A demo user acting: audit context and principal.
struct DemoActor {
    let id: UUID
    let context: AuditContext
    let principal: Principal

    /// The demo user `username` as the services see them when signed in.
    static func named(_ username: String, _ services: AppServices, _ db: any Database) async throws -> DemoActor {
        guard let u = try await UserRecord.query(on: db).filter(\.$username == username).first(), let id = u.id,
              let p = try await services.auth(db).loadPrincipal(userID: id, on: db)
        else { throw DemoFailure("demo user \(username) missing") }
        return DemoActor(id: id, context: AuditContext(actorID: id, actorName: username, requestID: nil, ip: nil), principal: p)
    }
}

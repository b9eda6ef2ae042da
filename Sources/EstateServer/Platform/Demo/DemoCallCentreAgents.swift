import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The demo call centre's floor: twelve agents (坐席), `cs_staff` on the demo project, user names
/// `cc-agent-01` … `cc-agent-12`, each with a mobile for SMS. The call history, the desk, the
/// rosters and the KPIs of the demo are told with these people; `cs-staff` (陈晓雯) stays the
/// counter's desk clerk and the shift lead (`shift-lead`) leads them.
enum DemoCallCentreAgents {
    static let names = ["刘佳怡", "黄子豪", "许梦琪", "何俊杰", "马欣然", "罗文博", "高雨桐", "林浩然", "郭思雨", "梁志强", "宋婉清", "唐一鸣"]

    /// `cc-agent-01` … in the order of `names`.
    static let usernames: [String] = (1...names.count).map { String(format: "cc-agent-%02d", $0) }

    /// 13900001001 …: apart from the one-per-role staff's 139000000xx.
    static func mobile(_ i: Int) -> String { String(format: "139000010%02d", i + 1) }

    static func enroll(projectID: UUID, hash: String, now: Date, on tx: any Database) async throws {
        for (i, name) in names.enumerated() where try await UserRecord.query(on: tx).filter(\.$username == usernames[i]).count() == 0 {
            let user = UserRecord(username: usernames[i], displayName: name, passwordHash: hash, now: now)
            try await user.create(on: tx)
            try await tx.sql.update("users").set("mobile", to: SQLBind(mobile(i))).where("id", .equal, user.id!).run()
            try await RoleGrantRecord(userID: user.id!, role: .csStaff, projectID: projectID, now: now).create(on: tx)
        }
    }
}

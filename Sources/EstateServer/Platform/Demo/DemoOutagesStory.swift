import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 抢修单 on the demo (issue 16 point 4), told through `OutageService` on the demo's clock:
/// - on-call lists for 工程部 (蒋工, 15 minutes) and 物业 (沈物业, 10 minutes);
/// - three days ago a water cut on four sold homes: 蒋工 acknowledged by the SMS link, reported it
///   fixed, the call centre called every owner back (one unreachable after three tries) and closed it;
/// - 25 minutes ago a lift stopped in 2号楼1单元: nobody acknowledged, so the job escalated it once,
///   to the supervisor 卫东.
struct DemoOutagesStory {
    let services: AppServices
    let db: any Database
    let projectID: UUID

    init(_ services: AppServices, db: any Database, projectID: UUID) {
        self.services = services
        self.db = db
        self.projectID = projectID
    }

    func tell() async throws {
        let end = services.now()
        let clock = DemoClock(end)
        let demo = services.running(on: clock)
        let outages = demo.outages(db)
        let lead = try await DemoActor.named("shift-lead", services, db)
        let agent = try await DemoActor.named("cs-staff", services, db)
        let engineer = try await DemoActor.named("engineer", services, db)
        let property = try await DemoActor.named("property", services, db)

        clock.set(end.addingTimeInterval(-10 * 86_400))
        try await outages.setOnCall(projectID, .engineering, userIDs: [engineer.id], ackMinutes: 15, context: lead.context)
        try await outages.setOnCall(projectID, .property, userIDs: [property.id], ackMinutes: 10, context: lead.context)

        // Closed: four sold homes without water for a morning.
        struct U: Decodable { var code: String }
        let sold = try await db.sql.raw("""
            SELECT u.code FROM subscriptions s JOIN units u ON u.id = s.unit_id
            WHERE s.project_id = \(bind: projectID) AND s.status <> 'cancelled' ORDER BY u.code LIMIT 4
            """).all(decoding: U.self).map(\.code)
        if !sold.isEmpty {
            let opened = end.addingTimeInterval(-3 * 86_400 - 5 * 3600)
            clock.set(opened)
            var d = OutageService.Draft(department: .engineering, scope: .units, title: "停水（供水管阀门漏水）")
            d.unitCodes = sold
            d.description = "楼层水表间阀门漏水，需关阀更换。"
            d.expectedRestoreAt = opened.addingTimeInterval(4 * 3600)
            let o = try await outages.open(d, in: projectID, by: lead.principal, context: lead.context)
            clock.set(opened.addingTimeInterval(6 * 60))
            if let token = try await link(o.id) { _ = try await outages.acknowledge(token: token, requestID: nil, ip: nil) }
            clock.set(opened.addingTimeInterval(3 * 3600 + 20 * 60))
            _ = try await outages.reportDone(o.id, note: "已更换阀门，恢复供水", by: lead.principal, context: lead.context)
            let list = try await outages.detail(o.id).callbacks
            for (i, c) in list.enumerated() {
                clock.set(opened.addingTimeInterval(4 * 3600 + Double(i) * 300))
                if i == 1 && list.count > 1 {
                    // Three calls over the afternoon, nobody answered: unreachable.
                    for n in 0..<3 {
                        clock.set(opened.addingTimeInterval(4 * 3600 + Double(n) * 3600))
                        _ = try await outages.recordCallback(o.id, callback: c.id, outcome: .noAnswer, note: "", by: agent.principal, context: agent.context)
                    }
                } else {
                    _ = try await outages.recordCallback(o.id, callback: c.id, outcome: .answered, note: "业主确认已恢复供水", by: agent.principal,
                                                         context: agent.context)
                }
            }
            clock.set(opened.addingTimeInterval(7 * 3600))
            _ = try await outages.close(o.id, by: agent.principal, context: agent.context)
        }

        // Open: a lift stopped 25 minutes ago; nobody answered the SMS, so the supervisor has it.
        let buildings = try await demo.inventory(db).buildings(projectID)
        if let b = buildings.first(where: { $0.name.hasPrefix("2") }) ?? buildings.last {
            let opened = end.addingTimeInterval(-25 * 60)
            clock.set(opened)
            var d = OutageService.Draft(department: .property, scope: .entrance, title: "电梯停运")
            d.buildingID = b.id
            d.entrance = 1
            d.description = "2 部电梯均停在 1 层，维保单位已电话通知。"
            d.expectedRestoreAt = opened.addingTimeInterval(3 * 3600)
            _ = try await outages.open(d, in: projectID, by: lead.principal, context: lead.context)
            clock.set(opened.addingTimeInterval(11 * 60))
            _ = try await outages.escalateDue()
        }
    }

    /// The acknowledgement link's token of the 抢修单's newest SMS (the demo plays the phone).
    func link(_ outageID: UUID) async throws -> String? {
        struct M: Decodable { var params: String }
        guard let m = try await db.sql.raw("""
            SELECT params FROM outbox_messages WHERE reference = \(bind: "outage:\(outageID)") ORDER BY created_at DESC LIMIT 1
            """).first(decoding: M.self),
            let params = try? JSONDecoder().decode([String: String].self, from: Data(m.params.utf8)),
            let link = params["link"] else { return nil }
        return link.split(separator: "/").last.map(String.init)
    }
}

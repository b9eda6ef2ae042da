import EstateCore
import FluentKit
import Foundation

/// 质检 on the demo (issue 16 point 8): the supervisor's form on the hotline project and about sixty
/// reviews of the last three weeks' answered calls by the supervisor and the shift lead, most good,
/// some with an item to improve, two with the critical item failed — so the 质检 tab, an agent's own
/// scores and the KPI report's QA column have something to show. Through the service, as staff would.
struct DemoCallQualityStory {
    let services: AppServices
    let db: any Database
    let projectID: UUID

    static let items = [QAItem(title: "开场问候规范", weight: 10), QAItem(title: "业务解答准确", weight: 30),
                        QAItem(title: "态度与同理心", weight: 20), QAItem(title: "问题解决与记录", weight: 25),
                        QAItem(title: "结束语与满意度邀评", weight: 10), QAItem(title: "客户信息保护", weight: 5, critical: true)]
    static let comments = ["", "", "解答准确，语速可以再慢一点。", "记录完整。", "未主动邀请满意度评价。", "业主情绪激动时安抚到位。",
                           "报修地址未复述确认。", "", "政策解释清楚。", "等待时间较长，接起后未致歉。"]

    func tell() async throws {
        let boss = try await DemoActor.named(DemoSeeder.username(for: .ccSupervisor), services, db)
        let lead = try await DemoActor.named(DemoSeeder.username(for: .shiftLead), services, db)
        let qa = services.callQuality(db)
        _ = try await qa.createForm(projectID, name: "热线通话质检表", items: Self.items, by: boss.principal, context: boss.context)
        let now = services.now()
        var calls = try await qa.queue(projectID, since: now.addingTimeInterval(-21 * 86_400), limit: 500)
        var dice = DemoCallsStory.Dice(rng: SplitMix(seed: 20_261_207))
        // Every eighth answered call, spread over the three weeks.
        calls = calls.enumerated().filter { $0.offset % 8 == 3 }.map(\.element).prefix(60).map { $0 }
        for (i, call) in calls.enumerated() {
            let reviewer = i % 3 == 0 ? lead : boss
            guard call.agentID != reviewer.id else { continue }
            var marks: [QAMark] = Self.items.indices.map { _ in dice.uniform() < 0.7 ? .excellent : dice.uniform() < 0.8 ? .good : .fair }
            if i % 11 == 5 { marks[dice.int(0...4)] = .poor }
            if i == 17 || i == 44 { marks[5] = .fails }
            let comment = i == 17 || i == 44 ? "复述了业主完整身份证号，违反信息保护要求。" : Self.comments[dice.int(0...(Self.comments.count - 1))]
            _ = try await qa.review(call: call.id, in: projectID, marks: marks, comment: comment, by: reviewer.principal, context: reviewer.context)
        }
    }
}

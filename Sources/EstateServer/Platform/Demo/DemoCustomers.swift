import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The demo's invented customers: their names, resident IDs, and the 客户档案 beyond the buyers.
enum DemoCustomers {
    /// Common surnames and given names the invented buyers and customers are named from.
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
    static let givenNames = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"]

    /// 客户档案 beyond the buyers (who became customers when they bought): everyone holding a
    /// reservation, plus walk-ins and callers of the last weeks, owned by the demo consultant and
    /// the sales manager or in the pool, with calls, visits and follow-ups (some due today, some
    /// overdue), and one pair of duplicates left for a manager to merge.
    static func seed(_ services: AppServices, db: any Database, projectID: UUID, rng: inout SplitMix) async throws {
        func user(_ name: String) async throws -> (UUID?, AuditContext) {
            let u = try await UserRecord.query(on: db).filter(\.$username == name).first()
            return (u?.id, AuditContext(actorID: u?.id, actorName: name, requestID: nil, ip: nil))
        }
        let (consultantID, consultant) = try await user("consultant")
        let (managerID, manager) = try await user("sales-manager")
        let customers = services.customers(db)
        let sources = CustomerService.knownSources
        let interests = ["三居 高区", "四居 南向", "两居 低总价", "1号楼 景观", "大平层", "学区", "近地铁"]
        let steps = ["约周末带家人看房", "发送价目表", "确认贷款额度", "邀请参加开盘活动", "回访装修意向"]
        struct Claim: Decodable { var customer_name: String; var customer_mobile: String }
        let holders = try await (db as! any SQLDatabase).select().columns("customer_name", "customer_mobile").from("unit_claims")
            .where("project_id", .equal, projectID).where("is_live", .equal, true).where("kind", .equal, "reservation")
            .all(decoding: Claim.self)
        var people = holders.map { ($0.customer_name, $0.customer_mobile) }
        for i in 0..<80 {
            let name = String(surnames[Int(rng.next() % UInt64(surnames.count))]) + givenNames[Int(rng.next() % UInt64(givenNames.count))]
            people.append((name, "1\([3, 5, 7, 8, 9][i % 5])\(String(format: "%09d", Int(rng.next() % 1_000_000_000)))"))
        }
        let now = services.now()
        var seen = Set<String>()
        for (i, person) in people.enumerated() where seen.insert(person.1).inserted {
            let ownerRoll = rng.next() % 10
            let (owner, context) = ownerRoll < 6 ? (consultantID, consultant) : ownerRoll < 8 ? (managerID, manager) : (nil, manager)
            let grade = ["A", "B", "B", "C", "C", "D"][Int(rng.next() % 6)]
            let draft = CustomerService.Draft(
                name: person.0, mobile: person.1, idKind: i % 3 == 0 ? .residentID : nil,
                idNumber: i % 3 == 0 ? residentID(&rng) : "", gender: ["male", "female", "unknown"][Int(rng.next() % 3)],
                address: i % 4 == 0 ? "杭州市西湖区文三路\(100 + i)号" : "", source: sources[Int(rng.next() % UInt64(sources.count))],
                grade: grade, tags: i % 5 == 0 ? ["改善"] : i % 7 == 0 ? ["首置", "学区"] : [], notes: "")
            let c: CustomerService.Record
            do { c = try await customers.create(draft, in: projectID, owner: owner, context: context) } catch {
                FileHandle.standardError.write(Data("demo customer \(person.1) not created: \(error)\n".utf8))
                continue
            }
            // One to three contacts over the last weeks; the newest plans the next follow-up.
            let contacts = 1 + Int(rng.next() % 3)
            for k in 0..<contacts {
                let daysAgo = Double(contacts - k) * Double(1 + rng.next() % 9)
                let last = k == contacts - 1
                let follow = CalendarDay(now).adding(days: Int(rng.next() % 9) - 3)
                let kind: CustomerService.ContactKind = k == 0 || rng.next() % 2 == 0 ? .visit : .call
                _ = try? await customers.logContact(c.id, in: projectID, .init(
                    kind: kind, direction: kind == .call ? (rng.next() % 2 == 0 ? .inbound : .outbound) : nil,
                    partySize: kind == .visit ? 1 + Int(rng.next() % 4) : nil, occurredAt: now - daysAgo * 86_400 - Double(rng.next() % 36_000),
                    interests: interests[Int(rng.next() % UInt64(interests.count))], notes: "",
                    nextStep: last ? steps[Int(rng.next() % UInt64(steps.count))] : "",
                    nextFollowUpOn: last && owner != nil ? max(follow, CalendarDay(now - daysAgo * 86_400)).description : nil),
                    by: owner, context: context)
            }
        }
        // The same person registered twice by two colleagues, for the merge.
        if let a = try? await customers.create(.init(name: "周明", mobile: "13905710001", source: "来电"), in: projectID, owner: consultantID, context: consultant),
           let b = try? await customers.create(.init(name: "周明", mobile: "13905710002", source: "自然到访", grade: "B",
                                                     tags: ["改善"], notes: "第二个手机号，同一人"), in: projectID, owner: managerID, context: manager) {
            _ = (a, b)
        }
    }

    /// A resident ID with a valid GB 11643 check digit (杭州西湖区, born 1970–1999).
    static func residentID(_ rng: inout SplitMix) -> String {
        let body = "330106" + String(1970 + Int(rng.next() % 30)) + String(format: "%02d%02d", 1 + Int(rng.next() % 12), 1 + Int(rng.next() % 28))
            + String(format: "%03d", Int(rng.next() % 1000))
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return body + String(Array("10X98765432")[sum % 11])
    }
}

import EstateCore
import FluentKit
import Foundation
import SQLKit

/// The demo's opening (issue 18): HXY's third batch goes on sale online tomorrow at 10:00. 300
/// buyers registered (认筹, 诚意金 received, eligibility checked for most), the seed was published
/// (the previous day's SSE close, announced in advance), the order is drawn, batches of 50 every
/// 20 minutes, and a rehearsal (模拟开盘) has run and been wiped; the event is scheduled.
/// Cheap: customers and registrations go in as two bulk inserts; the rest through the service.
enum DemoOpeningStory {
    static let registrations = 300

    static func tell(_ services: AppServices, db: any Database, projectID: UUID) async throws {
        let sql = db as! any SQLDatabase
        let now = services.now()
        let manager = try await UserRecord.query(on: db).filter(\.$username == "sales-manager").first()
        let context = AuditContext(actorID: manager?.id, actorName: "sales-manager", requestID: nil, ip: nil)
        let svc = services.openings(db)
        let opens = CalendarDay(now).adding(days: 1).start.addingTimeInterval(10 * 3600)
        var e = try await svc.create(.init(name: "三批 线上开盘", orderKind: .lottery, seed: "SSE \(CalendarDay(now).description) close 3412.57",
                                           seedNote: "开盘公告：以开盘前一日上证综指收盘点位为摇号种子", quota: 1, deposit: Money(yuan: 50_000),
                                           method: .full, contractDays: 7, startsAt: opens, endsAt: opens.addingTimeInterval(4 * 3600)),
                                     in: projectID, context: context)
        let units = try await services.inventory(db).allUnits(projectID).filter { $0.status == .unreleased }.prefix(60)
        if !units.isEmpty { _ = try await svc.addUnits(units.map(\.id), event: e.id, context: context) }

        // 300 buyers: customers (IDs sealed as Customers seals them) and their registrations.
        var rng = SplitMix(seed: 18)
        let cipher = PersonalDataCipher(keyring: services.keyring)
        var customers: [(UUID, String, String, String, String, String)] = []
        for i in 0..<registrations {
            let name = String(DemoCustomers.surnames[Int(rng.next() % UInt64(DemoCustomers.surnames.count))])
                + DemoCustomers.givenNames[Int(rng.next() % UInt64(DemoCustomers.givenNames.count))]
            let id = DemoCustomers.residentID(&rng)
            customers.append((UUID(), name, "1867100\(String(format: "%04d", i))", try cipher.seal(id),
                              cipher.lookupKey(id, purpose: CustomerService.lookupPurpose), Masking.identity(id, kind: .residentID)))
        }
        let people = customers, eventID = e.id
        try await services.store(db).audited(context) { tx in
            let sql = tx.sql
            for chunk in people.chunked(100) {
                var insert = sql.insert(into: "customers").columns(
                    "id", "project_id", "name", "mobile", "mobile_suffix", "id_kind", "id_sealed", "id_lookup", "id_masked", "gender", "address",
                    "source", "grade", "tags", "notes", "next_step", "visit_count", "call_count", "created_at", "updated_at")
                for c in chunk {
                    insert = insert.values(SQLBind(c.0), SQLBind(projectID), SQLBind(c.1), SQLBind(c.2), SQLBind(MobileNumber.suffix(c.2)),
                                           SQLBind(IdentityKind.residentID.rawValue), SQLBind(c.3), SQLBind(c.4), SQLBind(c.5), SQLBind("unknown"), SQLBind(""),
                                           SQLBind("认筹"), SQLBind("B"), SQLBind(""), SQLBind(""), SQLBind(""), SQLBind(0), SQLBind(0), SQLBind(now), SQLBind(now))
                }
                try await insert.run()
            }
            for (n, chunk) in people.chunked(100).enumerated() {
                var insert = sql.insert(into: "opening_registrations").columns(
                    "id", "event_id", "project_id", "number", "customer_id", "mobile", "status", "eligible", "eligibility_note", "eligibility_by",
                    "eligibility_at", "sincerity_fen", "receipt_number", "picks", "created_by", "created_at")
                for (k, c) in chunk.enumerated() {
                    let i = n * 100 + k + 1
                    let eligible = i % 23 != 0
                    insert = insert.values(SQLBind(UUID()), SQLBind(eventID), SQLBind(projectID), SQLBind(String(format: "RC%06d", i)), SQLBind(c.0),
                                           SQLBind(c.2), SQLBind("active"), SQLBind(eligible), SQLBind(eligible ? "限购资格已核（社保/个税）" : "待补社保证明"),
                                           SQLBind(eligible ? manager?.id : nil), SQLBind(eligible ? now : nil), SQLBind(Money(yuan: 20_000).fen),
                                           SQLBind(String(format: "CY%06d", i)), SQLBind(0), SQLBind(manager?.id), SQLBind(now.addingTimeInterval(Double(i - 400) * 600)))
                }
                try await insert.run()
            }
            for prefix in ["RC", "CY"] {
                try await sql.insert(into: "number_series").columns("series", "value").values(SQLBind("\(prefix):\(projectID.uuidString)"), SQLBind(Int64(registrations)))
                    .ignoringConflicts(with: ["series"]).run()
            }
            return ((), AuditEntry(action: "demo.seed", entity: "opening_event", entityID: eventID.uuidString, projectID: projectID,
                                   summary: "seeded \(registrations) 认筹 registrations for the demo opening"))
        }
        e = try await svc.draw(event: e.id, context: context)
        _ = try await svc.planBatches(event: e.id, size: 50, minutes: 30, gapMinutes: 20, context: context)
        // The rehearsal ran (three buyers tried the engine) and was wiped; then the event was scheduled.
        e = try await svc.act(.rehearse, event: e.id, context: context)
        if let copy = try await svc.rehearsal(of: e.id) {
            let regs = try await svc.registrations(copy.id, limit: 3)
            for (i, r) in regs.enumerated() where i < units.count {
                let buyer = AuditContext(actorID: nil, actorName: "buyer:" + Masking.mobile(r.mobile), requestID: nil, ip: nil)
                if let held = try? await svc.choose(event: copy.id, registration: r.id, unit: units[units.startIndex + i].id, key: "demo-rehearsal-\(i)", context: buyer) {
                    _ = try? await svc.confirm(event: copy.id, registration: r.id, selection: held.id, context: buyer)
                }
            }
        }
        e = try await svc.act(.endRehearsal, event: e.id, context: context)
        _ = try await svc.act(.schedule, event: e.id, context: context)
        _ = sql
    }
}

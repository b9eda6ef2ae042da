import EstateCore
import EstateSheets
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import EstateServer

/// A deterministic generator, so a failing run can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Reports against the records they come from: a month of random visits, calls, 认购, 签约,
/// receipts (some left pending, some refunded), 退订 and 退房 on a moving clock, through the
/// API, then every figure of every report compared with a plain recomputation from the rows.
@Suite("Reports")
struct ReportTests {
    // MARK: Plain recomputation

    struct Rows {
        struct Sub: Decodable { var id: UUID; var unitId: UUID; var consultantId: UUID?; var subscribedOn: String; var status: String
                                var cancelledOn: String?; var finalTotalFen: Int64 }
        struct Con: Decodable { var subscriptionId: UUID; var unitId: UUID; var status: String; var signedOn: String?; var terminatedOn: String?
                                var totalFen: Int64 }
        struct Unit: Decodable { var id: UUID; var buildingId: UUID; var layout: String; var builtArea: Int; var status: String; var listTotal: Int64 }
        struct Rec: Decodable { var subscriptionId: UUID; var itemId: UUID; var status: String; var receivedOn: String; var amountFen: Int64 }
        struct Item: Decodable { var id: UUID; var subscriptionId: UUID; var kind: String; var dueOn: String; var amountFen: Int64; var isLive: Bool }
        struct Contact: Decodable { var kind: String; var visitKind: String?; var occurredAt: Date; var consultantId: UUID? }
        var subs: [Sub] = [], cons: [Con] = [], units: [UUID: Unit] = [:], recs: [Rec] = [], items: [Item] = [], contacts: [Contact] = []

        static func load(_ app: Application, _ project: UUID) async throws -> Rows {
            let sql = app.db as! any SQLDatabase
            let dec = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)
            var r = Rows()
            r.subs = try await sql.raw("SELECT * FROM subscriptions WHERE project_id = \(bind: project)").all(decoding: Sub.self, with: dec)
            r.cons = try await sql.raw("SELECT * FROM contracts WHERE project_id = \(bind: project)").all(decoding: Con.self, with: dec)
            let units = try await sql.raw("SELECT * FROM units WHERE project_id = \(bind: project)").all(decoding: Unit.self, with: dec)
            r.units = Dictionary(uniqueKeysWithValues: units.map { ($0.id, $0) })
            r.recs = try await sql.raw("SELECT * FROM receipts WHERE project_id = \(bind: project)").all(decoding: Rec.self, with: dec)
            r.items = try await sql.raw("SELECT * FROM payment_items WHERE project_id = \(bind: project)").all(decoding: Item.self, with: dec)
            // The business day from the timestamp, not from the stored day column: that column is what is checked.
            r.contacts = try await sql.raw("SELECT * FROM customer_contacts WHERE project_id = \(bind: project)").all(decoding: Contact.self, with: dec)
            return r
        }

        /// The figures of the days `inside`, optionally for one building, layout or consultant.
        func figures(_ inside: (String) -> Bool, building: UUID? = nil, layout: String? = nil, consultant: UUID?? = nil) -> SalesFigures {
            var f = SalesFigures()
            let subByID = Dictionary(uniqueKeysWithValues: subs.map { ($0.id, $0) })
            func keep(_ unit: UUID, _ c: UUID?) -> Bool {
                let u = units[unit]!
                if let building, u.buildingId != building { return false }
                if let layout, u.layout != layout { return false }
                if let consultant, c != consultant { return false }
                return true
            }
            for s in subs where keep(s.unitId, s.consultantId) {
                let area = Area(hundredths: units[s.unitId]!.builtArea)
                if inside(s.subscribedOn) { f.subscriptions += Deal(count: 1, area: area, amount: Money(fen: s.finalTotalFen)) }
                if s.status == "cancelled", let d = s.cancelledOn, inside(d) {
                    f.cancellations += Deal(count: 1, area: area, amount: Money(fen: s.finalTotalFen))
                }
            }
            for c in cons where keep(c.unitId, subByID[c.subscriptionId]!.consultantId) {
                let area = Area(hundredths: units[c.unitId]!.builtArea)
                if let d = c.signedOn, inside(d) { f.contracts += Deal(count: 1, area: area, amount: Money(fen: c.totalFen)) }
                if c.status == "terminated", c.signedOn != nil, let d = c.terminatedOn, inside(d) {
                    f.terminations += Deal(count: 1, area: area, amount: Money(fen: c.totalFen))
                }
            }
            for r in recs where r.status == "confirmed" && inside(r.receivedOn) {
                let s = subByID[r.subscriptionId]!
                if keep(s.unitId, s.consultantId) { f.collections += Collected(count: 1, amount: Money(fen: r.amountFen)) }
            }
            if building == nil, layout == nil {
                for k in contacts where inside(CalendarDay(k.occurredAt).description) {
                    if let consultant, k.consultantId != consultant { continue }
                    switch (k.kind, k.visitKind) {
                    case ("call", _): f.calls += 1
                    case (_, "first"): f.visitsFirst += 1
                    case (_, "return"): f.visitsReturn += 1
                    default: break
                    }
                }
            }
            return f
        }
    }

    /// A percent ("87.50") of at most 100; no rate (nothing planned) is fine.
    static func atMostWhole(_ rate: String?) -> Bool { rate.map { (Double($0) ?? 1_000) <= 100 } ?? true }

    /// 按期回款 of one item: its net confirmed money by `end`, at most its amount.
    static func onPlan(_ i: Rows.Item, _ recs: [Rows.Rec], by end: CalendarDay) -> Int64 {
        let paid = recs.filter { $0.itemId == i.id && $0.status == "confirmed" && $0.receivedOn <= end.description }
            .reduce(Int64(0)) { $0 + $1.amountFen }
        return min(max(paid, 0), i.amountFen)
    }

    static func within(_ a: CalendarDay, _ b: CalendarDay) -> (String) -> Bool {
        let (x, y) = (a.description, b.description)
        return { $0 >= x && $0 <= y }
    }

    // MARK: Building the month

    struct World {
        var d: SaleTests.Desk
        var first: CalendarDay
        var last: CalendarDay
        var bob: UUID
        var alice: UUID
    }

    /// A month of trading, through the API, on a moving clock.
    static func trade(_ app: Application, _ clock: TestClock, seed: UInt64) async throws -> World {
        var rng = SplitMix(state: seed)
        var d = try await SaleTests.desk(app, clock, code: "BB")
        let f = Fixtures(app: app)
        let bob = try await f.user("bob", roles: [(.consultant, d.project)])
        let me = try await app.call(.GET, "/api/v1/me", headers: .bearer(d.consultant)).decode(Schemas.Me.self)
        let alice = try #require(UUID(uuidString: me.id))
        d.units = try await Inventory(app: app).seed(d.project, building: "2号楼", floors: 4, rooms: 2)
        var tokens = ["alice": d.consultant, "bob": try await f.token("bob")]
        var customers: [(id: String, owner: String)] = []
        for i in 0..<24 {
            let owner = i % 2 == 0 ? "alice" : "bob"
            let res = try await app.call(.POST, "/api/v1/customers", headers: .bearer(tokens[owner]!),
                                         json: ["projectId": .s(d.project.uuidString), "name": .s("客户\(i)"), "mobile": .s("1390000\(String(format: "%04d", i))")] as J)
            #expect(res.status == .created, "\(res.body.string)")
            customers.append((try res.decode(Schemas.Customer.self).id, owner))
        }
        let first = CalendarDay(clock.now)
        var active: [(sale: String, owner: String)] = [], signed: [(contract: String, owner: String)] = []
        var free = d.units.map(\.id)
        let iso = ISO8601DateFormatter()
        for day in 0..<32 {
            if day > 0 { clock.advance(86_400 + Double(rng.next() % 3_600)) }
            if day > 0 {
                d.consultant = try await f.token("alice"); d.manager = try await f.token("boss"); d.cs = try await f.token("csstaff")
                d.finance = try await f.token("money"); d.gm = try await f.token("chief"); tokens = ["alice": d.consultant, "bob": try await f.token("bob")]
            }
            let today = CalendarDay(clock.now)
            d.today = today
            // Visits and calls, some a few hours back (across midnight, Beijing time).
            for _ in 0..<Int(rng.next() % 4) {
                let c = customers[Int(rng.next() % UInt64(customers.count))]
                let at = iso.string(from: clock.now.addingTimeInterval(-Double(rng.next() % 30) * 3_600))
                let visit = rng.next() % 3 != 0
                let res = try await app.call(.POST, "/api/v1/customers/\(c.id)/\(visit ? "visits" : "calls")", headers: .bearer(tokens[c.owner]!),
                                             json: (visit ? ["occurredAt": .s(at)] : ["occurredAt": .s(at), "direction": "inbound"]) as J)
                #expect(res.status == .created, "\(res.body.string)")
            }
            // 认购.
            if !free.isEmpty, rng.next() % 2 == 0 {
                let c = customers[Int(rng.next() % UInt64(customers.count))]
                let unit = free.remove(at: Int(rng.next() % UInt64(free.count)))
                let res = try await SaleTests.subscribe(d, unit: d.units.first { $0.id == unit }!, buyers: [(c.id, "100")], token: tokens[c.owner]!)
                if res.status == .created { active.append((try res.decode(Schemas.Subscription.self).id, c.owner)) }
            }
            // 签约 of some active subscriptions.
            var still: [(sale: String, owner: String)] = []
            for a in active {
                switch rng.next() % 8 {
                case 0, 1, 2:
                    let token = tokens[a.owner]!
                    let created = try await app.call(.POST, "/api/v1/contracts", headers: .bearer(token), json: [
                        "subscriptionId": .s(a.sale), "buyerKind": "local_individual", "downPaymentDueOn": .s(today.adding(days: 3).description),
                        "instalments": [], "penaltyRatePer100k": 50, "deliveryDueOn": .s(today.adding(days: 300).description), "titleDays": 365] as J)
                    #expect(created.status == .created, "\(created.body.string)")
                    let cid = try created.decode(Schemas.Contract.self).id
                    for doc in ["id_document", "household_register", "marital_status"] {
                        _ = try await app.call(.PUT, "/api/v1/contracts/\(cid)/documents/\(doc)", headers: .bearer(token), json: ["received": true] as J)
                    }
                    _ = try await app.call(.POST, "/api/v1/contracts/\(cid)/review", headers: .bearer(d.cs), json: ["approve": true] as J)
                    let s = try await app.call(.POST, "/api/v1/contracts/\(cid)/signing", headers: .bearer(token),
                                               json: ["signedOn": .s(today.description)] as J)
                    #expect(s.status == .ok, "\(s.body.string)")
                    signed.append((cid, a.owner))
                case 4 where !free.isEmpty:
                    // 换房: the sale and everything reported of it moves to another unit.
                    let unit = free.remove(at: Int(rng.next() % UInt64(free.count)))
                    let r = try await app.call(.POST, "/api/v1/subscriptions/\(a.sale)/unit-change", headers: .bearer(tokens[a.owner]!),
                                               json: ["unitId": .s(unit.uuidString), "ruleIds": [], "reason": "客户换房"] as J)
                    #expect(r.status == .ok, "\(r.body.string)")
                    still.append(a)
                case 3:
                    // 退订, approved by the sales manager.
                    let r = try await app.call(.POST, "/api/v1/subscriptions/\(a.sale)/cancellation", headers: .bearer(tokens[a.owner]!),
                                               json: ["depositOutcome": "forfeit", "reason": "客户放弃"] as J)
                    #expect(r.status == .accepted, "\(r.body.string)")
                    #expect(try await SaleTests.decide(d, try r.decode(Schemas.ApprovalRef.self).approvalId, by: d.manager).status == .ok)
                default:
                    still.append(a)
                }
            }
            active = still
            // Money in on signed contracts: part or all of an item, received up to 3 days back; most confirmed.
            for (n, s) in signed.enumerated() where rng.next() % 3 == 0 {
                // Room left: what is outstanding less what already waits for finance.
                func room(_ i: SaleTests.Item) -> Money { Money(yuanText: i.outstanding)! - Money(yuanText: i.pending)! }
                let items = try await SaleTests.plan(d, contract: s.contract).filter { room($0).fen > 0 }
                guard let item = items.first else { continue }
                let owed = room(item)
                let amount = rng.next() % 2 == 0 ? owed : Money(fen: max(1, owed.fen / Int64(2 + rng.next() % 3)))
                let r = try await app.call(.POST, "/api/v1/receipts", headers: SaleTests.idem(tokens[s.owner]!, "rp-\(day)-\(n)-\(rng.next() % 1_000_000)"), json: [
                    "contractId": .s(s.contract), "itemId": .s(item.id), "amount": .s(amount.plain), "method": "transfer",
                    "receivedOn": .s(today.adding(days: -Int(rng.next() % 4)).description), "payer": "买受人"] as J)
                #expect(r.status == .created, "\(r.body.string)")
                if rng.next() % 5 != 0 {
                    let c = try await app.call(.POST, "/api/v1/receipts/\(try r.decode(Schemas.Receipt.self).id)/confirmation", headers: .bearer(d.finance))
                    #expect(c.status == .ok, "\(c.body.string)")
                }
            }
            // Now and then a 退房, approved by the GM.
            if day > 10, day % 9 == 0, let s = signed.first {
                let t = try await app.call(.POST, "/api/v1/contracts/\(s.contract)/termination", headers: .bearer(tokens[s.owner]!),
                                           json: ["reason": "买受人违约，解除合同"] as J)
                #expect(t.status == .accepted, "\(t.body.string)")
                #expect(try await SaleTests.decide(d, try t.decode(Schemas.ApprovalRef.self).approvalId, by: d.gm).status == .ok)
                signed.removeFirst()
            }
        }
        return World(d: d, first: first, last: CalendarDay(clock.now), bob: bob, alice: alice)
    }

    // MARK: Exactness

    @Test func everyFigureEqualsThePlainSumOfItsRecords() async throws {
        try await withTestApp { app, clock in
            let w = try await Self.trade(app, clock, seed: 20_261_127)
            var rows = try await Rows.load(app, w.d.project)
            #expect(rows.subs.count >= 10 && rows.cons.count >= 4 && rows.recs.count >= 5, "too little trade to test: \(rows.subs.count) \(rows.cons.count) \(rows.recs.count)")
            #expect(rows.subs.contains { $0.status == "cancelled" } && rows.cons.contains { $0.status == "terminated" })
            #expect(rows.recs.contains { $0.status == "pending" })
            struct N: Decodable { var n: Int }
            let moves = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM sale_events WHERE kind = 'change_unit'").first(decoding: N.self)?.n ?? 0
            #expect(moves >= 1, "no 换房 in the generated month")
            // The kept daily rows are exactly what the records give.
            let kept = try await ReportLedger.kept(w.d.project, on: app.db as! any SQLDatabase)
            let expected = try await ReportLedger.expected(w.d.project, on: app.db as! any SQLDatabase)
            #expect(kept == expected, "ledger drifted: \(Set(kept.keys).symmetricDifference(expected.keys).count) rows differ in key")
            #expect(rows.subs.count > rows.subs.filter { $0.status == "active" }.count)
            // A sold unit's layout corrected afterwards: its sales move to the other layout in the kept rows too.
            let signedUnit = try #require(rows.units.values.first { $0.status == "signed" })
            let inv = app.services.inventory(app.db)
            let u = try await inv.unit(signedUnit.id, in: w.d.project)
            let building = try await inv.buildings(w.d.project).first { $0.id == u.buildingID }!.name
            _ = try await inv.updateUnit(u.id, in: w.d.project, UnitDraft(
                building: building, entrance: "\(u.entrance)", floor: "\(u.floor)", room: u.room, layout: u.layout == "A户型" ? "B户型" : "A户型",
                orientation: u.orientation, usage: u.usage, builtArea: u.builtArea.description, innerArea: u.innerArea.description,
                pricingBasis: "按建筑面积", unitPrice: u.listUnitPrice.plain, floorPrice: u.floorPrice.plain), context: .system("test"))
            let keptAfter = try await ReportLedger.kept(w.d.project, on: app.db as! any SQLDatabase)
            #expect(keptAfter == (try await ReportLedger.expected(w.d.project, on: app.db as! any SQLDatabase)))
            #expect(keptAfter != kept)
            rows = try await Rows.load(app, w.d.project)
            let reports = app.services.reports(app.db)
            let ranges = [(w.first, w.last), (w.first.adding(days: 9), w.last.adding(days: -5)), (w.last, w.last)]
            for (a, b) in ranges {
                for g in ReportGranularity.allCases {
                    let period = try ReportPeriod(from: a, to: b, granularity: g)
                    let r = try await reports.sales(w.d.project, period: period, granularity: g)
                    for (bucket, figures) in r.buckets {
                        #expect(figures == rows.figures(Self.within(bucket.from, bucket.to)), "\(g) \(bucket.label)")
                    }
                    #expect(r.buckets.first?.bucket.from == a && r.buckets.last?.bucket.to == b)
                    #expect(r.total == rows.figures(Self.within(a, b)))
                    #expect(r.previousTotal == rows.figures(Self.within(period.previous.from, period.previous.to)))
                    #expect(r.cumulative == rows.figures { $0 <= b.description })
                    for bd in r.byBuilding {
                        let id = UUID(uuidString: bd.key)!
                        var exp = rows.figures(Self.within(a, b), building: id)
                        exp.calls = 0; exp.visitsFirst = 0; exp.visitsReturn = 0
                        #expect(bd.figures == exp, "building \(bd.name)")
                        let units = rows.units.values.filter { $0.buildingId == id }
                        #expect(bd.inventory?.units == units.count)
                        #expect(bd.inventory?.sold == units.filter { ["subscribed", "signed", "delivered"].contains($0.status) }.count)
                        #expect(bd.inventory?.remainingListTotal.fen
                                == units.filter { ["available", "withheld", "reserved"].contains($0.status) }.reduce(0) { $0 + $1.listTotal })
                    }
                    #expect(r.byBuilding.count == 2 && r.byLayout.count == 2)
                    for bd in r.byLayout { #expect(bd.figures.contracts == rows.figures(Self.within(a, b), layout: bd.key).contracts) }
                    for bd in r.byConsultant {
                        let who: UUID? = UUID(uuidString: bd.key)
                        #expect(bd.figures == rows.figures(Self.within(a, b), consultant: .some(who)), "consultant \(bd.name)")
                    }
                    var sum = SalesFigures()
                    for bd in r.byConsultant { sum += bd.figures }
                    #expect(sum == r.total)
                }
            }
            // The units' own count: 去化率 = (subscribed + signed + delivered) / released.
            let whole = try await reports.sales(w.d.project, period: try ReportPeriod(from: w.first, to: w.last), granularity: .month)
            let sold = rows.units.values.filter { ["subscribed", "signed", "delivered"].contains($0.status) }.count
            let released = rows.units.values.filter { $0.status != "unreleased" }.count
            #expect(whole.inventory.sellThrough == Ratio.percent(Int64(sold), of: Int64(released)))

            // Collections: planned by due day, collected by day received, per month and kind.
            let period = try ReportPeriod(from: w.first, to: w.last)
            let c = try await reports.collections(w.d.project, period: period, asOf: w.last)
            // 按期回款: each item due in the month, its net confirmed money by the period's end, at most its amount.
            for m in c.months {
                let inside = Self.within(m.bucket.from, m.bucket.to)
                let due = rows.items.filter { $0.isLive && $0.amountFen > 0 && inside($0.dueOn) }
                let planned = due.reduce(Int64(0)) { $0 + $1.amountFen }
                let collected = rows.recs.filter { $0.status == "confirmed" && inside($0.receivedOn) }.reduce(Int64(0)) { $0 + $1.amountFen }
                #expect(m.planned.fen == planned && m.collected.fen == collected, "\(m.bucket.label)")
                let onPlan = due.reduce(Int64(0)) { $0 + Self.onPlan($1, rows.recs, by: w.last) }
                #expect(m.collectedOnPlan.fen == onPlan, "\(m.bucket.label)")
                #expect(m.byKind.values.reduce(Int64(0)) { $0 + $1.planned.fen } == planned)
                #expect(m.byKind.values.reduce(Int64(0)) { $0 + $1.collectedOnPlan.fen } == m.collectedOnPlan.fen)
                // The rate is bounded, for the month and every kind in it.
                let rates = [m.rate] + m.byKind.values.map(\.rate)
                #expect(rates.allSatisfy { Self.atMostWhole($0) }, "\(m.bucket.label) \(rates)")
            }
            #expect(Self.atMostWhole(c.rate))
            // Money received in the period for items due outside it is shown apart.
            let inPeriod = rows.recs.filter { $0.status == "confirmed" && Self.within(w.first, w.last)($0.receivedOn) }
            let dueOn = Dictionary(uniqueKeysWithValues: rows.items.map { ($0.id, $0.dueOn) })
            #expect(c.collectedAhead.fen == inPeriod.filter { dueOn[$0.itemId]! > w.last.description }.reduce(Int64(0)) { $0 + $1.amountFen })
            #expect(c.collectedOverdue.fen == inPeriod.filter { dueOn[$0.itemId]! < w.first.description }.reduce(Int64(0)) { $0 + $1.amountFen })
            // Ageing at three days, from the receipts alone (not from the items' running sums).
            for asOf in [w.last, w.last.adding(days: -6), w.first.adding(days: 12)] {
                let aged = try await reports.collections(w.d.project, period: period, asOf: asOf)
                var expected = ReportService.AgeingRow()
                var sales = Set<UUID>()
                for i in rows.items where i.isLive && i.amountFen > 0 && i.dueOn < asOf.description {
                    let paid = rows.recs.filter { $0.itemId == i.id && $0.status == "confirmed" && $0.receivedOn <= asOf.description }
                        .reduce(Int64(0)) { $0 + $1.amountFen }
                    let owed = i.amountFen - paid
                    guard owed > 0 else { continue }
                    expected[ReportService.AgeBand(daysOverdue: CalendarDay(i.dueOn)!.days(until: asOf))] += Money(fen: owed)
                    expected.items += 1
                    sales.insert(i.subscriptionId)
                }
                #expect(aged.ageingTotal == expected, "ageing at \(asOf)")
                #expect(aged.overdueSales == sales.count)
                #expect(aged.ageing.reduce(Money.zero) { $0 + $1.total } == expected.total)
            }

            // Ranking: both consultants, each with their own figures; ranks follow contract amount.
            let ranking = try await reports.consultants(w.d.project, period: period)
            #expect(Set(ranking.compactMap(\.consultantID)).isSuperset(of: [w.alice, w.bob]))
            for r in ranking {
                #expect(r.figures == rows.figures(Self.within(w.first, w.last), consultant: .some(r.consultantID)))
            }
            // Consultants are ranked 1…n; sales with no consultant come last, unranked (issue 15).
            let ranked = ranking.filter { $0.consultantID != nil }
            #expect(ranked.map(\.rank) == Array(1...ranked.count))
            #expect(ranking.drop { $0.consultantID != nil }.allSatisfy { $0.consultantID == nil && $0.rank == 0 })
            #expect(zip(ranked, ranked.dropFirst()).allSatisfy { $0.figures.contracts.amount >= $1.figures.contracts.amount })

            // The API and the workbook carry the same figures as the service.
            let q = "projectId=\(w.d.project)&from=\(w.first)&to=\(w.last)&granularity=week"
            let json = try await app.call(.GET, "/api/v1/reports/sales?\(q)", headers: .bearer(w.d.manager))
            #expect(json.status == .ok)
            let weekly = try await reports.sales(w.d.project, period: try ReportPeriod(from: w.first, to: w.last, granularity: .week), granularity: .week)
            let sales = try json.decode(Schemas.SalesReport.self)
            #expect(sales.total.contracts.amount == weekly.total.contracts.amount.plain)
            #expect(sales.total.visitsFirst == weekly.total.visitsFirst)
            let xlsx = try await app.call(.GET, "/api/v1/reports/sales/export?\(q)", headers: .bearer(w.d.manager))
            #expect(xlsx.status == .ok)
            #expect(xlsx.headers.first(name: "Content-Disposition")?.contains("xlsx") == true)
            let sheet = try XLSXReader.rows(Data(buffer: xlsx.body))
            // Summary sheet: header, 本期, 上期, 累计; the contract amount is column 11 (0-based).
            #expect(sheet.count == 4)
            #expect(sheet[1].cells[10] == weekly.total.contracts.amount.plain || Decimal(string: sheet[1].cells[10]) == Decimal(string: weekly.total.contracts.amount.plain))
            #expect(Int(sheet[3].cells[5]) == weekly.cumulative.subscriptions.count)
        }
    }

    // MARK: Access, validation, targets, dashboard

    @Test func accessValidationTargetsAndTheDashboard() async throws {
        try await withTestApp { app, clock in
            let d = try await SaleTests.desk(app, clock, code: "RA")
            let f = Fixtures(app: app)
            let other = try await f.project("RB")
            let q = "projectId=\(d.project)&from=2026-01-01&to=2026-01-31"
            // A consultant has no reports; a missing or unseen project is 404 before anything.
            #expect(try await app.call(.GET, "/api/v1/reports/sales?\(q)", headers: .bearer(d.consultant)).status == .forbidden)
            #expect(try await app.call(.GET, "/api/v1/reports/sales?projectId=\(other)&from=2026-01-01&to=2026-01-31",
                                       headers: .bearer(d.manager)).status == .notFound)
            #expect(try await app.call(.GET, "/api/v1/reports/sales?projectId=\(UUID())&from=2026-01-01&to=2026-01-31",
                                       headers: .bearer(d.gm)).status == .notFound)
            func code(_ r: TestingHTTPResponse) throws -> [String] {
                let problem = try r.problem()
                if let errors = problem.errors { return errors.map(\.code) }
                return [problem.code]
            }
            let reversed = try await app.call(.GET, "/api/v1/reports/sales?projectId=\(d.project)&from=2026-02-01&to=2026-01-31", headers: .bearer(d.manager))
            #expect(try reversed.status == .unprocessableEntity && code(reversed).contains("period_reversed"))
            let long = try await app.call(.GET, "/api/v1/reports/sales?projectId=\(d.project)&from=2025-01-01&to=2026-01-31&granularity=day",
                                          headers: .bearer(d.manager))
            #expect(try long.status == .unprocessableEntity && code(long).contains("period_too_long"))
            #expect(try await app.call(.GET, "/api/v1/reports/sales?projectId=\(d.project)&from=2025-01-01&to=2026-01-31&granularity=month",
                                       headers: .bearer(d.manager)).status == .ok)
            let future = try await app.call(.GET, "/api/v1/reports/collections?\(q)&asOf=\(d.today.adding(days: 1))", headers: .bearer(d.finance))
            #expect(try future.status == .unprocessableEntity && code(future).contains("as_of_future"))
            #expect(try await app.call(.GET, "/api/v1/reports/collections?\(q)", headers: .bearer(d.finance)).status == .ok)

            // Targets: the sales manager sets them (one audit line); finance reads but may not set.
            let month = String(d.today.description.prefix(7))
            let me = try await app.call(.GET, "/api/v1/me", headers: .bearer(d.consultant)).decode(Schemas.Me.self)
            let alice = try #require(UUID(uuidString: me.id))
            let body: J = ["projectId": .s(d.project.uuidString), "month": .s(month),
                           "project": ["subscriptions": 20, "contractAmount": "40000000", "collections": "30000000.50"],
                           "consultants": [["consultantId": .s(alice.uuidString), "target": ["subscriptions": 4, "contractAmount": "8000000", "collections": "0"]]]]
            #expect(try await app.call(.PUT, "/api/v1/reports/targets", headers: .bearer(d.finance), json: body).status == .forbidden)
            let put = try await app.call(.PUT, "/api/v1/reports/targets", headers: .bearer(d.manager), json: body)
            #expect(put.status == .ok, "\(put.body.string)")
            #expect(try put.decode(Schemas.TargetSheet.self).project?.collections == "30000000.50")
            let got = try await app.call(.GET, "/api/v1/reports/targets?projectId=\(d.project)&month=\(month)", headers: .bearer(d.finance))
            #expect(try got.decode(Schemas.TargetSheet.self).consultants.first?.target?.subscriptions == 4)
            struct N: Decodable { var n: Int }
            let audit = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'report.targets'").first(decoding: N.self)
            #expect(audit?.n == 1)
            // A non-consultant as a target holder is refused and nothing changes.
            let bad = try await app.call(.PUT, "/api/v1/reports/targets", headers: .bearer(d.manager), json: [
                "projectId": .s(d.project.uuidString), "month": .s(month), "project": .null,
                "consultants": [["consultantId": .s(UUID().uuidString), "target": ["subscriptions": 1, "contractAmount": "1", "collections": "1"]]]] as J)
            #expect(try bad.status == .unprocessableEntity && code(bad).contains("target_not_consultant"))
            #expect(try await app.call(.GET, "/api/v1/reports/targets?projectId=\(d.project)&month=\(month)", headers: .bearer(d.manager))
                .decode(Schemas.TargetSheet.self).project?.contractAmount == "40000000.00")

            // Dashboard: the manager sees the project against its target; the consultant only their own.
            let customer = try await SaleTests.customer(d, "看板客户", "13900000991")
            #expect(try await SaleTests.subscribe(d, unit: d.units[0], buyers: [(customer, "100")]).status == .created)
            let boss = try await app.call(.GET, "/api/v1/reports/dashboard?projectId=\(d.project)", headers: .bearer(d.manager))
            let project = try boss.decode(Schemas.Dashboard.self)
            #expect(project.scope.rawValue == "project")
            #expect(project.todayFigures.subscriptions.count == 1)
            #expect(project.progress.subscriptions == "5.00")
            #expect(project.days.count == 30)
            let mine = try await app.call(.GET, "/api/v1/reports/dashboard?projectId=\(d.project)", headers: .bearer(d.consultant))
            let own = try mine.decode(Schemas.Dashboard.self)
            #expect(own.scope.rawValue == "consultant")
            #expect(own.progress.subscriptions == "25.00")
            try await f.user("carol", roles: [(.consultant, d.project)])
            let carol = try await app.call(.GET, "/api/v1/reports/dashboard?projectId=\(d.project)", headers: .bearer(try await f.token("carol")))
            #expect(try carol.decode(Schemas.Dashboard.self).monthFigures.subscriptions.count == 0)
            #expect(try await app.call(.GET, "/api/v1/reports/dashboard?projectId=\(d.project)", headers: .bearer(d.cs)).status == .ok)
            _ = clock
        }
    }
}

/// Issue 15 point 7: on the demo, money arrives early (deposits, down payments before their due
/// day, loans paid out in one go), so the cash received in a month passes what fell due in it —
/// the old "collected ÷ planned" showed 108–178 %. The rate now cannot pass 100 %, and the page
/// says how it is computed.
@Suite struct CollectionsRateOnTheDemoTests {
    @Test func theRateStaysWithinAHundredPercentWhereCashRanAhead() async throws {
        try await withTestApp(.demo) { app, _ in
            // setup
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let today = CalendarDay(app.services.now())
            let period = try ReportPeriod(from: today.adding(days: -330), to: today)
            // MUT
            let r = try await app.services.reports(app.db).collections(project, period: period, asOf: today)
            // validate: the demo has months where cash ran ahead of what fell due (the old rate's defect) …
            #expect(r.months.contains { $0.collected > $0.planned && $0.planned > .zero }, "the demo should have early money")
            // … and no rate passes 100 %, for a month, a kind, or the period.
            for m in r.months {
                #expect(m.collectedOnPlan <= m.planned, "\(m.bucket.label)")
                #expect(ReportTests.atMostWhole(m.rate), "\(m.bucket.label) \(m.rate ?? "")")
                for (k, f) in m.byKind { #expect(ReportTests.atMostWhole(f.rate), "\(m.bucket.label) \(k) \(f.rate ?? "")") }
            }
            #expect(ReportTests.atMostWhole(r.rate))
            #expect(r.collectedAhead > .zero || r.collectedOverdue > .zero || r.collected <= r.collectedOnPlan)
            // The page writes the definition next to the figures.
            var browser = Browser(app: app)
            _ = try await browser.signIn("finance", DemoSeeder.password)
            let page = try await browser.get("/projects/\(project)/reports/collections?from=\(period.from)&to=\(period.to)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("回款率不会超过 100%"))
            #expect(page.body.string.contains("按期回款"))
        }
    }
}

/// Issue 15: a sales report's file is named by the period it covers (日报, 周报, 月报, else 销售报表),
/// not by how its rows are cut — a year cut by month is no 月报.
@Suite struct SalesReportFileNameTests {
    @Test func theNameSaysWhatThePeriodIs() throws {
        func kind(_ from: String, _ to: String) throws -> String {
            ReportSheets.salesFileKind(try ReportPeriod(from: CalendarDay(from)!, to: CalendarDay(to)!))
        }
        #expect(try kind("2026-11-27", "2026-11-27") == "day")
        #expect(try kind("2026-11-23", "2026-11-29") == "week")      // Monday to Sunday
        #expect(try kind("2026-11-24", "2026-11-30") == "sales")     // seven days, not a week
        #expect(try kind("2026-11-01", "2026-11-30") == "month")
        #expect(try kind("2024-02-01", "2024-02-29") == "month")     // a leap February
        #expect(try kind("2026-11-01", "2026-11-29") == "sales")     // not the whole month
        #expect(try kind("2026-01-01", "2026-12-06") == "sales")     // a year to date cut by month
        let t = Localizer(catalog: try Catalog.load(), language: .zh)
        #expect(t("report.file.sales") == "销售报表" && t("report.file.month") == "销售月报")
    }
}

/// Issue 15 point 7: sales with no consultant were ranked among the consultants as "未指定顾问"
/// (#2 on the demo's figures then); they now come after the ranking, unranked, in the service, the API and the page.
@Suite struct ConsultantRankingOnTheDemoTests {
    @Test func salesWithNoConsultantAreShownApartFromTheRanking() async throws {
        try await withTestApp(.demo) { app, _ in
            // setup
            let project = try #require(try await app.services.projects(app.db).id(code: "HXY"))
            let today = CalendarDay(app.services.now())
            let period = try ReportPeriod(from: today.adding(days: -330), to: today)
            // MUT
            let rows = try await app.services.reports(app.db).consultants(project, period: period)
            // validate: the demo has sales with no consultant …
            let unattributed = try #require(rows.last { $0.consultantID == nil }, "the demo should have sales with no consultant")
            let ranked = rows.filter { $0.consultantID != nil }
            // … and they are last, unranked; the consultants are ranked 1…n.
            #expect(rows.last?.consultantID == nil && unattributed.rank == 0)
            #expect(ranked.map(\.rank) == Array(1...ranked.count))
            var browser = Browser(app: app)
            _ = try await browser.signIn("sales-manager", DemoSeeder.password)
            let page = try await browser.get("/projects/\(project)/reports/consultants?from=\(period.from)&to=\(period.to)")
            #expect(page.body.string.contains("未指定顾问（不参与排名）"))
            #expect(!page.body.string.contains("2. 未指定顾问"))
        }
    }
}

import EstateCore
import Foundation
import Testing

@Suite("Service rules: ticket flow, warranty, repeats, SLA")
struct ServiceRulesTests {
    /// The only moves there are (DOMAIN §4); every other pair is refused.
    static let allowed: [TicketStatus: [TicketAction: TicketStatus]] = [
        .new: [.assign: .assigned],
        .assigned: [.assign: .assigned, .start: .inProgress],
        .inProgress: [.assign: .inProgress, .resolve: .resolved],
        .resolved: [.startCallback: .callback, .close: .closed],
        .callback: [:],
        .closed: [.reopen: .inProgress],
    ]

    @Test(arguments: TicketKind.allCases)
    func everyMoveNotInTheTableIsRefused(kind: TicketKind) {
        for status in TicketStatus.allCases {
            for action in TicketAction.allCases {
                let expected = Self.allowed[status]?[action]
                do {
                    let next = try TicketFlow.next(status, action, kind: kind)
                    #expect(next == expected, "\(kind) \(status) \(action)")
                    #expect(!(status == .resolved && action == .close && kind.needsCallback))
                } catch .callbackRequired(let k) {
                    #expect(k == kind && kind.needsCallback && status == .resolved && action == .close)
                } catch {
                    #expect(expected == nil, "\(kind) \(status) \(action) was refused")
                }
            }
        }
        #expect(TicketFlow.mayRecordCallback(.resolved) && TicketFlow.mayRecordCallback(.callback))
        #expect(TicketStatus.allCases.filter(TicketFlow.mayRecordCallback) == [.resolved, .callback])
        #expect(TicketFlow.afterCallback(solved: false) == .inProgress && TicketFlow.afterCallback(solved: true) == .closed)
        #expect(!TicketFlow.mayComment(.closed) && TicketFlow.mayComment(.callback))
    }

    func day(_ s: String) -> CalendarDay { CalendarDay(s)! }

    @Test func warrantyAtItsBoundaries() {
        // Waterproofing: five years from the day after delivery (民法典 201/202): delivered 2021-11-27,
        // 2026-11-26 (4 years 364 days) and 2026-11-27 (5 years, the last day) are covered; 2026-11-28 is not.
        let delivered = day("2021-11-27")
        for c in [RepairComponent.roofWaterproofing, .wetRoomWaterproofing, .exteriorWall] {
            #expect(WarrantyDecision.decide(c, deliveredOn: delivered, reportedOn: day("2026-11-26")).status == .inWarranty)
            let last = WarrantyDecision.decide(c, deliveredOn: delivered, reportedOn: day("2026-11-27"))
            #expect(last.status == .inWarranty && !last.chargeable && last.lastDay == day("2026-11-27"))
            let after = WarrantyDecision.decide(c, deliveredOn: delivered, reportedOn: day("2026-11-28"))
            #expect(after.status == .expired && after.chargeable)
        }
        // Plumbing, electrical, equipment, decoration: two years.
        for c in [RepairComponent.plumbing, .electrical, .equipment, .decoration, .heatingCooling] {
            #expect(WarrantyDecision.decide(c, deliveredOn: delivered, reportedOn: day("2023-11-27")).status == .inWarranty)
            #expect(WarrantyDecision.decide(c, deliveredOn: delivered, reportedOn: day("2023-11-28")).status == .expired)
            #expect(WarrantyDecision.decide(c, deliveredOn: delivered, reportedOn: day("2026-11-26")).status == .expired)
        }
        // The structure for its design life.
        #expect(WarrantyDecision.decide(.structure, deliveredOn: delivered, reportedOn: day("2071-11-27")).status == .inWarranty)
        #expect(WarrantyDecision.decide(.structure, deliveredOn: delivered, reportedOn: day("2071-11-28")).status == .expired)
        // The delivery day itself is covered; before delivery it is the developer's to put right.
        #expect(WarrantyDecision.decide(.plumbing, deliveredOn: delivered, reportedOn: delivered).status == .inWarranty)
        let before = WarrantyDecision.decide(.plumbing, deliveredOn: nil, reportedOn: delivered)
        #expect(before.status == .beforeDelivery && !before.chargeable && before.lastDay == nil)
        // Delivered on 29 February: 2029 has no 29 February, so the month's last day, the 28th, is the last.
        #expect(WarrantyDecision.decide(.exteriorWall, deliveredOn: day("2024-02-29"), reportedOn: day("2029-02-28")).status == .inWarranty)
        #expect(WarrantyDecision.decide(.exteriorWall, deliveredOn: day("2024-02-29"), reportedOn: day("2029-03-01")).status == .expired)
    }

    @Test func repeatRepairsWithinNinetyDays() {
        let first = day("2026-08-29")
        #expect(RepeatRepair.isRepeat(previous: first, current: day("2026-11-27")))   // 90 days
        #expect(!RepeatRepair.isRepeat(previous: first, current: day("2026-11-28")))  // 91
        #expect(RepeatRepair.isRepeat(previous: first, current: first))
        #expect(!RepeatRepair.isRepeat(previous: day("2026-11-28"), current: day("2026-11-27")))
    }

    @Test func standardTermsAreConsistent() {
        for k in TicketKind.allCases {
            for s in TicketSeverity.allCases {
                let t = SLATerms.standard(k, s)
                #expect(t.responseMinutes > 0 && t.resolveMinutes >= t.responseMinutes, "\(k) \(s)")
                if s != .normal { #expect(t.resolveMinutes <= SLATerms.standard(k, .normal).resolveMinutes, "\(k) \(s) slower than normal") }
            }
        }
        #expect(SLATerms.standard(.emergencyRepair, .normal).responseMinutes < SLATerms.standard(.repair, .normal).responseMinutes)
        #expect(TicketSeverity.normal < .major && TicketSeverity.major < .crisis)
        #expect(!TicketSeverity.normal.escalatesAtOnce && TicketSeverity.major.escalatesAtOnce)
    }
}

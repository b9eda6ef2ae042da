import EstateCore
import Plot
import Vapor

/// 审批: what waits for me, what I asked for, everything on my projects; decide
/// with a comment.
enum ApprovalsPage {
    struct Model {
        var box: ApprovalService.Box
        var page: Paged<ApprovalRow>
        var projectNames: [UUID: String]
        /// Applicants' display names (the row keeps the user name they signed in with).
        var applicants: [UUID: String] = [:]
        var prices: [UUID: Prices] = [:]
    }

    /// For a price change or a discount: what the approver weighs. A discount: the unit's list and
    /// floor price, the price asked and the resulting discount; a price change: the list and floor
    /// price before and after.
    struct Prices: Sendable, Equatable {
        var listTotal: Money
        var floorPrice: Money
        /// The discounted price (a discount), or the new list price (a price change).
        var asked: Money
        /// A price change's new floor.
        var newFloor: Money?
        /// asked ÷ list, in hundredths of a percent (9,650 = 96.50 %).
        var permyriad: Int
        var belowFloor: Bool { newFloor == nil && asked < floorPrice }

        /// From an approval's payload and the unit's current prices.
        static func of(_ a: ApprovalRow, unit: InventoryService.UnitPrices?) -> Prices? {
            let data = Data(a.payload.utf8)
            switch a.kind {
            case .discount:
                guard let p = try? JSONDecoder().decode(PricingService.DiscountPayload.self, from: data) else { return nil }
                let list = Money(fen: p.listTotal)
                return Prices(listTotal: list, floorPrice: Money(fen: unit?.floorPrice ?? 0), asked: Money(fen: p.finalTotal), newFloor: nil,
                              permyriad: a.permyriad ?? ratio(p.finalTotal, p.listTotal))
            case .unitPrice:
                guard let p = try? JSONDecoder().decode(PricingService.UnitPricePayload.self, from: data) else { return nil }
                return Prices(listTotal: Money(fen: p.oldTotal), floorPrice: Money(fen: p.oldFloor), asked: Money(fen: p.newTotal),
                              newFloor: Money(fen: p.newFloor), permyriad: ratio(p.newTotal, p.oldTotal))
            default: return nil
            }
        }

        static func ratio(_ a: Int64, _ b: Int64) -> Int {
            guard b > 0 else { return 0 }
            return Int((a * 10_000 + b / 2) / b)
        }
    }

    struct ShowModel {
        var approval: ApprovalRow
        var projectName: String
        var mayDecide: Bool
        var isRequester: Bool
        var subjectLink: String?
        var applicant: String = ""
        var prices: Prices?
    }
}

/// What an approval (审批) decides. Later capabilities add their kinds (refunds,
/// renames, procurement); each names the role that decides it.
public enum ApprovalKind: String, CaseIterable, Sendable, Codable {
    /// A new price-list version (价目表).
    case priceList = "price_list"
    /// One unit's price changed outside a price list (单价调整).
    case unitPrice = "unit_price"
    /// A special discount (特批折扣) beyond the requester's authority or below the floor price.
    case discount
    /// 退订: the subscription cancelled, its deposit refunded or forfeited.
    case subscriptionCancel = "subscription_cancel"
    /// 更名: the buyers of a sale changed.
    case buyerChange = "buyer_change"
    /// A change of a contract's payment plan.
    case planChange = "plan_change"
    /// 违约金减免.
    case penaltyWaiver = "penalty_waiver"
    /// 退款: money paid back to a buyer.
    case refund
    /// 退房: a signed contract terminated.
    case termination
    /// 佣金结算单: a channel's monthly commission statement, filed by the channel manager.
    case commissionStatement = "commission_statement"
    /// 供应商黑名单: procurement staff ask, the procurement manager decides.
    case supplierBlacklist = "supplier_blacklist"
    /// 采购计划: a period's plan with its budget lines, routed by `AuthorityMatrix` on its total.
    case purchasePlan = "purchase_plan"
    /// 采购订单/合同: routed by `AuthorityMatrix` on its amount (the matrix version is recorded on the order).
    case purchaseOrder = "purchase_order"

    public var catalogKey: String { "approval.kind.\(rawValue)" }

    /// The action that reads what an approval of this kind is about: whoever may open the
    /// subject may read the approval (its title and amount repeat the subject's prices and
    /// names). Price lists and units are read with the 楼盘表 (their pages ask
    /// `inventoryView`); sales and contracts with `salesView`, which reads every sale of the
    /// project (the sale pages and API check nothing more to read one).
    public var subjectViewAction: Action {
        switch self {
        case .priceList, .unitPrice, .discount: .inventoryView
        case .subscriptionCancel, .buyerChange, .refund, .planChange, .penaltyWaiver, .termination: .salesView
        // The statement's lines name deals and channel money: whoever runs the project's channels reads it.
        case .commissionStatement: .channelsManage
        // Procurement's records are read by whoever handles procurement on the project.
        case .supplierBlacklist, .purchasePlan, .purchaseOrder: .procurementHandle
        }
    }
}

public enum ApprovalStatus: String, CaseIterable, Sendable, Codable {
    case pending, approved, rejected, withdrawn
    public var catalogKey: String { "approval.status.\(rawValue)" }
    public var isOpen: Bool { self == .pending }
}

/// Who must approve what: the one statement of approval thresholds. The GM
/// approves above every threshold (DOMAIN §1), so a GM may decide any approval.
public enum ApprovalPolicy {
    /// The lowest extra discount rate (parts per ten thousand kept) each role may
    /// grant on its own, on top of the named rules of the price system.
    /// 案场经理 up to 1 % (99 折); 总经理 anything; everyone else nothing.
    public static func discountAuthority(of role: Role) -> Int {
        switch role {
        case .gm: 0
        case .salesManager: 9_900
        default: 10_000
        }
    }

    /// Single-unit price changes within ±3 % go to the sales manager, larger ones to the GM.
    public static let unitPriceManagerLimitPermyriad = 300

    /// The role that must approve, or nil when the requester's own roles suffice.
    public static func discountApprover(
        requesterRoles: Set<Role>, specialPermyriad: Int, belowFloor: Bool
    ) -> Role? {
        if belowFloor { return requesterRoles.contains(.gm) ? nil : .gm }
        if specialPermyriad >= 10_000 { return nil }
        let own = requesterRoles.map(discountAuthority(of:)).min() ?? 10_000
        if specialPermyriad >= own { return nil }
        return specialPermyriad >= discountAuthority(of: .salesManager) ? .salesManager : .gm
    }

    /// 佣金结算单 are the sales manager's (案场经理) decision: the channel manager files them
    /// (four eyes: not their own), and the sales manager answers for the deals, targets and
    /// sales cost of the project (DOMAIN §1); the GM may decide any approval.
    public static let commissionStatementApprover: Role = .salesManager

    /// 供应商黑名单 is the procurement manager's decision (four eyes: staff ask); the GM may decide any approval.
    public static let supplierBlacklistApprover: Role = .procurementManager

    /// Price lists are the GM's decision, whatever the amount.
    public static let priceListApprover: Role = .gm

    public static func unitPriceApprover(old: Money, new: Money, belowFloor: Bool) -> Role {
        if belowFloor || old.fen == 0 { return .gm }
        // Exactly: |new − old| ≤ 3 % of old (3.0049 % is beyond it).
        let within = Int128((new - old).fen.magnitude) * 10_000 <= Int128(unitPriceManagerLimitPermyriad) * Int128(old.fen.magnitude)
        return within ? .salesManager : .gm
    }

    /// Whether someone holding `roles` may decide an approval routed to `required`.
    /// Nobody decides their own request (four eyes).
    public static func mayDecide(roles: Set<Role>, required: Role, isRequester: Bool) -> Bool {
        !isRequester && (roles.contains(required) || roles.contains(.gm))
    }
}

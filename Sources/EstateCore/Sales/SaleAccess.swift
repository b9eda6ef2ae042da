import Foundation

/// What one user may do with the sales of one project (销售 / 签约 / 收款 / 交付), and whose buyer
/// names they read in full (DOMAIN §3, §8; 个人信息保护法). The pages ask it which forms to offer;
/// the services check the same actions again.
public struct SaleAccess: Sendable {
    public let principal: Principal
    public let projectID: UUID

    public init(principal: Principal, projectID: UUID) {
        self.principal = principal
        self.projectID = projectID
    }

    public func may(_ a: Action) -> Bool { principal.may(a, on: projectID) }

    /// 认购, 退订, 换房, 更名, drafting and signing a contract, 退房, penalty waivers.
    public var sells: Bool { may(.salesCreate) }
    /// The contract's file: documents, 网签/备案, mortgage, handover, appointments, delivery, title.
    public var handles: Bool { may(.salesCreate) || may(.contractsReview) }
    /// 签约审核.
    public var reviews: Bool { may(.contractsReview) }
    /// Handover, appointments, delivery, title.
    public var handsOver: Bool { may(.contractsReview) || may(.salesApprove) }
    /// Recording receipts (收款单).
    public var collects: Bool { may(.salesCreate) || may(.paymentsConfirm) }
    /// 房款核实.
    public var confirms: Bool { may(.paymentsConfirm) }
    /// Delivery batches.
    public var managesDelivery: Bool { may(.salesApprove) || may(.contractsReview) }

    /// A buyer's full name: for roles that see every customer, the customer's own consultant and
    /// the consultant of the sale; masked for everyone else.
    public func seesName(owner: UUID?, consultant: UUID?) -> Bool {
        may(.customersViewAll) || (owner != nil && owner == principal.userID) || (consultant != nil && consultant == principal.userID)
    }

    /// A buyer's full identity number and mobile on the printed 认购书 or contract — the paper the
    /// buyer signs, which must name them in full: for whoever may draw up the sale's papers (sells
    /// or handles its file) and may see this buyer's data in full (the customer's own consultant,
    /// the sale's consultant, or a role that reveals personal data). Every such print is logged;
    /// anyone else prints the masks. The pages on screen always show the masks.
    public func printsInFull(owner: UUID?, consultant: UUID?) -> Bool {
        guard sells || handles else { return false }
        return may(.personalDataReveal) || (owner != nil && owner == principal.userID)
            || (consultant != nil && consultant == principal.userID)
    }

    /// The name as this user may read it: whole, or masked (张**).
    public func name(_ name: String, owner: UUID?, consultant: UUID?) -> String {
        seesName(owner: owner, consultant: consultant) ? name : Masking.name(name)
    }
}

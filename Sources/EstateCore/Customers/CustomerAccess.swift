import Foundation

/// What one user may see and do with one customer record (DOMAIN §3.1, §8; 个人信息保护法).
///
/// A consultant owns the customers they bring in: they open, edit and see the full mobile of
/// their own customers and of the pool (公客); another consultant's customer shows up in a
/// search only as a masked name and mobile with its owner, so nobody registers it twice.
/// Roles holding `customersViewAll` (managers, customer service, finance …) open every record,
/// masked. A full identity number is never shown in passing: revealing it — or another
/// owner's mobile — is an explicit, logged action.
public struct CustomerAccess: Sendable {
    public let principal: Principal
    public let projectID: UUID

    public init(_ principal: Principal, project: UUID) {
        self.principal = principal
        self.projectID = project
    }

    func may(_ a: Action) -> Bool { principal.may(a, on: projectID) }

    public var viewsAll: Bool { may(.customersViewAll) }
    public var mayExport: Bool { may(.personalDataExport) }
    public var mayReassign: Bool { may(.customersReassign) }
    /// Merging duplicates is a manager's decision, as reassigning is.
    public var mayMerge: Bool { may(.customersReassign) }
    public var mayCreate: Bool { may(.customersEdit) || may(.callsHandle) }

    public func owns(_ owner: UUID?) -> Bool { owner != nil && owner == principal.userID }

    /// Open the record (360 page, calls, visits): own, pool, every record with view-all, or the
    /// call centre answering whoever calls.
    public func mayOpen(owner: UUID?) -> Bool {
        guard may(.customersView) || may(.callsHandle) else { return false }
        return owner == nil || owns(owner) || viewsAll || may(.callsHandle)
    }

    public func mayEdit(owner: UUID?) -> Bool { may(.customersEdit) && (owns(owner) || owner == nil || viewsAll) }

    public func mayLogContact(owner: UUID?) -> Bool { (may(.customersEdit) || may(.callsHandle)) && mayOpen(owner: owner) }

    /// The full mobile without a reveal: only the owner's own customers.
    public func seesFullMobile(owner: UUID?) -> Bool { owns(owner) }

    /// Reveal a full mobile or identity number (logged): the owner, or a role that needs it.
    public func mayReveal(owner: UUID?) -> Bool { mayOpen(owner: owner) && (owns(owner) || may(.personalDataReveal)) }

    /// Which records an exact search by full mobile or identity number may answer with. A hit
    /// confirms the full value, which is more than the mask shows, so it may only come from a
    /// record whose full value the searcher could reveal anyway; any other match answers as
    /// "no match" (issue 13: a masked ID number was recovered by trying birth dates).
    public enum ExactSearchScope: Sendable, Equatable {
        /// Every record of the project.
        case all
        /// The searcher's own customers and the pool.
        case ownAndPool
        /// The searcher's own customers.
        case own
        /// Nothing: the role sees no customer records.
        case none
    }

    public var exactSearchScope: ExactSearchScope {
        guard may(.customersView) || may(.callsHandle) else { return .none }
        guard may(.personalDataReveal) else { return .own }
        return viewsAll || may(.callsHandle) ? .all : .ownAndPool
    }

    /// Whether an exact search may answer with a record of this owner (`exactSearchScope` as a test).
    public func exactSearchMayMatch(owner: UUID?) -> Bool {
        switch exactSearchScope {
        case .all: true
        case .ownAndPool: owner == nil || owns(owner)
        case .own: owns(owner)
        case .none: false
        }
    }

    /// Claim a pool customer: a consultant who may edit customers.
    public func mayClaim(owner: UUID?) -> Bool { owner == nil && may(.customersEdit) }
}

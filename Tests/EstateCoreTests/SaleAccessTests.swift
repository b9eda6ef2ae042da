import Foundation
import Testing
@testable import EstateCore

/// Which sales forms each role is offered, and whose buyer names it reads in full, for every role.
@Suite struct SaleAccessTests {
    static let project = UUID(), other = UUID()

    static func access(_ role: Role, on projectID: UUID? = project, user: UUID = UUID()) -> SaleAccess {
        SaleAccess(principal: Principal(userID: user, username: "u", displayName: "U", grants: [Grant(role: role, projectID: projectID)]),
                   projectID: project)
    }

    @Test(arguments: Role.allCases)
    func formsFollowTheRolesActions(role: Role) {
        // setup
        let held = AccessMatrix.actions(of: role)
        // MUT
        let a = Self.access(role)
        // validate: each capability is the documented union of actions, nothing more.
        #expect(a.sells == held.contains(.salesCreate), "\(role)")
        #expect(a.handles == (held.contains(.salesCreate) || held.contains(.contractsReview)), "\(role)")
        #expect(a.reviews == held.contains(.contractsReview), "\(role)")
        #expect(a.handsOver == (held.contains(.contractsReview) || held.contains(.salesApprove)), "\(role)")
        #expect(a.collects == (held.contains(.salesCreate) || held.contains(.paymentsConfirm)), "\(role)")
        #expect(a.confirms == held.contains(.paymentsConfirm), "\(role)")
        #expect(a.managesDelivery == (held.contains(.salesApprove) || held.contains(.contractsReview)), "\(role)")
    }

    @Test(arguments: Role.allCases)
    func aGrantOnAnotherProjectGivesNothingHere(role: Role) {
        let a = Self.access(role, on: Self.other)
        #expect(![a.sells, a.handles, a.reviews, a.handsOver, a.collects, a.confirms, a.managesDelivery].contains(true), "\(role)")
        // Nor does it show another consultant's buyer in full here.
        #expect(!a.seesName(owner: UUID(), consultant: UUID()), "\(role)")
    }

    @Test(arguments: Role.allCases)
    func buyerNamesAreWholeOnlyForThoseWhoMaySeeThem(role: Role) {
        // setup
        let me = UUID(), someone = UUID()
        let a = Self.access(role, user: me)
        let viewsAll = AccessMatrix.actions(of: role).contains(.customersViewAll)
        // MUT + validate: own customer, own sale, someone else's, nobody's.
        #expect(a.name("张三丰", owner: me, consultant: someone) == "张三丰")
        #expect(a.name("张三丰", owner: someone, consultant: me) == "张三丰")
        #expect(a.name("张三丰", owner: someone, consultant: someone) == (viewsAll ? "张三丰" : "张**"), "\(role)")
        #expect(a.name("张三丰", owner: nil, consultant: nil) == (viewsAll ? "张三丰" : "张**"), "\(role)")
    }

    @Test(arguments: Role.allCases)
    func theFullIdentityNumberPrintsOnlyForThoseWhoDrawUpThePapersAndMaySeeIt(role: Role) {
        // setup
        let me = UUID(), someone = UUID()
        let a = Self.access(role, user: me)
        let held = AccessMatrix.actions(of: role)
        let papers = held.contains(.salesCreate) || held.contains(.contractsReview)
        let reveals = held.contains(.personalDataReveal)
        // MUT + validate: own customer, own sale, someone else's sale of someone else's customer.
        #expect(a.printsInFull(owner: me, consultant: someone) == papers, "\(role)")
        #expect(a.printsInFull(owner: someone, consultant: me) == papers, "\(role)")
        #expect(a.printsInFull(owner: someone, consultant: someone) == (papers && reveals), "\(role)")
        #expect(a.printsInFull(owner: nil, consultant: nil) == (papers && reveals), "\(role)")
        // A grant on another project prints nothing in full here.
        #expect(!Self.access(role, on: Self.other, user: me).printsInFull(owner: me, consultant: me), "\(role)")
    }

    @Test func aConsultantPrintsTheirOwnSaleInFullButFinanceDoesNot() {
        let me = UUID()
        #expect(Self.access(.consultant, user: me).printsInFull(owner: UUID(), consultant: me))
        #expect(!Self.access(.consultant, user: me).printsInFull(owner: UUID(), consultant: UUID()))
        #expect(!Self.access(.finance, user: me).printsInFull(owner: nil, consultant: nil))
        #expect(Self.access(.csStaff, user: me).printsInFull(owner: UUID(), consultant: UUID()))
    }
}

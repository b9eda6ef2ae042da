import Foundation
import Testing
@testable import EstateCore

/// The role × action matrix, stated a second time on purpose: a change to the
/// policy has to be made in both places, so it is never made by accident.
private let expected: [Role: String] = [
    .admin: "users.manage projects.create audit.read project.view project.edit roles.grant inventory.view prices.view inventory.edit reports.view",
    .csManager: "audit.read project.view inventory.view prices.view inventory.edit customers.view customers.view_all customers.edit customers.reassign personal_data.reveal personal_data.export sales.view sales.approve contracts.review refunds.approve tickets.view tickets.handle tickets.manage repairs.handle calls.handle reports.view",
    .csStaff: "project.view inventory.view prices.view inventory.edit customers.view customers.view_all customers.edit personal_data.reveal sales.view contracts.review tickets.view tickets.handle repairs.handle calls.handle reports.view",
    .salesManager: "project.view inventory.view prices.view sales.control prices.propose customers.view customers.view_all customers.edit customers.reassign personal_data.reveal personal_data.export sales.view sales.create sales.approve reports.view reports.targets",
    .consultant: "project.view inventory.view prices.view customers.view customers.edit sales.view sales.create",
    .finance: "project.view inventory.view prices.view customers.view customers.view_all personal_data.reveal sales.view payments.confirm reports.view",
    .channelManager: "project.view inventory.view prices.view channel_leads.register channels.manage reports.view",
    .channelStaff: "project.view inventory.view channel_leads.register",
    .agent: "project.view channel_leads.register",
    .shiftLead: "project.view customers.view tickets.view tickets.handle calls.handle callcenter.manage",
    .ccSupervisor: "project.view customers.view customers.view_all tickets.view tickets.handle tickets.manage calls.handle callcenter.manage reports.view",
    .engineer: "project.view tickets.view repairs.handle",
    .property: "project.view inventory.view customers.view tickets.view tickets.handle repairs.handle",
    .legal: "project.view customers.view customers.view_all personal_data.reveal sales.view",
    .procurementStaff: "project.view procurement.handle",
    .procurementManager: "project.view procurement.handle procurement.approve reports.view",
    .mallCS: "project.view mall.desk tickets.view tickets.handle",
    .mallSupervisor: "project.view mall.desk mall.supervise tickets.view tickets.handle tickets.manage",
]

@Suite struct AccessMatrixTests {
    @Test(arguments: Role.allCases)
    func roleAllowsExactlyTheExpectedActions(role: Role) {
        let want: Set<String> = role == .gm
            ? Set(Action.allCases.map(\.rawValue)).subtracting(["users.manage", "roles.grant", "projects.create"])
            : Set(expected[role]!.split(separator: " ").map(String.init))
        for action in Action.allCases {
            #expect(AccessMatrix.actions(of: role).contains(action) == want.contains(action.rawValue),
                    "\(role.rawValue) × \(action.rawValue)")
        }
        #expect(Set(AccessMatrix.actions(of: role).map(\.rawValue)) == want)
    }

    @Test func everyActionIsHeldBySomeRole() {
        for action in Action.allCases {
            #expect(Role.allCases.contains { AccessMatrix.actions(of: $0).contains(action) }, "\(action)")
        }
    }

    @Test func everyRoleCanSeeItsProject() {
        for role in Role.allCases { #expect(AccessMatrix.actions(of: role).contains(.projectView)) }
    }
}

@Suite struct PrincipalTests {
    let p1 = UUID(), p2 = UUID()

    func principal(_ grants: Grant...) -> Principal {
        Principal(userID: UUID(), username: "u", displayName: "U", grants: Set(grants))
    }

    @Test func projectGrantAppliesOnlyToItsProject() {
        let user = principal(Grant(role: .consultant, projectID: p1))
        #expect(user.may(.salesCreate, on: p1))
        #expect(!user.may(.salesCreate, on: p2))
        #expect(user.canSee(project: p1))
        #expect(!user.canSee(project: p2))
        #expect(user.visibleProjectIDs == [p1])
    }

    @Test func companyActionsNeedACompanyWideGrant() {
        let projectAdmin = principal(Grant(role: .admin, projectID: p1))
        #expect(!projectAdmin.may(.usersManage))
        #expect(projectAdmin.may(.projectEdit, on: p1))
        let companyAdmin = principal(Grant(role: .admin, projectID: nil))
        #expect(companyAdmin.may(.usersManage))
        #expect(companyAdmin.may(.projectEdit, on: p2))
        #expect(companyAdmin.visibleProjectIDs == nil)
    }

    @Test func rolesCombineAcrossGrants() {
        let user = principal(Grant(role: .consultant, projectID: p1), Grant(role: .finance, projectID: p2))
        #expect(user.may(.paymentsConfirm, on: p2))
        #expect(!user.may(.paymentsConfirm, on: p1))
        #expect(user.may(.paymentsConfirm))
        #expect(user.projects(where: .paymentsConfirm) == [p2])
        #expect(user.projects(where: .projectView) == [p1, p2])
    }

    @Test func noGrantsMeansNothing() {
        let user = principal()
        for action in Action.allCases { #expect(!user.may(action)) }
        #expect(user.visibleProjectIDs == [])
    }
}

@Suite struct CredentialTests {
    @Test(arguments: ["admin", "zhang.san", "li_4", "wang-wu", "abc"])
    func goodUsernames(_ s: String) { #expect(Credentials.isValidUsername(s)) }

    @Test(arguments: ["ab", "Admin", "1abc", "张三", "a b c", "", String(repeating: "a", count: 33)])
    func badUsernames(_ s: String) { #expect(!Credentials.isValidUsername(s)) }

    @Test func passwordLengthCountsCharacters() {
        #expect(Credentials.check(password: "1234567") == .tooShort)
        #expect(Credentials.check(password: "12345678") == nil)
        #expect(Credentials.check(password: "春眠不觉晓处处") == .tooShort)
        #expect(Credentials.check(password: "春眠不觉晓处处闻啼鸟") == nil)
        #expect(Credentials.check(password: String(repeating: "x", count: 257)) == .tooLong)
    }
}

@Suite struct TextTests {
    @Test(arguments: ["华熙悦府", "3号楼 A座", "a", "x\u{0017}y"])
    func cleanLines(_ s: String) { #expect(Text.isCleanLine(s, maxLength: 40)) }

    @Test(arguments: ["", " 前导空格", "尾随空格 ", "两\n行", "全角空格\u{3000}", "\u{00A0}nbsp", "空\u{0}字符"])
    func notCleanLines(_ s: String) { #expect(!Text.isCleanLine(s, maxLength: 40)) }

    @Test func lengthCountsScalars() {
        #expect(Text.isCleanLine(String(repeating: "楼", count: 40), maxLength: 40))
        #expect(!Text.isCleanLine(String(repeating: "楼", count: 41), maxLength: 40))
    }
}

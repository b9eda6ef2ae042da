import Testing
@testable import EstateCore

@Suite("Procurement: who raises purchase needs")
struct PurchaseNeedAccessTests {
    @Test(arguments: Role.allCases)
    func everyRoleRaisesOnlyItsOwnDepartmentsNeeds(_ role: Role) {
        let expected: Set<String> = switch role {
        case .engineer: ["engineering"]
        case .property: ["property"]
        case .salesManager: ["sales_site"]
        case .procurementStaff, .procurementManager, .gm: ["engineering", "property", "sales_site", "office"]
        default: []
        }
        #expect(PurchaseNeedAccess.departments(of: role) == expected)
        #expect(PurchaseNeedAccess.raisesNeeds([role]) == !expected.isEmpty)
        for d in PurchaseNeedAccess.departments { #expect(PurchaseNeedAccess.may([role], raiseFor: d) == expected.contains(d), "\(role) \(d)") }
        #expect(!PurchaseNeedAccess.may([role], raiseFor: "legal"))
    }

    @Test func rolesTogetherRaiseForTheUnionInTheCataloguesOrder() {
        #expect(PurchaseNeedAccess.choices([.property, .engineer]) == ["engineering", "property"])
        #expect(PurchaseNeedAccess.choices([.finance, .consultant, .admin]).isEmpty)
        #expect(PurchaseNeedAccess.choices([.procurementStaff]) == ["engineering", "property", "sales_site", "office"])
        #expect(PurchaseNeedAccess.departments == ["engineering", "property", "sales_site", "office"])
    }
}

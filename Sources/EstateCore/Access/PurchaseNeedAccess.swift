/// 采购需求 (issue 19 point 2): who raises a material or equipment need, and for which department. The departments that
/// use materials raise their own — engineering (工程部) its site's, property (物业) its estate's, the sales site (案场,
/// its manager) the sales office's; procurement (采购员, 采购经理) and the GM enter a need for any department, the
/// office's (办公室, which has no role of its own) included. Everyone else — finance, sales consultants, customer service,
/// the call centre, channels, the mall desk, legal, the system administrator — raises none.
public enum PurchaseNeedAccess {
    /// The departments of `PurchasePlanService.departments`.
    public static let departments = ["engineering", "property", "sales_site", "office"]

    /// The departments `role` raises needs for (empty: none).
    public static func departments(of role: Role) -> Set<String> {
        switch role {
        case .engineer: ["engineering"]
        case .property: ["property"]
        case .salesManager: ["sales_site"]
        case .procurementStaff, .procurementManager, .gm: Set(departments)
        default: []
        }
    }

    /// Whether someone holding `roles` (on the need's project) raises needs at all.
    public static func raisesNeeds(_ roles: some Sequence<Role>) -> Bool {
        roles.contains { !departments(of: $0).isEmpty }
    }

    /// Whether someone holding `roles` may raise a need for `department`.
    public static func may(_ roles: some Sequence<Role>, raiseFor department: String) -> Bool {
        roles.contains { departments(of: $0).contains(department) }
    }

    /// The departments someone holding `roles` may choose, in the catalogue's order.
    public static func choices(_ roles: some Sequence<Role>) -> [String] {
        let allowed = Set(roles.flatMap { departments(of: $0) })
        return departments.filter(allowed.contains)
    }
}

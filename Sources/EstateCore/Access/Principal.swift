import Foundation

/// A role held on one project, or on every project when `projectID` is nil (全部项目).
public struct Grant: Hashable, Sendable, Codable {
    public var role: Role
    public var projectID: UUID?

    public init(role: Role, projectID: UUID?) {
        self.role = role
        self.projectID = projectID
    }
}

/// The signed-in user as the access policy sees them.
public struct Principal: Sendable, Hashable {
    public var userID: UUID
    public var username: String
    public var displayName: String
    public var grants: Set<Grant>

    public init(userID: UUID, username: String, displayName: String, grants: Set<Grant>) {
        self.userID = userID
        self.username = username
        self.displayName = displayName
        self.grants = grants
    }

    /// Roles that apply on `projectID` (company-wide grants apply everywhere).
    public func roles(on projectID: UUID?) -> Set<Role> {
        Set(grants.lazy.filter { $0.projectID == nil || $0.projectID == projectID }.map(\.role))
    }

    /// Roles granted company-wide.
    public var companyRoles: Set<Role> { roles(on: nil) }

    /// The one answer to "may this user do this action (on this project)".
    /// Company actions need a company-wide grant; project actions need a grant
    /// on that project or company-wide one. A project action asked without a
    /// project means "on at least one project".
    public func may(_ action: Action, on projectID: UUID? = nil) -> Bool {
        switch action.scope {
        case .company:
            return AccessMatrix.allows(companyRoles, action)
        case .project:
            if let projectID { return AccessMatrix.allows(roles(on: projectID), action) }
            return AccessMatrix.allows(grants.map(\.role), action)
        }
    }

    /// Whether the project exists for this user at all. Records of a project
    /// the user cannot see answer 404, never 403.
    public func canSee(project projectID: UUID) -> Bool {
        grants.contains { $0.projectID == nil || $0.projectID == projectID }
    }

    /// Every project the user holds a role on; nil means all projects.
    public var visibleProjectIDs: Set<UUID>? {
        if grants.contains(where: { $0.projectID == nil }) { return nil }
        return Set(grants.compactMap(\.projectID))
    }

    /// Projects on which `action` is allowed; nil means all projects.
    public func projects(where action: Action) -> Set<UUID>? {
        if AccessMatrix.allows(companyRoles, action) { return nil }
        return Set(grants.compactMap { g in
            g.projectID.flatMap { AccessMatrix.actions(of: g.role).contains(action) ? $0 : nil }
        })
    }
}

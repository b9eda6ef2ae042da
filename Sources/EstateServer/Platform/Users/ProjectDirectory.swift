import Foundation
import SQLKit

/// Projects as Platform shows them: a role grant names its project, admin pages pick one.
/// Inventory owns `projects` and Platform depends on no capability, so Inventory implements this
/// and the composition root (`AppServices`) hands it in (issue 14).
protocol ProjectDirectory: Sendable {
    /// Every project, by code.
    func all(sql: any SQLDatabase) async throws -> [ProjectName]
    /// Those of `ids` that name a project.
    func names(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: ProjectName]
}

struct ProjectName: Sendable, Equatable, Decodable {
    var id: UUID
    var code: String
    var name: String
}

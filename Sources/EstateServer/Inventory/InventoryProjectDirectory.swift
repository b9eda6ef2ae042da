import Foundation
import SQLKit

/// Platform's `ProjectDirectory`, answered from Inventory's `projects`.
struct InventoryProjectDirectory: ProjectDirectory {
    func all(sql: any SQLDatabase) async throws -> [ProjectName] {
        try await sql.select().columns("id", "code", "name").from("projects").orderBy("code").all(decoding: ProjectName.self)
    }

    func names(_ ids: [UUID], sql: any SQLDatabase) async throws -> [UUID: ProjectName] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().columns("id", "code", "name").from("projects")
            .where("id", .in, SQLBind.group(Array(Set(ids)))).all(decoding: ProjectName.self)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

import FluentKit
import SQLKit

/// 客服热线: the number a project's owners call (shown on the owner pages, issue 15). Empty until set
/// on the project form.
struct UpdateProjectsAddHotline: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await (db as! any SQLDatabase).alter(table: "projects").column("service_hotline", type: .text, .default(SQLLiteral.string("")), .notNull).run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).alter(table: "projects").dropColumn("service_hotline").run()
    }
}

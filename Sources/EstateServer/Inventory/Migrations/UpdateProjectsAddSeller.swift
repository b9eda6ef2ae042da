import FluentKit
import SQLKit

/// The seller (出卖人) a project's 认购书 and contracts name: the developer's legal name, its
/// 统一社会信用代码, its registered address and the 预售许可证号 the units are sold under.
/// Empty until set on the project form; printing asks for them (issue 15).
struct UpdateProjectsAddSeller: AsyncMigration {
    static let columns = ["seller_name", "seller_credit_code", "seller_address", "presale_license"]

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        // One column per statement: SQLite alters one at a time.
        for c in Self.columns {
            try await sql.alter(table: "projects").column(c, type: .text, .default(SQLLiteral.string("")), .notNull).run()
        }
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        for c in Self.columns.reversed() { try await sql.alter(table: "projects").dropColumn(c).run() }
    }
}

import FluentKit
import SQLKit

/// The desk finds one person's records in every project by mobile alone (issue 16); the unique
/// index leads with the project, so a look-up across projects would read them all.
struct AddCustomerMobileIndex: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await (db as! any SQLDatabase).create(index: "customers_mobile_idx").on("customers").column("mobile").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "customers_mobile_idx").run()
    }
}

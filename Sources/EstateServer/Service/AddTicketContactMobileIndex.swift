import FluentKit
import SQLKit

/// The call-centre desk finds a caller's tickets by the contact's mobile (issue 16).
struct AddTicketContactMobileIndex: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await (db as! any SQLDatabase).create(index: "tickets_contact_mobile_idx").on("tickets").column("contact_mobile").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "tickets_contact_mobile_idx").run()
    }
}

import FluentKit

/// Why finance sent a receipt back (退回): shown on the desk and the sale, so whoever recorded it
/// knows what to fix. Earlier rejections keep their reason in the sale's timeline only.
struct AddReceiptRejectionReason: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("receipts").field("rejection_reason", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("receipts").deleteField("rejection_reason").update()
    }
}

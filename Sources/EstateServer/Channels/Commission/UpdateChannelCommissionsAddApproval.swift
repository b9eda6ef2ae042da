import Fluent
import SQLKit

/// 佣金结算单 through the approvals engine: a statement is a draft until the channel manager
/// submits it (an approval of kind `commission_statement`), approved by the sales manager, then
/// paid once. Statements made before this were never approved: they become drafts. A 老带新
/// registration names its referrer (the owner who recommended the customer), who earns the bonus.
struct UpdateChannelCommissionsAddApproval: AsyncMigration {
    func prepare(on db: any Database) async throws {
        // One column per statement: SQLite adds one at a time.
        for (name, type) in [("approval_id", DatabaseSchema.DataType.uuid), ("submitted_by", .uuid), ("submitted_at", .datetime), ("decided_at", .datetime)] {
            try await db.schema("channel_commission_statements").field(FieldKey(stringLiteral: name), type).update()
        }
        try await db.schema("channel_registrations").field("referrer", .string).update()
        try await db.sql.raw("UPDATE channel_commission_statements SET status = 'draft' WHERE status = 'unpaid'").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("channel_registrations").deleteField("referrer").update()
        for name in ["approval_id", "submitted_by", "submitted_at", "decided_at"] {
            try await db.schema("channel_commission_statements").deleteField(FieldKey(stringLiteral: name)).update()
        }
    }
}

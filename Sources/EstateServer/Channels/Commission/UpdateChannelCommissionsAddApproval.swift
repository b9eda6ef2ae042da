import Fluent
import SQLKit

/// 佣金结算单 through the approvals engine: a statement is a draft until the channel manager
/// submits it (an approval of kind `commission_statement`), approved by the sales manager, then
/// paid once. Statements made before this were never approved: they become drafts. A 老带新
/// registration names its referrer (the owner who recommended the customer), who earns the bonus.
struct UpdateChannelCommissionsAddApproval: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("channel_commission_statements")
            .field("approval_id", .uuid)
            .field("submitted_by", .uuid)
            .field("submitted_at", .datetime)
            .field("decided_at", .datetime)
            .update()
        try await db.schema("channel_registrations").field("referrer", .string).update()
        try await db.sql.raw("UPDATE channel_commission_statements SET status = 'draft' WHERE status = 'unpaid'").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("channel_registrations").deleteField("referrer").update()
        try await db.schema("channel_commission_statements").deleteField("approval_id").deleteField("submitted_by")
            .deleteField("submitted_at").deleteField("decided_at").update()
    }
}

import Fluent
import SQLKit

/// 结算排期 (issue 19 review): what each scheduled invoice counted against its order — the part of the order it covered
/// and the prepayment credited against it — so the next invoice is scheduled net of both (`InvoiceInstalments`).
struct CreateProcurementSettlement: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("purchase_invoice_settlements")
            .id()
            .field("invoice_id", .uuid, .required, .references("purchase_invoices", "id", onDelete: .cascade))
            .field("order_id", .uuid, .required, .references("purchase_orders", "id"))
            .field("covered_fen", .int64, .required)
            .field("credited_fen", .int64, .required)
            .field("uncovered_fen", .int64, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "invoice_id")
            .create()
        try await db.sql.create(index: "purchase_invoice_settlements_order_idx").on("purchase_invoice_settlements").column("order_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("purchase_invoice_settlements").delete()
    }
}

/// 异常发票处理 (issue 19 review, point 7): how a mismatched invoice left the queue — accepted by the procurement manager
/// with a written reason (a tolerance override), rejected back to the supplier with the reason, or replaced by a credit
/// note / corrected invoice (`replaced_by`).
struct CreateProcurementInvoiceResolutions: AsyncMigration {
    func prepare(on db: any Database) async throws {
        try await db.schema("purchase_invoice_resolutions")
            .id()
            .field("invoice_id", .uuid, .required, .references("purchase_invoices", "id", onDelete: .cascade))
            .field("outcome", .string, .required)
            .field("reason", .string, .required)
            .field("replaced_by", .uuid, .references("purchase_invoices", "id"))
            .field("decided_by", .uuid)
            .field("decided_at", .datetime, .required)
            .unique(on: "invoice_id")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("purchase_invoice_resolutions").delete()
    }
}

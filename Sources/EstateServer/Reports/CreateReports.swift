import EstateCore
import FluentKit
import Foundation
import SQLKit

/// Reports read the business day of every fact from an indexed text column ("2026-11-27",
/// Beijing time), so a month is one range scan on either engine: subscriptions and contacts
/// gain theirs here (contracts, 退订, 退房 and receipts already carry theirs). Monthly sales
/// targets (销售目标) live here too.
struct CreateReports: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("subscriptions").field("subscribed_on", .string).update()
        try await db.schema("customer_contacts").field("occurred_on", .string).update()
        // Rows written before this migration take the Beijing day of their timestamp.
        struct R: Decodable { var id: UUID; var at: Date }
        struct P: Decodable { var id: UUID }
        for (table, column, day) in [("subscriptions", "created_at", "subscribed_on"), ("customer_contacts", "occurred_at", "occurred_on")] {
            let rows = try await sql.select().column("id").column(SQLColumn(column), as: "at").from(table).all(decoding: R.self)
            for r in rows {
                try await sql.update(table).set(SQLIdentifier(day), to: SQLBind(CalendarDay(r.at).description)).where("id", .equal, r.id).run()
            }
        }
        try await sql.create(index: "subscriptions_day_idx").on("subscriptions").column("project_id").column("subscribed_on").run()
        try await sql.create(index: "subscriptions_cancel_day_idx").on("subscriptions").column("project_id").column("cancelled_on").run()
        try await sql.create(index: "contracts_sign_day_idx").on("contracts").column("project_id").column("signed_on").run()
        try await sql.create(index: "contracts_end_day_idx").on("contracts").column("project_id").column("terminated_on").run()
        try await sql.create(index: "contacts_day_idx").on("customer_contacts")
            .column("project_id").column("occurred_on").column("kind").column("visit_kind").run()
        // Covering: a report sums a project's confirmed money up to a day from the index alone.
        try await sql.create(index: "receipts_day_idx").on("receipts")
            .column("project_id").column("status").column("received_on").column("amount_fen").run()

        // Arrears: only items still owed, so ageing never walks the paid-up plan of a big project.
        try await sql.raw("CREATE INDEX payment_items_owed_idx ON payment_items (project_id, due_on) WHERE is_live AND confirmed_fen < amount_fen").run()

        // 日汇总 (ReportLedger): one row per project, day and cut, kept with each fact.
        var daily = db.schema("report_daily")
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("dim", .string, .required)
            .field("dim_key", .string, .required)
        for column in ReportLedger.Delta.columns {
            daily = daily.field(FieldKey(stringLiteral: column), .int64, .required)
        }
        try await daily.unique(on: "project_id", "dim", "dim_key", "day").create()
        // A report reads a range of days for a cut: (project, cut, day), whatever the keys.
        try await sql.create(index: "report_daily_day_idx").on("report_daily").column("project_id").column("dim").column("day").run()
        // Inventory by building, layout and status from the index alone.
        try await sql.create(index: "units_report_idx").on("units")
            .column("project_id").column("building_id").column("layout").column("status").column("built_area").column("list_total").run()
        for project in try await sql.select().column("id").from("projects").all(decoding: P.self) {
            _ = try await ReportLedger.rebuild(project.id, on: sql)
        }

        try await db.schema("sales_targets")
            .id()
            .field("project_id", .uuid, .required, .references("projects", "id", onDelete: .cascade))
            .field("month", .string, .required)
            // Null: the project's own target; else one consultant's.
            .field("consultant_id", .uuid, .references("users", "id", onDelete: .cascade))
            .field("subscriptions", .int, .required)
            .field("contract_fen", .int64, .required)
            .field("collection_fen", .int64, .required)
            .field("updated_by", .uuid)
            .field("updated_at", .datetime, .required)
            .create()
        try await sql.raw("CREATE UNIQUE INDEX sales_targets_project_uidx ON sales_targets (project_id, month) WHERE consultant_id IS NULL").run()
        try await sql.raw("CREATE UNIQUE INDEX sales_targets_consultant_uidx ON sales_targets (project_id, month, consultant_id) WHERE consultant_id IS NOT NULL").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await db.schema("sales_targets").delete()
        try await db.schema("report_daily").delete()
        try await sql.drop(index: "units_report_idx").run()
        for index in ["subscriptions_day_idx", "subscriptions_cancel_day_idx", "contracts_sign_day_idx", "contracts_end_day_idx",
                      "contacts_day_idx", "receipts_day_idx", "payment_items_owed_idx"] {
            try await sql.drop(index: index).run()
        }
        try await db.schema("subscriptions").deleteField("subscribed_on").update()
        try await db.schema("customer_contacts").deleteField("occurred_on").update()
    }
}

import EstateCore
import FluentKit
import FluentSQL
import SQLKit

/// The desk's orders taken for tenants (电话预约定货, 团体购物, 大件商品试机) and its rota (早晚班), issue 20 points 6 and 8.
struct CreateMallDeskOrders: AsyncMigration {
    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        // A customer's request passed to a tenant: the customer by their normalised mobile, the tenant's answer, a due day.
        try await db.schema("mall_desk_orders")
            .id()
            .field("mall_id", .uuid, .required, .references("malls", "id", onDelete: .cascade))
            .field("number", .string, .required)
            .field("kind", .string, .required)
            .field("tenant_id", .uuid, .required, .references("mall_tenants", "id"))
            .field("customer_name", .string, .required)
            .field("customer_mobile", .string, .required)
            .field("organisation", .string, .required)
            .field("details", .string, .required)
            .field("quantity", .int)
            .field("due_on", .string, .required)
            .field("status", .string, .required)
            .field("tenant_contact", .string)
            .field("tenant_answer", .string)
            .field("passed_at", .datetime)
            .field("answered_at", .datetime)
            .field("closed_at", .datetime)
            .field("close_note", .string)
            .field("taken_by", .uuid)
            .field("taken_at", .datetime, .required)
            .field("updated_by", .uuid)
            .field("updated_at", .datetime, .required)
            .create()
        try await sql.raw("CREATE UNIQUE INDEX mall_desk_orders_number_uidx ON mall_desk_orders (mall_id, number)").run()
        try await sql.create(index: "mall_desk_orders_day_idx").on("mall_desk_orders").column("mall_id").column("taken_at").run()
        try await sql.create(index: "mall_desk_orders_open_idx").on("mall_desk_orders").column("mall_id").column("status").column("due_on").run()

        // 早班 / 晚班 of a day with their times (minutes from midnight); one of each kind per mall and day.
        try await db.schema("mall_shifts")
            .id()
            .field("mall_id", .uuid, .required, .references("malls", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("kind", .string, .required)
            .field("starts_min", .int, .required)
            .field("ends_min", .int, .required)
            .field("updated_by", .uuid)
            .field("updated_at", .datetime, .required)
            .unique(on: "mall_id", "day", "kind")
            .create()
        // Who is on a shift: once per shift; the day is kept beside it to find a person's other shifts of the day.
        try await db.schema("mall_shift_staff")
            .id()
            .field("shift_id", .uuid, .required, .references("mall_shifts", "id", onDelete: .cascade))
            .field("mall_id", .uuid, .required, .references("malls", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "shift_id", "user_id")
            .create()
        try await sql.create(index: "mall_shift_staff_user_idx").on("mall_shift_staff").column("user_id").column("day").run()
        try await sql.create(index: "mall_shift_staff_day_idx").on("mall_shift_staff").column("mall_id").column("day").run()
    }

    func revert(on db: any Database) async throws {
        for t in ["mall_shift_staff", "mall_shifts", "mall_desk_orders"] { try await db.schema(t).delete() }
    }
}

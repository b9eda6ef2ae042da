import Crypto
import EstateCore
import FluentKit
import Foundation
import SQLKit

extension TicketService {
    // MARK: - Categories (the managed tree)

    public struct Category: Decodable, Sendable {
        public var id: UUID
        public var projectId: UUID?
        public var parentId: UUID?
        public var name: String
        public var sortOrder: Int
        public var active: Bool
    }

    public func categories(_ projectID: UUID) async throws -> [Category] {
        try await store.sql.raw("""
            SELECT id, project_id, parent_id, name, sort_order, active FROM ticket_categories
            WHERE project_id IS NULL OR project_id = \(bind: projectID) ORDER BY sort_order, name
            """).all(decoding: Category.self, with: decoder)
    }

    public func category(_ id: UUID) async throws -> Category {
        guard let c = try await store.sql.raw("SELECT id, project_id, parent_id, name, sort_order, active FROM ticket_categories WHERE id = \(bind: id)")
            .first(decoding: Category.self, with: decoder) else { throw Problem.notFound }
        return c
    }

    /// Paths "工程质量 / 渗漏", by id.
    public static func paths(_ all: [Category]) -> [UUID: String] {
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        return Dictionary(uniqueKeysWithValues: all.map { c in
            (c.id, c.parentId.flatMap { byID[$0]?.name }.map { "\($0) / \(c.name)" } ?? c.name)
        })
    }

    public func createCategory(name raw: String, parent: UUID?, projectID: UUID?, context: AuditContext) async throws -> Category {
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, Text.isCleanLine(name, maxLength: 30) else { throw Problem.invalid("name", "category_name_invalid") }
        if let parent {
            let p = try await category(parent)
            guard p.projectId == nil || p.projectId == projectID else { throw Problem.invalid("parentId", "category_unknown") }
            // Two levels: 工程质量 / 渗漏.
            guard p.parentId == nil else { throw Problem.invalid("parentId", "category_too_deep") }
        }
        let siblings = try await store.sql.raw("""
            SELECT id, project_id, parent_id, name, sort_order, active FROM ticket_categories
            """).all(decoding: Category.self, with: decoder)
            .filter { $0.parentId == parent && $0.name == name && ($0.projectId == nil || projectID == nil || $0.projectId == projectID) }.count
        guard siblings == 0 else { throw Problem.conflict("category_exists", ["name": name]) }
        let id = UUID(), now = now()
        try await store.audited(context) { tx in
            struct S: Decodable { var sortOrder: Int; var parentId: UUID? }
            let next = try await tx.sql.raw("SELECT sort_order, parent_id FROM ticket_categories")
                .all(decoding: S.self, with: SQLRowDecoder.snakeCase)
                .filter { $0.parentId == parent }.map(\.sortOrder).max() ?? -1
            try await tx.sql.insert(into: "ticket_categories").columns("id", "project_id", "parent_id", "name", "sort_order", "active", "created_at")
                .values(SQLBind(id), SQLBind(projectID), SQLBind(parent), SQLBind(name), SQLBind(next + 1), SQLBind(true), SQLBind(now)).run()
            return ((), AuditEntry(action: "ticket.category.create", entity: "ticket_category", entityID: id.uuidString, projectID: projectID,
                                   summary: "ticket category \(name)"))
        }
        return try await category(id)
    }

    public func updateCategory(_ id: UUID, name: String?, active: Bool?, context: AuditContext) async throws -> Category {
        let c = try await category(id)
        if let name { guard !name.trimmingCharacters(in: .whitespaces).isEmpty, Text.isCleanLine(name, maxLength: 30) else { throw Problem.invalid("name", "category_name_invalid") } }
        try await store.audited(context) { tx in
            var u = tx.sql.update("ticket_categories")
            if let name { u = u.set("name", to: SQLBind(name.trimmingCharacters(in: .whitespaces))) }
            if let active { u = u.set("active", to: SQLBind(active)) }
            if name != nil || active != nil { try await u.where("id", .equal, id).run() }
            return ((), AuditEntry(action: "ticket.category.update", entity: "ticket_category", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "ticket category \(c.name)", before: ["name": c.name, "active": "\(c.active)"],
                                   after: ["name": name ?? c.name, "active": "\(active ?? c.active)"]))
        }
        return try await category(id)
    }
}

import EstateCore
import Plot
import SQLKit
import Vapor

/// 审计日志: every change, sign-in and refusal, newest first, filterable.
enum AuditPage {
    struct Model {
        var page: Paged<AuditQuery.Line>
        var query: [String: String]
        var projects: [ProjectName]
        var names: Names = Names()
    }

    /// What the lines name by id, looked up from each record's owner once per page: people by
    /// their display names, records by their numbers and codes (keyed by the line's entity id).
    struct Names: Sendable {
        var people: [UUID: String] = [:]
        var references: [String: String] = [:]
    }

    static func names(for lines: [AuditQuery.Line], req: Request) async throws -> Names {
        let sql = req.store.sql
        var ids: [String: [UUID]] = [:]
        for l in lines { if let id = l.entityID.flatMap(UUID.init(uuidString:)) { ids[l.entity, default: []].append(id) } }
        let people = try await StaffDirectory.displayNames(Array(AuditReading.ids(in: lines)) + (ids["user"] ?? []) + lines.compactMap(\.actorID),
                                                           sql: sql)
        var references: [UUID: String] = [:]
        references.merge(people.filter { (ids["user"] ?? []).contains($0.key) }) { a, _ in a }
        references.merge(try await InventoryService.unitCodes(ids["unit"] ?? [], sql: sql)) { a, _ in a }
        references.merge(try await SaleService.documentNumbers((ids["contract"] ?? []) + (ids["subscription"] ?? []) + (ids["receipt"] ?? []),
                                                               sql: sql)) { a, _ in a }
        references.merge(try await TicketService.numbers(ids["ticket"] ?? [], sql: sql)) { a, _ in a }
        if let projects = ids["project"], !projects.isEmpty {
            references.merge(try await req.services.projectDirectory.names(projects, sql: sql).mapValues(\.name)) { a, _ in a }
        }
        return Names(people: people, references: Dictionary(uniqueKeysWithValues: references.map { ($0.key.uuidString, $0.value) }))
    }
}

import EstateCore
import FluentKit
import Foundation
import SQLKit

/// 客服分析 (DOMAIN §4): complaints by category, building, cause and month; satisfaction from the
/// callbacks; SLA compliance; repeat repairs. One read of the period's tickets (by the indexed
/// day they were raised) and one of its callbacks, folded here.
extension TicketService {
    public struct AnalysisRow: Sendable, Hashable {
        public var key: String
        public var name: String
        public var tickets = 0
        public var complaints = 0
        public var repairs = 0
    }

    public struct RepeatRow: Sendable, Hashable {
        public var ticketID: UUID
        public var number: String
        public var unitCode: String
        public var component: RepairComponent
        public var previousNumber: String
        public var daysBetween: Int
    }

    public struct Analysis: Sendable {
        public var period: ReportPeriod
        public var complaints = 0
        public var byCategory: [AnalysisRow] = []
        public var byBuilding: [AnalysisRow] = []
        public var byCause: [AnalysisRow] = []
        public var byMonth: [AnalysisRow] = []
        public var callbacks = 0
        public var satisfied = 0
        public var satisfactionSum = 0
        public var slaTickets = 0
        public var responseMet = 0
        public var resolveMet = 0
        public var repairs = 0
        public var repeats: [RepeatRow] = []

        /// Satisfied (4 or 5) over all callbacks.
        public var satisfactionRate: String? { Ratio.percent(Int64(satisfied), of: Int64(callbacks)) }
        public var averageSatisfaction: String? {
            callbacks == 0 ? nil : DecimalText.format(Rounding.halfUp(Int128(satisfactionSum) * 100, divisor: Int128(callbacks)), scale: 2, grouping: false)
        }
        public var responseRate: String? { Ratio.percent(Int64(responseMet), of: Int64(slaTickets)) }
        public var resolveRate: String? { Ratio.percent(Int64(resolveMet), of: Int64(slaTickets)) }
        public var repeatRate: String? { Ratio.percent(Int64(repeats.count), of: Int64(repairs)) }
    }

    public func analysis(_ projectID: UUID, period: ReportPeriod) async throws -> Analysis {
        struct R: Decodable {
            var id: UUID; var number: String; var kind: String; var status: String; var createdOn: String; var cause: String?
            var component: String?; var respondedAt: Date?; var responseDueAt: Date; var resolvedAt: Date?; var resolveDueAt: Date
            var categoryId: UUID?; var categoryName: String?; var parentId: UUID?; var parentName: String?
            var unitId: UUID?
            var repeatOf: UUID?; var previousNumber: String?; var previousOn: String?
        }
        let (f, t) = (period.from.description, period.to.description)
        let rows = try await store.sql.raw("""
            SELECT t.id, t.number, t.kind, t.status, t.created_on, t.cause, t.component, t.responded_at, t.response_due_at, t.resolved_at,
                   t.resolve_due_at, c.id AS category_id, c.name AS category_name, pc.id AS parent_id, pc.name AS parent_name,
                   t.unit_id, t.repeat_of, p.number AS previous_number,
                   p.created_on AS previous_on
            FROM tickets t LEFT JOIN ticket_categories c ON c.id = t.category_id LEFT JOIN ticket_categories pc ON pc.id = c.parent_id
            LEFT JOIN tickets p ON p.id = t.repeat_of
            WHERE t.project_id = \(bind: projectID) AND t.created_on >= \(bind: f) AND t.created_on <= \(bind: t)
            ORDER BY t.created_on, t.number
            """).all(decoding: R.self, with: decoder)
        // Buildings and unit codes are Inventory's (issue 14): one ask for the period's units.
        let places = try await InventoryService.unitPlaces(rows.compactMap(\.unitId), sql: store.sql)
        let now = now()
        var a = Analysis(period: period)
        var categories: [String: AnalysisRow] = [:], buildings: [String: AnalysisRow] = [:], causes: [String: AnalysisRow] = [:]
        var months = Dictionary(uniqueKeysWithValues: period.buckets(.month).map { ($0.label, AnalysisRow(key: $0.label, name: $0.label)) })
        func count(_ row: inout AnalysisRow, _ kind: TicketKind) {
            row.tickets += 1
            if kind == .complaint { row.complaints += 1 }
            if kind.isRepair { row.repairs += 1 }
        }
        for r in rows {
            let kind = TicketKind(rawValue: r.kind) ?? .inquiry
            if kind == .complaint { a.complaints += 1 }
            // The top of the tree: 工程质量 for 工程质量 / 渗漏.
            let top = r.parentId.map { ($0.uuidString, r.parentName ?? "") } ?? r.categoryId.map { ($0.uuidString, r.categoryName ?? "") } ?? ("", "")
            count(&categories[top.0, default: AnalysisRow(key: top.0, name: top.1)], kind)
            let place = r.unitId.flatMap { places[$0] }
            let building = place.map { ($0.buildingId.uuidString, $0.buildingName) } ?? ("", "")
            count(&buildings[building.0, default: AnalysisRow(key: building.0, name: building.1)], kind)
            if let cause = r.cause { count(&causes[cause, default: AnalysisRow(key: cause, name: cause)], kind) }
            let month = String(r.createdOn.prefix(7))
            if months[month] != nil { count(&months[month]!, kind) }
            // SLA: counted once its deadline has passed or it was met.
            let status = TicketStatus(rawValue: r.status) ?? .new
            let decided = r.resolvedAt != nil || !status.isActive || r.resolveDueAt < now
            if decided {
                a.slaTickets += 1
                if let at = r.respondedAt, at <= r.responseDueAt { a.responseMet += 1 }
                if let at = r.resolvedAt, at <= r.resolveDueAt { a.resolveMet += 1 }
            }
            if kind.isRepair {
                a.repairs += 1
                if let prev = r.previousNumber, let component = r.component.flatMap(RepairComponent.init(rawValue:)),
                   let before = r.previousOn.flatMap(CalendarDay.init), let on = CalendarDay(r.createdOn) {
                    a.repeats.append(RepeatRow(ticketID: r.id, number: r.number, unitCode: place?.code ?? "", component: component,
                                               previousNumber: prev, daysBetween: before.days(until: on)))
                }
            }
        }
        struct C: Decodable { var satisfaction: Int }
        let callbacks = try await store.sql.raw("""
            SELECT k.satisfaction FROM ticket_callbacks k JOIN tickets t ON t.id = k.ticket_id
            WHERE t.project_id = \(bind: projectID) AND k.on_day >= \(bind: f) AND k.on_day <= \(bind: t)
            """).all(decoding: C.self, with: decoder)
        a.callbacks = callbacks.count
        a.satisfied = callbacks.filter { $0.satisfaction >= 4 }.count
        a.satisfactionSum = callbacks.reduce(0) { $0 + $1.satisfaction }
        func ranked(_ d: [String: AnalysisRow]) -> [AnalysisRow] {
            d.values.sorted { ($1.complaints, $1.tickets, $0.name) < ($0.complaints, $0.tickets, $1.name) }
        }
        a.byCategory = ranked(categories); a.byBuilding = ranked(buildings); a.byCause = ranked(causes)
        a.byMonth = months.values.sorted { $0.key < $1.key }
        return a
    }
}

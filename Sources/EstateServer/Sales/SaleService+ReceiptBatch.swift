import EstateCore
import Foundation
import SQLKit

extension SaleService {
    // MARK: 批量核实

    /// What one batch of 核实 did: the receipts it confirmed, and each one it left alone with why.
    public struct BatchConfirmation: Sendable {
        public struct Skipped: Sendable, Equatable {
            public var id: UUID
            /// `receipt_not_pending` (someone decided it meanwhile), `receipt_own_confirmation`,
            /// `sale_not_live`, `not_found`.
            public var code: String
        }
        public var confirmed: [Receipt] = []
        public var skipped: [Skipped] = []
        public var confirmedTotal: Money { confirmed.reduce(Money.zero) { $0 + $1.amount } }
    }

    /// Receipts of a project by id, in no particular order; ids of other projects are left out.
    public func receipts(_ ids: [UUID], in projectID: UUID) async throws -> [Receipt] {
        guard !ids.isEmpty else { return [] }
        var list: SQLQueryString = "\(bind: ids[0])"
        for id in ids.dropFirst() { list = list + ", \(bind: id)" }
        return try await Self.receipts("WHERE r.project_id = \(bind: projectID) AND r.id IN (\(list))", on: store.sql)
    }

    /// The most receipts one batch may name (two pages of the desk).
    public static let batchLimit = 100

    /// Confirms each selected receipt of a project through `confirm`, one transaction each, the
    /// way finance ticks off a bank statement: what can be confirmed is, and a receipt that
    /// another user confirmed or rejected meanwhile, the user's own, or one whose sale ended is
    /// skipped and reported rather than failing the others. `confirm`'s conditional update on
    /// `status = 'pending'` makes two batches over the same receipts, at the same moment,
    /// count each one once: the loser sees `receipt_not_pending`.
    public func confirmMany(_ ids: [UUID], projectID: UUID, principal: Principal, context: AuditContext) async throws -> BatchConfirmation {
        var seen = Set<UUID>()
        let unique = ids.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { throw Problem.invalid("id", "receipts_none_selected") }
        guard unique.count <= Self.batchLimit else {
            throw Problem(.unprocessableEntity, "receipts_too_many", arguments: ["max": "\(Self.batchLimit)"])
        }
        var out = BatchConfirmation()
        for id in unique {
            do {
                let r = try await receipt(id)
                guard r.projectId == projectID else { throw Problem.notFound }
                out.confirmed.append(try await confirm(id, principal: principal, context: context))
            } catch let p as Problem where [.conflict, .forbidden, .notFound].contains(p.status) {
                out.skipped.append(.init(id: id, code: p.status == .notFound ? "not_found" : p.code))
            }
        }
        return out
    }
}

import EstateCore
import Foundation
import SQLKit

extension CustomerService {
    /// The live records of one person (by normalised mobile) in `projects` (nil: every project),
    /// for the call-centre desk (issue 16): one person is one mobile across projects. One query on
    /// `customers_mobile_idx`; what each reader may see of a record is `CustomerAccess`'s to say.
    /// `ownerNames` false leaves `ownerName` nil, for a caller that names the owners with other people
    /// in one query of its own (the desk).
    public func records(mobile: String, in projects: Set<UUID>?, ownerNames: Bool = true) async throws -> [Record] {
        if let projects, projects.isEmpty { return [] }
        var q = selectRecords(store.sql).where(SQLColumn("mobile", table: "c"), .equal, SQLBind(mobile))
            .where(SQLColumn("merged_into", table: "c"), .is, SQLLiteral.null)
        if let projects { q = q.where(SQLColumn("project_id", table: "c"), .in, SQLBind.group(Array(projects))) }
        q = q.orderBy(SQLColumn("created_at", table: "c")).limit(50)
        return ownerNames ? try await records(q) : try await q.all(decoding: Record.self)
    }
}

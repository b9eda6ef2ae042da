import FluentKit

/// A page request: 1-based page number, 1–200 rows (50 by default).
public struct PageRequest: Sendable, Equatable {
    public var page: Int
    public var perPage: Int

    public init(page: Int?, perPage: Int?) throws {
        let page = page ?? 1, perPage = perPage ?? 50
        var bad: [Problem.FieldError] = []
        if page < 1 || page > 1_000_000 { bad.append(.init(field: "page", code: "page_out_of_range")) }
        if !(1...200).contains(perPage) { bad.append(.init(field: "perPage", code: "per_page_out_of_range")) }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        self.page = page
        self.perPage = perPage
    }

    public var offset: Int { (page - 1) * perPage }

    /// Every row a paged query lists (an export: the filter's rows, not one page), read 200 at a time
    /// until a short page, at most `maxPages` pages.
    static func everyRow<Item: Sendable>(maxPages: Int = 500, _ page: (PageRequest) async throws -> Paged<Item>) async throws -> [Item] {
        var rows: [Item] = []
        for n in 1...maxPages {
            let chunk = try await page(try PageRequest(page: n, perPage: 200))
            rows += chunk.items
            if chunk.items.count < 200 { break }
        }
        return rows
    }
}

public struct Paged<Item: Sendable>: Sendable {
    public var items: [Item]
    public var page: Int
    public var perPage: Int
    public var total: Int

    public var pageCount: Int { max(1, (total + perPage - 1) / perPage) }
}

extension QueryBuilder {
    func paged(_ request: PageRequest) async throws -> Paged<Model> {
        let total = try await self.copy().count()
        let items = try await self.range(request.offset..<(request.offset + request.perPage)).all()
        return Paged(items: items, page: request.page, perPage: request.perPage, total: total)
    }
}

extension Error {
    /// A unique or foreign-key constraint refused the write (both engines).
    var isConstraintFailure: Bool { (self as? any DatabaseError)?.isConstraintFailure ?? false }
}

import EstateCore
import Foundation
import Vapor

/// One card of the 工作台: what waits for the signed-in user in one part of the work, on one
/// project — how many, how many of them late, the first few, and the page that holds them all.
struct WorkCard: Sendable, Equatable {
    /// Catalogue key of the card's title ("home.work.receipts").
    var title: String
    /// The project's name, or nil for company-wide work (approvals).
    var project: String?
    var count: Int
    /// Of `count`, those past their deadline (breached, overdue); 0 when the work has no deadline.
    var late: Int = 0
    /// The page with all of them.
    var href: String
    /// The first few, most urgent first.
    var lines: [Line]

    struct Line: Sendable, Equatable {
        /// Record data as staff know it (a ticket number and unit, a buyer's name): not translated.
        var text: String
        /// A catalogue key describing the line's state ("ticket.status.in_progress"), or nil.
        var state: String?
        /// When it is due or happened, as a day or a moment (shown in Beijing time).
        var due: Due?
        var late: Bool
        var href: String
    }

    enum Due: Sendable, Equatable {
        case day(CalendarDay)
        case moment(Date)
    }

    /// How many lines a card lists.
    static let lineLimit = 5
}

/// A capability's contribution to the 工作台: the cards of `principal` on the projects it sees.
/// Each capability answers from its own tables through its own service; the home page only
/// lays the cards out (App/WorkSources.swift lists the sources).
protocol WorkSource: Sendable {
    func cards(_ req: Request, for principal: Principal, projects: [WorkProject]) async throws -> [WorkCard]
}

/// A project as the 工作台 names it.
struct WorkProject: Sendable, Equatable {
    var id: UUID
    var name: String
}

import EstateCore
import Foundation
import Plot

/// The owner's own pages (业主自助): one column, large touch targets, no staff navigation.
enum OwnerPages {
    struct FilingModel {
        var kind: TicketKind
        var units: [OwnerDirectory.OwnedUnit]
        /// Complaints only: the company's category paths.
        var categories: [(id: UUID, path: String)] = []
        var values: [String: String] = [:]
    }

    struct TicketModel {
        var detail: TicketService.Detail
        var projectName: String?
        var values: [String: String] = [:]
    }
}

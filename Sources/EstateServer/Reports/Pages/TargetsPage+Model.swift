import EstateCore
import Foundation
import Plot

/// A month's targets: the project's and each consultant's (subscriptions, contract amount,
/// collections). Who may set them gets a form; everyone else with reports reads them.
enum TargetsPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        /// As asked for ("2026-11"), shown again even when it is not a month.
        var month: String
        var sheet: ReportService.TargetSheet?
        var editable: Bool
        /// What was typed, by input name, when a save was refused.
        var values: [String: String] = [:]
        var failure: FormFailure?
    }
}

import EstateCore
import Foundation
import Plot

/// 客服设置: the SLA terms of the project (kind × severity; "标准" where the project keeps the
/// default) and the category tree (the company's and the project's own). Editable with
/// `.ticketsManage`; the company's branches only by those who manage every project.
enum ServiceSettingsPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var terms: [String: (terms: SLATerms, standard: Bool)]
        var categories: [TicketService.Category]
        var manages: Bool
        var managesCompany: Bool
        var failure: FormFailure?
    }
}

import EstateCore
import Foundation
import NIOCore
import Plot
import Vapor

/// The service pages' handlers (客服工单). Routes under a project have had the action checked on
/// it by the route guard (404 for a project the user cannot see, 403 without the right);
/// `/tickets/:id` names no project, so its handlers load the ticket through
/// `APIHandler.loadTicket`, the API's own rule, and each action is checked again by the service.
/// A refused form is drawn again with its messages; a good one redirects (POST-redirect-GET).
enum ServiceController {
    static func register(_ app: Application) {
        app.on(.GET, "service", guard: .allowed(.ticketsView), use: home)

        let p = app.grouped("projects", ":projectID")
        p.on(.GET, "tickets", guard: .allowed(.ticketsView), use: list)
        p.on(.GET, "tickets", "callbacks", guard: .allowed(.ticketsView), use: callbacks)
        p.on(.GET, "tickets", "new", guard: .allowed(.ticketsHandle), use: newForm)
        p.on(.GET, "tickets", "unit-picker", guard: .allowed(.ticketsHandle), use: unitPicker)
        p.on(.GET, "tickets.xlsx", guard: .allowed(.ticketsView), use: exportList)
        p.on(.POST, "tickets", "reassign", guard: .allowed(.ticketsManage), use: reassign)
        p.on(.POST, "tickets", "new", guard: .allowed(.ticketsHandle), use: create)
        p.on(.GET, "service", "settings", guard: .allowed(.ticketsView), use: settings)
        p.on(.POST, "service", "settings", guard: .allowed(.ticketsManage), use: saveTerms)
        p.on(.POST, "service", "settings", "categories", guard: .allowed(.ticketsManage), use: createCategory)
        p.on(.POST, "service", "settings", "categories", ":categoryID", guard: .allowed(.ticketsManage), use: updateCategory)
        p.on(.GET, "service", "analysis", guard: .allowed(.ticketsView), use: analysis)
        p.on(.GET, "service", "analysis.xlsx", guard: .allowed(.ticketsView), use: exportAnalysis)

        let t = app.grouped("tickets", ":ticketID")
        t.on(.GET, guard: .allowed(.ticketsView), use: show)
        for action in TicketAction.allCases {
            t.on(.POST, .constant(slug(action)), guard: .allowed(.ticketsView)) { req in try await act(req, action) }
        }
        t.on(.POST, "callback", guard: .allowed(.ticketsHandle), use: callback)
        t.on(.POST, "comments", guard: .allowed(.ticketsView), use: comment)
        t.on(.POST, "attachments", guard: .allowed(.ticketsView),
             body: .collect(maxSize: ByteCount(value: TicketService.maxAttachmentBytes + 2 * 1024 * 1024)), use: attach)
        t.on(.GET, "attachments", ":attachmentID", guard: .allowed(.ticketsView), use: download)
    }

    /// `start_callback` → `start-callback`.
    static func slug(_ a: TicketAction) -> String { a.rawValue.replacingOccurrences(of: "_", with: "-") }

    // MARK: Helpers

    /// Projects whose tickets the user may see, for the switcher.
    static func projects(_ req: Request) async throws -> [InventoryShell.ProjectRef] {
        try await ProjectSwitcher.projects(req, any: [.ticketsView])
    }

    static func refs(_ req: Request, _ projectID: UUID) async throws -> (InventoryShell.ProjectRef, [InventoryShell.ProjectRef]) {
        try await ProjectSwitcher.refs(req, projectID, any: [.ticketsView])
    }

    /// A problem's arguments in the reader's language: statuses, actions and kinds of tickets.
    static func arguments(_ t: Localizer, _ args: [String: String]) -> [String: String] {
        var out = ProblemMiddleware.localized(args, t.catalog, t.language)
        for (key, prefix) in [("status", "ticket.status."), ("action", "ticket.action."), ("kind", "ticket.kind.")] {
            if let v = args[key], t.catalog.has(prefix + v) { out[key] = t(prefix + v) }
        }
        return out
    }

    static func failure(_ t: Localizer, _ p: Problem, form: String, values: [String: String],
                        label: (String) -> String? = { _ in nil }) -> FormFailure {
        FormFailure(t, p, form: form, values: values,
                    label: { label($0) ?? (t.catalog.has("ticket.field.\($0)") ? t("ticket.field.\($0)") : nil) },
                    arguments: { arguments(t, $1) })
    }
}

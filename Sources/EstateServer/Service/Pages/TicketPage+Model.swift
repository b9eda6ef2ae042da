import EstateCore
import Foundation
import Plot

/// 工单详情: the header with its deadlines, the facts (warranty, repeat repair), the
/// description and outcome, the forms the ticket's status allows the reader (mirroring
/// `TicketFlow.next` and `TicketService.check`), callbacks, attachments and the log.
enum TicketPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var detail: TicketService.Detail
        var handlers: [TicketService.Handler]
        var principal: Principal
        var now: Date
        var failure: FormFailure?
        /// The calls (呼叫中心) that opened it.
        var calls: [CallService.Record] = []
        /// Repairs a survey found, audits of a repair.
        var related: [TicketService.Ticket] = []

        var ticket: TicketService.Ticket { detail.ticket }

        /// The move is allowed from the current status and the reader may take it.
        func may(_ action: TicketAction) -> Bool {
            (try? TicketFlow.next(ticket.ticketStatus, action, kind: ticket.ticketKind)) != nil
                && (try? TicketService.check(principal, action, on: ticket)) != nil
        }

        var works: Bool { APIHandler.mayWork(principal, on: ticket) }
        var mayCallback: Bool { TicketFlow.mayRecordCallback(ticket.ticketStatus) && principal.may(.ticketsHandle, on: ticket.projectId) }
        /// The callback checks the work: not by the one who did it (unless a manager).
        var callbackByAssignee: Bool {
            ticket.assigneeId == principal.userID && !principal.may(.ticketsManage, on: ticket.projectId)
        }

        /// What a refused form typed, for that form only.
        func values(_ form: String) -> [String: String] { failure?.form == form ? failure!.values : [:] }
    }
}

import EstateCore
import Plot
import Vapor

/// 客户360: everything about one customer on one page — details, ownership and protection,
/// calls and visits, the next follow-up, units they hold, merged records, and the history
/// (including who revealed their personal data, when).
enum CustomerPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var record: CustomerService.Record
        var access: CustomerAccess
        var contacts: [CustomerService.Contact]
        var merged: [CustomerService.Record]
        var holdings: [CustomerService.Holding]
        var history: [AuditQuery.Line]
        var consultants: [(id: UUID, name: String)]
        var revealed: [CustomerService.RevealField: String] = [:]
        var form: [String: String]? = nil
        var errors: [Problem.FieldError] = []
        var contactErrors: [Problem.FieldError] = []
        var contactForm: [String: String] = [:]
    }
}

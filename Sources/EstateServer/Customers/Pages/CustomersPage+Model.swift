import EstateCore
import Plot
import Vapor

/// 客户列表: search (name, mobile, last four digits, ID number, unit code), filters, bulk
/// reassignment for managers, Excel in and out, and a form for a new customer.
enum CustomersPage {
    struct Model {
        var project: InventoryShell.ProjectRef
        var projects: [InventoryShell.ProjectRef]
        var page: Paged<CustomerService.Record>
        var access: CustomerAccess
        var consultants: [(id: UUID, name: String)]
        var filter: CustomerService.Filter
        var query: [String: String]
        var form: [String: String] = [:]
        var errors: [Problem.FieldError] = []
        var formError: String?
        var formErrorArguments: [String: String] = [:]
        /// Today in Beijing: a planned follow-up before it is overdue.
        var today = CalendarDay(Date())
    }
}

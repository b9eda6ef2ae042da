/// The capabilities that put cards on the 工作台, in the order the cards show: what waits for a
/// decision first, then the desk's own work. A new capability adds its source here.
enum WorkSources {
    static let all: [any WorkSource] = [ApprovalsWork(), SalesWork(), ServiceWork(), CustomersWork()]
}

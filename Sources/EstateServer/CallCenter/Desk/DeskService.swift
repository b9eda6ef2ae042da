import EstateCore
import Foundation
import SQLKit

/// 坐席工作台 (the agent desk, issue 16): one caller identity across projects. A number, in any
/// spelling (+86, spaces, dashes), is one person: their customer records in every project the
/// agent may see, the units they bought and where each sale stands, their tickets, calls,
/// visits and follow-ups, the last 回访. The desk owns no table; it asks each capability through
/// its service type, and each record is shown as `CustomerAccess` allows.
public struct DeskService: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let customers: CustomerService
    let sales: SaleService
    let tickets: TicketService
    let calls: CallService
    let projects: any ProjectDirectory
    /// The malls' members (issue 20): the same mobile as a VIP of a mall.
    let members: MemberService

    init(store: Store, now: @escaping @Sendable () -> Date, customers: CustomerService, sales: SaleService, tickets: TicketService,
         calls: CallService, projects: any ProjectDirectory, members: MemberService) {
        self.store = store; self.now = now; self.customers = customers; self.sales = sales; self.tickets = tickets
        self.calls = calls; self.projects = projects; self.members = members
    }

    /// Everything the company knows about one caller that this reader may see.
    public struct Caller: Sendable {
        /// The number as stored (normalised).
        public var number: String
        /// Live customer records, oldest first; each to be shown through `access(_:)`.
        public var records: [CustomerService.Record]
        public var purchases: [SaleService.CustomerPurchase]
        public var tickets: [TicketService.Ticket]
        public var calls: [CallService.Record]
        /// Calls and visits logged on the records (来电来访, with their planned follow-ups).
        public var contacts: [CustomerService.Contact]
        public var lastCallback: TicketService.LastCallback?
        /// Names of the projects the records, purchases, tickets and calls belong to.
        public var projectNames: [UUID: String]
        public var principal: Principal
        /// The caller's memberships of the company's malls (商场会员, issue 20): mall, tier, card state.
        public var memberships: [MemberService.Membership] = []

        public func access(_ r: CustomerService.Record) -> CustomerAccess { CustomerAccess(principal, project: r.projectID) }
        public func projectLabel(_ id: UUID?) -> String {
            id.flatMap { projectNames[$0] } ?? "—"
        }
        /// Projects where this person owns a delivered unit (业主), and where they are buying.
        public var ownerProjects: Set<UUID> { Set(purchases.filter { $0.stage == .delivered }.map(\.projectId)) }
    }

    /// The projects, of those `principal` holds a role on, where any of `actions` is allowed (nil: all).
    static func scope(_ principal: Principal, _ actions: [Action]) -> Set<UUID>? {
        var out = Set<UUID>()
        for a in actions {
            guard let s = principal.projects(where: a) else { return nil }
            out.formUnion(s)
        }
        return out
    }

    /// Looks one caller up and logs the look-up (`callcenter.lookup`: who, how much was found,
    /// the number only masked). A number that is not one answers 422 `caller_number_invalid`.
    public func lookup(_ raw: String, by principal: Principal, context: AuditContext) async throws -> Caller {
        guard let number = CallerNumber.normalized(raw) else { throw Problem.invalid("mobile", "caller_number_invalid") }
        let customerScope = Self.scope(principal, [.customersView, .callsHandle])
        let records = MobileNumber.isValid(number) ? try await customers.records(mobile: number, in: customerScope) : []
        // What is behind a record (its sales, visits) only for records the reader may open.
        let opened = records.filter { CustomerAccess(principal, project: $0.projectID).mayOpen(owner: $0.ownerID) }.map(\.id)
        let ticketScope = Self.scope(principal, [.ticketsView])
        let callScope = Self.scope(principal, [.callsHandle])
        let saleScope = Self.scope(principal, [.salesView, .callsHandle])
        let bought = try await sales.purchases(ofCustomers: opened).filter { saleScope?.contains($0.projectId) ?? true }
        let contactRows = try await customers.contacts(of: opened, limit: 20)
        let ticketRows = try await tickets.tickets(forCaller: number, customers: opened, in: ticketScope)
        // Someone who handles calls on no project (a consultant) sees no call log.
        let callRows = callScope?.isEmpty == true ? [] : try await calls.recent(number: number, projects: callScope.map(Array.init), limit: 20)
        let lastCallback = try await tickets.lastCallback(onTickets: ticketRows.map(\.id))
        var ids = Set(records.map(\.projectID)).union(bought.map(\.projectId)).union(ticketRows.map(\.projectId))
        ids.formUnion(callRows.compactMap(\.projectID))
        let names = try await projects.names(Array(ids), sql: store.sql).mapValues(\.name)
        var caller = Caller(number: number, records: records, purchases: bought, tickets: ticketRows, calls: callRows,
                            contacts: contactRows, lastCallback: lastCallback, projectNames: names, principal: principal)
        if MobileNumber.isValid(number) { caller.memberships = try await members.memberships(mobile: number) }
        try await store.audited(context) { _ in
            ((), AuditEntry(action: "callcenter.lookup", entity: "caller",
                            summary: "desk look-up of \(CallerNumber.masked(number)): \(records.count) record(s) in \(Set(records.map(\.projectID)).count) project(s)",
                            after: ["records": "\(records.count)", "tickets": "\(ticketRows.count)", "calls": "\(callRows.count)"]))
        }
        return caller
    }

    /// What the agent types on the desk about the call in hand.
    public struct CallNote: Sendable {
        public var number: String
        public var direction: CallDirection = .inbound
        public var projectID: UUID?
        public var category: String?
        public var outcome: CallOutcome?
        public var note: String = ""
        /// When the call began; the desk logs it as it ends (now).
        public var startedAt: Date?
        public init(number: String) { self.number = number }
    }

    /// Logs the call in hand (source desk, the agent as its agent): offered and answered when it
    /// began, ended now. The project, when given, must be one where the agent handles calls.
    public func logCall(_ n: CallNote, by principal: Principal, context: AuditContext) async throws -> CallService.Record {
        if let p = n.projectID, !principal.may(.callsHandle, on: p) { throw Problem.invalid("projectId", "project_unknown") }
        let end = now()
        let start = min(n.startedAt ?? end, end)
        let timing: CallTiming
        do { timing = try CallTiming(offeredAt: start, answeredAt: start, endedAt: end) } catch { throw error.problem }
        let category = n.category.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        return try await calls.log(.init(direction: n.direction, number: n.number, projectID: n.projectID, agentID: principal.userID,
                                         timing: timing, category: category, outcome: n.outcome, note: n.note, source: .desk),
                                   context: context)
    }

    /// A follow-up (跟进) planned from the desk on one of the caller's records: a call logged on
    /// the record with the next step and its day, as customer service logs any call.
    public func addFollowUp(customer customerID: UUID, in projectID: UUID, note: String, nextStep: String, on day: String?,
                            by principal: Principal, context: AuditContext) async throws -> CustomerService.Contact {
        let record = try await customers.record(customerID, in: projectID)
        guard CustomerAccess(principal, project: projectID).mayLogContact(owner: record.ownerID) else { throw Problem.notFound }
        return try await customers.logContact(customerID, in: projectID,
                                              .init(kind: .call, direction: .inbound, notes: note, nextStep: nextStep, nextFollowUpOn: day),
                                              by: principal.userID, context: context)
    }
}

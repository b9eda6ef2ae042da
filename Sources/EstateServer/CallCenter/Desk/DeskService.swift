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
        /// The display names of the agents on `calls`.
        public var agentNames: [UUID: String] = [:]

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
    ///
    /// The desk's goal is < 200 ms (p99 ≤ 50 ms in `scripts/bench/callcentre`), so the reads run in
    /// two concurrent rounds instead of one after another: first what the number alone finds (the
    /// records, the calls, the memberships, the project names), then what the opened records and the
    /// number find together (purchases, contacts, tickets and their last 回访, the owners' and the
    /// agents' names in one query); then the audit line. Each read is on an index (`DeskTests` counts
    /// them). At most six reads run at once, inside the pool (PERFORMANCE.md: ≥ 8 per event loop).
    public func lookup(_ raw: String, by principal: Principal, context: AuditContext) async throws -> Caller {
        guard let number = CallerNumber.normalized(raw) else { throw Problem.invalid("mobile", "caller_number_invalid") }
        let isMobile = MobileNumber.isValid(number)
        let customerScope = Self.scope(principal, [.customersView, .callsHandle])
        let ticketScope = Self.scope(principal, [.ticketsView])
        let callScope = Self.scope(principal, [.callsHandle])
        let saleScope = Self.scope(principal, [.salesView, .callsHandle])
        let (customers, sales, tickets, calls, projects, members, sql) = (self.customers, self.sales, self.tickets, self.calls,
                                                                          self.projects, self.members, store.sql)
        // Round 1: by the number alone.
        async let recordsRead = isMobile ? customers.records(mobile: number, in: customerScope, ownerNames: false) : []
        // Someone who handles calls on no project (a consultant) sees no call log.
        async let callsRead = callScope?.isEmpty == true ? [] : calls.recent(number: number, projects: callScope.map(Array.init), limit: 20)
        async let membershipsRead = isMobile ? members.memberships(mobile: number) : []
        // The company's projects are few: their names in the same round, kept below for the ones shown.
        async let projectsRead = projects.all(sql: sql)
        let records = try await recordsRead
        let callRows = try await callsRead
        // Round 2. What is behind a record (its sales, visits) only for records the reader may open.
        let opened = records.filter { CustomerAccess(principal, project: $0.projectID).mayOpen(owner: $0.ownerID) }.map(\.id)
        async let boughtRead = sales.purchases(ofCustomers: opened)
        async let contactsRead = customers.contacts(of: opened, limit: 20)
        async let ticketsRead = tickets.tickets(forCaller: number, customers: opened, in: ticketScope)
        async let callbackRead = tickets.lastCallback(forCaller: number, customers: opened, in: ticketScope)
        // The records' owners and the calls' agents named in one query.
        async let peopleRead = StaffDirectory.displayNames(records.compactMap(\.ownerID) + callRows.compactMap(\.agentID), sql: sql)
        let bought = try await boughtRead.filter { saleScope?.contains($0.projectId) ?? true }
        let ticketRows = try await ticketsRead
        var ids = Set(records.map(\.projectID)).union(bought.map(\.projectId)).union(ticketRows.map(\.projectId))
        ids.formUnion(callRows.compactMap(\.projectID))
        let names = Dictionary(try await projectsRead.filter { ids.contains($0.id) }.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var caller = Caller(number: number, records: records, purchases: bought, tickets: ticketRows, calls: callRows,
                            contacts: try await contactsRead, lastCallback: try await callbackRead, projectNames: names, principal: principal)
        caller.memberships = try await membershipsRead
        let people = try await peopleRead
        for i in caller.records.indices { caller.records[i].ownerName = caller.records[i].ownerID.flatMap { people[$0] } }
        caller.agentNames = people.filter { id, _ in callRows.contains { $0.agentID == id } }
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

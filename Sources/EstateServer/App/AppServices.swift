import FluentKit
import NIOConcurrencyHelpers
import Foundation
import Vapor

/// Everything built once at start-up from the configuration; no global state.
public struct AppServices: Sendable {
    public let config: AppConfiguration
    public let engine: Store.Engine
    public let catalog: Catalog
    public let keyring: Keyring
    public let hasher: PasswordHasher
    public let contract: APIContract
    public let metrics: AppMetrics
    let writeGate: WriteGate
    /// Exact look-ups by full mobile or ID, one per user at a time (`ExactLookups`).
    let exactLookupGate = KeyedGate()
    /// Opening day's selection limits per buyer and per address (one per process).
    let selectionThrottle = SelectionThrottle()
    /// Opening day's selections in flight (one per process): past `SelectionLimits.inFlight` a selection waits in line,
    /// for at most the configured wait (`ESTATE_OPENING_QUEUE_WAIT_MS`), then is turned away.
    var selectionGate = SelectionGate()
    /// Opening day's refusal lines, written by group commit (one per process).
    let openingRefusals = OpeningRefusalLog()
    /// How many imports may run at once, and where they parse files.
    public let imports: ImportGate
    /// Live board updates and the board cache (one per process).
    public let unitEvents: UnitEventHub
    /// Sessions and principals of recent requests (one per process), dropped on every change to them.
    let principals: PrincipalCache
    /// The clock, injectable for tests of timeouts and lock-outs.
    public let now: @Sendable () -> Date
    /// Where SMS and e-mail go: the HTTP provider when `smsGatewayURL` is set, else the log.
    public internal(set) var notificationGateway: any NotificationGateway = LogGateway()
    /// The call-centre wallboard's change signal (one per process; LISTEN/NOTIFY on PostgreSQL).
    public internal(set) var callCentreEvents = CallCentreHub()
    /// Opening day's availability broadcast (one per process; LISTEN/NOTIFY on PostgreSQL).
    public internal(set) var openingEvents = OpeningHub()
    /// Projects for Platform (role grants, pickers), answered by Inventory, which owns them.
    let projectDirectory: any ProjectDirectory = InventoryProjectDirectory()
    /// Demo seeds running on this app. The stories move their own clock through the past; the background sweeps
    /// (lapses, escalations, attribution) run on the real clock and would act between a story's steps, so they
    /// wait. Per app, not per process: tests build the demo template beside apps whose jobs must run.
    let demoSeeds = NIOLockedValueBox(0)

    /// A store over `db` (the request's database handle, so its queries log with its request id).
    public func store(_ db: any Database) -> Store { Store(db: db, engine: engine, writeGate: writeGate) }

    public func auth(_ db: any Database) -> AuthService { AuthService(store: store(db), hasher: hasher, config: config, now: now, principals: principals, projects: projectDirectory) }
    public func users(_ db: any Database) -> UserService { UserService(store: store(db), hasher: hasher, now: now, projects: projectDirectory, principals: principals) }
    public func projects(_ db: any Database) -> ProjectService { ProjectService(store: store(db), now: now) }
    public func audit(_ db: any Database) -> AuditQuery { AuditQuery(store: store(db)) }
    public func inventory(_ db: any Database) -> InventoryService { InventoryService(store: store(db), now: now, events: unitEvents) }
    public func salesControl(_ db: any Database) -> SalesControlService { SalesControlService(store: store(db), now: now, events: unitEvents) }
    public func pricing(_ db: any Database) -> PricingService { PricingService(store: store(db), now: now, events: unitEvents) }
    public func approvals(_ db: any Database) -> ApprovalService {
        ApprovalService(store: store(db), now: now, appliers: PricingService.approvalAppliers(events: unitEvents)
            .merging(SaleService.approvalAppliers(events: unitEvents)) { a, _ in a }
            .merging(CommissionService.approvalAppliers()) { a, _ in a }
            .merging(SupplierService.approvalAppliers()) { a, _ in a }
            .merging(PurchasePlanService.approvalAppliers()) { a, _ in a }
            .merging(PurchaseOrderService.approvalAppliers(postgres: engine == .postgres)) { a, _ in a })
    }
    public func customers(_ db: any Database) -> CustomerService {
        CustomerService(store: store(db), now: now, cipher: PersonalDataCipher(keyring: keyring), exactSearchesPerHour: config.exactSearchesPerHour,
                        exactLookupGate: exactLookupGate)
    }
    public func sales(_ db: any Database) -> SaleService {
        SaleService(store: store(db), now: now, events: unitEvents, customers: customers(db))
    }
    public func tickets(_ db: any Database) -> TicketService {
        TicketService(store: store(db), now: now,
                      attachmentsDirectory: URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("attachments").path,
                      exactSearchesPerHour: config.exactSearchesPerHour, exactLookupGate: exactLookupGate)
    }
    /// 开盘 / 线上选房 (issue 18).
    public func openings(_ db: any Database) -> OpeningService {
        OpeningService(store: store(db), now: now, events: unitEvents, customers: customers(db), hub: openingEvents,
                       throttle: selectionThrottle, gate: selectionGate, refusals: openingRefusals)
    }
    public func calls(_ db: any Database) -> CallService { CallService(store: store(db), now: now) }
    /// 抢修单 (call centre): links in its SMS point at `publicURL`.
    public func outages(_ db: any Database) -> OutageService {
        OutageService(store: store(db), now: now, linkBase: config.publicLinkBase, inventory: inventory(db))
    }
    /// 坐席工作台 (call centre): one caller across projects, asked of each capability.
    public func desk(_ db: any Database) -> DeskService {
        DeskService(store: store(db), now: now, customers: customers(db), sales: sales(db), tickets: tickets(db), calls: calls(db),
                    projects: projectDirectory, members: members(db))
    }
    /// 值班日志 (call centre).
    public func dutyLogs(_ db: any Database) -> DutyLogService { DutyLogService(store: store(db), now: now, outages: outages(db)) }
    /// Forecast and staffing (call centre): call history from `calls`, planned callbacks from `tickets`.
    public func staffing(_ db: any Database) -> StaffingService {
        StaffingService(store: store(db), now: now, calls: calls(db), tickets: tickets(db))
    }
    public func rosters(_ db: any Database) -> RosterService { RosterService(store: store(db), now: now, staffing: staffing(db)) }
    /// Channels (渠道), agreements, brokers and 报备 rules.
    public func channels(_ db: any Database) -> ChannelService { ChannelService(store: store(db), now: now) }
    /// 报备 and 撞单: evidence asked of the customers and the call centre.
    public func registrations(_ db: any Database) -> RegistrationService {
        RegistrationService(store: store(db), now: now, channels: channels(db), customers: customers(db), calls: calls(db),
                            tokenKey: keyring.channelVisitToken)
    }
    /// 成交归属: purchases asked of Sales.
    public func attributions(_ db: any Database) -> AttributionService {
        AttributionService(store: store(db), now: now, channels: channels(db), sales: sales(db))
    }
    /// 佣金结算: deal facts asked of Sales.
    public func commissions(_ db: any Database) -> CommissionService {
        CommissionService(store: store(db), now: now, channels: channels(db), sales: sales(db))
    }
    /// 拓客计划 vs 实绩 and the channel report: 签约 asked of Sales.
    public func outreach(_ db: any Database) -> OutreachService {
        OutreachService(store: store(db), now: now, channels: channels(db), sales: sales(db))
    }
    /// 采购 (issue 19): the supplier directory, needs and plans, purchase orders.
    public func suppliers(_ db: any Database) -> SupplierService { SupplierService(store: store(db), now: now) }
    public func purchasePlans(_ db: any Database) -> PurchasePlanService { PurchasePlanService(store: store(db), now: now) }
    public func purchaseOrders(_ db: any Database) -> PurchaseOrderService { PurchaseOrderService(store: store(db), now: now) }
    public func deliveries(_ db: any Database) -> DeliveryService { DeliveryService(store: store(db), now: now) }
    public func invoices(_ db: any Database) -> InvoiceService { InvoiceService(store: store(db), now: now) }
    /// Bids are sealed under the keyring's tender key until the opening.
    public func tenders(_ db: any Database) -> TenderService { TenderService(store: store(db), now: now, key: keyring.tenderBids) }
    /// The mall's customer-service desk (issue 20): the mall as a place, members and points.
    public func malls(_ db: any Database) -> MallService { MallService(store: store(db), now: now) }
    public func members(_ db: any Database) -> MemberService {
        MemberService(store: store(db), now: now, malls: malls(db), customers: customers(db))
    }
    public func memberBook(_ db: any Database) -> MemberBook { MemberBook(store: store(db), now: now, parsing: imports.threadPool) }
    /// The desk's complaints: tickets of the service module with the desk's record beside them.
    public func deskDay(_ db: any Database) -> DeskDayService {
        DeskDayService(store: store(db), now: now, malls: malls(db), members: members(db), complaints: complaints(db), returns: returns(db),
                       deskLog: deskLog(db), mail: mail(db), priceTags: priceTags(db), deskOrders: deskOrders(db), rota: rota(db))
    }
    public func deskOrders(_ db: any Database) -> DeskOrderService { DeskOrderService(store: store(db), now: now, malls: malls(db)) }
    public func rota(_ db: any Database) -> RotaService { RotaService(store: store(db), now: now, malls: malls(db)) }
    public func priceTags(_ db: any Database) -> PriceTagService { PriceTagService(store: store(db), now: now, malls: malls(db)) }
    public func mail(_ db: any Database) -> MailService { MailService(store: store(db), now: now, malls: malls(db)) }
    /// Found items' photos are kept beside the service tickets' attachments (their own folder).
    public func deskLog(_ db: any Database) -> DeskLogService {
        DeskLogService(store: store(db), now: now,
                       photosDirectory: URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("attachments").appendingPathComponent("mall-lost").path)
    }
    public func returns(_ db: any Database) -> ReturnService { ReturnService(store: store(db), now: now, malls: malls(db)) }
    public func complaints(_ db: any Database) -> ComplaintService { ComplaintService(store: store(db), now: now, malls: malls(db), tickets: tickets(db)) }
    public func reports(_ db: any Database) -> ReportService { ReportService(store: store(db), now: now) }
    public func customerSheets(_ db: any Database) -> CustomerSheets {
        CustomerSheets(store: store(db), customers: customers(db), parsing: imports.threadPool)
    }
    public func unitImports(_ db: any Database) -> UnitImportService {
        UnitImportService(store: store(db), now: now, events: unitEvents, parsing: imports.threadPool)
    }
    public func notifications(_ db: any Database) -> NotificationService { NotificationService(store: store(db)) }
    /// The outbox sender; tests pass their own gateway.
    public func outboxWorker(_ db: any Database, gateway: (any NotificationGateway)? = nil) -> OutboxWorker {
        var logger = Logger(label: "estate.outbox")
        logger.logLevel = config.logLevel
        return OutboxWorker(store: store(db), gateway: gateway ?? notificationGateway, now: now, maxAttempts: config.outboxMaxAttempts,
                            logger: logger)
    }
    /// Procurement follow-up (issue 19 point 6): site stores (仓库) and their stock ledger.
    public func siteStores(_ db: any Database) -> SiteStoreService { SiteStoreService(store: store(db), now: now) }
    /// Inspection photos and supplier documents, kept as the mall's found-item photos are.
    public func procurementAttachments(_ db: any Database) -> ProcurementAttachmentService {
        ProcurementAttachmentService(store: store(db), now: now,
                                     directory: URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("attachments").appendingPathComponent("procurement").path)
    }
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = AppServices }

    public var services: AppServices {
        get {
            guard let s = storage[ServicesKey.self] else { fatalError("buildApplication has not run") }
            return s
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension Request {
    public var services: AppServices { application.services }
    public var store: Store { services.store(db) }
}

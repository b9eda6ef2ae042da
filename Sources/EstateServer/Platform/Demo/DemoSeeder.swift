import EstateCore
import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The demo company: one project mid-sale with two buildings (400 units) and one user per role,
/// all with the password `demo1234`. Seeded once into a database without it (`estate demo`,
/// `estate serve --demo`); a database that has it is left as it is.
///
/// The seed, in order: the project, its staff, the call centre's agents and its 楼盘 (`DemoInventory`, `DemoPeople`,
/// `DemoCallCentreAgents`); the
/// sale since the launch with the customers around it (`DemoSalesStory`, `DemoCustomers`); 客服
/// on what was sold (`DemoTicketsStory`); 抢修单 with their on-call lists (`DemoOutagesStory`); a second, delivered
/// project JYF 锦园府 whose owner 林晓峰 is buying in HXY, for the call centre's desk (`DemoJYFStory`); eight weeks of
/// calls (`DemoCallsStory`). Each story draws from a fixed random sequence, so
/// every demo seeded at the same moment is the same.
public enum DemoSeeder {
    public static let password = "demo1234"

    /// The demo user of a role: its id with dashes ("sales-manager"); user names need three
    /// characters, so the GM is "general-manager".
    public static func username(for role: Role) -> String {
        role == .gm ? "general-manager" : role.rawValue.replacingOccurrences(of: "_", with: "-")
    }

    /// Returns false when the demo was already there.
    @discardableResult
    public static func seed(_ services: AppServices, db: any Database) async throws -> Bool {
        services.demoSeeds.withLockedValue { $0 += 1 }
        defer { services.demoSeeds.withLockedValue { $0 -= 1 } }
        return try await Store.$bulkLoading.withValue(true) { try await seedOnce(services, db: db) }
    }

    /// Whether a demo seed is running on the app these services belong to (the background sweeps wait for it).
    static func isSeeding(_ services: AppServices) -> Bool { services.demoSeeds.withLockedValue { $0 > 0 } }

    private static func seedOnce(_ services: AppServices, db: any Database) async throws -> Bool {
        if try await ProjectRecord.query(on: db).filter(\.$code == DemoInventory.projectCode).first() != nil { return false }
        let started = Date()
        let hash = try await services.hasher.hash(password)
        let now = services.now()
        let projectID = try await services.store(db).audited(.system("demo")) { tx in
            let projectID = try await DemoInventory.createProject(now: now, on: tx)
            try await DemoPeople.enroll(projectID: projectID, hash: hash, now: now, on: tx)
            try await DemoCallCentreAgents.enroll(projectID: projectID, hash: hash, now: now, on: tx)
            try await DemoInventory.build(projectID: projectID, now: now, on: tx)
            return (projectID, AuditEntry(action: "demo.seed", entity: "project", entityID: projectID.uuidString, projectID: projectID,
                                          summary: "seeded the demo project HXY 华熙悦府 (400 units) and one user per role, and the call centre's twelve agents"))
        }
        try await timed(db.logger, "DemoSalesStory") { try await DemoSalesStory(services, db: db, projectID: projectID).tell() }
        try await timed(db.logger, "DemoTicketsStory") { try await DemoTicketsStory(services, db: db, projectID: projectID).tell() }
        try await timed(db.logger, "DemoOutagesStory") { try await DemoOutagesStory(services, db: db, projectID: projectID).tell() }
        let jyf = try await services.store(db).audited(.system("demo")) { tx in
            let id = try await DemoJYFStory.create(now: now, on: tx)
            return (id, AuditEntry(action: "demo.seed", entity: "project", entityID: id.uuidString, projectID: id,
                                   summary: "seeded the demo project JYF 锦园府 (40 units, delivered), the call centre and customer service on it"))
        }
        try await timed(db.logger, "DemoJYFStory") { try await DemoJYFStory(services, db: db).tell(projectID: jyf, hxy: projectID) }
        try await timed(db.logger, "DemoCallsStory") { try await DemoCallsStory(services, db: db, projectID: projectID).tell() }
        try await timed(db.logger, "DemoCallQualityStory") { try await DemoCallQualityStory(services: services, db: db, projectID: projectID).tell() }
        try await timed(db.logger, "DemoChannelsStory") { try await DemoChannelsStory(services, db: db, projectID: projectID).tell() }
        try await timed(db.logger, "DemoOpeningStory") { try await DemoOpeningStory.tell(services, db: db, projectID: projectID) }
        try await timed(db.logger, "DemoProcurementStory") { try await DemoProcurementStory(services, db: db, projectID: projectID).tell() }
        // Last: the forecast reads the call history the stories before it wrote.
        try await timed(db.logger, "DemoCallCentreStaffing") { try await DemoCallCentreStaffing(services, db: db, projectID: projectID).tell() }
        try await timed(db.logger, "DemoMallStory") { try await DemoMallStory(services: services, db: db).tell() }
        db.logger.info("demo seeded in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        return true
    }

    /// One story, with the seconds it took in the log (the demo's cost is the test suite's and CI's).
    private static func timed<T>(_ logger: Logger, _ story: String, _ body: () async throws -> T) async throws -> T {
        let started = Date()
        let value = try await body()
        logger.info("demo: \(story) \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        return value
    }
}

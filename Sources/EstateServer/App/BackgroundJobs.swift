import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Jobs that run while the server is up: releasing lapsed reservations, returning customers
/// whose protection ended to the pool, escalating tickets past their SLA, opening day's clock. On
/// several servers each runs it; every release is a conditional update, so
/// two servers never release one reservation twice.
final class BackgroundJobs: LifecycleHandler, Sendable {
    let runsJobs: Bool
    let interval: TimeInterval
    let outboxInterval: TimeInterval
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// The outbox sender, on its own loop so a slow SMS provider never delays the jobs above.
    private let outboxTask = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// Opening day's clock (open at the start, lapse holds, close at the end) ticks every second:
    /// buyers wait on it at 10:00:00, so it cannot share the other jobs' half-minute.
    private let openingTask = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(runsJobs: Bool, interval: TimeInterval, outboxInterval: TimeInterval = 2) {
        self.runsJobs = runsJobs
        self.interval = interval
        self.outboxInterval = outboxInterval
    }

    func didBootAsync(_ app: Application) async throws {
        guard runsJobs else { return }
        let interval = interval
        let t = Task {
            while !Task.isCancelled {
                if DemoSeeder.isSeeding(app.services) {
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                do {
                    let n = try await app.services.salesControl(app.db).releaseLapsedReservations()
                    if n > 0 { app.logger.info("released \(n) lapsed reservations") }
                } catch {
                    app.logger.warning("reservation expiry job failed: \(String(reflecting: error))")
                }
                if Task.isCancelled { break }
                do {
                    let n = try await app.services.customers(app.db).releaseLapsed()
                    if n > 0 { app.logger.info("returned \(n) customers to the pool at the end of their protection period") }
                } catch {
                    app.logger.warning("customer protection job failed: \(String(reflecting: error))")
                }
                if Task.isCancelled { break }
                do {
                    let n = try await app.services.tickets(app.db).escalateDue()
                    if n > 0 { app.logger.info("escalated \(n) tickets past their SLA or of major severity") }
                } catch {
                    app.logger.warning("ticket escalation job failed: \(String(reflecting: error))")
                }
                if Task.isCancelled { break }
                do {
                    let n = try await app.services.complaints(app.db).escalateDue()
                    if n > 0 { app.logger.info("escalated \(n) mall complaints past their 24 hours to the desk supervisors") }
                } catch {
                    app.logger.warning("mall complaint escalation job failed: \(String(reflecting: error))")
                }
                do {
                    let n = try await app.services.outages(app.db).escalateDue()
                    if n > 0 { app.logger.info("escalated \(n) 抢修单 nobody acknowledged in time") }
                } catch {
                    app.logger.warning("outage escalation job failed: \(String(reflecting: error))")
                }
                do {
                    let (reminded, lapsed) = try await app.services.registrations(app.db).remindAndLapse()
                    if reminded + lapsed > 0 { app.logger.info("reminded \(reminded) brokers, lapsed \(lapsed) registrations (报备)") }
                } catch {
                    app.logger.warning("registration lapse job failed: \(String(reflecting: error))")
                }
                do {
                    let (attributed, clawed) = try await app.services.attributions(app.db).reconcile()
                    if attributed + clawed > 0 { app.logger.info("attributed \(attributed) purchases to channels, clawed back \(clawed)") }
                } catch {
                    app.logger.warning("channel attribution job failed: \(String(reflecting: error))")
                }
                try? await Task.sleep(for: .seconds(interval))
            }
        }
        task.withLockedValue { $0 = t }
        let outboxInterval = outboxInterval
        let o = Task {
            while !Task.isCancelled {
                do {
                    try await app.services.outboxWorker(app.db).runOnce()
                } catch {
                    app.logger.warning("outbox job failed: \(String(reflecting: error))")
                }
                try? await Task.sleep(for: .seconds(outboxInterval))
            }
        }
        outboxTask.withLockedValue { $0 = o }
        let openingInterval = min(interval, 1)
        let c = Task {
            while !Task.isCancelled {
                if !DemoSeeder.isSeeding(app.services) {
                    do {
                        let t = try await app.services.openings(app.db).tick()
                        if t != .init() { app.logger.info("opening clock: opened \(t.opened), lapsed \(t.lapsed) holds, closed \(t.closed)") }
                    } catch {
                        app.logger.warning("opening clock job failed: \(String(reflecting: error))")
                    }
                }
                try? await Task.sleep(for: .seconds(openingInterval))
            }
        }
        openingTask.withLockedValue { $0 = c }
    }

    /// Cancels the jobs and waits for the one running to finish its transaction: the
    /// databases close after this, and a job touching `app.db` then would trap.
    func shutdownAsync(_ app: Application) async {
        let running = task.withLockedValue { t -> Task<Void, Never>? in
            t?.cancel()
            return t
        }
        let sending = outboxTask.withLockedValue { t -> Task<Void, Never>? in
            t?.cancel()
            return t
        }
        let ticking = openingTask.withLockedValue { t -> Task<Void, Never>? in
            t?.cancel()
            return t
        }
        await running?.value
        await sending?.value
        await ticking?.value
        app.services.unitEvents.shutdown()
        app.services.principals.shutdown()
        app.services.callCentreEvents.shutdown()
        app.services.openingEvents.shutdown()
    }
}

import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor

@Suite struct NotificationTests {
    // MARK: Enqueue

    @Test func enqueueRendersTheTemplateAndCommitsWithTheCaller() async throws {
        try await withTestApp { app, clock in
            // MUT
            let id = try await enqueue(app, assigned())
            // validate
            let rows = try await app.services.notifications(app.db).recent(projectID: nil, limit: 10)
            #expect(rows.count == 1)
            let m = try #require(rows.first)
            #expect(m.id == id)
            #expect(m.channel == .sms && m.recipient == "13812341234" && m.recipientMasked == "138****1234")
            #expect(m.body == "【EstateDesk】工单 GD-0001 已派给您：3-1-1201 卫生间渗漏，请在 11-27 18:00 前响应。")
            #expect(m.subject == "新工单 GD-0001")
            #expect(m.status == .pending && m.attempts == 0 && m.nextAttemptAt == clock.now && m.reference == "ticket:1")
        }
    }

    @Test func aMessageRollsBackWithItsTransaction() async throws {
        try await withTestApp { app, _ in
            struct Boom: Error {}
            let now = app.services.now()
            // MUT
            await #expect(throws: Boom.self) {
                try await app.services.store(app.db).write { tx in
                    try await Outbox.enqueue(assigned(), now: now, on: tx.sql)
                    throw Boom()
                }
            }
            // validate
            let count = try await countMessages(app)
            #expect(count == 0)
        }
    }

    @Test func programmingErrorsAreThrownAtEnqueue() async throws {
        try await withTestApp { app, _ in
            var unknown = assigned(); unknown.template = "ticket.nope"
            var missing = assigned(); missing.params["due"] = nil
            var badMobile = assigned(); badMobile.recipient = "12812341234"
            var shortMobile = assigned(); shortMobile.recipient = "1381234123"
            var badEmail = assigned(); badEmail.channel = .email; badEmail.recipient = "owner@localhost"
            await #expect(throws: NotificationError.unknownTemplate("ticket.nope")) { try await enqueue(app, unknown) }
            await #expect(throws: NotificationError.missingParameter(template: "ticket.assigned", name: "due")) { try await enqueue(app, missing) }
            await #expect(throws: NotificationError.invalidRecipient(channel: .sms, recipient: "12812341234")) { try await enqueue(app, badMobile) }
            await #expect(throws: NotificationError.invalidRecipient(channel: .sms, recipient: "1381234123")) { try await enqueue(app, shortMobile) }
            await #expect(throws: NotificationError.invalidRecipient(channel: .email, recipient: "owner@localhost")) { try await enqueue(app, badEmail) }
            #expect(try await countMessages(app) == 0)
            // A mobile written with +86 and spaces is stored as its 11 digits; an e-mail is fine.
            var spaced = assigned(); spaced.recipient = "+86 138 1234 1234"
            var email = assigned(); email.channel = .email; email.recipient = "zhang.san@example.com"
            try await enqueue(app, spaced)
            try await enqueue(app, email)
            let rows = try await app.services.notifications(app.db).recent(projectID: nil, limit: 10)
            #expect(Set(rows.map(\.recipient)) == ["13812341234", "zhang.san@example.com"])
            #expect(rows.first { $0.channel == .email }?.recipientMasked == "z***@example.com")
        }
    }

    @Test func everyTemplateRendersWithItsParameters() throws {
        #expect(Set(NotificationTemplates.all.keys) == ["ticket.assigned", "ticket.escalated", "ticket.progress", "ticket.callback", "owner.code",
                                                         "security.search_limit", "outage.oncall", "outage.escalated", "outage.reopened",
                                                         "channel.registration_lapsing",
                                                         "opening.code", "opening.confirmed"])
        for (name, t) in NotificationTemplates.all {
            #expect(t.body.hasPrefix("【EstateDesk】"), "\(name)")
            let names = NotificationTemplates.placeholders(t.body) + NotificationTemplates.placeholders(t.subject)
            let params = Dictionary(names.map { ($0, "<\($0)>") }) { a, _ in a }
            let r = try NotificationTemplates.render(name, params)
            #expect(!r.body.contains("{") && !r.subject.contains("{"), "\(name)")
        }
        #expect(try NotificationTemplates.render("owner.code", ["code": "492031", "minutes": "5"]).body
                == "【EstateDesk】您的登录验证码是 492031，5 分钟内有效，请勿告诉他人。")
        #expect(try NotificationTemplates.render("ticket.escalated", ["number": "GD-9", "severity": "重大", "reason": "业主投诉"]).body
                == "【EstateDesk】工单 GD-9（重大）已升级：业主投诉")
        #expect(try NotificationTemplates.render("ticket.callback", ["link": "https://estate.example.com/s/7Q2"]).body
                == "【EstateDesk】您的报修/投诉已处理完毕，请花一分钟评价我们的服务：https://estate.example.com/s/7Q2")
        // A value is inserted as written, never expanded again.
        #expect(try NotificationTemplates.render("ticket.progress", ["number": "GD-1", "status": "处理中", "note": "{code}"]).body
                == "【EstateDesk】您的报修/投诉 GD-1 进度：处理中。{code}")
    }

    // MARK: Log gateway (the default)

    @Test func theLogGatewaySendsByDefaultAndListsRedactCodes() async throws {
        try await withTestApp { app, _ in
            #expect(app.services.notificationGateway is LogGateway)
            let project = try await Fixtures(app: app).project("N1")
            var code = assigned(); code.template = "owner.code"; code.params = ["code": "492031", "minutes": "5"]; code.projectID = project
            let id = try await enqueue(app, code)
            // MUT
            #expect(try await app.services.outboxWorker(app.db).runOnce() == 1)
            // validate
            let notifications = app.services.notifications(app.db)
            let rows = try await notifications.recent(projectID: project, limit: 10)
            #expect(rows.map(\.id) == [id])
            #expect(rows[0].status == .sent && rows[0].attempts == 1 && rows[0].body == "（内容含验证码，已隐藏）")
            #expect(try await notifications.recent(projectID: UUID(), limit: 10).isEmpty)
            let attempts = try await notifications.attempts(messageID: id)
            #expect(attempts.map(\.outcome) == [.sent] && attempts[0].finishedAt != nil)
            #expect(try await app.services.outboxWorker(app.db).runOnce() == 0)
        }
    }

    // MARK: HTTP gateway against a local fake provider

    @Test func retriesWithBackoffUntilTheProviderAccepts() async throws {
        try await withProvider(failFirst: 3, failStatus: .serviceUnavailable) { provider in
            try await withTestApp(adjust: { $0.smsGatewayURL = provider.url; $0.smsGatewayKey = "test-key" }) { app, clock in
                #expect(app.services.notificationGateway is HTTPGateway)
                let id = try await enqueue(app, assigned())
                let worker = app.services.outboxWorker(app.db)
                // MUT: three 503s, each followed by a wait of its back-off, then accepted.
                for attempt in 1...3 {
                    #expect(try await worker.runOnce() == 1)
                    let delay = OutboxBackoff.delay(attempt: attempt, messageID: id)
                    let base = OutboxBackoff.base(attempt: attempt)
                    #expect(delay >= base * 0.8 && delay <= base * 1.2)
                    let m = try await message(app, id)
                    #expect(m.status == .pending && m.attempts == attempt && m.lastError.hasPrefix("HTTP 503"))
                    #expect(abs(m.nextAttemptAt.timeIntervalSince(clock.now) - delay) < 0.01)
                    clock.advance(delay - 1)
                    #expect(try await worker.runOnce() == 0, "not due before its back-off")
                    clock.advance(1.01)
                }
                #expect(try await worker.runOnce() == 1)
                // validate
                let m = try await message(app, id)
                #expect(m.status == .sent && m.attempts == 4 && m.providerRef == "P-1" && m.lastError == "")
                #expect(abs((m.sentAt ?? .distantPast).timeIntervalSince(clock.now)) < 0.001)
                let attempts = try await app.services.notifications(app.db).attempts(messageID: id)
                #expect(attempts.map(\.attempt) == [1, 2, 3, 4])
                #expect(attempts.map(\.outcome) == [.retry, .retry, .retry, .sent])
                #expect(attempts.map(\.httpStatus) == [503, 503, 503, nil])
                let seen = provider.requests
                #expect(seen.count == 4)
                #expect(seen.allSatisfy { $0.idempotencyKey == id.uuidString && $0.bodyID == id.uuidString })
                #expect(seen.allSatisfy { $0.authorization == "Bearer test-key" && $0.to == "13812341234" && $0.channel == "sms" })
                #expect(seen[0].body == "【EstateDesk】工单 GD-0001 已派给您：3-1-1201 卫生间渗漏，请在 11-27 18:00 前响应。")
                #expect(provider.delivered == [id.uuidString: 1])
                clock.advance(7200)
                #expect(try await worker.runOnce() == 0)
                #expect(provider.requests.count == 4)
            }
        }
    }

    @Test func aRejectedMessageFailsWithoutRetry() async throws {
        try await withProvider(failFirst: .max, failStatus: .badRequest) { provider in
            try await withTestApp(adjust: { $0.smsGatewayURL = provider.url; $0.smsGatewayKey = "test-key" }) { app, clock in
                let id = try await enqueue(app, assigned())
                let worker = app.services.outboxWorker(app.db)
                // MUT
                #expect(try await worker.runOnce() == 1)
                clock.advance(7200)
                #expect(try await worker.runOnce() == 0)
                // validate
                let m = try await message(app, id)
                #expect(m.status == .failed && m.attempts == 1 && m.lastError.hasPrefix("HTTP 400"))
                let attempts = try await app.services.notifications(app.db).attempts(messageID: id)
                #expect(attempts.map(\.outcome) == [.failed] && attempts.map(\.httpStatus) == [400])
                #expect(provider.requests.count == 1 && provider.delivered.isEmpty)
            }
        }
    }

    @Test(arguments: [HTTPResponseStatus.requestTimeout, .tooManyRequests, .internalServerError])
    func transientStatusesAreRetried(_ status: HTTPResponseStatus) async throws {
        try await withProvider(failFirst: 1, failStatus: status) { provider async throws in
            // A generous timeout: under a loaded full-suite run the default 10 s was missed now and then.
            let gateway = HTTPGateway(url: provider.url, key: "test-key", client: provider.client, timeout: .seconds(60))
            let m = OutgoingMessage(id: UUID(), channel: .sms, recipient: "13812341234", subject: "s", body: "b", attempt: 1)
            #expect(try await gateway.send(m) == .retry("HTTP \(status.code) ", httpStatus: Int(status.code)))
            let second = try await gateway.send(m)
            guard case .sent = second else { Issue.record("after a \(status.code) the retry was not sent: \(second)"); return }
        }
    }

    @Test func noAnswerAndTimeoutsAreRetried() async throws {
        // Nothing listens on the port a provider just released.
        let gone = try await FakeProvider.start()
        let closedURL = gone.url
        try await gone.stop()
        try await withProvider(delay: .seconds(5)) { slow in
            let m = OutgoingMessage(id: UUID(), channel: .sms, recipient: "13812341234", subject: "s", body: "b", attempt: 1)
            // (The HTTP client keeps trying to connect until the request's deadline.)
            let refused = try await HTTPGateway(url: closedURL, key: "k", client: slow.client, timeout: .milliseconds(300)).send(m)
            guard case .retry(let why, nil) = refused, why.hasPrefix("no answer") else { Issue.record("refused: \(refused)"); return }
            // The slow provider would answer 200 after 5 s: a retry ("no answer") means the gateway gave up at its own timeout.
            // (No wall-clock assertion: tests never time themselves.)
            let timedOut = try await HTTPGateway(url: slow.url, key: "k", client: slow.client, timeout: .milliseconds(200)).send(m)
            guard case .retry(let why2, nil) = timedOut, why2.hasPrefix("no answer") else { Issue.record("timeout: \(timedOut)"); return }
        }
    }

    // MARK: Crash safety and concurrency

    /// A worker claims a message and dies (before or after its request reached the provider):
    /// nobody sends it while the lease holds; afterwards it is resent with the same id and
    /// the provider, de-duplicating by that id, delivers it once.
    @Test(arguments: [false, true])
    func aMessageLeftSendingIsResentWithTheSameIDAfterItsLease(reachedProvider: Bool) async throws {
        try await withProvider { provider in
            try await withTestApp(adjust: { $0.smsGatewayURL = provider.url; $0.smsGatewayKey = "test-key" }) { app, clock in
                let id = try await enqueue(app, assigned())
                // setup: the crashed worker
                let crashed = app.services.outboxWorker(app.db)
                let c = try #require(try await crashed.claim(id))
                #expect(c.attempts == 1)
                if reachedProvider {
                    let sent = try await app.services.notificationGateway.send(
                        OutgoingMessage(id: c.id, channel: .sms, recipient: c.recipient, subject: c.subject, body: c.body, attempt: c.attempts))
                    #expect(sent == .sent(providerRef: "P-1"))
                }
                #expect(try await crashed.claim(id) == nil, "a leased message cannot be claimed twice")
                // MUT
                let survivor = app.services.outboxWorker(app.db)
                #expect(try await survivor.runOnce() == 0)
                clock.advance(OutboxWorker.lease - 1)
                #expect(try await survivor.runOnce() == 0)
                #expect(try await message(app, id).status == .sending)
                clock.advance(1.5)
                #expect(try await survivor.runOnce() == 1)
                // validate
                let m = try await message(app, id)
                #expect(m.status == .sent && m.attempts == 2 && m.providerRef == "P-1")
                let attempts = try await app.services.notifications(app.db).attempts(messageID: id)
                #expect(attempts.map(\.attempt) == [1, 2])
                #expect(attempts.map(\.outcome) == [.abandoned, .sent])
                let seen = provider.requests
                #expect(seen.count == (reachedProvider ? 2 : 1))
                #expect(seen.allSatisfy { $0.idempotencyKey == id.uuidString && $0.bodyID == id.uuidString })
                #expect(provider.delivered == [id.uuidString: 1])
            }
        }
    }

    @Test func twoWorkersSendEachMessageExactlyOnce() async throws {
        try await withProvider(delay: .milliseconds(3)) { provider in
            try await withTestApp(adjust: { $0.smsGatewayURL = provider.url; $0.smsGatewayKey = "test-key" }) { app, _ in
                var ids: Set<UUID> = []
                for i in 1...30 {
                    var d = assigned(); d.params["number"] = "GD-\(i)"
                    ids.insert(try await enqueue(app, d))
                }
                let a = app.services.outboxWorker(app.db), b = app.services.outboxWorker(app.db)
                // MUT
                async let sentByA = a.runOnce()
                async let sentByB = b.runOnce()
                let total = try await sentByA + sentByB
                // validate
                #expect(total == 30)
                let seen = provider.requests
                #expect(seen.count == 30, "each message reaches the provider once, not merely once after de-duplication")
                #expect(Set(seen.map(\.idempotencyKey)) == Set(ids.map(\.uuidString)))
                #expect(provider.delivered.values.allSatisfy { $0 == 1 } && provider.delivered.count == 30)
                let rows = try await app.services.notifications(app.db).recent(projectID: nil, limit: 100)
                #expect(rows.count == 30 && rows.allSatisfy { $0.status == .sent && $0.attempts == 1 })
                #expect(try await a.runOnce() == 0)
            }
        }
    }

    // MARK: Giving up

    @Test func afterMaxAttemptsTheMessageFails() async throws {
        try await withProvider(failFirst: .max, failStatus: .badGateway) { provider in
            try await withTestApp(adjust: {
                $0.smsGatewayURL = provider.url; $0.smsGatewayKey = "test-key"; $0.outboxMaxAttempts = 4
            }) { app, clock in
                let id = try await enqueue(app, assigned())
                let worker = app.services.outboxWorker(app.db)
                // MUT
                var attempted = 0
                for _ in 1...8 {
                    attempted += try await worker.runOnce()
                    clock.advance(2 * 3600)
                }
                // validate
                #expect(attempted == 4)
                let m = try await message(app, id)
                #expect(m.status == .failed && m.attempts == 4 && m.lastError.hasPrefix("HTTP 502"))
                let attempts = try await app.services.notifications(app.db).attempts(messageID: id)
                #expect(attempts.count == 4)
                #expect(attempts.map(\.outcome) == [.retry, .retry, .retry, .failed])
                #expect(attempts.map(\.httpStatus) == [502, 502, 502, 502])
                #expect(provider.requests.count == 4)
            }
        }
    }

    @Test func aLastAttemptInterruptedByACrashFailsWithoutAnotherSend() async throws {
        try await withTestApp(adjust: { $0.outboxMaxAttempts = 1 }) { app, clock in
            let id = try await enqueue(app, assigned())
            let recorder = RecordingGateway()
            _ = try #require(try await app.services.outboxWorker(app.db, gateway: recorder).claim(id))
            // MUT
            clock.advance(OutboxWorker.lease + 1)
            #expect(try await app.services.outboxWorker(app.db, gateway: recorder).runOnce() == 0)
            // validate
            let m = try await message(app, id)
            #expect(m.status == .failed && m.attempts == 1)
            #expect(try await app.services.notifications(app.db).attempts(messageID: id).map(\.outcome) == [.abandoned])
            #expect(recorder.sent.isEmpty)
        }
    }

    @Test func aThrowingGatewayCountsAsRetry() async throws {
        try await withTestApp { app, _ in
            let id = try await enqueue(app, assigned())
            #expect(try await app.services.outboxWorker(app.db, gateway: RecordingGateway(throwing: true)).runOnce() == 1)
            let m = try await message(app, id)
            #expect(m.status == .pending && m.attempts == 1 && m.lastError.hasPrefix("gateway error"))
            #expect(try await app.services.notifications(app.db).attempts(messageID: id).map(\.outcome) == [.retry])
        }
    }

    // MARK: Configuration

    @Test func theProviderIsConfiguredFromTheEnvironment() throws {
        let none = try AppConfiguration.fromEnvironment([:])
        #expect(none.smsGatewayURL == nil && none.outboxInterval == 2 && none.outboxMaxAttempts == 8)
        let set = try AppConfiguration.fromEnvironment(["ESTATE_SMS_URL": "https://sms.example.com/v1/send", "ESTATE_SMS_KEY": "k1",
                                                        "ESTATE_OUTBOX_INTERVAL_SECONDS": "5", "ESTATE_OUTBOX_MAX_ATTEMPTS": "3"])
        #expect(set.smsGatewayURL == "https://sms.example.com/v1/send" && set.smsGatewayKey == "k1")
        #expect(set.outboxInterval == 5 && set.outboxMaxAttempts == 3)
        #expect(throws: AppConfiguration.Invalid.self) { try AppConfiguration.fromEnvironment(["ESTATE_SMS_URL": "https://sms.example.com"]) }
        #expect(throws: AppConfiguration.Invalid.self) { try AppConfiguration.fromEnvironment(["ESTATE_SMS_URL": "sms.example.com", "ESTATE_SMS_KEY": "k"]) }
        #expect(throws: AppConfiguration.Invalid.self) { try AppConfiguration.fromEnvironment(["ESTATE_OUTBOX_INTERVAL_SECONDS": "0"]) }
    }
}

// MARK: - Helpers

private func assigned() -> OutboxDraft {
    OutboxDraft(channel: .sms, recipient: "13812341234", template: "ticket.assigned",
                params: ["number": "GD-0001", "title": "3-1-1201 卫生间渗漏", "due": "11-27 18:00"], reference: "ticket:1")
}

@discardableResult
private func enqueue(_ app: Application, _ draft: OutboxDraft) async throws -> UUID {
    let now = app.services.now()
    return try await app.services.store(app.db).write { tx in try await Outbox.enqueue(draft, now: now, on: tx.sql) }
}

private func countMessages(_ app: Application) async throws -> Int {
    struct C: Decodable { var n: Int }
    return try await app.services.store(app.db).sql.raw("SELECT COUNT(*) AS n FROM outbox_messages").first(decoding: C.self)?.n ?? -1
}

private func message(_ app: Application, _ id: UUID) async throws -> NotificationService.OutboxRow {
    try #require(try await app.services.notifications(app.db).recent(projectID: nil, limit: 1000).first { $0.id == id })
}

private func withProvider(failFirst: Int = 0, failStatus: HTTPResponseStatus = .serviceUnavailable, delay: Duration = .zero,
                          _ body: (FakeProvider) async throws -> Void) async throws {
    let provider = try await FakeProvider.start(failFirst: failFirst, failStatus: failStatus, delay: delay)
    do { try await body(provider) } catch {
        try? await provider.stop()
        throw error
    }
    try await provider.stop()
}

/// A gateway that records what it was given (or throws).
private final class RecordingGateway: NotificationGateway {
    let box = NIOLockedValueBox<[OutgoingMessage]>([])
    let throwing: Bool
    init(throwing: Bool = false) { self.throwing = throwing }
    var sent: [OutgoingMessage] { box.withLockedValue { $0 } }
    func send(_ m: OutgoingMessage) async throws -> GatewayResult {
        struct Down: Error {}
        box.withLockedValue { $0.append(m) }
        if throwing { throw Down() }
        return .sent(providerRef: nil)
    }
}

/// A local SMS provider: a real HTTP server on a free loopback port. It records every request,
/// answers `failStatus` to the first `failFirst`, and delivers each Idempotency-Key once (a
/// repeat is answered 200 with the first delivery's ref).
private final class FakeProvider: Sendable {
    struct Seen: Sendable {
        var idempotencyKey: String?
        var authorization: String?
        var bodyID: String
        var channel: String
        var to: String
        var body: String
    }
    private struct State {
        var requests: [Seen] = []
        var refs: [String: String] = [:]
        var deliveries: [String: Int] = [:]
    }
    private struct Payload: Content { var id: String; var channel: String; var to: String; var subject: String; var body: String }

    let app: Application
    let url: String
    private let state: NIOLockedValueBox<State>

    private init(app: Application, url: String, state: NIOLockedValueBox<State>) {
        self.app = app
        self.url = url
        self.state = state
    }

    var requests: [Seen] { state.withLockedValue { $0.requests } }
    /// Deliveries per message id (after de-duplication: each should be 1).
    var delivered: [String: Int] { state.withLockedValue { $0.deliveries } }
    /// An HTTP client for gateways built by hand.
    var client: any Client { app.client }

    static func start(failFirst: Int = 0, failStatus: HTTPResponseStatus = .serviceUnavailable,
                      delay: Duration = .zero) async throws -> FakeProvider {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        let state = NIOLockedValueBox(State())
        app.post("v1", "send") { req async throws -> Response in
            if delay > .zero { try await Task.sleep(for: delay) }
            let p = try req.content.decode(Payload.self)
            let key = req.headers.first(name: "Idempotency-Key")
            let seen = Seen(idempotencyKey: key, authorization: req.headers.first(name: .authorization), bodyID: p.id,
                            channel: p.channel, to: p.to, body: p.body)
            let answer: (HTTPResponseStatus, String) = state.withLockedValue { s in
                s.requests.append(seen)
                if s.requests.count <= failFirst { return (failStatus, "") }
                guard let key else { return (.badRequest, "") }
                if let ref = s.refs[key] { return (.ok, #"{"ref":"\#(ref)","duplicate":true}"#) }
                let ref = "P-\(s.refs.count + 1)"
                s.refs[key] = ref
                s.deliveries[key, default: 0] += 1
                return (.ok, #"{"ref":"\#(ref)"}"#)
            }
            if answer.0 != .ok { return Response(status: answer.0) }
            var headers = HTTPHeaders()
            headers.contentType = .json
            return Response(status: .ok, headers: headers, body: .init(string: answer.1))
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
        return FakeProvider(app: app, url: "http://127.0.0.1:\(port)/v1/send", state: state)
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}

import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing

/// Issue 15 point 6: every action written to the audit log has a name in both catalogues, so the
/// audit log and the home page's 最近操作 read "签约", not `contract.sign`. The codes come from the
/// sources (every `AuditEntry(action: …)`, the four built from an enum expanded over its cases) and,
/// as a cross-check, from an audit log the whole demo wrote. An action expression the scan cannot
/// read fails the test (fails closed).
@Suite struct AuditCatalogueTests {
    /// Actions built from an enum: the interpolation in the source → every code it can make.
    static let built: [String: [String]] = [
        #""ticket.\(action.rawValue)""#: TicketAction.allCases.map { "ticket.\($0.rawValue)" },
        #""mortgage.\(stage.rawValue)""#: MortgageStage.allCases.map { "mortgage.\($0.rawValue)" },
        #""title.\(stage.rawValue)""#: TitleStage.allCases.map { "title.\($0.rawValue)" },
        #""unit.\(move.rawValue)""#: UnitMove.allCases.map { "unit.\($0.rawValue)" },
        "Self.action": [ExactLookups.action],
        "Self.limitedAction": [ExactLookups.limitedAction],
    ]

    static func sourceCodes() throws -> (codes: Set<String>, unread: [String]) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/EstateServer")
        var codes = Set<String>(), unread: [String] = []
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        let entry = /AuditEntry\(\s*action:\s*(?<expr>[^\n]*?),\s*entity:/
        while let url = walker?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in text.matches(of: entry) {
                let expr = String(m.output.expr).trimmingCharacters(in: .whitespaces)
                if let known = built[expr] { codes.formUnion(known); continue }
                if expr == "action" {
                    // UserService names its action in a `let action = … ? "user.disable" : …` just above.
                    let before = text[..<m.range.lowerBound].suffix(400)
                    let literals = before.matches(of: /"(user\.[a-z_]+)"/).map { String($0.output.1) }
                    if literals.isEmpty { unread.append("\(url.lastPathComponent): action") }
                    codes.formUnion(literals)
                    continue
                }
                let literals = expr.matches(of: /"([a-z_]+(?:\.[a-z_]+)+)"/).map { String($0.output.1) }
                if literals.isEmpty || expr.contains("\\(") { unread.append("\(url.lastPathComponent): \(expr)") }
                codes.formUnion(literals)
            }
        }
        return (codes, unread)
    }

    @Test func everyActionTheSourcesWriteHasANameInBothLanguages() throws {
        // setup
        let catalog = try Catalog.load()
        // MUT
        let (codes, unread) = try Self.sourceCodes()
        // validate
        #expect(unread.isEmpty, "audit actions the scan cannot read: \(unread)")
        #expect(codes.count > 80, "the scan found only \(codes.count) actions")
        for language in Language.allCases {
            let missing = codes.filter { !catalog.has("audit.action.\($0)", in: language) }.sorted()
            #expect(missing.isEmpty, "\(language): no name for \(missing)")
        }
    }

    @Test func everyActionTheDemoWroteIsOneTheScanKnows() async throws {
        try await withTestApp(.demo) { app, _ in
            // setup
            let (codes, _) = try Self.sourceCodes()
            // MUT
            struct A: Decodable { var action: String }
            let written = try await (app.db as! any SQLDatabase).raw("SELECT DISTINCT action FROM audit_log").all(decoding: A.self).map(\.action)
            // validate
            #expect(written.count > 20)
            let unknown = Set(written).subtracting(codes).sorted()
            #expect(unknown.isEmpty, "the demo wrote actions the scan does not see: \(unknown)")
        }
    }

    @Test func theAuditPageNamesActionsInTheReadersLanguage() throws {
        let catalog = try Catalog.load()
        #expect(AuditPage.actionName(Localizer(catalog: catalog, language: .zh), "contract.sign") == "签约")
        #expect(AuditPage.actionName(Localizer(catalog: catalog, language: .en), "contract.sign") == "Contract signed")
        #expect(AuditPage.actionName(Localizer(catalog: catalog, language: .zh), "no.such_action") == "no.such_action")
    }

    @Test func aChangeReadsInTheReadersLanguageWithNamesAndBeijingTime() throws {
        let catalog = try Catalog.load()
        let zh = Localizer(catalog: catalog, language: .zh), en = Localizer(catalog: catalog, language: .en)
        let consultant = UUID(), unknown = UUID()
        let line = AuditQuery.Line(id: UUID(), at: Date(), actorID: nil, actorName: "x", action: "ticket.start", entity: "ticket",
                                   entityID: UUID().uuidString, projectID: nil, summary: "ticket GD000001 started",
                                   before: ["status": "assigned", "owner": consultant.uuidString],
                                   after: ["status": "in_progress", "owner": unknown.uuidString, "expiresAt": "2026-12-07T04:58:51.209Z",
                                           "received": "true", "mystery": "x"],
                                   outcome: "ok", requestID: nil, ip: nil)
        let names = [consultant: "李娜"]
        #expect(AuditReading.changes(line, zh, names: names)
                == "到期时间：2026-12-07 12:58；mystery：x；归属顾问：李娜 → （记录）；已收：是；状态：已派单 → 处理中")
        #expect(AuditReading.changes(line, en, names: names).contains("Status: Assigned → In progress"))
        #expect(AuditReading.subject(line, zh, references: [line.entityID!: "GD000001"]) == "工单 GD000001")
        // A customer is never named by the audit log (its readers may not see customers).
        var customer = line
        customer.entity = "customer"
        customer.after = ["name": "张三"]
        #expect(AuditReading.subject(customer, zh, references: [:]) == "客户")
    }

    @Test func everyFieldAndRecordTheDemoWroteHasANameAndThePageShowsNoCodes() async throws {
        try await withTestApp(.demo) { app, _ in
            struct L: Decodable { var entity: String; var before: String?; var after: String? }
            let lines = try await (app.db as! any SQLDatabase).raw("SELECT entity, before, after FROM audit_log").all(decoding: L.self)
            var fields = Set<String>(), entities = Set<String>()
            for l in lines {
                entities.insert(l.entity)
                for json in [l.before, l.after].compactMap({ $0 }) where !json.isEmpty {
                    fields.formUnion((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?.keys ?? [:].keys)
                }
            }
            #expect(fields.count > 20)
            let catalog = app.services.catalog
            for language in Language.allCases {
                let unnamed = fields.filter { !catalog.has("audit.field.\($0)", in: language) }.sorted()
                #expect(unnamed.isEmpty, "\(language): fields without a name \(unnamed)")
                let records = entities.filter { !catalog.has("audit.entity.\($0)", in: language) }.sorted()
                #expect(records.isEmpty, "\(language): records without a name \(records)")
            }
            // The page as an auditor reads it in Chinese: no ids, no coded statuses, no English sentences.
            var browser = Browser(app: app)
            _ = try await browser.signIn("cs-manager", DemoSeeder.password)
            var statusesNamed = false
            for page in 1...3 {
                let html = try await browser.get("/admin/audit?page=\(page)").body.string
                let body = String(try #require(html.range(of: "<tbody>").map { html[$0.lowerBound...] }))
                #expect(body.firstMatch(of: /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/) == nil, "page \(page) shows an id")
                for code in ["in_progress", "awaiting_approval", "combined_loan", "household_register", "signed in", " received", "true"] {
                    #expect(!body.replacing(/<code[^>]*>[^<]*<\/code>/, with: "").contains(code), "page \(page) shows \(code)")
                }
                statusesNamed = statusesNamed || body.contains("状态：")
            }
            // A status change among the latest lines reads by its name (which pages hold one depends on the demo's last stories).
            #expect(statusesNamed)
        }
    }

    /// The ticket log names every step ("重复报修", not `repeat`): the steps the sources write, and every ticket action.
    @Test func everyTicketLogStepHasANameInBothLanguages() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/EstateServer/Service")
        var codes = Set(TicketAction.allCases.map(\.rawValue))
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            codes.formUnion(text.matches(of: /event\(id, "(?<code>[a-z_]+)"/).map { String($0.output.code) })
        }
        #expect(codes.contains("repeat") && codes.count > 10)
        let catalog = try Catalog.load()
        for language in Language.allCases {
            let missing = codes.filter { !catalog.has("ticket.event.\($0)", in: language) }.sorted()
            #expect(missing.isEmpty, "\(language): ticket log steps without a name \(missing)")
        }
    }
}

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
}

import EstateCore
@testable import EstateServer
import FluentKit
import Foundation
import Plot
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Issue 13: every page, with hostile text in every free-text column of the demo and in every
/// query parameter a page reads, parsed as a browser would: no element or attribute appears that
/// the page did not write itself.
@Suite("Hostile values on every page")
struct HostileValueTests {
    /// Quotes of both kinds, angle brackets, an entity, a newline and a script URL.
    static let payload = "\"'><pwn-el pwn-attr=1>&amp;\n<!--x-->javascript:pwn()//"

    /// Free-text columns (names, notes, reasons, titles…): what people type. Prefixed, so
    /// unique names stay unique.
    static let textColumns: Set<String> = [
        "name", "display_name", "address", "notes", "note", "reason", "title", "summary", "description", "comment",
        "source", "orientation", "resolution", "review_note", "termination_reason", "next_step", "interests", "location",
        "actor_name", "requested_by_name", "decided_by_name", "uploaded_by_name", "payer", "subject", "body",
        "title_certificate_no", "online_sign_no", "batch_name", "clauses", "contact_name",
    ]

    @Test func noPageLetsAValueWriteMarkup() async throws {
        try await withTestApp(.demo) { app, _ in
            // setup: the demo, then hostile text in front of every free-text value.
            let sql = app.db as! any SQLDatabase
            var poisoned: [String] = []
            for (table, column) in try await Self.textColumns(sql, engine: app.services.engine) {
                try await sql.raw("UPDATE \(ident: table) SET \(ident: column) = \(bind: Self.payload) || \(ident: column) WHERE \(ident: column) IS NOT NULL")
                    .run()
                poisoned.append("\(table).\(column)")
            }
            #expect(poisoned.count > 40, "poisoned \(poisoned.count) columns: \(poisoned)")
            app.services.unitEvents.reloadEveryone()

            // MUT: every page a signed-in user can open, as the GM and as the administrator.
            let ids = try await Self.parameterValues(sql)
            let pages = Self.pageRoutes(app).compactMap { Self.path($0, ids) }
            #expect(pages.count > 40, "\(pages.count) pages")
            let hostileQuery = ["q", "status", "notice", "error", "from", "to", "building", "grade", "source", "owner", "box",
                                "kind", "queue", "layout", "next", "back", "month", "granularity", "e.code", "page"]
                .map { "\($0)=\(Self.payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
            var rendered = 0, showedPayload = 0
            var failures: [String] = []
            for user in ["general-manager", "admin", "cs-staff", "consultant"] {
                var browser = Browser(app: app)
                _ = try await browser.signIn(user, DemoSeeder.password)
                for page in pages {
                    for path in [page, page + (page.contains("?") ? "&" : "?") + hostileQuery] {
                        let res = try await browser.get(path)
                        #expect(res.status.code < 500, "\(user) \(path): \(res.status)")
                        guard res.headers.contentType?.subType == "html" else { continue }
                        rendered += 1
                        let html = res.body.string
                        if html.contains("&lt;pwn-el") { showedPayload += 1 }
                        // validate
                        for problem in HTMLScan.injections(in: html) { failures.append("\(user) \(path): \(problem)") }
                    }
                }
            }
            print("hostile walk: \(poisoned.count) columns poisoned, \(pages.count) routes, \(rendered) pages rendered, \(showedPayload) showed the payload, \(failures.count) injections")
            #expect(failures.isEmpty, "\(failures.count) injections, first: \(failures.prefix(5))")
            #expect(rendered > 200, "\(rendered) pages rendered")
            // The hostile text did reach the pages (escaped), so the walk proves something.
            #expect(showedPayload > 30, "\(showedPayload) pages showed the payload")
        }
    }

    /// The scanner is only worth its silence if it sees raw markup; and Plot itself escapes.
    @Test func theScannerCatchesRawMarkupAndPlotEscapesEverything() async throws {
        // The scanner itself: raw markup in an attribute and in text is caught; escaped is not.
        #expect(!HTMLScan.injections(in: #"<p title="x"><pwn-el pwn-attr=1>">t</p>"#).isEmpty)
        #expect(!HTMLScan.injections(in: #"<input value="x" onmouseover="pwn()">"#).isEmpty)
        #expect(!HTMLScan.injections(in: #"<a href="javascript:pwn()">x</a>"#).isEmpty)
        #expect(!HTMLScan.injections(in: #"<a href=" JavaScript:pwn()">x</a>"#).isEmpty)
        #expect(HTMLScan.injections(in: #"<p title="&quot;&#39;&gt;&lt;pwn-el pwn-attr=1&gt;">&lt;pwn-el&gt;</p>"#).isEmpty)
        // Plot as patched: an attribute value and a text node carrying the payload.
        let html = Node<HTML.BodyContext>.div(.attribute(named: "title", value: Self.payload), .id(Self.payload),
                                              .input(.value(Self.payload)), .text(Self.payload)).render()
        #expect(HTMLScan.injections(in: html).isEmpty, "\(html)")
        #expect(html.contains("&quot;&#39;&gt;&lt;pwn-el pwn-attr=1&gt;&amp;amp;"))
    }

    // MARK: Support

    static func textColumns(_ sql: any SQLDatabase, engine: Store.Engine) async throws -> [(String, String)] {
        struct C: Decodable { var tableName: String; var columnName: String }
        let rows: [C]
        switch engine {
        case .postgres:
            rows = try await sql.raw("""
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')
                """).all(decoding: C.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
        case .sqlite:
            rows = try await sql.raw("""
                SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m JOIN pragma_table_info(m.name) p
                WHERE m.type = 'table' AND upper(p.type) IN ('TEXT', 'VARCHAR')
                """).all(decoding: C.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
        }
        return rows.filter { textColumns.contains($0.columnName) && !$0.tableName.hasPrefix("_") }
            .map { ($0.tableName, $0.columnName) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    /// A value for each route parameter: the first row of the table it names (HXY's where it matters).
    static func parameterValues(_ sql: any SQLDatabase) async throws -> [String: String] {
        struct R: Decodable { var id: UUID }
        func first(_ query: String) async throws -> String? {
            try await sql.raw(SQLQueryString(stringLiteral: query)).first(decoding: R.self)?.id.uuidString
        }
        var ids: [String: String] = [:]
        let project = "(SELECT id FROM projects WHERE code = 'HXY')"
        let queries: [String: String] = [
            "projectID": "SELECT id FROM projects WHERE code = 'HXY'",
            "unitID": "SELECT u.id FROM units u JOIN unit_claims k ON k.unit_id = u.id WHERE u.project_id = \(project) LIMIT 1",
            "buildingID": "SELECT id FROM buildings WHERE project_id = \(project) LIMIT 1",
            "customerID": "SELECT customer_id AS id FROM sale_buyers LIMIT 1",
            "subscriptionID": "SELECT id FROM subscriptions WHERE project_id = \(project) LIMIT 1",
            "contractID": "SELECT id FROM contracts WHERE project_id = \(project) AND status = 'signed' LIMIT 1",
            "ticketID": "SELECT id FROM tickets WHERE project_id = \(project) LIMIT 1",
            "approvalID": "SELECT id FROM approvals WHERE project_id = \(project) LIMIT 1",
            "userID": "SELECT id FROM users WHERE username = 'consultant'",
            "bankID": "SELECT id FROM banks LIMIT 1",
            "categoryID": "SELECT id FROM ticket_categories LIMIT 1",
            "listID": "SELECT id FROM price_lists WHERE project_id = \(project) LIMIT 1",
            "receiptID": "SELECT id FROM receipts LIMIT 1",
            "ruleID": "SELECT id FROM discount_rules LIMIT 1",
            "regID": "SELECT id FROM channel_registrations WHERE status = 'visited' LIMIT 1",
            "supplierID": "SELECT supplier_id AS id FROM purchase_orders LIMIT 1",
            // The mall desk (issue 20): the demo mall HXM, a member, a price-tag sheet.
            "mallID": "SELECT id FROM malls LIMIT 1",
            "memberID": "SELECT id FROM mall_members WHERE status = 'issued' LIMIT 1",
            "requestID": "SELECT id FROM mall_price_tags LIMIT 1",
        ]
        for (name, query) in queries { ids[name] = try await first(query) }
        ids["projectId"] = ids["projectID"]
        return ids
    }

    /// Every GET route that answers a page: not the API, files, streams or sign-out.
    static func pageRoutes(_ app: Application) -> [[PathComponent]] {
        app.routes.all.filter { r in
            guard r.method == .GET else { return false }
            let text = r.path.map(\.description).joined(separator: "/")
            let skip = ["api", "assets", "owner", "metrics", "health", "openapi.json", "lang", "logout"]
            if let head = r.path.first?.description, skip.contains(head) { return false }
            return !text.contains(".xlsx") && !text.contains(".csv") && !text.hasSuffix("events") && !text.contains("attachment")
                && !text.contains("template") && !text.hasSuffix("export") && !text.contains("print.js") && !text.contains("*")
        }.map(\.path)
    }

    static func path(_ components: [PathComponent], _ ids: [String: String]) -> String? {
        var parts: [String] = []
        for c in components {
            switch c {
            case .constant(let s): parts.append(s)
            case .parameter(let name):
                guard let v = ids[name] else { return nil }
                parts.append(v)
            default: return nil
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// Just enough of the HTML tokenizer (WHATWG §13.2.5) to list every start tag with its
/// attributes as a browser would read them, and report what a page never writes itself.
enum HTMLScan {
    struct Tag { var name: String; var attributes: [(name: String, value: String)] }

    static func tags(in html: String) -> [Tag] {
        let s = Array(html.unicodeScalars)
        var i = 0, out: [Tag] = []
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{0C}" }
        while i < s.count {
            guard s[i] == "<" else { i += 1; continue }
            if s.count > i + 3, s[i + 1] == "!", s[i + 2] == "-", s[i + 3] == "-" {
                // A comment runs to the next -->.
                var j = i + 4
                while j + 2 < s.count, !(s[j] == "-" && s[j + 1] == "-" && s[j + 2] == ">") { j += 1 }
                i = j + 3; continue
            }
            if i + 1 < s.count, s[i + 1] == "!" || s[i + 1] == "/" || s[i + 1] == "?" {
                while i < s.count, s[i] != ">" { i += 1 }
                continue
            }
            guard i + 1 < s.count, s[i + 1].properties.isAlphabetic else { i += 1; continue }
            var j = i + 1, name = ""
            while j < s.count, !isSpace(s[j]), s[j] != "/", s[j] != ">" { name.unicodeScalars.append(s[j]); j += 1 }
            var attrs: [(String, String)] = []
            while j < s.count, s[j] != ">" {
                if isSpace(s[j]) || s[j] == "/" { j += 1; continue }
                var an = ""
                while j < s.count, !isSpace(s[j]), s[j] != "/", s[j] != ">", s[j] != "=" || an.isEmpty { an.unicodeScalars.append(s[j]); j += 1 }
                while j < s.count, isSpace(s[j]) { j += 1 }
                var value = ""
                if j < s.count, s[j] == "=" {
                    j += 1
                    while j < s.count, isSpace(s[j]) { j += 1 }
                    if j < s.count, s[j] == "\"" || s[j] == "'" {
                        let q = s[j]; j += 1
                        while j < s.count, s[j] != q { value.unicodeScalars.append(s[j]); j += 1 }
                        j += 1
                    } else {
                        while j < s.count, !isSpace(s[j]), s[j] != ">" { value.unicodeScalars.append(s[j]); j += 1 }
                    }
                }
                attrs.append((an.lowercased(), decode(value)))
            }
            let tag = Tag(name: name.lowercased(), attributes: attrs)
            out.append(tag)
            i = j + 1
            // Script, style, textarea and title content is text up to its own end tag.
            if ["script", "style", "textarea", "title"].contains(tag.name) {
                let close = Array("</\(tag.name)".unicodeScalars)
                while i + close.count <= s.count,
                      !zip(s[i..<(i + close.count)], close).allSatisfy({ Character($0).lowercased() == Character($1).lowercased() }) { i += 1 }
            }
        }
        return out
    }

    static func decode(_ v: String) -> String {
        v.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// What no page of ours writes: a `pwn` element or attribute, an inline event handler, an
    /// attribute name that is punctuation (a broken-out quote), a script URL.
    static func injections(in html: String) -> [String] {
        var found: [String] = []
        for tag in tags(in: html) {
            if tag.name.contains("pwn") { found.append("element <\(tag.name)>") }
            for (name, value) in tag.attributes {
                if name.contains("pwn") || name.hasPrefix("on") || name.contains("\"") || name.contains("'") || name.contains("<") {
                    found.append("attribute \(name) on <\(tag.name)>")
                }
                let v = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                if ["href", "src", "action", "formaction"].contains(name), v.hasPrefix("javascript:") {
                    found.append("script URL in \(name) on <\(tag.name)>")
                }
                if tag.name == "meta", name == "http-equiv" { found.append("meta http-equiv") }
            }
        }
        return found
    }
}

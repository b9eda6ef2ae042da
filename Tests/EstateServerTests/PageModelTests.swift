import EstateCore
@testable import EstateServer
import Foundation
import Testing

/// Pages drawn straight from their `Model` values — no application, no database — for what a
/// page decides by itself: which forms a role is offered, where a refused form's reasons go, when
/// the project switcher shows and what it keeps.
@Suite struct PageModelTests {
    static let catalog = try! Catalog.load()
    static let projects = [InventoryShell.ProjectRef(id: UUID(), code: "HY", name: "和园"),
                           InventoryShell.ProjectRef(id: UUID(), code: "JY", name: "锦园")]

    static func context(_ language: Language = .zh, roles: [Role] = [.salesManager]) -> PageContext {
        let grants = Set(roles.map { Grant(role: $0, projectID: projects[0].id) })
        return PageContext(t: Localizer(catalog: catalog, language: language),
                           principal: Principal(userID: UUID(), username: "u", displayName: "用户", grants: grants),
                           path: "/projects/\(projects[0].id)/banks", csrf: "csrf-token")
    }

    static func banks(manages: Bool, failure: FormFailure? = nil, projects: [InventoryShell.ProjectRef] = projects) -> BanksPage.Model {
        BanksPage.Model(project: projects[0], projects: projects,
                        banks: [SaleService.Bank(id: UUID(), name: "建设银行", branch: "城东支行", active: true),
                                SaleService.Bank(id: UUID(), name: "农业银行", branch: "", active: false)],
                        manages: manages, failure: failure)
    }

    @Test func aManagerIsOfferedTheBankFormsAndAConsultantOnlyTheList() {
        // MUT
        let manager = BanksPage.view(Self.context(), Self.banks(manages: true)).render()
        let consultant = BanksPage.view(Self.context(roles: [.consultant]), Self.banks(manages: false)).render()
        // validate
        for html in [manager, consultant] {
            #expect(html.contains("建设银行") && html.contains("城东支行") && html.contains("农业银行"))
        }
        #expect(manager.contains(#"action="/projects/\#(Self.projects[0].id)/banks""#))
        #expect(manager.components(separatedBy: #"name="_csrf" value="csrf-token""#).count - 1 == 4) // sign-out, add, two toggles
        #expect(!consultant.contains(#"action="/projects/\#(Self.projects[0].id)/banks"#))
    }

    @Test func aRefusedFormShowsItsReasonsAndWhatWasTypedBesideThatForm() throws {
        // setup
        let t = Localizer(catalog: Self.catalog, language: .zh)
        let problem = Problem.invalid([.init(field: "name", code: "required")])
        // MUT
        let failure = FormFailure(t, problem, form: "bank", values: ["name": "", "branch": "城西支行"], label: { $0 == "name" ? "银行" : nil })
        let html = BanksPage.view(Self.context(), Self.banks(manages: true, failure: failure)).render()
        let other = FormFailure.view(failure, form: "another-form").render()
        // validate
        #expect(failure.has("name") && !failure.has("branch"))
        #expect(failure.fields.first?.message.hasPrefix("银行：") == true)
        #expect(html.contains(#"role="alert""#) && html.contains("银行："))
        #expect(html.contains(#"value="城西支行""#))
        #expect(other.isEmpty)
    }

    @Test func theSwitcherShowsForMoreThanOneProjectAndKeepsTheTab() {
        // setup
        let t = Localizer(catalog: Self.catalog, language: .zh)
        // MUT
        let one = ProjectSwitcher.view(t, current: Self.projects[0], projects: [Self.projects[0]], home: "/service").render()
        let two = ProjectSwitcher.view(t, current: Self.projects[1], projects: Self.projects, home: "/service", keep: [("tab", "callbacks")]).render()
        // validate
        #expect(one.isEmpty)
        #expect(two.contains(#"action="/service""#))
        #expect(two.contains(#"<input type="hidden" name="tab" value="callbacks"/>"#))
        #expect(two.contains(#"<option value="\#(Self.projects[1].id.uuidString)" selected"#))
        #expect(!two.contains(#"<option value="\#(Self.projects[0].id.uuidString)" selected"#))
        #expect(two.contains("JY 锦园"))
    }

    @Test func everyPageNamesItsFaviconAndTheServerServesIt() async throws {
        let html = BanksPage.view(Self.context(), Self.banks(manages: false)).render()
        #expect(html.contains(#"<link rel="shortcut icon" href="/assets/favicon.svg" type="image/svg+xml"/>"#)
                || html.contains(#"href="/assets/favicon.svg""#))
        try await withTestApp { app, _ in
            let res = try await app.call(.GET, "/assets/favicon.svg")
            #expect(res.status == .ok)
            #expect(res.headers.contentType == .svg)
            #expect(res.body.string.hasPrefix("<svg"))
        }
    }

    /// Every page frame in the sources names the icon (a printable page without it makes browsers ask for
    /// /favicon.ico and log a 404): a new frame without one fails here.
    @Test func everyPageFrameInTheSourcesNamesTheFavicon() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/EstateServer")
        var frames = 0
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            let heads = text.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix(".head(") }.count
            guard text.contains("HTML("), heads > 0 else { continue }
            frames += heads
            #expect(text.components(separatedBy: ".favicon(").count - 1 >= heads, "\(url.lastPathComponent) has a page head without the favicon")
        }
        #expect(frames >= 3)   // the staff shell, the owner pages, the printable pages' shared head
    }

    @Test func theSamePageInEnglish() {
        let html = BanksPage.view(Self.context(.en), Self.banks(manages: true, projects: [Self.projects[0]])).render()
        #expect(html.contains(#"<html lang="en""#))
        #expect(!html.contains("project-switch"))
        #expect(!html.contains("按揭银行"))
    }
}

import EstateCore
import EstateSheets
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// The 销控 board page (issue 15): totals that no view filter changes, all buildings on one
/// board, unit-code search, and the board as .xlsx with prices only for those who may see them.
@Suite("The 销控 board page, its search and its .xlsx")
struct BoardPageTests {
    /// Two buildings of 3 floors × 2 rooms, released; two units of 1号楼 signed: 2 sold of 12 released.
    func setUp(_ app: Application) async throws -> (project: UUID, units: [UnitRow]) {
        let f = Fixtures(app: app)
        let project = try await f.project("BP")
        try await Inventory(app: app).seed(project, building: "1号楼", floors: 3, rooms: 2)
        try await Inventory(app: app).seed(project, building: "2号楼", floors: 3, rooms: 2)
        let units = try await app.services.inventory(app.db).allUnits(project)
        let sold = units.filter { ["1-1-301", "1-1-302"].contains($0.code) }.map(\.id)
        try await app.db.sql.update("units").set("status", to: "signed").where("id", .in, sold).run()
        app.services.unitEvents.reloadEveryone()
        try await f.user("smgr", roles: [(.salesManager, project)])
        try await f.user("chstaff", roles: [(.channelStaff, project)])
        return (project, try await app.services.inventory(app.db).allUnits(project))
    }

    /// The first row of the totals table (the project's), from `<tbody>` to its `</tr>`.
    func projectRow(_ html: String) -> String {
        guard let start = html.range(of: "<tbody>", range: html.range(of: "totals-table").map { $0.upperBound..<html.endIndex }) else { return "" }
        let rest = html[start.upperBound...]
        return String(rest[..<(rest.range(of: "</tr>")?.lowerBound ?? rest.endIndex)])
    }

    @Test func aViewFilterNeverChangesTheProjectsSellThrough() async throws {
        try await withTestApp { app, _ in
            // setup
            let (project, _) = try await setUp(app)
            var browser = Browser(app: app)
            _ = try await browser.signIn("smgr")
            let unfiltered = try await browser.get("/projects/\(project)/board")
            #expect(projectRow(unfiltered.body.string).contains("<strong>16.67%</strong>"), "2 sold of 12 released")
            for path in ["/projects/\(project)/board?status=available", "/projects/\(project)/board/totals?status=available",
                         "/projects/\(project)/board?building=all&status=available&floorFrom=2",
                         "/projects/\(project)/board/totals?building=all&layout=A%E6%88%B7%E5%9E%8B"] {
                // MUT
                let res = try await browser.get(path)
                // validate: the project's 去化率 and counts are the unfiltered ones; the filter has its own line.
                #expect(res.status == .ok)
                let row = projectRow(res.body.string)
                #expect(row.contains("<strong>16.67%</strong>"), "\(path): project 去化率 unchanged, got \(row)")
                #expect(row.contains("<strong>10</strong>") && row.contains("<strong>2</strong>"), "\(path): project counts unchanged")
                #expect(res.body.string.contains("class=\"filter-line\""), "\(path) shows the filtered count")
            }
            let filtered = try await browser.get("/projects/\(project)/board?building=all&status=available&floorFrom=2").body.string
            #expect(filtered.contains("筛选（全部楼栋）：6 套"))
            #expect(!unfiltered.body.string.contains("filter-line"))
            #expect(!unfiltered.body.string.contains("成交价随交易模块上线"))
        }
    }

    @Test func allBuildingsShowInBuildingOrderAsTheListsCountThem() async throws {
        try await withTestApp { app, _ in
            // setup: a third building set first in order, rooms 9 and 10 (10 after 9, as numbers).
            let (project, _) = try await setUp(app)
            let inv = app.services.inventory(app.db)
            _ = try await inv.createBuilding(project, name: "10号楼", floors: 1, entrances: 1, sortOrder: 0, context: .system("test"))
            for room in ["10", "9"] {
                _ = try await inv.createUnit(project, UnitDraft(building: "10号楼", entrance: "1", floor: "1", room: room, layout: "A户型",
                                                                orientation: "南", usage: "住宅", builtArea: "100", innerArea: "80",
                                                                pricingBasis: "按建筑面积", unitPrice: "20000"), context: .system("test"))
            }
            var browser = Browser(app: app)
            _ = try await browser.signIn("smgr")
            // MUT
            let html = try await browser.get("/projects/\(project)/board?building=all").body.string
            // validate: every building, in the order the unit lists use (peopleOrder), rooms as numbers.
            let listed = try await inv.allUnits(project)
            var buildingOrder: [UUID] = []
            for u in listed where !buildingOrder.contains(u.buildingID) { buildingOrder.append(u.buildingID) }
            let sections = html.components(separatedBy: "data-building=\"").dropFirst().map { UUID(uuidString: String($0.prefix(36)))! }
            #expect(sections == buildingOrder)
            #expect(html.contains(">全部楼栋<"))
            let codes = html.components(separatedBy: "data-code=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(codes.count == listed.count)
            #expect(Array(codes.prefix(2)) == ["10-1-19", "10-1-110"], "room 9 before room 10: \(codes.prefix(2))")
            #expect(Array(listed.prefix(2).map(\.code)) == ["10-1-19", "10-1-110"])
        }
    }

    @Test func aUnitCodeFindsItsUnitWhicheverWayItIsTyped() async throws {
        try await withTestApp { app, _ in
            let (project, units) = try await setUp(app)
            var browser = Browser(app: app)
            _ = try await browser.signIn("smgr")
            let target = try #require(units.first { $0.code == "2-1-201" })
            // On 1号楼, "2-1-0201" finds 2号楼's unit and shows that building.
            let first = try #require(try await app.services.unitEvents.board(project).buildings.first).building.id
            for typed in ["2-1-0201", "2-1-201", "２－１－０２０１", " 2-1-201 "] {
                let q = typed.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "0123456789-"))!
                let html = try await browser.get("/projects/\(project)/board?building=\(first)&find=\(q)").body.string
                #expect(html.contains("class=\"cell st-available found\" data-unit=\"\(target.id)\""), "\(typed) finds 2-1-201")
                #expect(!html.contains("find-missing"))
            }
            #expect(Board.codeKey("1-1-0101") == Board.codeKey("1-1-101"))
            #expect(Board.codeKey("b1-01-0101") == "B1-1-101")
            let html = try await browser.get("/projects/\(project)/board?find=9-9-999").body.string
            #expect(html.contains("没有找到房间「9-9-999」"))
        }
    }

    @Test func theBoardAsXlsxIsLaidOutLikeTheBoardWithPricesOnlyForThoseWhoSeeThem() async throws {
        try await withTestApp { app, _ in
            // setup
            let (project, units) = try await setUp(app)
            let u101 = try #require(units.first { $0.code == "1-1-101" })
            var sm = Browser(app: app)
            _ = try await sm.signIn("smgr")
            // MUT
            var res = try await sm.get("/projects/\(project)/board.xlsx?building=all&status=available")
            // validate
            #expect(res.status == .ok)
            #expect(res.headers.contentType?.description.contains("spreadsheetml") == true)
            var rows = try XLSXReader.rows(Data(buffer: res.body)).map(\.cells)
            #expect(rows[0][0].contains("销控表 · 全部楼栋"))
            let countRow = try #require(rows.first { $0.first == "全项目 · 套数" })
            // 未推 可售 销控 预留 已认购 已签约 已交付 | 已售 | 去化率: the project's, not the filter's.
            #expect(countRow == ["全项目 · 套数", "0", "10", "0", "0", "0", "2", "0", "2", "16.67%"])
            #expect(rows.contains { $0.first == "全项目 · 表价金额（元）" })
            #expect(rows.contains { $0.first?.hasPrefix("筛选（全部楼栋）：10 套 · ") == true && $0.first?.hasSuffix("万") == true })
            // The grid: a header of entrance and room, floors top-down, one cell per unit as the board shows it.
            let header = try #require(rows.firstIndex { $0.first == "楼层" })
            #expect(rows[header] == ["楼层", "1单元 01", "1单元 02"])
            #expect(rows[header + 1].first == "3" && rows[header + 3].first == "1")
            #expect(rows[header + 3][1] == "1-1-101\n可售\n118.56㎡\n\(Format.wan(u101.listTotal))")
            // Signed units are not in the filter: empty cells, as the page dims them.
            #expect(rows[header + 1].count == 1, "3rd floor of 1号楼 is signed: \(rows[header + 1])")
            #expect(rows.filter { $0.first == "楼层" }.count == 2, "both buildings")

            // A role that may not see prices gets none: no amounts, no 万 in any cell.
            var cs = Browser(app: app)
            _ = try await cs.signIn("chstaff")
            res = try await cs.get("/projects/\(project)/board.xlsx?building=all")
            #expect(res.status == .ok)
            rows = try XLSXReader.rows(Data(buffer: res.body)).map(\.cells)
            #expect(!rows.contains { $0.first?.contains("金额") == true })
            #expect(!rows.joined().contains { $0.contains("万") || $0.contains(u101.listTotal.plain) })
            #expect(rows.joined().contains("1-1-101\n可售\n118.56㎡"))
            // Nor on the page.
            let page = try await cs.get("/projects/\(project)/board?building=all").body.string
            #expect(!page.contains("万<") && !page.contains("class=\"price\"") && !page.contains("name=\"priceFrom\""))
            #expect(try await sm.get("/projects/\(project)/board").body.string.contains("class=\"price\""))
            // Nor in the unit panel the board opens, nor on the prices tab.
            let panel = "/projects/\(project)/units/\(u101.id)/panel"
            #expect(try await sm.get(panel).body.string.contains("\(u101.listTotal) 元"))
            #expect(!(try await cs.get(panel).body.string.contains("\(u101.listTotal) 元")))
            #expect(try await cs.get("/projects/\(project)/prices").status == .forbidden)
        }
    }

    @Test func liveCellsLoseTheirPricesForViewersWhoMayNotSeeThem() throws {
        let json = Array(#"[{"id":"A","status":"available","listUnitPrice":"18000.00","listTotal":"2145936.00","builtArea":"118.56"}]"#.utf8)
        let stripped = try #require(try JSONSerialization.jsonObject(with: Data(BoardJSON.withoutPrices(json))) as? [[String: String]])
        #expect(stripped == [["id": "A", "status": "available", "builtArea": "118.56"]])
    }
}

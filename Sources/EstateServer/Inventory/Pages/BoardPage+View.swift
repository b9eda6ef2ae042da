import EstateCore
import Plot
import Vapor

extension BoardPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let base = "/projects/\(m.project.id)"
        let query = replacing(replacing(m.query, "building", m.scope.queryValue), "find", nil)
        return InventoryShell.page(ctx, project: m.project, projects: m.projects, tab: .board, title: t("inv.tab.board"), .div(
            .class("board-page"),
            .attribute(named: "data-board", value: "1"), .attribute(named: "data-project", value: m.project.id.uuidString),
            .attribute(named: "data-statuses", value: m.filter.statuses.map(\.rawValue).sorted().joined(separator: ",")),
            .attribute(named: "data-query", value: query),
            .attribute(named: "data-fingerprint", value: m.board.fingerprint),
            .attribute(named: "data-prices", value: m.prices ? "1" : "0"),
            printHead(ctx, m),
            filters(ctx, m),
            .div(.id("board-totals"), totals(ctx, m.totals)),
            .div(.class("board-bar"),
                .nav(.class("building-tabs"), .attribute(named: "aria-label", value: t("inv.board.buildings")),
                    .a(.href("?" + replacing(m.query, "building", "all", drop: "find")), .class(m.scope == .all ? "current" : ""),
                       .text(t("inv.board.all_buildings")), .span(.class("muted"), .text(" \(m.board.totals.units)"))),
                    .forEach(m.board.buildings) { b in
                        .a(.href("?" + replacing(m.query, "building", b.building.id.uuidString, drop: "find")),
                           .class(m.scope == .building(b.building.id) ? "current" : ""),
                           .text(b.building.name), .span(.class("muted"), .text(" \(b.units.count)")))
                    }),
                findForm(ctx, m),
                .div(.class("board-tools"),
                    .a(.class("button"), .href("\(base)/board.xlsx?\(query)"), .text(t("inv.export"))),
                    .button(.type(.button), .attribute(named: "data-print", value: "1"), .text(t("inv.board.print"))),
                    .span(.id("live"), .class("live"), .attribute(named: "data-on", value: t("inv.live.on")),
                          .attribute(named: "data-off", value: t("inv.live.off")), .text(t("inv.live.off"))))),
            .if(!m.find.isEmpty && m.found == nil,
                .p(.class("flash error find-missing"), .text(t("inv.board.find_missing", ["code": m.find])))),
            m.shownBuildings.isEmpty
                ? .p(.class("muted card"), .text(t("inv.board.empty")))
                : .group(.forEach(m.shownBuildings) { b in grid(ctx, m, b, heading: m.scope == .all) }, legend(ctx)),
            .element(named: "aside", nodes: [.id("unit-panel"), .class("unit-panel"), .attribute(named: "hidden", value: "hidden"),
                                             .attribute(named: "aria-live", value: "polite")]),
            .script(.src("/assets/board.js"), .attribute(named: "defer", value: "defer"))
        ))
    }

    /// On paper only: what the sheet is (project, building, filter) and when it was printed.
    static func printHead(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .div(.class("print-only board-print-head"),
            .h2(.text("\(m.project.name) · \(t("inv.tab.board")) · \(scopeName(t, m.board, m.scope))")),
            .p(.text([filterSummary(t, m.filter), t("inv.board.as_of", ["time": Shell.dateTime(m.board.generatedAt)])]
                .compactMap { $0 }.joined(separator: " · "))))
    }

    static func findForm(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        return .form(.class("board-find"), .method(.get), .attribute(named: "role", value: "search"),
            .forEach(hiddenFields(m.query, except: ["find", "building"])) { kv in .input(.type(.hidden), .name(kv.0), .value(kv.1)) },
            .input(.type(.hidden), .name("building"), .value(m.scope.queryValue)),
            .label(.for("board-find"), .class("sr-only"), .text(t("inv.board.find"))),
            .input(.type(.search), .id("board-find"), .name("find"), .value(m.find), .attribute(named: "autocomplete", value: "off"),
                   .attribute(named: "placeholder", value: t("inv.board.find_hint")), .attribute(named: "maxlength", value: "32"),
                   .attribute(named: "data-missing", value: t("inv.board.find_missing", ["code": "{code}"]))),
            .button(.type(.submit), .text(t("inv.board.find"))))
    }

    static func filters(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, f = m.filter
        return .form(.class("filters"), .method(.get),
            .input(.type(.hidden), .name("building"), .value(m.scope.queryValue)),
            .div(.class("field status-pick"),
                .span(.class("label"), .text(t("field.status"))),
                .div(.class("chips"), .forEach(UnitStatus.allCases) { s in
                    .label(.class("chip st-\(s.rawValue)"),
                           .input(.type(.checkbox), .name("status"), .value(s.rawValue), .checked(f.statuses.contains(s))),
                           .text(" " + t(s.catalogKey)))
                })),
            .div(.class("field"), .label(.for("layout"), .text(t("field.layout"))),
                .select(.field("layout"), .choice("", t("list.all")),
                        .forEach(m.layouts) { .choice($0, $0, selected: f.layout == $0) })),
            .div(.class("field short"), .label(.for("floorFrom"), .text(t("inv.floor_from"))),
                 .input(.type(.number), .id("floorFrom"), .name("floorFrom"), .value(f.floorFrom.map(String.init) ?? ""))),
            .div(.class("field short"), .label(.for("floorTo"), .text(t("inv.floor_to"))),
                 .input(.type(.number), .id("floorTo"), .name("floorTo"), .value(f.floorTo.map(String.init) ?? ""))),
            .if(m.prices, .group(
                .div(.class("field"), .label(.for("priceFrom"), .text(t("inv.price_from"))),
                     .input(.type(.text), .id("priceFrom"), .name("priceFrom"), .attribute(named: "inputmode", value: "decimal"),
                            .value(f.priceFrom?.plain ?? ""))),
                .div(.class("field"), .label(.for("priceTo"), .text(t("inv.price_to"))),
                     .input(.type(.text), .id("priceTo"), .name("priceTo"), .attribute(named: "inputmode", value: "decimal"),
                            .value(f.priceTo?.plain ?? ""))))),
            .div(.class("field actions"), .label(.text(" ")),
                 .div(.button(.type(.submit), .class("primary"), .text(t("action.filter"))), .text(" "),
                      .a(.href("?building=\(m.scope.queryValue)"), .text(t("action.reset")))))
        )
    }

    /// The totals block: the project (and the building, or every building) whatever the filter,
    /// then the filtered count on a line of its own.
    static func totals(_ ctx: PageContext, _ v: Totals) -> Node<HTML.BodyContext> {
        let t = ctx.t
        func row(_ label: String, _ x: Board.Totals, project: Bool = false) -> Node<HTML.TableContext> {
            .tr(.class(project ? "project" : ""),
                .th(.attribute(named: "scope", value: "row"), .text(label)),
                .forEach(UnitStatus.allCases) { s in
                    let n = x.byStatus[s] ?? .init()
                    return .td(.class("num"), .strong(.text("\(n.count)")),
                               .span(.class("sub"), .text("\(n.area)㎡")),
                               .if(v.prices, .span(.class("sub"), .text(Format.wan(n.amount)))))
                },
                .td(.class("num"), .strong(.text("\(x.sold)")), .span(.class("sub"), .text("\(x.soldArea)㎡")),
                    .if(v.prices, .span(.class("sub"), .text(Format.wan(x.soldAmount))))),
                .td(.class("num rate"), .strong(.text(Format.percent(x.sellThroughPermyriad))),
                    .span(.class("sub"), .text(t("inv.board.sold_of", ["sold": "\(x.sold)", "released": "\(x.released)"])))))
        }
        let rows = v.board.buildings(in: v.scope)
        let shown = v.board.filteredTotals(v.scope, v.filter)
        return .div(.class("totals card"),
            .table(.class("data totals-table"),
                .thead(.tr(.th(.text("")),
                           .forEach(UnitStatus.allCases) { s in .th(.class("num"), .span(.class("swatch st-\(s.rawValue)")), .text(t(s.catalogKey))) },
                           .th(.class("num"), .text(t("inv.sold"))), .th(.class("num"), .text(t("inv.sell_through"))))),
                .tbody(row(t("inv.project_total"), v.board.totals, project: true),
                       .forEach(rows) { b in row(b.building.name, b.totals) })),
            .if(v.filter.narrows,
                .p(.class("filter-line"), .attribute(named: "data-filtered", value: "\(shown.units)"),
                   .strong(.text(t("inv.board.filtered", ["scope": scopeName(t, v.board, v.scope), "n": "\(shown.units)"]))),
                   .text(" · \(shown.byStatus.values.reduce(Area.zero) { $0 + $1.area })㎡"),
                   .if(v.prices, .text(" · " + Format.wan(shown.byStatus.values.reduce(Money.zero) { $0 + $1.amount }))),
                   .span(.class("muted"), .text(" · " + (filterSummary(t, v.filter) ?? ""))))),
            .p(.class("small muted"), .text(t(v.prices ? "inv.board.totals_rule" : "inv.board.totals_rule_no_prices"))))
    }

    static func grid(_ ctx: PageContext, _ m: Model, _ b: Board.Building, heading: Bool) -> Node<HTML.BodyContext> {
        let t = ctx.t
        // Columns: every (entrance, room) the building has, in order.
        let columns = Array(Set(b.units.map { Column(entrance: $0.entrance, room: $0.room) })).sorted()
        let entrances = Dictionary(grouping: columns, by: \.entrance).sorted { $0.key < $1.key }
        let floors = Array(Set(b.units.map(\.floor))).sorted(by: >)
        var at: [Column: [Int: UnitRow]] = [:]
        for u in b.units { at[Column(entrance: u.entrance, room: u.room), default: [:]][u.floor] = u }
        let filtering = m.filter.narrows
        return .element(named: "section", nodes: [.class("board-building"), .attribute(named: "data-building", value: b.building.id.uuidString),
            .if(heading, .h2(.class("board-building-name"), .text(b.building.name),
                             .span(.class("muted"), .text(" " + t("inv.board.units_n", ["n": "\(b.units.count)"]))))),
            .div(.class("board-wrap"),
                .table(.class("board"),
                    .thead(
                        .tr(.th(.attribute(named: "rowspan", value: "2"), .class("floor"), .text(t("inv.floor"))),
                            .forEach(entrances) { e in .th(.attribute(named: "colspan", value: "\(e.value.count)"), .class("entrance"), .text(t("inv.entrance_n", ["n": "\(e.key)"]))) }),
                        .tr(.forEach(columns) { c in .th(.class("room"), .text(c.room)) })),
                    .tbody(.forEach(floors) { floor in
                        .tr(.th(.class("floor"), .text("\(floor)")),
                            .forEach(columns) { c in
                                guard let u = at[c]?[floor] else { return .td(.class("cell none")) }
                                let match = !filtering || m.filter.matches(u)
                                let found = m.found?.id == u.id
                                return .td(.class("cell st-\(u.status.rawValue)\(match ? "" : " dim")\(found ? " found" : "")"),
                                           .attribute(named: "data-unit", value: u.id.uuidString),
                                           .attribute(named: "data-code", value: u.code),
                                           .attribute(named: "data-status", value: u.status.rawValue),
                                           // The anchor a board action returns to (#u-<unit>).
                                           .id("u-\(u.id)"),
                                    .a(.href("/projects/\(m.project.id)/units/\(u.id)"),
                                       .attribute(named: "title", value: "\(u.code) · \(t(u.status.catalogKey))"),
                                       .span(.class("code"), .text(u.code)),
                                       .span(.class("st-label"), .text(t(u.status.catalogKey))),
                                       .span(.class("layout"), .text(u.layout)),
                                       .span(.class("area"), .text("\(u.builtArea)㎡")),
                                       .if(m.prices, .span(.class("price"), .text(Format.wan(u.listTotal))))))
                            })
                    })))])
    }

    static func legend(_ ctx: PageContext) -> Node<HTML.BodyContext> {
        .ul(.class("legend"), .forEach(UnitStatus.allCases) { s in
            .li(.attribute(named: "data-status", value: s.rawValue), .span(.class("swatch st-\(s.rawValue)")), .text(ctx.t(s.catalogKey)))
        })
    }

    struct Column: Hashable, Comparable {
        var entrance: Int
        var room: String
        static func < (a: Column, b: Column) -> Bool {
            a.entrance != b.entrance ? a.entrance < b.entrance : Board.roomOrder(a.room, b.room)
        }
    }

    /// "1号楼" or "全部楼栋".
    static func scopeName(_ t: Localizer, _ board: Board, _ scope: Board.Scope) -> String {
        switch scope {
        case .all: t("inv.board.all_buildings")
        case .building(let id): board.buildings.first { $0.building.id == id }?.building.name ?? ""
        }
    }

    /// The view filter in words ("状态：可售、销控 · 户型：A户型 · 3–12层"), nil when there is none.
    static func filterSummary(_ t: Localizer, _ f: UnitFilter) -> String? {
        var parts: [String] = []
        if !f.statuses.isEmpty {
            parts.append(t("field.status") + "：" + UnitStatus.allCases.filter(f.statuses.contains).map { t($0.catalogKey) }.joined(separator: "、"))
        }
        if let l = f.layout, !l.isEmpty { parts.append(t("field.layout") + "：" + l) }
        if f.floorFrom != nil || f.floorTo != nil {
            parts.append(t("inv.board.floors", ["from": f.floorFrom.map(String.init) ?? "", "to": f.floorTo.map(String.init) ?? ""]))
        }
        if f.priceFrom != nil || f.priceTo != nil {
            parts.append(t("inv.board.prices", ["from": f.priceFrom.map(Format.wan) ?? "", "to": f.priceTo.map(Format.wan) ?? ""]))
        }
        if let c = f.code, !c.isEmpty { parts.append(c) }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// The current query with one key replaced (nil: removed), and others dropped.
    static func replacing(_ query: String, _ key: String, _ value: String?, drop: String...) -> String {
        var parts = query.split(separator: "&").map(String.init)
            .filter { p in !p.hasPrefix("\(key)=") && p != key && !drop.contains { p.hasPrefix("\($0)=") } }
        if let value { parts.insert("\(key)=\(value)", at: 0) }
        return parts.joined(separator: "&")
    }

    /// The query's pairs, decoded, for hidden form fields.
    static func hiddenFields(_ query: String, except: Set<String>) -> [(String, String)] {
        query.split(separator: "&").compactMap { p -> (String, String)? in
            let kv = p.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            guard let k = kv.first, !k.isEmpty, !except.contains(k) else { return nil }
            let v = kv.count > 1 ? kv[1] : ""
            return v.isEmpty ? nil : (k, v)
        }
    }
}

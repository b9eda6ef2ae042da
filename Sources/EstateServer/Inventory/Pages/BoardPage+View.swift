import EstateCore
import Plot
import Vapor

extension BoardPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let shown = m.board.filtered(m.filter)
        return InventoryShell.page(ctx, project: m.project, projects: m.projects, tab: .board, title: t("inv.tab.board"), .div(
            .class("board-page"),
            .attribute(named: "data-board", value: "1"), .attribute(named: "data-project", value: m.project.id.uuidString),
            .attribute(named: "data-statuses", value: m.filter.statuses.map(\.rawValue).sorted().joined(separator: ",")),
            .attribute(named: "data-query", value: m.query),
            .attribute(named: "data-fingerprint", value: m.board.fingerprint),
            filters(ctx, m),
            .div(.id("board-totals"), totals(ctx, shown, building: m.building.flatMap { b in shown.buildings.first { $0.building.id == b.building.id } })),
            .nav(.class("building-tabs"),
                .forEach(m.board.buildings) { b in
                    .a(.href("?\(replacing(m.query, "building", b.building.id.uuidString))"),
                       .class(b.building.id == m.building?.building.id ? "current" : ""),
                       .text(b.building.name), .span(.class("muted"), .text(" \(b.units.count)")))
                }),
            .unwrap(m.building, { grid(ctx, m, $0) }, else: .p(.class("muted card"), .text(t("inv.board.empty")))),
            .element(named: "aside", nodes: [.id("unit-panel"), .class("unit-panel"), .attribute(named: "hidden", value: "hidden"),
                                             .attribute(named: "aria-live", value: "polite")]),
            .script(.src("/assets/board.js"), .attribute(named: "defer", value: "defer"))
        ))
    }

    static func filters(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t, f = m.filter
        return .form(.class("filters"), .method(.get),
            .unwrap(m.building) { .input(.type(.hidden), .name("building"), .value($0.building.id.uuidString)) },
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
            .div(.class("field"), .label(.for("priceFrom"), .text(t("inv.price_from"))),
                 .input(.type(.text), .id("priceFrom"), .name("priceFrom"), .attribute(named: "inputmode", value: "decimal"),
                        .value(f.priceFrom?.plain ?? ""))),
            .div(.class("field"), .label(.for("priceTo"), .text(t("inv.price_to"))),
                 .input(.type(.text), .id("priceTo"), .name("priceTo"), .attribute(named: "inputmode", value: "decimal"),
                        .value(f.priceTo?.plain ?? ""))),
            .div(.class("field actions"), .label(.text(" ")),
                 .div(.button(.type(.submit), .class("primary"), .text(t("action.filter"))), .text(" "),
                      .a(.href("?" + (m.building.map { "building=\($0.building.id)" } ?? "")), .text(t("action.reset"))))),
            .div(.class("live-state"), .span(.id("live"), .class("live"), .attribute(named: "data-on", value: t("inv.live.on")),
                                             .attribute(named: "data-off", value: t("inv.live.off")), .text(t("inv.live.off"))))
        )
    }

    /// The totals block, also served alone so the page can refresh it live.
    static func totals(_ ctx: PageContext, _ board: Board, building: Board.Building?) -> Node<HTML.BodyContext> {
        let t = ctx.t
        func row(_ label: String, _ x: Board.Totals) -> Node<HTML.TableContext> {
            .tr(.th(.text(label)),
                .forEach(UnitStatus.allCases) { s in
                    let v = x.byStatus[s] ?? .init()
                    return .td(.class("num"), .strong(.text("\(v.count)")),
                               .div(.class("small muted"), .text("\(v.area)㎡ · \(Format.wan(v.amount))")))
                },
                .td(.class("num"), .strong(.text("\(x.sold)")), .div(.class("small muted"), .text("\(x.soldArea)㎡ · \(Format.wan(x.soldAmount))"))),
                .td(.class("num rate"), .strong(.text(Format.percent(x.sellThroughPermyriad)))))
        }
        return .div(.class("totals card"),
            .table(.class("data totals-table"),
                .thead(.tr(.th(.text("")),
                           .forEach(UnitStatus.allCases) { s in .th(.class("num"), .span(.class("swatch st-\(s.rawValue)")), .text(t(s.catalogKey))) },
                           .th(.class("num"), .text(t("inv.sold"))), .th(.class("num"), .text(t("inv.sell_through"))))),
                .tbody(row(t("inv.project_total"), board.totals),
                       .unwrap(building) { b in row(b.building.name, b.totals) })),
            .p(.class("small muted"), .text(t("inv.totals_note"))))
    }

    static func grid(_ ctx: PageContext, _ m: Model, _ b: Board.Building) -> Node<HTML.BodyContext> {
        let t = ctx.t
        // Columns: every (entrance, room) the building has, in order.
        let columns = Array(Set(b.units.map { Column(entrance: $0.entrance, room: $0.room) })).sorted()
        let entrances = Dictionary(grouping: columns, by: \.entrance).sorted { $0.key < $1.key }
        let floors = Array(Set(b.units.map(\.floor))).sorted(by: >)
        var at: [Column: [Int: UnitRow]] = [:]
        for u in b.units { at[Column(entrance: u.entrance, room: u.room), default: [:]][u.floor] = u }
        let filtering = m.filter != UnitFilter() && m.filter != { var f = UnitFilter(); f.buildingID = m.filter.buildingID; return f }()
        return .div(.class("board-wrap"),
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
                            return .td(.class("cell st-\(u.status.rawValue)\(match ? "" : " dim")"), .id("u-\(u.id)"),
                                       .attribute(named: "data-unit", value: u.id.uuidString),
                                       .attribute(named: "data-status", value: u.status.rawValue),
                                .a(.href("/projects/\(m.project.id)/units/\(u.id)"),
                                   .attribute(named: "title", value: "\(u.code) · \(t(u.status.catalogKey))"),
                                   .span(.class("code"), .text(u.code)),
                                   .span(.class("layout"), .text(u.layout)),
                                   .span(.class("area"), .text("\(u.builtArea)㎡")),
                                   .span(.class("price"), .text(Format.wan(u.listTotal)))))
                        })
                })),
            legend(ctx))
    }

    static func legend(_ ctx: PageContext) -> Node<HTML.BodyContext> {
        .ul(.class("legend"), .forEach(UnitStatus.allCases) { s in
            .li(.span(.class("swatch st-\(s.rawValue)")), .text(ctx.t(s.catalogKey)))
        })
    }

    struct Column: Hashable, Comparable {
        var entrance: Int
        var room: String
        static func < (a: Column, b: Column) -> Bool {
            a.entrance != b.entrance ? a.entrance < b.entrance : Board.roomOrder(a.room, b.room)
        }
    }

    /// The current query with one key replaced.
    static func replacing(_ query: String, _ key: String, _ value: String) -> String {
        var parts = query.split(separator: "&").map(String.init).filter { !$0.hasPrefix("\(key)=") }
        parts.insert("\(key)=\(value)", at: 0)
        return parts.joined(separator: "&")
    }
}

import EstateCore
import Foundation
import Plot
import Vapor

/// The A4 sheet of price tags (issue 20 point 7): 3 × 8 tags of 70 × 36 mm per page, each naming the item, the
/// price and its unit, the origin and specification, a discount tag the original price struck through; the
/// mall's name and the request number on each tag for the log.
enum PriceTagSheet {
    struct Model {
        var mall: MallService.Mall
        var request: PriceTagService.Request
        var tenant: MallService.Tenant?

        static func load(_ req: Request) async throws -> Model {
            let p = try req.requirePrincipal()
            let svc = req.services.priceTags(req.db), malls = req.services.malls(req.db)
            guard let r = try await ifFound({ try await svc.get(try req.pathID("requestID")) }), let mall = try await ifFound({ try await malls.mall(r.mallId) }),
                  p.canSee(project: mall.projectId), p.may(.mallDesk, on: mall.projectId) else { throw Problem.notFound }
            return Model(mall: mall, request: r, tenant: try await ifFound({ try await malls.tenant(r.tenantId) }))
        }
    }

    static let css = """
        @page { size: A4 portrait; margin: 10mm; }
        body.tag-sheet { margin: 0; font-family: "Noto Sans CJK SC", "PingFang SC", sans-serif; color: #000; background: #fff; }
        .sheet-bar { padding: 10px; border-bottom: 1px solid #ccc; display: flex; gap: 12px; align-items: center; }
        .tags { display: grid; grid-template-columns: repeat(3, 70mm); grid-auto-rows: 36mm; gap: 0; width: 210mm; }
        .price-tag { border: 0.3mm dashed #666; padding: 2mm 3mm; box-sizing: border-box; display: flex; flex-direction: column; overflow: hidden; break-inside: avoid; }
        .price-tag .item { font-size: 13pt; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .price-tag .price { font-size: 20pt; font-weight: 700; margin-top: auto; }
        .price-tag .price small { font-size: 9pt; font-weight: 400; }
        .price-tag .orig { font-size: 9pt; }
        .price-tag .facts { font-size: 8pt; display: flex; justify-content: space-between; }
        .price-tag .foot { font-size: 6.5pt; color: #444; display: flex; justify-content: space-between; }
        .price-tag.discount { border-style: solid; }
        @media print { .sheet-bar { display: none; } .tags { width: auto; } }
        """

    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        let r = m.request
        var tags: [PriceTagService.Line] = []
        for l in r.lines { for _ in 0..<l.copies { tags.append(l) } }
        return HTML(
            .lang(t.language == .zh ? .chinese : .english),
            .head(.meta(.charset(.utf8)), .title("\(t("mall.price_tags")) \(r.number) · \(m.mall.name)"),
                  .favicon("/assets/favicon.svg", type: "image/svg+xml"),
                  .stylesheet("/mall/tags.css")),
            .body(.class("tag-sheet"),
                .div(.class("sheet-bar"),
                    .a(.href("/malls/\(m.mall.id)/price-tags"), .text("← " + t("mall.price_tags"))),
                    .span(.text("\(r.number) · \(m.tenant?.shopName ?? "") · \(t("mall.tag_count", ["n": "\(r.tagCount)"])) · ¥\(Money(fen: r.feeFen))")),
                    .span(.class("muted"), .text(t("mall.print_hint")))),
                .div(.class("tags"), .group(tags.map { l in
                    let tag = l.tag
                    return Node<HTML.BodyContext>.div(.class(tag.isDiscount ? "price-tag discount" : "price-tag"),
                        .div(.class("item"), .text(tag.item)),
                        .div(.class("facts"), .span(.text("\(t("mall.tag.origin"))：\(tag.origin)")), .span(.text("\(t("mall.tag.spec"))：\(tag.specification)"))),
                        .unwrap(tag.originalPrice) { o in .div(.class("orig"), .text(t("mall.tag.original") + " "), .element(named: "s", text: "¥\(o)")) },
                        .div(.class("price"), .text("¥\(tag.price)"), .element(named: "small", text: " /\(tag.unit)")),
                        .div(.class("foot"), .span(.text(m.mall.name)), .span(.text(r.number))))
                })))
        )
    }
}

import EstateCore
import Plot
import Vapor

/// The printable 认购书 and contract summary: an A4 sheet on its own page (print CSS hides the bar).
enum SalePrint {
    /// The head every printable page shares (the 认购书, the contract, the 收据): print styles and the print button's script.
    static func head(_ title: String, styles: [String] = []) -> Node<HTML.DocumentContext> {
        .head(
            .meta(.charset(.utf8)),
            .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
            .favicon("/assets/favicon.svg", type: "image/svg+xml"),
            .title(title),
            .stylesheet("/assets/app.css"),
            .stylesheet("/sales/print.css"),
            .forEach(styles) { .stylesheet($0) },
            .script(.src("/sales/print.js"), .attribute(named: "defer", value: "defer")))
    }

    static func page(_ ctx: PageContext, title: String, back: String, _ sheet: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return HTML(
            .lang(.chinese),
            head(title),
            .body(.class("print"),
                .div(.class("print-bar"),
                    .a(.href(back), .text("← " + t("sale.back"))),
                    .button(.type(.button), .class("primary"), .attribute(named: "data-print", value: "1"), .text(t("sale.print"))),
                    .span(.class("muted small"), .text(t("sale.print_hint")))),
                .div(.class("sheet"), sheet)))
    }

    /// The documents are Chinese whatever the reader's language.
    static func chinese(_ ctx: PageContext) -> Localizer { Localizer(catalog: ctx.t.catalog, language: .zh) }

    /// Who signs: the seller as the project names it, each buyer with the particulars the paper
    /// prints (full or masked, as `SaleAccess.printsInFull` decided and the print logged).
    struct Parties {
        var seller: ProjectService.Seller
        var buyers: [(buyer: SaleService.Buyer, name: String, particulars: CustomerService.Particulars?)]
        /// 甲方/乙方 labels (the 认购书) or plain ones (the contract).
        var lettered: Bool
    }

    static func parties(_ t: Localizer, _ p: Parties) -> Node<HTML.BodyContext> {
        return .table(.class("ptable parties"),
            .tr(.th(.text(p.lettered ? "出卖人（甲方）" : "出卖人")), .td(.attribute(named: "colspan", value: "3"), .strong(.text(p.seller.name)))),
            .tr(.th(.text("统一社会信用代码")), .td(.class("mono"), .text(p.seller.creditCode)),
                .th(.text("预售许可证号")), .td(.text(p.seller.presaleLicense.isEmpty ? "—" : p.seller.presaleLicense))),
            .tr(.th(.text("住所")), .td(.attribute(named: "colspan", value: "3"), .text(p.seller.address))),
            .group(p.buyers.enumerated().map { i, b in
                let x = b.particulars
                let kind = x?.idKind.map { t($0.catalogKey) } ?? "证件号码"
                let role = i == 0 ? (p.lettered ? "买受人（乙方）" : "买受人") : "共有人"
                return Node<HTML.TableContext>.group(
                    .tr(.class("buyer-first"), .th(.text(role)), .td(.strong(.text(b.name))),
                        .th(.text("份额")), .td(.text(SaleShell.shares(b.buyer)))),
                    .tr(.th(.text("证件")), .td(.text(kind)),
                        .th(.text("证件号码")), .td(.class("mono"), .text((x?.idNumber).flatMap { $0.isEmpty ? nil : $0 } ?? "—"))),
                    .tr(.th(.text("联系电话")), .td(.class("mono"), .text(x?.mobile ?? Masking.mobile(b.buyer.mobile))),
                        .th(.text("通讯地址")), .td(.text((x?.address).flatMap { $0.isEmpty ? nil : $0 } ?? "—"))))
            }))
    }

    /// A numbered clause: its heading stays with its first lines (print CSS).
    static func clause(_ title: String, _ body: Node<HTML.BodyContext>, long: Bool = false) -> Node<HTML.BodyContext> {
        .section(.class(long ? "clause long" : "clause"), .h2(.text(title)), body)
    }

    /// The last clause, then the signatures and the footer. The clause's last paragraph, the
    /// signatures and the footer form one block that never splits (and the heading keeps to the
    /// first paragraph), so the signatures are never alone on a page; a long clause still flows
    /// across pages instead of leaving one half empty.
    static func closing(_ title: String, text: String, footer: String) -> Node<HTML.BodyContext> {
        let paragraphs = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let lines = paragraphs.isEmpty ? ["无"] : paragraphs
        return .section(.class("clause long last"), .h2(.text(title)),
            .group(lines.dropLast().map { Node<HTML.BodyContext>.p(.text($0)) }),
            .div(.class("closing"), .p(.text(lines.last!)), signatures(left: "出卖人（盖章）：", right: "买受人（签字）："),
                 .p(.class("small muted footer"), .text(footer))))
    }

    /// 认购书.
    static func agreement(_ ctx: PageContext, sale s: SaleService.Subscription, unit u: UnitRow, building: String,
                          parties p: Parties) -> HTML {
        let t = chinese(ctx)
        let penaltyText = "依照《中华人民共和国民法典》第五百八十六条、第五百八十七条：乙方逾期不签订买卖合同的，无权请求返还定金；因甲方原因未能签订买卖合同的，甲方应当双倍返还定金。定金数额不超过成交总价的百分之二十。"
        let footer = "置业顾问：\(s.consultantName ?? "—")　　打印时间：\(Shell.dateTime(Date()))"
        let sheet: Node<HTML.BodyContext> = .group(
            .h1(.text("商品房认购书")),
            .p(.class("no"), .text("编号：\(s.number)")),
            clause("一、当事人", parties(t, p)),
            clause("二、认购房屋", .table(.class("ptable"),
                .tr(.th(.text("房号")), .td(.text(u.code)), .th(.text("楼栋")), .td(.text(building))),
                .tr(.th(.text("户型")), .td(.text(u.layout.isEmpty ? "—" : u.layout)), .th(.text("用途")), .td(.text(t("unit.usage.\(u.usage)")))),
                .tr(.th(.text("建筑面积")), .td(.text("\(u.builtArea) 平方米")), .th(.text("套内面积")), .td(.text("\(u.innerArea) 平方米"))),
                .tr(.th(.text("计价方式")), .td(.attribute(named: "colspan", value: "3"), .text(t("unit.basis.\(u.pricingBasis)")))))),
            clause("三、价款与定金", .table(.class("ptable"),
                .tr(.th(.text("成交总价")), .td(.text("人民币 \(s.finalTotal.description) 元")), .td(.class("caps"), .text("大写：" + ChineseAmount.capitals(s.finalTotal)))),
                .tr(.th(.text("定金")), .td(.text("人民币 \(s.deposit.description) 元")), .td(.class("caps"), .text("大写：" + ChineseAmount.capitals(s.deposit)))),
                .tr(.th(.text("付款方式")), .td(.attribute(named: "colspan", value: "2"), .text(t(s.method.catalogKey)))),
                .tr(.th(.text("优惠")), .td(.attribute(named: "colspan", value: "2"),
                                          .text(s.ruleNames.isEmpty ? "无" : s.ruleNames.joined(separator: "、") + "（综合折扣 \(Format.percent(s.effectivePermyriad))）"))))),
            clause("四、签约期限", .p(.text("乙方应于 \(s.contractDeadline) 前（含当日）与甲方签订《商品房买卖合同》。乙方所付定金在签订买卖合同后抵作房价款。"))),
            s.note.isEmpty ? closing("五、定金罚则", text: penaltyText, footer: footer) : .group(
                clause("五、定金罚则", .p(.text(penaltyText))),
                closing("六、其他约定", text: s.note, footer: footer)))
        return page(ctx, title: "认购书 \(s.number)", back: "/sales/\(s.id)", sheet)
    }

    /// 商品房买卖合同 (summary).
    static func contract(_ ctx: PageContext, contract c: SaleService.Contract, unit u: UnitRow, building: String,
                         parties p: Parties) -> HTML {
        let t = chinese(ctx)
        let items = c.plan.filter(\.isLive)
        let sheet: Node<HTML.BodyContext> = .group(
            .h1(.text("商品房买卖合同（摘要）")),
            .p(.class("no"), .text("合同编号：\(c.number)")),
            clause("一、当事人", .group(parties(t, p),
                .p(.class("small"), .text("买受人类型：\(t(c.kind.catalogKey))")))),
            clause("二、房屋", .table(.class("ptable"),
                .tr(.th(.text("房号")), .td(.text(u.code)), .th(.text("楼栋")), .td(.text(building))),
                .tr(.th(.text("户型")), .td(.text(u.layout.isEmpty ? "—" : u.layout)), .th(.text("计价方式")), .td(.text(t("unit.basis.\(c.pricingBasis)")))),
                .tr(.th(.text("建筑面积")), .td(.text("\(u.builtArea) 平方米")), .th(.text("套内面积")), .td(.text("\(u.innerArea) 平方米"))),
                .tr(.th(.text("合同计价面积")), .td(.text("\(c.area) 平方米")), .th(.text("成交单价")), .td(.text("\(c.unitPrice.description) 元/平方米"))))),
            clause("三、价款", .table(.class("ptable"),
                .tr(.th(.text("总价款")), .td(.text("人民币 \(c.total.description) 元")), .td(.class("caps"), .text("大写：" + ChineseAmount.capitals(c.total)))),
                .tr(.th(.text("付款方式")), .td(.attribute(named: "colspan", value: "2"), .text(t(c.method.catalogKey)))))),
            clause("四、付款计划", .group(
                .table(.class("ptable plan"),
                    .thead(.tr(.th(.text("期次")), .th(.text("款项")), .th(.text("应付日期")), .th(.text("金额（元）")), .th(.text("大写")))),
                    .tbody(.group(items.enumerated().map { n, i in
                        Node<HTML.TableContext>.tr(.td(.text("\(n + 1)")), .td(.text(t(i.kind.catalogKey))), .td(.text(i.due.description)),
                                                   .td(.class("num"), .text(i.amount.description)), .td(.class("caps"), .text(ChineseAmount.capitals(i.amount))))
                    }))),
                .p(.text("买受人逾期付款的，自应付之日起按日计算违约金，日违约金为逾期应付款的万分之\(SaleShell.perTenThousand(c.penaltyRate))。"))),
                long: items.count > 8),
            clause("五、交付与产权", .p(.text("出卖人应于 \(c.deliveryDueOn) 前将房屋交付买受人；交付后 \(c.titleDays) 日内协助买受人办理不动产权证书。面积误差按《商品房销售管理办法》第二十条处理。"))),
            clause("六、网签与备案", .table(.class("ptable"),
                .tr(.th(.text("网签号")), .td(.text(c.onlineSignNo.isEmpty ? "—" : c.onlineSignNo)), .th(.text("网签日期")), .td(.text(c.onlineSignOn ?? "—"))),
                .tr(.th(.text("备案号")), .td(.text(c.filingNo.isEmpty ? "—" : c.filingNo)), .th(.text("备案日期")), .td(.text(c.filingOn ?? "—"))))),
            closing("七、补充条款", text: c.clauses, footer: "签约日期：\(c.signedOn ?? "—")　　打印时间：\(Shell.dateTime(Date()))"))
        return page(ctx, title: "合同 \(c.number)", back: "/contracts/\(c.id)", sheet)
    }

    static func signatures(left: String, right: String) -> Node<HTML.BodyContext> {
        .div(.class("signatures"),
            .div(.p(.text(left)), .div(.class("line")), .p(.text("日期：　　年　　月　　日"))),
            .div(.p(.text(right)), .div(.class("line")), .p(.text("日期：　　年　　月　　日"))))
    }

    static let css = """
        @page { size: A4; margin: 16mm 15mm 18mm;
          @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; font-size: 9pt; color: #555; } }
        body.print { background: #e9ecef; }
        .print-bar { display: flex; gap: 14px; align-items: center; padding: 10px 20px; background: #fff; border-bottom: 1px solid #e3e7ec; }
        .sheet { width: 210mm; min-height: 297mm; margin: 12px auto 40px; padding: 16mm 15mm; background: #fff;
          box-shadow: 0 2px 10px rgba(0,0,0,.12); color: #000; font-size: 11pt; line-height: 1.7;
          font-family: "Songti SC", "STSong", "SimSun", "Noto Serif CJK SC", "Noto Serif SC", serif; }
        .sheet h1 { text-align: center; font-size: 20pt; letter-spacing: .25em; margin: 0 0 2mm; font-weight: 700; }
        .sheet h2 { font-size: 12pt; margin: 6mm 0 2mm; }
        .sheet .no { text-align: right; margin: 0 0 4mm; }
        .sheet table.ptable { width: 100%; border-collapse: collapse; }
        .sheet table.ptable th, .sheet table.ptable td { border: 1px solid #000; padding: 1.5mm 2.5mm; text-align: left; vertical-align: top; font-weight: normal; }
        .sheet table.ptable th { width: 28mm; background: #f4f4f4; white-space: nowrap; }
        .sheet table.parties tr.buyer-first th, .sheet table.parties tr.buyer-first td { border-top-width: 2px; }
        .sheet table.ptable td.num { text-align: right; }
        .sheet table.plan th { width: auto; }
        .sheet .mono { font-family: "Noto Sans Mono CJK SC", "Courier New", monospace; letter-spacing: .02em; }
        .sheet .num { text-align: right; font-variant-numeric: tabular-nums; }
        .sheet .caps { letter-spacing: .05em; }
        .sheet .signatures { display: grid; grid-template-columns: 1fr 1fr; gap: 14mm; margin-top: 12mm; }
        .sheet .line { border-bottom: 1px solid #000; height: 12mm; margin-bottom: 2mm; }
        .sheet .pre { white-space: pre-wrap; }
        .sheet p { orphans: 3; widows: 3; }
        .sheet .clause p { margin: 0 0 1.5mm; }
        /* A page break never leaves a heading at the foot of a page, never splits a short clause or a
           table row, and never leaves the signatures alone: they stay with the last clause. */
        .sheet h1, .sheet h2 { break-after: avoid; page-break-after: avoid; }
        .sheet .clause { break-inside: avoid; page-break-inside: avoid; }
        .sheet .clause.long { break-inside: auto; page-break-inside: auto; }
        .sheet .clause.long h2 + * { break-before: avoid; page-break-before: avoid; }
        .sheet table.ptable tr { break-inside: avoid; page-break-inside: avoid; }
        .sheet table.ptable thead { display: table-header-group; }
        .sheet .closing, .sheet .signatures { break-inside: avoid; page-break-inside: avoid; }
        @media print {
          body.print { background: #fff; }
          .print-bar { display: none !important; }
          .sheet { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
        }
        """

    static let js = """
        document.addEventListener('click', function (e) {
          var b = e.target.closest && e.target.closest('[data-print]');
          if (b) { window.print(); }
        });
        """
}

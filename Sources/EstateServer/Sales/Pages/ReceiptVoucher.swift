import EstateCore
import Foundation
import Plot
import Vapor

/// The printable 收据 of a confirmed receipt: half an A4 sheet (210 × 148.5 mm), printed twice on
/// one page — 第一联 for the payer, 第二联 for the books — with a cut line between. Always in
/// Chinese, like the agreement and the contract.
enum ReceiptVoucher {
    static func page(_ ctx: PageContext, project: InventoryShell.ProjectRef, receipt r: SaleService.Receipt) -> HTML {
        let t = SalePrint.chinese(ctx)
        return HTML(
            .lang(.chinese),
            SalePrint.head("收据 \(r.number)", styles: ["/sales/voucher.css"]),
            .body(.class("print voucher-print"),
                .div(.class("print-bar"),
                    .a(.href("/projects/\(r.projectId)/receipts?status=confirmed"), .text("← " + ctx.t("sale.back"))),
                    .button(.type(.button), .class("primary"), .attribute(named: "data-print", value: "1"), .text(ctx.t("sale.print"))),
                    .span(.class("muted small"), .text(ctx.t("sale.voucher_print_hint")))),
                .div(.class("voucher-sheet"),
                    voucher(t, project: project, r, copy: "第一联　交款人"),
                    .div(.class("cut"), .attribute(named: "aria-hidden", value: "true")),
                    voucher(t, project: project, r, copy: "第二联　财务记账"))))
    }

    /// "2026-11-27" → "2026年11月27日".
    static func day(_ text: String) -> String {
        let p = text.split(separator: "-")
        return p.count == 3 ? "\(p[0])年\(p[1])月\(p[2])日" : text
    }

    static func voucher(_ t: Localizer, project: InventoryShell.ProjectRef, _ r: SaleService.Receipt, copy: String) -> Node<HTML.BodyContext> {
        let method = t("sale.receipt_method.\(r.method)") + (r.reference.isEmpty ? "" : "（凭证号 \(r.reference)）")
        return .div(.class("voucher"),
            .div(.class("copy"), .text(copy)),
            .div(.class("v-head"),
                .div(.class("v-company"), .text(project.name)),
                .h1(.text("收　据")),
                .div(.class("v-meta"),
                    .span(.text("日期：\(day(r.receivedOn))")),
                    .span(.class("v-no"), .text("No. \(r.number)")))),
            .table(.class("vtable"),
                .tr(.th(.text("交款单位（人）")), .td(.attribute(named: "colspan", value: "3"), .text(r.payer))),
                .tr(.th(.text("项目及房号")), .td(.text("\(project.name)　\(r.unitCode)")),
                    .th(.text("款项")), .td(.text(t("sale.item.\(r.itemKind)")))),
                .tr(.th(.text("人民币（大写）")), .td(.class("caps"), .attribute(named: "colspan", value: "3"), .text(ChineseAmount.capitals(r.amount)))),
                .tr(.th(.text("小写金额")), .td(.class("figures"), .text("¥\(r.amount.description)")),
                    .th(.text("收款方式")), .td(.text(method)))),
            .div(.class("v-foot"),
                .span(.text("收款单位（盖章）：\(project.name)")),
                .span(.text("经办人：\(r.createdByName)")),
                .span(.text("复核人：\(r.confirmedByName ?? "")")),
                .span(.class("muted"), .text("核实时间：\(Shell.dateTime(r.confirmedAt))"))))
    }

    /// Half an A4 page each; the page's own margins are the vouchers' padding.
    static let css = """
        @page { size: A4 portrait; margin: 0; }
        body.voucher-print { background: #e9ecef; }
        .voucher-sheet { width: 210mm; margin: 12px auto 40px; background: #fff; box-shadow: 0 2px 10px rgba(0,0,0,.12); color: #000;
          font-family: "Songti SC", "STSong", "SimSun", "Noto Serif CJK SC", "Noto Serif SC", serif; }
        .voucher { position: relative; box-sizing: border-box; height: 148mm; padding: 12mm 16mm 10mm 16mm; font-size: 11pt; line-height: 1.6;
          display: flex; flex-direction: column; overflow: hidden; }
        .voucher .copy { position: absolute; right: 5mm; top: 18mm; writing-mode: vertical-rl; letter-spacing: .3em; font-size: 9pt; color: #444; }
        .voucher .v-head { text-align: center; }
        .voucher .v-company { font-size: 12pt; letter-spacing: .1em; }
        .voucher h1 { font-size: 20pt; letter-spacing: .6em; margin: 1mm 0 2mm; font-weight: 700; text-decoration: underline double; text-underline-offset: 2mm; }
        .voucher .v-meta { display: flex; justify-content: space-between; margin: 0 0 2mm; }
        .voucher .v-no { font-family: ui-monospace, "DejaVu Sans Mono", monospace; color: #b00; letter-spacing: .05em; }
        .voucher table.vtable { width: 100%; border-collapse: collapse; table-layout: fixed; }
        .voucher table.vtable th, .voucher table.vtable td { border: 1px solid #000; padding: 2.2mm 2.5mm; text-align: left; vertical-align: middle; font-weight: normal; }
        .voucher table.vtable th { width: 30mm; background: #f4f4f4; white-space: nowrap; }
        .voucher td.caps { font-size: 13pt; letter-spacing: .08em; }
        .voucher td.figures { font-size: 13pt; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .voucher .v-foot { display: grid; grid-template-columns: 2fr 1fr 1fr; gap: 2mm 6mm; margin-top: auto; padding-top: 6mm; }
        .voucher .v-foot .muted { grid-column: 1 / -1; font-size: 9pt; }
        .voucher-sheet .cut { height: 0; border-top: 1px dashed #888; margin: 0 6mm; }
        @media print {
          body.voucher-print { background: #fff; }
          .voucher-sheet { width: auto; margin: 0; box-shadow: none; }
          .voucher { break-inside: avoid; }
        }
        """
}

import EstateCore
import EstateSheets
import Foundation

/// Work lists as .xlsx, for the page and the API alike: every row of the list (not one page),
/// Chinese or English headers, money with thousands separators.
enum SaleSheets {
    static func workList(_ list: SaleService.WorkList, projectID: UUID, consultantID: UUID? = nil, sales: SaleService, catalog: Catalog,
                         language: Language) async throws -> Data {
        let zh = language == .zh
        var rows: [[SheetCell]] = []
        var page = 1
        while true {
            let chunk = try await sales.workList(list, projectID: projectID, consultantID: consultantID, page: try PageRequest(page: page, perPage: 200))
            for r in chunk.items {
                rows.append([.text(r.number), .text(r.unitCode), .text(r.buyers), .text(r.consultantName ?? ""),
                             .text(stageName(list, r.stage, catalog: catalog, language: language)), .text(r.dueOn ?? ""),
                             .integer(Int64(r.days)), r.amountFen.map { .decimal($0, scale: 2) } ?? .empty,
                             r.penaltyFen.map { .decimal($0, scale: 2) } ?? .empty])
            }
            if chunk.items.count < 200 || page >= 500 { break }
            page += 1
        }
        let dueTitle: String = switch list {
        case .subscriptionsOverdue: zh ? "签约期限" : "Contract deadline"
        case .contractsUnregistered: zh ? "签约日期" : "Signed on"
        case .mortgagesStuck: zh ? "本阶段开始" : "Stage since"
        case .paymentsOverdue: zh ? "应付日期" : "Due on"
        case .titlesPending: zh ? "办证期限" : "Title due"
        }
        let columns = [
            SheetColumn(zh ? "编号" : "Number", width: 16, format: .text), SheetColumn(zh ? "房号" : "Unit", width: 12, format: .text),
            SheetColumn(zh ? "买受人" : "Buyers", width: 16, format: .text), SheetColumn(zh ? "置业顾问" : "Consultant", width: 12, format: .text),
            SheetColumn(zh ? "阶段" : "Stage", width: 14, format: .text), SheetColumn(dueTitle, width: 12, format: .text),
            SheetColumn(zh ? "天数" : "Days", width: 8, format: .integer), SheetColumn(zh ? "金额（元）" : "Amount (CNY)", width: 16, format: .money),
            SheetColumn(zh ? "违约金（元）" : "Penalty (CNY)", width: 14, format: .money),
        ]
        return try XLSXWriter.data([Sheet(name: catalog.text(list.catalogKey, language), columns: columns, rows: rows)])
    }

    /// The stage column of a work-list row in words.
    static func stageName(_ list: SaleService.WorkList, _ stage: String, catalog: Catalog, language: Language) -> String {
        let key: String = switch list {
        case .subscriptionsOverdue: stage == "no_contract" ? "sale.stage.no_contract" : "sale.review.\(stage)"
        case .contractsUnregistered: "sale.stage.\(stage)"
        case .mortgagesStuck: "sale.mortgage.\(stage)"
        case .paymentsOverdue: "sale.item.\(stage)"
        case .titlesPending: "sale.title.\(stage)"
        }
        return catalog.has(key) ? catalog.text(key, language) : stage
    }

    static func fileName(_ list: SaleService.WorkList, projectCode: String, day: CalendarDay, catalog: Catalog, language: Language) -> String {
        "\(catalog.text(list.catalogKey, language))-\(projectCode)-\(day).xlsx"
    }
}

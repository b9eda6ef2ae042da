import EstateCore
import EstateSheets
import Foundation
import NIOPosix
import SQLKit

/// 纸质会员册的导入 (issue 20 point 2): the paper VIP book typed into a sheet (.xlsx, or CSV in UTF-8 or GBK) — 卡号,
/// 姓名, 手机, 类型 (个人/团体), 单位, 积分 — imported all rows or none; every bad row is named with its column and reason
/// (a bad mobile, a mobile twice or already a member, a card number twice or already issued, points not a whole number).
public struct MemberBook: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let parsing: NIOThreadPool

    static let maxRows = 20_000
    static let columns: [(field: String, zh: String, en: String, required: Bool)] = [
        ("card", "卡号", "Card", false), ("name", "姓名", "Name", true), ("mobile", "手机", "Mobile", true),
        ("kind", "类型", "Kind", false), ("organisation", "单位", "Organisation", false), ("points", "积分", "Points", false),
    ]

    public func importBook(_ data: Data, mall: MallService.Mall, by actor: UUID?, context: AuditContext) async throws -> Int {
        let (_, _, header, body) = try await UnitImportService.read(data, maxRows: Self.maxRows, on: parsing)
        let columnOf = try UnitImportService.columnIndexes(header, Self.columns)
        var problems: [Problem.RowError] = []

        struct Live: Decodable { var mobile: String; var cardNumber: String? }
        let existing = try await store.sql.raw("""
            SELECT mobile, card_number FROM mall_members WHERE mall_id = \(bind: mall.id)
            AND (status IN \(SQLBind.group(MemberStatus.live.map(\.rawValue))) OR card_number IS NOT NULL)
            """).all(decoding: Live.self, with: SQLRowDecoder.snakeCase)
        let liveMobiles = Set(existing.map(\.mobile)), cards = Set(existing.compactMap(\.cardNumber))
        struct Row { var id = UUID(); var name: String; var mobile: String; var kind: MemberKind; var organisation: String; var card: String?; var points: Int64 }
        var rows: [Row] = []
        var seenMobiles: [String: Int] = [:], seenCards: [String: Int] = [:]
        for r in body {
            func cell(_ f: String) -> String {
                guard let i = columnOf[f], i < r.cells.count else { return "" }
                return r.cells[i].trimmingCharacters(in: .whitespaces)
            }
            func bad(_ f: String, _ code: String) {
                problems.append(.init(row: r.number, column: columnOf[f].map(UnitImportService.letter), field: f, code: code, value: cell(f)))
            }
            if Self.columns.allSatisfy({ cell($0.field).isEmpty }) { continue }
            let name = MallService.cleanName(cell("name"), max: 40)
            if name == nil { bad("name", "member_name_invalid") }
            let mobile = MobileNumber.normalized(cell("mobile"))
            if let m = mobile {
                if liveMobiles.contains(m) { bad("mobile", "member_mobile_exists") }
                else if let first = seenMobiles[m] { bad("mobile", "import_duplicate_mobile"); _ = first }
                else { seenMobiles[m] = r.number }
            } else { bad("mobile", "mobile_invalid") }
            let kindText = cell("kind")
            let kind: MemberKind? = kindText.isEmpty || kindText == "个人" || kindText.lowercased() == "person" ? .person
                : kindText == "团体" || kindText.lowercased() == "organisation" ? .organisation : nil
            if kind == nil { bad("kind", "member_kind_invalid") }
            let organisation = cell("organisation")
            if kind == .organisation, MallService.cleanName(organisation, max: 60) == nil { bad("organisation", "member_organisation_required") }
            if kind == .person, !organisation.isEmpty { bad("organisation", "member_organisation_for_organisations") }
            var card: String?
            if !cell("card").isEmpty {
                if let c = CardNumber.normalized(cell("card")) {
                    if cards.contains(c) || seenCards[c] != nil { bad("card", "card_number_taken") } else { seenCards[c] = r.number; card = c }
                } else { bad("card", "card_number_invalid") }
            }
            var points: Int64 = 0
            if !cell("points").isEmpty {
                if let p = Int64(cell("points")), (0...100_000_000).contains(p) { points = p } else { bad("points", "member_points_invalid") }
            }
            if let name, let mobile, let kind { rows.append(Row(name: name, mobile: mobile, kind: kind, organisation: organisation, card: card, points: points)) }
        }
        if !problems.isEmpty { throw UnitImportService.failed(problems) }
        guard !rows.isEmpty else { throw Problem.invalid("file", "import_empty") }
        let at = now(), mallID = mall.id, all = rows
        try await store.audited(context) { tx in
            for chunk in stride(from: 0, to: all.count, by: 200) {
                let insert = tx.sql.insert(into: "mall_members").columns("id", "mall_id", "kind", "name", "organisation", "mobile", "status", "card_number",
                                                                         "tier", "points_balance", "points_earned", "applied_by", "applied_at",
                                                                         "issued_by", "issued_at", "note", "updated_at")
                for r in all[chunk..<min(chunk + 200, all.count)] {
                    let status: MemberStatus = r.card == nil ? .approved : .issued
                    _ = insert.values(SQLBind(r.id), SQLBind(mallID), SQLBind(r.kind.rawValue), SQLBind(r.name), SQLBind(r.organisation), SQLBind(r.mobile),
                                      SQLBind(status.rawValue), SQLBind(r.card), SQLBind(MemberTier.reached(by: r.points).rawValue), SQLBind(r.points),
                                      SQLBind(r.points), SQLBind(actor), SQLBind(at), SQLBind(r.card == nil ? nil : actor), SQLBind(r.card == nil ? nil : at),
                                      SQLBind("纸质会员册导入"), SQLBind(at))
                }
                try await insert.run()
                // The book's balance carried over as the first line of each ledger.
                let carried = all[chunk..<min(chunk + 200, all.count)].filter { $0.points > 0 }
                if !carried.isEmpty {
                    let points = tx.sql.insert(into: "mall_points").columns("id", "mall_id", "member_id", "kind", "points", "balance_after", "note",
                                                                            "created_by", "created_at")
                    for r in carried {
                        _ = points.values(SQLBind(UUID()), SQLBind(mallID), SQLBind(r.id), SQLBind("earn"), SQLBind(r.points), SQLBind(r.points),
                                          SQLBind("纸质会员册结转"), SQLBind(actor), SQLBind(at))
                    }
                    try await points.run()
                }
            }
            return ((), AuditEntry(action: "member.import", entity: "mall", entityID: mallID.uuidString, projectID: mall.projectId,
                                   summary: "paper VIP book imported: \(all.count) members", after: ["members": "\(all.count)"]))
        }
        return rows.count
    }
}

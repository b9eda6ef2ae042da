@testable import EstateServer
import Foundation
import SQLKit
import Testing

/// `SQLRowDecoder.snakeCase` reads the columns SQLKit's `.convertFromSnakeCase` reads, key for key.
@Suite struct SnakeCaseColumnsTests {
    @Test(arguments: [
        ("id", "id"), ("projectId", "project_id"), ("unitPriceFen", "unit_price_fen"), ("orderLineId", "order_line_id"),
        // Acronyms come out as SQLKit has them (no column here is named so): the run of capitals is split before its last.
        ("URLValue", "u_rL_value"), ("deliveredMilli", "delivered_milli"), ("a", "a"), ("isHTTPOnly", "is_hTTP_only"),
        ("area2", "area2"), ("already_snake", "already_snake"), ("", ""),
    ])
    func aKeyBecomesItsColumn(_ key: String, _ column: String) {
        #expect(SnakeCaseColumns.convert(key) == column)
        // Cached: the same answer the second time.
        #expect(SnakeCaseColumns.column(key) == column && SnakeCaseColumns.column(key) == column)
    }

    struct Row: Decodable, Equatable {
        var id: Int
        var projectId: String
        var unitPriceFen: Int64
        var orderLineId: String?
        var siteStoreName: String
        var isOnTime: Bool
        var area2: Double
    }

    @Test func bothDecodersReadTheSameRow() async throws {
        try await withTestApp { app, _ in
            let sql = app.db as! any SQLDatabase
            let query: SQLQueryString = """
                SELECT CAST(7 AS BIGINT) AS id, CAST('p-1' AS TEXT) AS project_id, CAST(405000 AS BIGINT) AS unit_price_fen,
                CAST(NULL AS TEXT) AS order_line_id, CAST('2号楼' AS TEXT) AS site_store_name, (1 = 1) AS is_on_time,
                CAST(89.5 AS DOUBLE PRECISION) AS area2
                """
            let ours = try await sql.raw(query).first(decoding: Row.self, with: .snakeCase)
            let sqlkit = try await sql.raw(query).first(decoding: Row.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            #expect(ours != nil && ours == sqlkit, "\(String(describing: ours)) vs \(String(describing: sqlkit))")
            #expect(ours?.unitPriceFen == 405_000 && ours?.orderLineId == nil && ours?.siteStoreName == "2号楼")
        }
    }
}

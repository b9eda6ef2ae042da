import FluentKit
import Foundation
import SQLKit

/// Document numbers (认购书 RG, 收款单 SK/TK, 合同 HT, 工单 GD): one counter per prefix and
/// project in `number_series`, advanced by a conditional update inside the caller's transaction,
/// so concurrent writers never draw the same number. The table was created by `CreateSales`;
/// Platform owns it since issue 14 so Service need not ask Sales for ticket numbers.
enum DocumentNumbers {
    /// The next free number; `isTaken` skips numbers already used (e.g. typed in by hand).
    static func next(_ prefix: String, projectID: UUID, on tx: any Database,
                     isTaken: ((String) async throws -> Bool)? = nil) async throws -> String {
        let series = "\(prefix):\(projectID.uuidString)"
        try await tx.sql.insert(into: "number_series").columns("series", "value").values(SQLBind(series), SQLBind(Int64(0)))
            .ignoringConflicts(with: ["series"]).run()
        struct V: Decodable { var value: Int64 }
        for _ in 0..<1_000 {
            guard let v = try await tx.sql.raw("UPDATE number_series SET value = value + 1 WHERE series = \(bind: series) RETURNING value")
                .first(decoding: V.self) else { throw Problem(.internalServerError, "internal_error") }
            let number = "\(prefix)\(String(format: "%06lld", v.value))"
            guard let isTaken, try await isTaken(number) else { return number }
        }
        throw Problem(.internalServerError, "internal_error")
    }
}

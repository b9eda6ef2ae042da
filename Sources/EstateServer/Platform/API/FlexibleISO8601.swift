import Foundation
import OpenAPIRuntime

/// ISO-8601 dates: written with milliseconds, read with or without them
/// (clients type `2026-11-26T08:00:00Z`).
struct FlexibleISO8601: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    func decode(_ string: String) throws -> Date {
        if let d = try? Date(string, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)) { return d }
        if let d = try? Date(string, strategy: .iso8601) { return d }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an ISO-8601 date-time, got \(string)"))
    }
}

import EstateCore
import Foundation
import Plot

/// A report page's request as typed: the form shows it again as it was, good or bad.
struct ReportQuery: Sendable {
    var from: String
    var to: String
    var granularity: String = ""
    var asOf: String = ""

    /// `from=…&to=…` (and the rest when set), for links that keep the period.
    var encoded: String {
        var items = [("from", from), ("to", to)]
        if !granularity.isEmpty { items.append(("granularity", granularity)) }
        if !asOf.isEmpty { items.append(("asOf", asOf)) }
        return items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }
}

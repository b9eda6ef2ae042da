import Plot

/// What list pages share: their filters as a query string, and column heads that sort the list.
enum ListQuery {
    /// "?a=1&b=2" in key order (values percent-encoded), or "" for no items.
    static func string(_ items: [String: String]) -> String {
        let present = items.filter { !$0.value.isEmpty }
        return present.isEmpty ? "" : "?" + present.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }

    /// A column head that sorts `path` by `key` (again: the other way), keeping the filters in `query`
    /// and going back to the first page; `aria-sort` and an arrow on the column sorted now.
    static func sortHeader(_ label: String, key: String, path: String, query: [String: String], sortedBy current: String,
                           ascending: Bool, num: Bool = false) -> Node<HTML.TableRowContext> {
        let active = current == key
        var q = query
        q["sort"] = key
        q["dir"] = active && !ascending ? "asc" : nil
        q["page"] = nil
        return .th(.class(num ? "num" : ""), .attribute(named: "aria-sort", value: active ? (ascending ? "ascending" : "descending") : "none"),
                   .a(.href(path + string(q)), .text(label + (active ? (ascending ? " ▲" : " ▼") : ""))))
    }
}

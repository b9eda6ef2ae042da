import EstateCore
import Foundation

/// How an audit line reads in the reader's language (issue 15 point 6): each field of a change
/// named from the catalogue, each coded value (a status, a kind, a method) by its name, people
/// by name instead of their ids, moments in Beijing time. Lines keep what was written; only the
/// reading changes, so old lines read the same way.
enum AuditReading {
    /// Catalogue prefixes a field's coded value may be named under, tried in order; the entity's
    /// own prefix ("ticket.status") first, where the line is about a ticket.
    static let valuePrefixes: [String: [String]] = [
        "status": ["sale.receipt_status", "sale.subscription", "sale.contract", "approval.status", "ticket.status", "unit.status", "owner.status"],
        "review": ["sale.review"],
        "kind": ["approval.kind", "ticket.kind", "cust.kind", "sale.item"],
        "item": ["sale.item"],
        "code": ["sale.document"],
        "method": ["sale.method", "sale.receipt_method"],
        "stage": ["sale.mortgage", "sale.title"],
        "loanType": ["sale.loan"],
        "channel": ["ticket.channel"],
        "severity": ["ticket.severity"],
        "grade": ["cust.grade"],
        "approver": ["role"],
        "role": ["role"],
        "decision": ["sale.area_decision"],
        "department": ["ticket.department"],
        "cause": ["ticket.cause"],
    ]

    /// Entity prefixes by the line's entity, tried before the general list.
    static let entityPrefixes: [String: [String]] = [
        "ticket": ["ticket.status", "ticket.kind"], "unit": ["unit.status"], "approval": ["approval.status", "approval.kind"],
        "receipt": ["sale.receipt_status", "sale.item"], "subscription": ["sale.subscription"], "contract": ["sale.contract"],
    ]

    /// "字段：旧 → 新" for each changed field, in the reader's language.
    static func changes(_ l: AuditQuery.Line, _ t: Localizer, names: [UUID: String]) -> String {
        let keys = Set(l.before.keys).union(l.after.keys).sorted()
        let arrow = " → ", gone = " ✕", colon = t.language == .zh ? "：" : ": "
        return keys.map { k in
            let label = t.catalog.has("audit.field.\(k)") ? t("audit.field.\(k)") : k
            func v(_ raw: String) -> String { value(raw, field: k, entity: l.entity, t, names: names) }
            return switch (l.before[k], l.after[k]) {
            case let (b?, a?): "\(label)\(colon)\(v(b))\(arrow)\(v(a))"
            case let (nil, a?): "\(label)\(colon)\(v(a))"
            case let (b?, nil): "\(label)\(colon)\(v(b))\(gone)"
            default: label
            }
        }.joined(separator: t.language == .zh ? "；" : "; ")
    }

    /// One value as a reader knows it.
    static func value(_ raw: String, field: String, entity: String, _ t: Localizer, names: [UUID: String]) -> String {
        if raw.isEmpty { return "—" }
        if let id = UUID(uuidString: raw) { return names[id] ?? t("audit.value.record") }
        if raw == "true" || raw == "false" { return t("audit.value.\(raw)") }
        if raw == "pool" { return t("audit.value.pool") }
        if let moment = moment(raw) { return Shell.dateTime(moment) }
        for prefix in (entityPrefixes[entity] ?? []) + (valuePrefixes[field] ?? []) where t.catalog.has("\(prefix).\(raw)") {
            return t("\(prefix).\(raw)")
        }
        return raw
    }

    /// An ISO 8601 moment ("2026-12-07T04:58:51.209Z"), not a plain day.
    static func moment(_ s: String) -> Date? {
        guard s.count > 10, s.contains("T") else { return nil }
        return (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(s)) ?? (try? Date.ISO8601FormatStyle().parse(s))
    }

    /// Every id in the lines' changes and entities that may name a person (looked up by the page).
    static func ids(in lines: [AuditQuery.Line]) -> Set<UUID> {
        var ids = Set<UUID>()
        for l in lines {
            for v in l.before.values.chain(l.after.values) { if let id = UUID(uuidString: v) { ids.insert(id) } }
        }
        return ids
    }

    /// What the line is about, in the reader's language: "合同 HT000078"; the record's number or
    /// name where its owner gave one, the kind of record alone otherwise (customers stay unnamed:
    /// the audit log is read by roles that may not see them).
    static func subject(_ l: AuditQuery.Line, _ t: Localizer, references: [String: String]) -> String {
        let label = t.catalog.has("audit.entity.\(l.entity)") ? t("audit.entity.\(l.entity)") : l.entity
        let unnamed = ["customer", "owner"].contains(l.entity)
        let reference = l.entityID.flatMap { references[$0.uppercased()] }
            ?? [l.after["number"], l.before["number"], l.after["unit"], unnamed ? nil : l.after["name"]].compactMap { $0 }.first { !$0.isEmpty }
        return [label, reference].compactMap { $0 }.joined(separator: " ")
    }
}

private extension Dictionary.Values {
    func chain(_ other: Dictionary.Values) -> [Value] { Array(self) + Array(other) }
}

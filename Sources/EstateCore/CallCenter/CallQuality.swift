import Foundation

/// 质检 (call quality assurance): the supervisor defines a weighted form (问候规范, 业务准确, 同理心, 问题解决…),
/// a reviewer marks each item of an answered call on five levels, and the call's score is the weighted sum on
/// 0…100. An item marked critical (致命项, e.g. 泄露客户信息, 辱骂客户) failed makes the whole call 0, as QA
/// forms in the trade do. Scores are kept in tenths so sums and means are exact.
public struct QAItem: Codable, Sendable, Equatable {
    public var title: String
    /// Share of the score, in points; a form's weights add up to 100.
    public var weight: Int
    /// 致命项: marked `fails`, the call scores 0 whatever the other items.
    public var critical: Bool

    public init(title: String, weight: Int, critical: Bool = false) {
        self.title = title; self.weight = weight; self.critical = critical
    }
}

/// A reviewer's mark on one item: the item's share of its weight is level ÷ 4.
public enum QAMark: Int, Codable, CaseIterable, Sendable {
    /// 不合格
    case fails = 0
    /// 待改进
    case poor = 1
    /// 合格
    case fair = 2
    /// 良好
    case good = 3
    /// 优秀
    case excellent = 4
    public var catalogKey: String { "qa.mark.\(rawValue)" }
}

public enum CallQuality {
    public static let maxItems = 12
    public static let titleMax = 30
    public static let commentMax = 1000
    /// The weights of a form add up to this.
    public static let totalWeight = 100

    public enum Problem: String, Error, Sendable, Equatable {
        case formEmpty = "qa_form_empty"
        case tooManyItems = "qa_form_too_many_items"
        case titleInvalid = "qa_item_title_invalid"
        case titleRepeated = "qa_item_title_repeated"
        case weightInvalid = "qa_item_weight_invalid"
        case weightsNotHundred = "qa_weights_not_100"
        case marksMismatch = "qa_marks_mismatch"
    }

    /// What is wrong with a form, by item index (nil: the form as a whole). Titles 1–30 characters on one
    /// line and distinct; weights 1…100 adding up to 100; at most 12 items.
    public static func check(_ items: [QAItem]) -> [(index: Int?, problem: Problem)] {
        var out: [(Int?, Problem)] = []
        if items.isEmpty { return [(nil, .formEmpty)] }
        if items.count > maxItems { out.append((nil, .tooManyItems)) }
        var seen = Set<String>()
        for (i, item) in items.enumerated() {
            let title = item.title.trimmingCharacters(in: .whitespaces)
            if title.isEmpty || title.count > titleMax || title.contains(where: \.isNewline) || title.contains("\u{0}") {
                out.append((i, .titleInvalid))
            } else if !seen.insert(title).inserted {
                out.append((i, .titleRepeated))
            }
            if !(1...totalWeight).contains(item.weight) { out.append((i, .weightInvalid)) }
        }
        if out.allSatisfy({ $0.1 != .weightInvalid }), items.reduce(0, { $0 + $1.weight }) != totalWeight {
            out.append((nil, .weightsNotHundred))
        }
        return out
    }

    /// The call's score in tenths of a point (0…1000): Σ weight × level ÷ 4, rounded half up to a tenth;
    /// 0 when a critical item fails. The marks are the form's items in order.
    public static func scoreTenths(_ items: [QAItem], marks: [QAMark]) throws(Problem) -> Int {
        guard !items.isEmpty, marks.count == items.count else { throw .marksMismatch }
        if zip(items, marks).contains(where: { $0.critical && $1 == .fails }) { return 0 }
        // Σ weight × level is in quarter points; × 10 ÷ 4 gives tenths, + 2 rounds half up.
        let quarters = zip(items, marks).reduce(0) { $0 + $1.0.weight * $1.1.rawValue }
        return (quarters * 10 + 2) / 4
    }

    /// "87.5" for 875 tenths.
    public static func format(tenths: Int) -> String { "\(tenths / 10).\(tenths % 10)" }
}

import EstateCore
import Foundation
import Testing

/// 质检: the form's rules and a call's score (weighted levels, 致命项, tenths rounded half up).
@Suite struct CallQualityTests {
    static let form = [QAItem(title: "问候规范", weight: 15), QAItem(title: "业务准确", weight: 35),
                       QAItem(title: "同理心", weight: 20), QAItem(title: "问题解决", weight: 25),
                       QAItem(title: "信息安全", weight: 5, critical: true)]

    @Test func aFormsWeightsAddUpToAHundredWithDistinctTitles() {
        #expect(CallQuality.check(Self.form).isEmpty)
        #expect(CallQuality.check([]).map(\.problem) == [.formEmpty])
        var short = Self.form; short[0].weight = 10
        #expect(CallQuality.check(short).map(\.problem) == [.weightsNotHundred])
        var repeated = Self.form; repeated[2].title = " 业务准确 "
        #expect(CallQuality.check(repeated).map { "\($0.index.map(String.init) ?? "-") \($0.problem.rawValue)" } == ["2 qa_item_title_repeated"])
        var bad = Self.form; bad[1].weight = 0; bad[3].title = ""; bad[4].title = String(repeating: "长", count: 31)
        let problems = CallQuality.check(bad)
        #expect(problems.map(\.problem) == [.weightInvalid, .titleInvalid, .titleInvalid], "a bad weight says so, not also 'not 100'")
        #expect(problems.map(\.index) == [1, 3, 4])
        let many = (0..<13).map { QAItem(title: "项\($0)", weight: $0 == 0 ? 88 : 1) }
        #expect(CallQuality.check(many).map(\.problem) == [.tooManyItems])
    }

    @Test func aCallScoresItsWeightedLevelsAndACriticalFailureIsZero() throws {
        let all = { (m: QAMark) in Array(repeating: m, count: Self.form.count) }
        #expect(try CallQuality.scoreTenths(Self.form, marks: all(.excellent)) == 1000)
        #expect(try CallQuality.scoreTenths(Self.form, marks: all(.fair)) == 500)
        // 15×4 + 35×3 + 20×2 + 25×4 + 5×4 = 325 quarters → 81.25 → 81.3 (half up).
        #expect(try CallQuality.scoreTenths(Self.form, marks: [.excellent, .good, .fair, .excellent, .excellent]) == 813)
        #expect(CallQuality.format(tenths: 813) == "81.3" && CallQuality.format(tenths: 1000) == "100.0" && CallQuality.format(tenths: 5) == "0.5")
        // A non-critical item failed costs its weight; the critical one failed costs everything.
        #expect(try CallQuality.scoreTenths(Self.form, marks: [.fails, .excellent, .excellent, .excellent, .excellent]) == 850)
        #expect(try CallQuality.scoreTenths(Self.form, marks: [.excellent, .excellent, .excellent, .excellent, .fails]) == 0)
        #expect(throws: CallQuality.Problem.marksMismatch) { try CallQuality.scoreTenths(Self.form, marks: [.good]) }
        // Exhaustively: within 0…1000, and monotone in each mark.
        for a in QAMark.allCases { for b in QAMark.allCases { for c in QAMark.allCases {
            let s = try CallQuality.scoreTenths(Self.form, marks: [a, b, c, .good, .good])
            #expect((0...1000).contains(s))
            if let up = QAMark(rawValue: a.rawValue + 1) { #expect(try CallQuality.scoreTenths(Self.form, marks: [up, b, c, .good, .good]) >= s) }
        } } }
    }
}

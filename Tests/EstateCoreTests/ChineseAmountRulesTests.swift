import EstateCore
import Testing

/// 大写 against the 中国人民银行 rules for 零 (支付结算办法 附件一《正确填写票据和结算凭证的基本规定》,
/// issue 21 rule 2), position by position:
///
/// - 一: 壹贰叁…拾佰仟万亿元角分零整, never 一二三/十/毛/另.
/// - 二: 整 after 元 when the amount stops at 元; after 角 it may be left out (we leave it out);
///   nothing after 分.
/// - 四(1): a 0 between digits is written 零 (¥1,409.50 → 壹仟肆佰零玖元伍角).
/// - 四(2): a run of 0s between digits is one 零 (¥6,007.14 → 陆仟零柒元壹角肆分).
/// - 四(3): a 0 in the 万 or 元 place — alone or ending a run — before a non-zero 仟 or 角 may be
///   written as one 零 or left out (¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分 or …捌拾元叁角贰分;
///   ¥107,000.53 → 壹拾万柒仟元零伍角叁分 or 壹拾万零柒仟元伍角叁分). We write the first form of
///   each example: 零 before 角 for a zero 元 place, none for a lone zero in the 万 (and 亿) place,
///   and one 零 when a run of zeros crosses into it (¥1,005,000.00 → 壹佰万零伍仟元整).
/// - 四(4): 角 is 0 and 分 is not: 零 after 元 (¥16,409.02 → 壹万陆仟肆佰零玖元零贰分;
///   ¥325.04 → 叁佰贰拾伍元零肆分).
/// - A leading 拾 keeps its 壹 (壹拾元整), so nothing can be written in front of it.
@Suite("大写 per the 支付结算办法 rules for 零")
struct ChineseAmountRulesTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var fen: Int64
        var capitals: String
        var rule: String
        var testDescription: String { "\(Money(fen: fen)) → \(capitals) (\(rule))" }
    }

    static let cases: [Case] = [
        // The 附件's own examples.
        .init(fen: 140_950, capitals: "壹仟肆佰零玖元伍角", rule: "四(1) example"),
        .init(fen: 600_714, capitals: "陆仟零柒元壹角肆分", rule: "四(2) example"),
        .init(fen: 168_032, capitals: "壹仟陆佰捌拾元零叁角贰分", rule: "四(3) example, first form"),
        .init(fen: 10_700_053, capitals: "壹拾万柒仟元零伍角叁分", rule: "四(3) example, first form (issue 21)"),
        .init(fen: 1_640_902, capitals: "壹万陆仟肆佰零玖元零贰分", rule: "四(4) example"),
        .init(fen: 32_504, capitals: "叁佰贰拾伍元零肆分", rule: "四(4) example"),
        // 角 and 分 alone, 整.
        .init(fen: 0, capitals: "零元整", rule: "nothing"),
        .init(fen: 5, capitals: "伍分", rule: "分 only: no 零元"),
        .init(fen: 50, capitals: "伍角", rule: "角 only, no 整 after 角"),
        .init(fen: 55, capitals: "伍角伍分", rule: "角 and 分"),
        .init(fen: 100, capitals: "壹元整", rule: "二: 整 after 元"),
        .init(fen: 1_000, capitals: "壹拾元整", rule: "a leading 拾 keeps 壹"),
        .init(fen: 1_100, capitals: "壹拾壹元整", rule: "a leading 拾 keeps 壹"),
        .init(fen: 10_001, capitals: "壹佰元零壹分", rule: "四(4): 角 zero, 分 not (元 place zero too)"),
        .init(fen: 1_050, capitals: "壹拾元零伍角", rule: "四(3): 元 place zero before 角"),
        .init(fen: 100_000_050, capitals: "壹佰万元零伍角", rule: "四(3): zeros to the 元 place before 角"),
        .init(fen: 2_000_008, capitals: "贰万元零捌分", rule: "四(4) after a run of zeros"),
        // Zeros inside the 仟佰拾 places.
        .init(fen: 101_000, capitals: "壹仟零壹拾元整", rule: "四(1): zero in 佰"),
        .init(fen: 1_001_000, capitals: "壹万零壹拾元整", rule: "四(2): zeros in 仟 and 佰"),
        // The 万 place.
        .init(fen: 10_500_000, capitals: "壹拾万伍仟元整", rule: "四(3): lone zero in 万 before 仟, left out"),
        .init(fen: 10_010_000, capitals: "壹拾万零壹佰元整", rule: "四(2): zeros in 万 and 仟"),
        .init(fen: 100_500_000, capitals: "壹佰万零伍仟元整", rule: "四(3): a run into 万 before 仟, one 零 (issue 21)"),
        .init(fen: 100_001_000, capitals: "壹佰万零壹拾元整", rule: "四(2): zeros from 拾万 to 佰"),
        .init(fen: 11_000_000, capitals: "壹拾壹万元整", rule: "no zero written after the last digit"),
        .init(fen: 216_339_664, capitals: "贰佰壹拾陆万叁仟叁佰玖拾陆元陆角肆分", rule: "no zero at all (issue 15)"),
        // The 亿 place.
        .init(fen: 10_000_000_000, capitals: "壹亿元整", rule: "亿"),
        .init(fen: 10_000_010_000, capitals: "壹亿零壹佰元整", rule: "四(2): the whole 万 group zero"),
        .init(fen: 10_001_000_000, capitals: "壹亿零壹万元整", rule: "四(2): zeros from 仟万 to 万's 拾"),
        .init(fen: 107_000_000_000, capitals: "壹拾亿柒仟万元整", rule: "四(3) at 亿: lone zero left out"),
        .init(fen: 100_500_000_000, capitals: "壹拾亿零伍佰万元整", rule: "四(2): zeros from 亿 to 仟万"),
        .init(fen: 100_000_000_100, capitals: "壹拾亿零壹元整", rule: "四(2): zeros from 亿's 个 to 拾"),
        .init(fen: 1_000_000_000_000, capitals: "壹佰亿元整", rule: "10,000,000,000.00"),
        .init(fen: 10_000_000_000_000, capitals: "壹仟亿元整", rule: "the largest amount the API takes (Money.maxTotal)"),
        .init(fen: 9_999_999_999_999, capitals: "玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分", rule: "every place"),
        // A refund.
        .init(fen: -168_032, capitals: "负壹仟陆佰捌拾元零叁角贰分", rule: "negative"),
    ]

    @Test(arguments: cases)
    func capitals(_ c: Case) {
        #expect(ChineseAmount.capitals(Money(fen: c.fen)) == c.capitals)
    }

    /// 一: only the capitals' own characters, never the common numerals, 毛, 另 or Arabic digits.
    @Test(arguments: cases)
    func onlyCapitalCharacters(_ c: Case) {
        let allowed = Set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整负")
        #expect(ChineseAmount.capitals(Money(fen: c.fen)).allSatisfy { allowed.contains($0) })
    }

    /// 零 is never doubled, never ends the amount, and never opens it.
    @Test(arguments: cases)
    func oneZeroAtATime(_ c: Case) {
        let s = ChineseAmount.capitals(Money(fen: c.fen))
        #expect(!s.contains("零零"))
        #expect(c.fen == 0 || (!s.hasPrefix("零") && !s.hasPrefix("负零")))
        #expect(!s.hasSuffix("零") && !s.contains("零元") || c.fen == 0)
    }
}

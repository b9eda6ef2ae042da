/// An amount in Chinese capitals (人民币大写), as agreements, contracts and receipts print it,
/// following the 支付结算办法 (附件一) rules as its examples write them: 壹拾 for a leading ten; one 零
/// for a run of zeros before a non-zero digit (壹仟零肆元, 壹佰万零伍仟元); a lone zero in the 万
/// (or 亿) place is left out (壹拾万柒仟元), one in the 元 place before 角 is written
/// (壹仟陆佰捌拾元零叁角贰分) — the rules allow either for these two, and we follow the first
/// form of the examples; 整 after 元 when there are no 角 and 分, nothing after 分, 负 before a
/// negative amount.
///
///     1,234,567.89 → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分
///     1,000,500.00 → 壹佰万零伍佰元整
///     1,005,000.00 → 壹佰万零伍仟元整
///     107,000.53   → 壹拾万柒仟元零伍角叁分
///     10.05        → 壹拾元零伍分
public enum ChineseAmount {
    static let digits = Array("零壹贰叁肆伍陆柒捌玖")
    static let places = ["仟", "佰", "拾", ""]

    public static func capitals(_ money: Money) -> String {
        if money.fen < 0 { return "负" + capitals(Money(fen: 0 &- money.fen)) }
        let yuan = money.fen / 100, jiao = Int(money.fen / 10 % 10), fen = Int(money.fen % 10)
        var out = yuan > 0 ? integer(yuan) + "元" : ""
        switch (jiao, fen) {
        case (0, 0): out += yuan > 0 ? "整" : "零元整"
        case (0, _): out += (yuan > 0 ? "零" : "") + String(digits[fen]) + "分"
        case (_, 0): out += (yuan % 10 == 0 && yuan > 0 ? "零" : "") + String(digits[jiao]) + "角"
        default: out += (yuan % 10 == 0 && yuan > 0 ? "零" : "") + String(digits[jiao]) + "角" + String(digits[fen]) + "分"
        }
        return out
    }

    /// A positive whole number of yuan, in groups of four digits: 亿, 万 and units (up to 9999亿…).
    static func integer(_ n: Int64) -> String {
        var groups: [(value: Int, unit: String)] = []
        var rest = n
        for unit in ["", "万", "亿", "万亿"] {
            groups.insert((Int(rest % 10_000), unit), at: 0)
            rest /= 10_000
            if rest == 0 { break }
        }
        var out = ""
        var pendingZero = false
        var previousEndsInZero = false
        for g in groups {
            if g.value == 0 {
                if !out.isEmpty { pendingZero = true }
                continue
            }
            // A run of zeros before this group: a zero group, fewer than four digits after a higher
            // group, or the higher group ending in two or more zeros (壹佰万零伍仟; a lone zero in
            // the 万 place is not written: 壹拾万柒仟).
            if !out.isEmpty && (pendingZero || g.value < 1000 || previousEndsInZero) { out += "零" }
            pendingZero = false
            previousEndsInZero = g.value % 100 == 0
            out += section(g.value) + g.unit
        }
        return out
    }

    /// 1…9999 with 仟佰拾, one 零 for inner zeros ("壹仟零伍", "壹仟零伍拾").
    static func section(_ n: Int) -> String {
        let ds = [n / 1000, n / 100 % 10, n / 10 % 10, n % 10]
        var out = ""
        var zero = false
        for (d, place) in zip(ds, places) {
            if d == 0 {
                if !out.isEmpty { zero = true }
            } else {
                if zero { out += "零"; zero = false }
                out += String(digits[d]) + place
            }
        }
        return out
    }
}

/// An amount in Chinese capitals (人民币大写), as agreements, contracts and receipts print it,
/// following the 支付结算办法 rules: 壹拾 for a leading ten, one 零 for a run of zeros, 整 after
/// 元 when there are no 角 and 分, nothing after 分, 负 before a negative amount.
///
///     1,234,567.89 → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分
///     1,000,500.00 → 壹佰万零伍佰元整
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
        case (_, 0): out += String(digits[jiao]) + "角"
        default: out += String(digits[jiao]) + "角" + String(digits[fen]) + "分"
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
        for (i, g) in groups.enumerated() {
            if g.value == 0 {
                if !out.isEmpty { pendingZero = true }
                continue
            }
            // A gap before this group (a zero group, or fewer than four digits after a higher group).
            if !out.isEmpty && (pendingZero || g.value < 1000) { out += "零" }
            pendingZero = false
            out += section(g.value) + g.unit
            _ = i
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

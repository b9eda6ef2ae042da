/// The order in which registered buyers choose on opening day (开盘选房顺序), issue 18 point 2.
///
/// Either the registration order (认筹顺序: by registration number), or a public lottery (摇号):
/// staff publish a seed in advance (e.g. a future block's numbers, announced publicly), then
///
///     key(id) = lower-case hex SHA-256( UTF-8(seed) ‖ UTF-8(id) )      (‖ = byte concatenation)
///     order   = the ids sorted by key ascending (ties, never seen in practice, by id)
///
/// where `id` is the registration number (e.g. `RC000123`). Anyone can recompute it from the
/// published list with `scripts/opening-order.py`. The list's hash is SHA-256 of the canonical
/// text, one line per buyer, `rank<TAB>id<TAB>key<LF>`: the notary signs that hash.
public enum LotteryOrder {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// 按认筹顺序
        case registration
        /// 公开摇号
        case lottery
        public var catalogKey: String { "opening.order.\(rawValue)" }
    }

    public struct Entry: Sendable, Equatable, Codable {
        /// 1-based.
        public var rank: Int
        public var id: String
        /// The lottery key; for the registration order, the same function of an empty seed (shown, not used).
        public var key: String
        public init(rank: Int, id: String, key: String) { self.rank = rank; self.id = id; self.key = key }
    }

    /// A seed is printable ASCII, 1–200 characters (it is read aloud and published).
    public static func isValidSeed(_ seed: String) -> Bool {
        (1...200).contains(seed.count) && seed.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f }
    }

    public static func key(seed: String, id: String) -> String { SHA256Digest.hex(bytes: Array(seed.utf8) + Array(id.utf8)) }

    /// The lottery order of `ids` under `seed`.
    public static func lottery(seed: String, ids: [String]) -> [Entry] {
        let keyed = ids.map { (id: $0, key: key(seed: seed, id: $0)) }
            .sorted { $0.key != $1.key ? $0.key < $1.key : $0.id < $1.id }
        return keyed.enumerated().map { Entry(rank: $0.offset + 1, id: $0.element.id, key: $0.element.key) }
    }

    /// The registration order: by id (registration numbers are drawn in order).
    public static func registration(ids: [String]) -> [Entry] {
        ids.sorted().enumerated().map { Entry(rank: $0.offset + 1, id: $0.element, key: key(seed: "", id: $0.element)) }
    }

    public static func order(_ kind: Kind, seed: String, ids: [String]) -> [Entry] {
        kind == .lottery ? lottery(seed: seed, ids: ids) : registration(ids: ids)
    }

    /// The canonical published text of an order.
    public static func publishedText(_ entries: [Entry]) -> String {
        entries.map { "\($0.rank)\t\($0.id)\t\($0.key)\n" }.joined()
    }

    /// The list's hash, printed on the notary view.
    public static func listHash(_ entries: [Entry]) -> String { SHA256Digest.hex(publishedText(entries)) }
}

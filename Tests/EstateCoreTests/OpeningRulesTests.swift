import EstateCore
import Foundation
import Testing

@Suite("Opening day: lottery order, batches, quota, state machine, log chain")
struct OpeningRulesTests {
    static let ids = (1...300).map { String(format: "RC%06d", $0) }

    @Test func sha256MatchesTheNISTVectors() {
        #expect(SHA256Digest.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256Digest.hex(String(repeating: "a", count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        #expect(SHA256Digest.hex("开盘选房") == "6a19ff73b4a3393150ef62d61cc11a419ef040428d8604e761e5c418f4cccbe0")
    }

    @Test func theLotteryIsAPureFunctionOfSeedAndIds() {
        // MUT
        let a = LotteryOrder.lottery(seed: "block 19000000", ids: Self.ids)
        let b = LotteryOrder.lottery(seed: "block 19000000", ids: Self.ids.shuffled())
        let c = LotteryOrder.lottery(seed: "block 19000001", ids: Self.ids)
        // validate: same seed, any input order → same order; another seed → another order
        #expect(a == b)
        #expect(a.map(\.id) != c.map(\.id))
        #expect(a.map(\.rank) == Array(1...300))
        #expect(Set(a.map(\.id)) == Set(Self.ids))
        #expect(a.first!.key == LotteryOrder.key(seed: "block 19000000", id: a.first!.id))
        #expect(zip(a, a.dropFirst()).allSatisfy { $0.key < $1.key })
        #expect(LotteryOrder.listHash(a) == LotteryOrder.listHash(b))
        #expect(LotteryOrder.listHash(a) != LotteryOrder.listHash(c))
        // The documented function, by hand, for one id.
        #expect(LotteryOrder.key(seed: "s", id: "RC000001") == SHA256Digest.hex("sRC000001"))
    }

    @Test func theRegistrationOrderIsByNumber() {
        let o = LotteryOrder.order(.registration, seed: "", ids: Self.ids.reversed())
        #expect(o.map(\.id) == Self.ids)
        #expect(!LotteryOrder.isValidSeed(""))
        #expect(!LotteryOrder.isValidSeed("种子"))
        #expect(LotteryOrder.isValidSeed("SSE 2026-12-07 close 3456.78"))
    }

    /// The shipped script (scripts/opening-order.py) recomputes the same order and hash.
    @Test func theShippedScriptAgrees() throws {
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else { return } // no python3 here: nothing to compare with
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("opening-\(UUID().uuidString).txt")
        try Self.ids.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: list) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [root.appendingPathComponent("scripts/opening-order.py").path, "SSE 2026-12-07 close 3456.78", list.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let order = LotteryOrder.lottery(seed: "SSE 2026-12-07 close 3456.78", ids: Self.ids)
        #expect(p.terminationStatus == 0)
        #expect(text == LotteryOrder.publishedText(order) + "list-hash \(LotteryOrder.listHash(order))\n")
    }

    @Test func batchesCoverTheOrderAndWindowsDecide() {
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        let batches = OpeningBatch.plan(count: 45, size: 20, start: t0, minutes: 30, gapMinutes: 20)
        #expect(batches.map(\.firstRank) == [1, 21, 41])
        #expect(batches.map(\.lastRank) == [20, 40, 45])
        #expect(OpeningBatch.isValid(batches, count: 45))
        #expect(!OpeningBatch.isValid(batches, count: 46))
        #expect(!OpeningBatch.isValid(Array(batches.dropFirst()), count: 45))
        func refusal(_ rank: Int, _ at: TimeInterval, used: Int = 0, state: OpeningState = .open, eligible: Bool = true) -> SelectionRefusal? {
            SelectionRules.refusal(state: state, eligible: eligible, rank: rank, batches: batches, now: t0 + at, used: used, quota: 1)
        }
        #expect(refusal(1, 0) == nil)
        #expect(refusal(21, 0) == .outsideWindow)          // batch 2 opens at +20 min
        #expect(refusal(21, 20 * 60) == nil)
        #expect(refusal(1, 30 * 60) == .outsideWindow)     // batch 1 closed at +30 min
        #expect(refusal(1, 60, used: 1) == .overQuota)
        #expect(refusal(1, 60, state: .paused) == .paused)
        #expect(refusal(1, 60, state: .scheduled) == .notOpen)
        #expect(refusal(1, 60, eligible: false) == .notEligible)
        // Extending by 10 minutes at +25: batch 1 closes at +40, batch 3 (not open yet) opens at +50.
        let extended = OpeningBatch.extend(batches, by: 600, now: t0 + 25 * 60)
        #expect(extended[0].closesAt == t0 + 40 * 60)
        #expect(extended[0].opensAt == t0)
        #expect(extended[2].opensAt == t0 + 50 * 60)
    }

    @Test func onlyTheListedMovesExist() {
        let allowed: [OpeningState: [OpeningAction: OpeningState]] = [
            .draft: [.rehearse: .rehearsal, .schedule: .scheduled],
            .rehearsal: [.endRehearsal: .draft, .schedule: .scheduled],
            .scheduled: [.open: .open, .close: .closed, .extend: .scheduled],
            .open: [.pause: .paused, .close: .closed, .extend: .open],
            .paused: [.resume: .open, .close: .closed, .extend: .paused],
            .closed: [:],
        ]
        for s in OpeningState.allCases {
            for a in OpeningAction.allCases { #expect(a.next(from: s) == allowed[s]?[a], "\(s) \(a)") }
        }
    }

    @Test func theLogChainFindsAModifiedOrDeletedLine() {
        var lines: [(line: String, hash: String)] = []
        var previous = OpeningLogChain.genesis
        for i in 0..<5 {
            let line = "select|RC00000\(i)|unit-\(i)"
            previous = OpeningLogChain.hash(previous: previous, line: line)
            lines.append((line, previous))
        }
        #expect(OpeningLogChain.firstBreak(lines) == nil)
        var modified = lines
        modified[2].line = "select|RC000009|unit-2"
        #expect(OpeningLogChain.firstBreak(modified) == 2)
        var deleted = lines
        deleted.remove(at: 3)
        #expect(OpeningLogChain.firstBreak(deleted) == 3)
    }
}

@Suite("Opening day: the selection limits' bucket")
struct SelectionLimitTests {
    @Test func aBurstThenOnePerIntervalAndNoCreditForIdleBeyondTheBurst() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var b = SelectionLimits.buyer(now: t0)
        // Five at once, the sixth waits a whole second.
        for _ in 0..<5 { #expect(b.take(now: t0) == nil) }
        #expect(b.take(now: t0) == 1)
        // Half a second later half a token: still half a second to wait; at one second, one more.
        #expect(b.take(now: t0 + 0.5) == 0.5)
        #expect(b.take(now: t0 + 1) == nil)
        #expect(b.take(now: t0 + 1) != nil)
        // An hour idle gives back the burst, not 3,600.
        #expect(b.isIdle(now: t0 + 3_600))
        for _ in 0..<5 { #expect(b.take(now: t0 + 3_600) == nil) }
        #expect(b.take(now: t0 + 3_600) != nil)
        // A clock that steps back never mints tokens.
        #expect(b.take(now: t0) != nil)
    }

    @Test func aTokenGivenBackIsTakenAgainButNeverBeyondTheBurst() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var b = SelectionLimits.buyer(now: t0)
        for _ in 0..<5 { #expect(b.take(now: t0) == nil) }
        b.giveBack()
        #expect(b.take(now: t0) == nil)
        #expect(b.take(now: t0) == 1)
        // A full bucket stays at its burst.
        var full = SelectionLimits.buyer(now: t0)
        full.giveBack(); full.giveBack()
        for _ in 0..<5 { #expect(full.take(now: t0) == nil) }
        #expect(full.take(now: t0) != nil)
    }

    @Test func theAddressBucketIsWide() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var a = SelectionLimits.address(now: t0)
        for _ in 0..<60 { #expect(a.take(now: t0) == nil) }
        let wait = a.take(now: t0)
        #expect(wait != nil && abs(wait! - 0.1) < 1e-9)
        #expect(a.take(now: t0 + 0.1) == nil)
    }
}

import Testing
@testable import EstateCore

@Suite("GB 32100 统一社会信用代码")
struct CreditCodeTests {
    @Test(arguments: [
        "91350100M000100Y43",      // GB 32100-2015's own example
        "914403001922038216",      // a Shenzhen company, check digit 6
        "9144030071526726XG",      // check character G
        "91330100716105852F",      // check character F
        "91110000802100433B",      // check character B
        " 9135 0100 m000 100y43 ", // typed with spaces and lower case: the same code
    ])
    func valid(_ code: String) throws {
        #expect(try CreditCode.check(code).get() == CreditCode.normalized(code))
        #expect(CreditCode.isValid(code))
    }

    @Test(arguments: [
        ("91350100M000100Y44", CreditCodeProblem.checkDigit), // last character changed
        ("914403001922038215", .checkDigit),
        ("91330100716105852E", .checkDigit),
        ("91350100M000100Y4", .length),                        // 17
        ("91350100M000100Y433", .length),                      // 19
        ("", .length),
        ("91350100M000100I43", .characters),                   // I is not in the alphabet
        ("91350100M0001O0Y43", .characters),                   // nor O
        ("9135010SM000100Y43", .characters),                   // nor S, and the region is digits
        ("91A50100M000100Y43", .characters),                   // region with a letter
        ("91350100M000100Y4-", .characters),
    ])
    func refused(_ code: String, _ problem: CreditCodeProblem) {
        #expect(throws: problem) { try CreditCode.check(code).get() }
        #expect(!CreditCode.isValid(code))
    }
}

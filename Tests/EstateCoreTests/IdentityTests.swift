import Testing
@testable import EstateCore

@Suite("GB 11643 and other identity documents")
struct IdentityTests {
    let today = 20_261_126

    @Test(arguments: ["11010519491231002X", "32031119900101123X", "11010519491231002x", " 1101 0519 4912 3100 2X ",
                      "440524188001010014"])   // GB 11643's own example, born 1880 (issue 21)
    func validResidentIDs(_ n: String) throws {
        #expect(try IdentityNumber.check(n, kind: .residentID, today: today).get() == IdentityNumber.normalized(n))
    }

    @Test func lowerCaseXIsTheSameCard() {
        #expect(IdentityNumber.normalized("11010519491231002x") == "11010519491231002X")
    }

    @Test(arguments: [
        ("110105194912310021", IdentityProblem.checkDigit),  // X expected
        ("44052418800101001", .length),
        ("4405241880010100144", .length),
        ("44052418800101001A", .characters),
        ("99052418800101001X", .region),
        ("110105194913310027", .birthDate),                   // month 13
        ("110105200102290019", .birthDate),                   // 2001-02-29 does not exist
        ("110105203001010016", .birthDate),                   // born in the future
        ("110105179912310016", .birthDate),                   // before 1800
        ("110105190002290017", .birthDate),                   // 1900-02-29 does not exist (not a leap year)
        ("", .empty),
    ])
    func refusedResidentIDs(_ n: String, _ problem: IdentityProblem) {
        #expect(throws: problem) { try IdentityNumber.check(n, kind: .residentID, today: today).get() }
    }

    @Test func aLeapDayIsABirthDate() {
        // 2000-02-29 exists: whatever the check digit says, the date is not the problem.
        #expect(throws: IdentityProblem.checkDigit) { try IdentityNumber.check("110105200002290012", kind: .residentID, today: today).get() }
        #expect((try? IdentityNumber.check("110105200002290013", kind: .residentID, today: today).get()) == "110105200002290013")
    }

    @Test func otherDocuments() {
        #expect((try? IdentityNumber.check("E12345678", kind: .passport, today: today).get()) == "E12345678")
        #expect(throws: IdentityProblem.characters) { try IdentityNumber.check("E1234-678", kind: .passport, today: today).get() }
        #expect((try? IdentityNumber.check("h12345678", kind: .hkMacaoPermit, today: today).get()) == "H12345678")
        #expect((try? IdentityNumber.check("M1234567890", kind: .hkMacaoPermit, today: today).get()) == "M1234567890")
        #expect(throws: IdentityProblem.characters) { try IdentityNumber.check("X12345678", kind: .hkMacaoPermit, today: today).get() }
        #expect((try? IdentityNumber.check("12345678", kind: .taiwanPermit, today: today).get()) == "12345678")
        #expect(throws: IdentityProblem.length) { try IdentityNumber.check("1234567", kind: .taiwanPermit, today: today).get() }
    }

    @Test func mobilesAreNormalizedOrRefused() {
        #expect(MobileNumber.normalized("+86 138-1234-5678") == "13812345678")
        #expect(MobileNumber.normalized("0086 13812345678") == "13812345678")
        #expect(MobileNumber.normalized("19912345678") == "19912345678")
        #expect(MobileNumber.normalized("12812345678") == nil)     // 1[3-9]
        #expect(MobileNumber.normalized("1381234567") == nil)      // 10 digits
        #expect(MobileNumber.normalized("1381234567a") == nil)
        #expect(MobileNumber.suffix("13812345678") == "5678")
    }

    @Test func identityMaskingKeepsFirstSixAndLastFour() {
        #expect(Masking.identity("11010519491231002X", kind: .residentID) == "110105********002X")
        #expect(Masking.identity("E12345678", kind: .passport) == "E1*****78")
    }
}

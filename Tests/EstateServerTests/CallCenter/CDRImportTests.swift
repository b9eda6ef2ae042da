import EstateCore
@testable import EstateServer
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// 话单导入 on both engines: Asterisk's Master.csv in GBK and our template in UTF-8; one bad row
/// and nothing is written, every bad row named by line, column and reason; a second import of the
/// same file skips every call.
@Suite("Call centre: CDR import")
struct CDRImportTests {
    struct Result: Decodable { var layout: String; var encoding: String; var rows: Int; var imported: Int; var skipped: Int }
    struct Failure: Decodable {
        struct Row: Decodable { var row: Int; var column: String?; var code: String }
        var code: String; var rows: [Row]?
    }

    static func post(_ app: Application, _ project: UUID, _ token: String, _ data: Data) async throws -> TestingHTTPResponse {
        try await app.call(.POST, "/api/v1/calls/import?projectId=\(project)&fileName=cdr.csv",
                           headers: ["Content-Type": "text/csv", "Authorization": "Bearer \(token)"], body: ByteBuffer(data: data))
    }

    static let master = """
        "","13800138000","6001","from-trunk","张三 <13800138000>","SIP/trunk-00000001","SIP/agent.wang-00000002","Queue","hotline,t,,,300","2026-11-02 09:00:00","2026-11-02 09:00:12","2026-11-02 09:03:12",192,180,"ANSWERED","DOCUMENTATION","1730509200.1",""
        "","13900139000","6001","from-trunk","李四 <13900139000>","SIP/trunk-00000003","","Queue","repairs,t,,,300","2026-11-02 09:05:00","","2026-11-02 09:05:40",40,0,"NO ANSWER","DOCUMENTATION","1730509500.2",""
        "","6001","13700137000","from-internal","王五 <6001>","SIP/agent.wang-00000004","SIP/trunk-00000005","Dial","SIP/trunk/13700137000","2026-11-02 10:00:00","2026-11-02 10:00:08","2026-11-02 10:02:08",128,120,"ANSWERED","DOCUMENTATION","1730513000.3",""
        """

    @Test func asteriskMasterCSVInGBKOnceAndOnlyOnce() async throws {
        try await withTestApp { app, clock in
            let f = Fixtures(app: app)
            let hxy = try await f.project("HXY")
            let agent = try await f.user("agent.wang", roles: [(.csStaff, hxy)])
            _ = try await f.user("zhuguan", roles: [(.ccSupervisor, hxy)])
            let token = try await f.token("zhuguan")
            let gbk = try #require(Self.master.data(using: String.Encoding(rawValue: 0x8000_0632)))
            #expect(String(data: gbk, encoding: .utf8) == nil, "the file should not be valid UTF-8")
            var r = try await Self.post(app, hxy, token, gbk)
            #expect(r.status == .ok, "\(r.body.string)")
            let first = try JSONDecoder().decode(Result.self, from: Data(r.body.readableBytesView))
            #expect(first.layout == "asterisk" && first.encoding == "gb18030" && first.imported == 3 && first.skipped == 0)
            let calls = app.services.calls(app.db)
            let answered = try #require(try await calls.recent(number: "13800138000", projects: nil).first)
            #expect(answered.agentID == agent && answered.waitSeconds == 12 && answered.talkSeconds == 180 && answered.queue == "hotline")
            #expect(answered.offeredAt == CalendarDay(year: 2026, month: 11, day: 2)!.start + 9 * 3600 && answered.source == "import")
            let lost = try #require(try await calls.recent(number: "13900139000", projects: nil).first)
            #expect(lost.abandoned && lost.waitSeconds == 40 && lost.queue == "repairs" && lost.agentID == nil)
            let out = try #require(try await calls.recent(number: "13700137000", projects: nil).first)
            #expect(out.direction == "outbound" && out.talkSeconds == 120 && out.agentID == agent)
            // The same file again: every call skipped, nothing added.
            r = try await Self.post(app, hxy, token, gbk)
            let second = try JSONDecoder().decode(Result.self, from: Data(r.body.readableBytesView))
            #expect(second.imported == 0 && second.skipped == 3)
            #expect(try await TelephonyEventTests.count(app, "calls") == 3)
            #expect(try await f.auditCount(action: "call.import") == 2)
            // An agent may not import.
            let agentToken = try await f.token("agent.wang")
            #expect(try await Self.post(app, hxy, agentToken, gbk).status == .forbidden)
        }
    }

    @Test func oneBadRowImportsNothingAndEveryBadRowIsNamed() async throws {
        try await withTestApp { app, clock in
            let f = Fixtures(app: app)
            let hxy = try await f.project("HXY")
            _ = try await f.user("agent.wang", roles: [(.csStaff, hxy)])
            _ = try await f.user("zhuguan", roles: [(.ccSupervisor, hxy)])
            let token = try await f.token("zhuguan")
            let header = "通话ID,方向,号码,技能组,坐席账号,来电时间,接听时间,结束时间,保持秒数,话后秒数,类别,满意度\n"
            let good = "t-1,呼入,138 0013 8000,hotline,agent.wang,2026-11-02 09:00:00,2026-11-02 09:00:10,2026-11-02 09:04:10,20,30,repair,5\n"
            let bad = good
                + "t-2,呼入,12,hotline,,2026-11-02 09:10:00,,2026-11-02 09:11:00,,,,\n"           // line 3: number (C)
                + "t-3,sideways,13800138001,hotline,,2026-11-02 9:10,,2026-11-02 09:11:00,,,,9\n"   // line 4: direction (B), time (F), satisfaction (L)
                + "t-4,呼入,13800138002,hotline,nobody,2026-11-02 09:20:00,2026-11-02 09:19:00,2026-11-02 09:21:00,,,,\n" // line 5: order, agent
            var r = try await Self.post(app, hxy, token, Data(("\u{FEFF}" + header + bad).utf8))
            #expect(r.status == .unprocessableEntity)
            let failure = try JSONDecoder().decode(Failure.self, from: Data(r.body.readableBytesView))
            let named = Set((failure.rows ?? []).map { "\($0.row)\($0.column ?? "-"):\($0.code)" })
            #expect(failure.code == "import_failed")
            #expect(named.isSuperset(of: ["3C:call_number_invalid", "4B:cdr_direction_invalid", "4F:cdr_time_invalid",
                                          "4L:call_satisfaction_invalid", "5H:call_times_out_of_order"]), "\(named)")
            #expect(try await TelephonyEventTests.count(app, "calls") == 0)
            // The English header works as well; the good row alone imports.
            let english = "Call ID,Direction,Number,Queue,Agent,Offered at,Answered at,Ended at,Hold seconds,Wrap-up seconds,Category,Satisfaction\n"
            r = try await Self.post(app, hxy, token, Data((english + good).utf8))
            #expect(r.status == .ok, "\(r.body.string)")
            let c = try #require(try await app.services.calls(app.db).recent(number: "13800138000", projects: nil).first)
            #expect(c.holdSeconds == 20 && c.wrapSeconds == 30 && c.satisfaction == 5 && c.category == "repair" && c.externalID == "t-1")
            // The template downloads.
            let tpl = try await app.call(.GET, "/api/v1/calls/import/template", headers: .bearer(token))
            #expect(tpl.status == .ok && tpl.body.string.contains("通话ID"))
        }
    }
}

@testable import EstateServer
import Foundation
import Testing
import Vapor
import VaporTesting
import Yams

/// The contract validator against small documents (each keyword both ways) and the real one.
@Suite("Contract validator")
struct ContractValidatorTests {
    static func validator(_ yaml: String) throws -> ContractValidator {
        try ContractValidator(document: try #require(try Yams.load(yaml: yaml) as? [String: Any]))
    }

    static let doc = """
    paths:
      /things/{thingId}:
        parameters:
          - {name: thingId, in: path, required: true, schema: {type: string, format: uuid}}
        get:
          operationId: getThing
          parameters:
            - {name: status, in: query, style: form, explode: true, schema: {type: array, maxItems: 2, items: {$ref: "#/components/schemas/Colour"}}}
            - {name: perPage, in: query, schema: {type: integer, minimum: 1, maximum: 200}}
            - {name: q, in: query, schema: {type: string, maxLength: 3, pattern: "^[^\\\\u0000]*$"}}
            - {name: day, in: query, schema: {type: string, format: date}}
        post:
          operationId: makeThing
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: "#/components/schemas/Thing"}
    components:
      schemas:
        Colour: {type: string, enum: [red, green, blue]}
        Thing:
          type: object
          additionalProperties: false
          required: [name, parts]
          properties:
            name: {type: string, minLength: 1, maxLength: 4}
            count: {type: integer, minimum: 0, exclusiveMaximum: 10}
            ratio: {type: number, multipleOf: 0.5}
            note: {type: [string, "null"]}
            parts:
              type: array
              minItems: 1
              maxItems: 2
              uniqueItems: true
              items: {type: object, required: [code], properties: {code: {$ref: "#/components/schemas/Colour"}}}
    """

    func query(_ v: ContractValidator, _ q: String, id: String = UUID().uuidString) -> [String] {
        do { try v.checkParameters(operationID: "getThing", path: ["thingId": Substring(id)], query: q); return [] }
        catch { return error.all.map { "\($0.field):\($0.keyword)" } }
    }

    func body(_ v: ContractValidator, _ json: String) -> [String] {
        do { try v.checkBody(operationID: "makeThing", bytes: Array(json.utf8)); return [] }
        catch { return error.all.map { "\($0.field):\($0.keyword)" } }
    }

    @Test func parametersFollowTheirSchemas() throws {
        let v = try Self.validator(Self.doc)
        #expect(query(v, "status=red&status=blue&perPage=200&q=ab&day=2024-02-29").isEmpty)
        #expect(query(v, "status=red&status=red&status=blue") == ["status:maxItems"])
        #expect(query(v, "status=purple") == ["status[0]:enum"])
        #expect(query(v, "perPage=201") == ["perPage:maximum"])
        #expect(query(v, "perPage=0") == ["perPage:minimum"])
        #expect(query(v, "perPage=1.5") == ["perPage:type"])
        #expect(query(v, "perPage=1&perPage=2") == ["perPage:maxItems"])
        #expect(query(v, "q=%00") == ["q:pattern"])
        // Lengths count characters (code points), not bytes.
        #expect(query(v, "q=%E4%B8%AD%E6%96%87%E5%AD%97%E7%AC%A6") == ["q:maxLength"])
        #expect(query(v, "q=%E4%B8%AD%E6%96%87%E5%AD%97") == [])
        #expect(query(v, "day=2023-02-29") == ["day:format"])
        #expect(query(v, "day=2024-13-01") == ["day:format"])
        #expect(query(v, "", id: "not-a-uuid") == ["thingId:format"])
        // Every violation is reported, not only the first.
        #expect(query(v, "perPage=0&q=abcd") == ["perPage:minimum", "q:maxLength"])
    }

    @Test func bodiesFollowTheirSchemas() throws {
        let v = try Self.validator(Self.doc)
        #expect(body(v, #"{"name":"楼","parts":[{"code":"red"}],"count":9,"ratio":1.5,"note":null}"#).isEmpty)
        #expect(body(v, #"{"name":"","parts":[]}"#) == ["name:minLength", "parts:minItems"])
        #expect(body(v, #"{"parts":[{"code":"red"}]}"#) == ["name:required"])
        #expect(body(v, #"{"name":"a","parts":[{"code":"red"}],"extra":1}"#) == ["extra:additionalProperties"])
        #expect(body(v, #"{"name":"a","parts":[{"code":"red"},{"code":"red"}]}"#) == ["parts:uniqueItems"])
        #expect(body(v, #"{"name":"a","parts":[{"code":"red"},{"code":"x"},{"code":"blue"}]}"#) == ["parts:maxItems"])
        #expect(body(v, #"{"name":"a","parts":[{}]}"#) == ["parts[0].code:required"])
        #expect(body(v, #"{"name":"a","parts":[{"code":"red"}],"count":10}"#) == ["count:exclusiveMaximum"])
        #expect(body(v, #"{"name":"a","parts":[{"code":"red"}],"count":1.5}"#) == ["count:type"])
        #expect(body(v, #"{"name":"a","parts":[{"code":"red"}],"count":true}"#) == ["count:type"])
        #expect(body(v, #"{"name":"a","parts":[{"code":"red"}],"ratio":0.7}"#) == ["ratio:multipleOf"])
        #expect(body(v, #"{"name":"a","parts":[{"code":"red"}],"note":5}"#) == ["note:type"])
        #expect(body(v, #"[1]"#) == ["body:type"])
        // Not JSON at all: left to the decoder, which says where it broke.
        #expect(body(v, "{").isEmpty)
    }

    /// The failure of the CI fuzz run: nine statuses on the export where the contract allows seven.
    @Test func theRealContractIsEnforcedBeforeHandlers() async throws {
        try await withTestApp { app, _ in
            let f = Fixtures(app: app)
            let project = try await f.project("CV")
            try await f.user("viewer", roles: [(.csStaff, project)])
            let token = try await f.token("viewer")
            let statuses = Array(repeating: "status=available", count: 9).joined(separator: "&")
            for path in ["units/export", "units"] {
                let res = try await app.call(.GET, "/api/v1/projects/\(project)/\(path)?\(statuses)", headers: .bearer(token))
                #expect(res.status == .unprocessableEntity)
                #expect(try res.problem().errors?.first?.code == "schema_maxItems")
                #expect(try res.problem().errors?.first?.message == "最多 7 项")
            }
            let ok = try await app.call(.GET, "/api/v1/projects/\(project)/units?status=available&status=reserved", headers: .bearer(token))
            #expect(ok.status == .ok)
            // A path parameter that cannot name a record is a 404, as for an unknown id.
            let badID = try await app.call(.GET, "/api/v1/projects/\(project)/units/null%2Cnull", headers: .bearer(token))
            #expect(badID.status == .notFound)
            // Who may not call an operation hears 401/403, not its input rules.
            let anonymous = try await app.call(.GET, "/api/v1/projects/\(project)/units/export?\(statuses)")
            #expect(anonymous.status == .unauthorized)
        }
    }
}

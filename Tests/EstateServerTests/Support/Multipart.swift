import Foundation
import NIOCore
import VaporTesting

extension Browser {
    /// A multipart form post, as a browser sends a form with files (a phone's photos, an .xlsx, a scan). A page form
    /// that carries its CSRF token in the query names it in `path`.
    mutating func postMultipart(_ path: String, fields: [String: String], files: [(String, String, String, Data)]) async throws -> TestingHTTPResponse {
        let boundary = "----OwnerForm\(UUID().uuidString.prefix(8))"
        var body = ByteBuffer()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for (name, fileName, type, data) in files {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"\r\nContent-Type: \(type)\r\n\r\n")
            body.writeBytes(data)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        var headers = cookieHeader
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        var out: TestingHTTPResponse?
        try await app.testing().test(.POST, path, headers: headers, body: body) { out = $0 }
        absorb(out!)
        return out!
    }
}

import Foundation
import Vapor

/// The one shape of a page form (表单提交): check and act, then go on to the next page with a
/// notice; a refusal the user can correct (a bad field, a conflict, a missing right) shows where
/// they are — the page again with the reasons and what they typed, or one line on the page they
/// came from. Anything else (a bug, the database gone) is not the user's to fix and propagates
/// to the error page.
///
/// ```swift
/// try await FormAction.run(req) {
///     _ = try await service.claim(id, context: req.auditContext)
///     return .to("/customers/\(id)", notice: "cust.claimed_notice")
/// } failed: { problem in
///     FormAction.back(req, to: "/customers/\(id)", problem)
/// }
/// ```
enum FormAction {
    /// Where a form goes when it worked, and the one-line notice shown there.
    struct Next: Sendable {
        var path: String
        var notice: String?
        /// A fragment (`u-…`): the element the next page opens at, after the query.
        var anchor: String? = nil
        static func to(_ path: String, notice: String? = "notice.saved", anchor: String? = nil) -> Next {
            Next(path: path, notice: notice, anchor: anchor)
        }
    }

    /// Runs `act`; a correctable refusal goes to `failed`. `alsoCorrectable` widens what counts as
    /// correctable for forms with their own refusals (an upload too large).
    static func run(_ req: Request, alsoCorrectable: Set<HTTPResponseStatus> = [],
                    _ act: () async throws -> Next,
                    failed: (Problem) async throws -> Response) async throws -> Response {
        do {
            let next = try await act()
            return redirect(req, to: next.path, notice: next.notice, anchor: next.anchor)
        } catch let p as Problem where isCorrectable(p) || alsoCorrectable.contains(p.status) {
            return try await failed(p)
        }
    }

    /// A refusal the user can act on: a bad field (422), a state that changed (409), a right they lack (403).
    static func isCorrectable(_ p: Problem) -> Bool { [.unprocessableEntity, .conflict, .forbidden].contains(p.status) }

    /// Back to a page with a one-line message (`?notice=` / `?error=`).
    static func redirect(_ req: Request, to path: String, notice: String? = nil, error: Problem? = nil, anchor: String? = nil) -> Response {
        let sep = path.contains("?") ? "&" : "?"
        let fragment = anchor.map { "#" + $0 } ?? ""
        if let error { return req.redirect(to: path + sep + "error=" + error.code + PageContext.query(for: error) + fragment) }
        if let notice { return req.redirect(to: path + sep + "notice=" + notice + fragment) }
        return req.redirect(to: path + fragment)
    }

    /// The refusal as one line on `path`: the first field's reason when there is one (a one-line
    /// flash has no field to stand beside), else the problem itself.
    static func back(_ req: Request, to path: String, _ p: Problem) -> Response {
        redirect(req, to: path, error: p.fields.first.map { Problem(p.status, $0.code, arguments: $0.arguments) } ?? p)
    }
}

extension Request {
    /// A form field, trimmed (people paste spaces; the services take values as the API sends them).
    func formField(_ key: String) -> String { ((try? content.get(String.self, at: key)) ?? "").trimmed }

    /// Several form fields by name, trimmed: what a refused form shows again.
    func formFields(_ keys: [String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0, formField($0)) })
    }

    /// A repeated form field (`unitIds=…&unitIds=…`, or one), trimmed, blanks dropped.
    func formList(_ key: String) -> [String] {
        ((try? content.get([String].self, at: key)) ?? (try? content.get(String.self, at: key)).map { [$0] } ?? [])
            .map(\.trimmed).filter { !$0.isEmpty }
    }

    /// A query parameter, trimmed and bounded; nil when blank or holding a NUL.
    func queryText(_ key: String, max: Int = 40) -> String? {
        (try? query.get(String.self, at: key)).map(\.trimmed)
            .flatMap { $0.isEmpty || $0.contains("\u{0}") ? nil : String($0.prefix(max)) }
    }

    /// An id in the path (`:projectID`, `:unitID`…); a malformed one is a page that does not exist.
    func pathID(_ name: String) throws -> UUID {
        guard let id = parameters.get(name).flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        return id
    }

    /// The project in the path of every project page.
    func projectID() throws -> UUID { try pathID("projectID") }
}

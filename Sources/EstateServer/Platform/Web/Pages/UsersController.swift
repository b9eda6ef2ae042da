import EstateCore
import Plot
import Vapor

enum UsersController {
    struct CreateForm: Content { var username: String; var displayName: String; var password: String; var mobile: String? }
    /// The profile: name and mobile (an empty mobile removes it; a form without the field leaves it).
    struct NameForm: Content { var displayName: String; var mobile: String? }
    struct StatusForm: Content { var disabled: String }
    struct PasswordForm: Content { var password: String }
    struct GrantForm: Content { var role: String; var projectId: String? }

    @Sendable static func index(_ req: Request) async throws -> Response {
        let q = Text.withoutNUL((try? req.query.get(String.self, at: "q")) ?? "")
        let page = try PageRequest(page: try? req.query.get(Int.self, at: "page"), perPage: 50)
        let result = try await req.services.users(req.db).list(search: q, page: page)
        return Shell.response(UsersPage.index(PageContext(req), .init(page: result, search: q)))
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let form = try req.content.decode(CreateForm.self)
        return try await FormAction.run(req) {
            let user = try await req.services.users(req.db).create(username: form.username.trimmingCharacters(in: .whitespaces),
                                                                  displayName: form.displayName.trimmingCharacters(in: .whitespacesAndNewlines),
                                                                  password: form.password,
                                                                  mobile: Self.mobile(form.mobile) ?? nil,
                                                                  context: req.auditContext)
            return .to("/admin/users/\(user.id)", notice: "users.created_notice")
        } failed: { p in
            let result = try await req.services.users(req.db).list(search: nil, page: try PageRequest(page: 1, perPage: 50))
            var model = UsersPage.IndexModel(page: result, search: "")
            model.draft = (form.username, form.displayName, form.mobile ?? "")
            model.errors = p.fields
            model.formError = p.fields.isEmpty ? p.code : nil
            return Shell.response(UsersPage.index(PageContext(req), model), status: p.status)
        }
    }

    /// A form's mobile field: nil when not sent, `.some(nil)` when left empty, else the number (spaces dropped).
    static func mobile(_ field: String?) -> String?? {
        guard let field else { return nil }
        let m = field.filter { !$0.isWhitespace }
        return .some(m.isEmpty ? nil : m)
    }

    static func userID(_ req: Request) throws -> UUID { try req.pathID("userID") }

    @Sendable static func show(_ req: Request) async throws -> Response {
        guard let user = try await req.services.users(req.db).find(try userID(req)) else { throw Problem.notFound }
        let projects = try await req.services.projectDirectory.all(sql: req.store.sql)
        return Shell.response(UsersPage.show(PageContext(req), .init(user: user, projects: projects)))
    }

    /// Runs a change and comes back to the user's page with a notice, or with the error's code.
    static func act(_ req: Request, notice: String, _ body: (UUID) async throws -> Void) async throws -> Response {
        let id = try userID(req)
        // A bad request (a malformed role) is shown as one line too.
        return try await FormAction.run(req, alsoCorrectable: [.badRequest]) {
            try await body(id)
            return .to("/admin/users/\(id)", notice: notice)
        } failed: { p in
            FormAction.back(req, to: "/admin/users/\(id)", p)
        }
    }

    @Sendable static func rename(_ req: Request) async throws -> Response {
        let form = try req.content.decode(NameForm.self)
        return try await act(req, notice: "notice.saved") {
            _ = try await req.services.users(req.db).update($0, .init(displayName: form.displayName.trimmingCharacters(in: .whitespacesAndNewlines),
                                                                      mobile: Self.mobile(form.mobile)),
                                                            context: req.auditContext)
        }
    }

    @Sendable static func setStatus(_ req: Request) async throws -> Response {
        let form = try req.content.decode(StatusForm.self)
        return try await act(req, notice: "notice.saved") {
            _ = try await req.services.users(req.db).update($0, .init(isDisabled: form.disabled == "true"), context: req.auditContext)
        }
    }

    @Sendable static func unlock(_ req: Request) async throws -> Response {
        try await act(req, notice: "notice.saved") {
            _ = try await req.services.users(req.db).update($0, .init(unlock: true), context: req.auditContext)
        }
    }

    @Sendable static func resetPassword(_ req: Request) async throws -> Response {
        let form = try req.content.decode(PasswordForm.self)
        return try await act(req, notice: "notice.password_reset") {
            try await req.services.users(req.db).resetPassword($0, to: form.password, context: req.auditContext)
        }
    }

    @Sendable static func grant(_ req: Request) async throws -> Response {
        let form = try req.content.decode(GrantForm.self)
        return try await act(req, notice: "notice.granted") {
            guard let role = Role(rawValue: form.role) else { throw Problem.invalid("role", "role_unknown") }
            let project: UUID? = if let p = form.projectId, !p.isEmpty {
                try UUID(uuidString: p) ?? { throw Problem.invalid("projectId", "project_unknown") }()
            } else { nil }
            _ = try await req.services.users(req.db).grant(role, to: $0, projectID: project, context: req.auditContext)
        }
    }

    @Sendable static func revoke(_ req: Request) async throws -> Response {
        guard let grantID = req.parameters.get("grantID").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        return try await act(req, notice: "notice.revoked") {
            try await req.services.users(req.db).revoke(grantID: grantID, of: $0, context: req.auditContext)
        }
    }
}

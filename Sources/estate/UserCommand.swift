import ArgumentParser
import EstateCore
import EstateServer
import Foundation
import Vapor

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage staff accounts from the shell (audited as 'cli').",
        subcommands: [Add.self, ResetPassword.self, Grant.self, Revoke.self, Disable.self, Enable.self, List.self])

    static let context = AuditContext.system("cli")

    static func find(_ app: Application, _ username: String) async throws -> UserService.UserSummary {
        guard let user = try await app.services.users(app.db).find(username: username) else {
            throw ValidationError("no user named \(username)")
        }
        return user
    }

    static func project(_ app: Application, _ code: String?) async throws -> UUID? {
        guard let code else { return nil }
        guard let id = try await app.services.projects(app.db).id(code: code.uppercased()) else {
            throw ValidationError("no project with code \(code)")
        }
        return id
    }

    static func role(_ s: String) throws -> Role {
        guard let r = Role(rawValue: s) else {
            throw ValidationError("unknown role \(s); one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return r
    }

    /// Service errors as one readable line.
    static func run(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let p as Problem {
            throw ValidationError("\(p.code)\(p.fields.isEmpty ? "" : ": " + p.fields.map { "\($0.field) \($0.code)" }.joined(separator: ", "))")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; prints a generated password unless --password is given.")
        @ArgumentParser.Argument var username: String
        @ArgumentParser.Option(help: "Display name (姓名).") var name: String
        @ArgumentParser.Option(help: "Password (otherwise generated and printed once).") var password: String?
        @ArgumentParser.Option(help: "Mobile (手机号, 11 digits) for SMS about tickets assigned or escalated.") var mobile: String?

        func run() async throws {
            try await withApp { app in
                let pw = password ?? UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).description
                try await UserCommand.run {
                    _ = try await app.services.users(app.db).create(username: username, displayName: name, password: pw, mobile: mobile,
                                                                    context: UserCommand.context)
                }
                print(password == nil ? "Created \(username); password: \(pw)" : "Created \(username).")
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reset-password", abstract: "Set a new password and end the user's sessions.")
        @ArgumentParser.Argument var username: String
        @ArgumentParser.Option var password: String?

        func run() async throws {
            try await withApp { app in
                let user = try await UserCommand.find(app, username)
                let pw = password ?? UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).description
                try await UserCommand.run { try await app.services.users(app.db).resetPassword(user.id, to: pw, context: UserCommand.context) }
                print(password == nil ? "New password for \(username): \(pw)" : "Password set for \(username).")
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Grant a role on a project (--project CODE) or on all projects.")
        @ArgumentParser.Argument var username: String
        @ArgumentParser.Argument var role: String
        @ArgumentParser.Option(help: "Project code; omit for all projects.") var project: String?

        func run() async throws {
            try await withApp { app in
                let user = try await UserCommand.find(app, username)
                let r = try UserCommand.role(role)
                let projectID = try await UserCommand.project(app, project)
                try await UserCommand.run {
                    _ = try await app.services.users(app.db).grant(r, to: user.id, projectID: projectID, context: UserCommand.context)
                }
                print("Granted \(r.rawValue) to \(username) on \(project ?? "all projects").")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a role on a project (--project CODE) or the company-wide one.")
        @ArgumentParser.Argument var username: String
        @ArgumentParser.Argument var role: String
        @ArgumentParser.Option var project: String?

        func run() async throws {
            try await withApp { app in
                let user = try await UserCommand.find(app, username)
                let r = try UserCommand.role(role)
                let projectID = try await UserCommand.project(app, project)
                guard let grant = user.grants.first(where: { $0.role == r && $0.projectID == projectID }) else {
                    throw ValidationError("\(username) does not hold \(r.rawValue) on \(project ?? "all projects")")
                }
                try await UserCommand.run { try await app.services.users(app.db).revoke(grantID: grant.id, of: user.id, context: UserCommand.context) }
                print("Revoked \(r.rawValue) from \(username).")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user and end all their sessions and tokens.")
        @ArgumentParser.Argument var username: String
        func run() async throws {
            try await withApp { app in
                let user = try await UserCommand.find(app, username)
                try await UserCommand.run { _ = try await app.services.users(app.db).update(user.id, .init(isDisabled: true), context: UserCommand.context) }
                print("Disabled \(username).")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user and clear a lock-out.")
        @ArgumentParser.Argument var username: String
        func run() async throws {
            try await withApp { app in
                let user = try await UserCommand.find(app, username)
                try await UserCommand.run { _ = try await app.services.users(app.db).update(user.id, .init(isDisabled: false, unlock: true), context: UserCommand.context) }
                print("Enabled \(username).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users and their roles.")
        func run() async throws {
            try await withApp { app in
                let page = try await app.services.users(app.db).list(search: nil, page: try PageRequest(page: 1, perPage: 200))
                for u in page.items {
                    let roles = u.grants.map { "\($0.role.rawValue)@\($0.projectName ?? "*")" }.joined(separator: " ")
                    print("\(u.username)\t\(u.displayName)\t\(u.isDisabled ? "disabled" : "active")\t\(roles)")
                }
            }
        }
    }
}

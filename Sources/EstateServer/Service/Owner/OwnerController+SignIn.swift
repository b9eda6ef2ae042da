import EstateCore
import Foundation
import Plot
import SQLKit
import Vapor

extension OwnerController {
    // MARK: - Signing in

    /// The sign-in page with a double-submit token (the cookie is kept if it is there).
    static func signInPage(_ req: Request, stage: OwnerPages.SignInStage, mobile: String = "", notice: String? = nil,
                           error: String? = nil, arguments: [String: String] = [:], status: HTTPResponseStatus = .ok) -> Response {
        let existing = req.cookies[preSignInCookie]?.string
        let token = existing.flatMap { $0.count >= 32 && $0.count < 100 ? $0 : nil } ?? AuthService.newSecret()
        var ctx = pageContext(req, csrf: token, mobile: nil)
        ctx.notice = notice
        ctx.error = error
        ctx.errorArguments = arguments
        let response = html(OwnerPages.signIn(ctx, stage: stage, mobile: mobile), status: status)
        response.cookies[preSignInCookie] = cookie(req, token, maxAge: 3600, sameSite: .strict)
        return response
    }

    static func preSignInCSRFOK(_ req: Request) -> Bool {
        guard let cookie = req.cookies[preSignInCookie]?.string, !cookie.isEmpty else { return false }
        let sent = field(req, csrfField)
        return !sent.isEmpty && CSRFMiddleware.equal(sent, cookie)
    }

    @Sendable static func home(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return signInPage(req, stage: .mobile) }
        let dir = directory(req)
        let units = try await dir.units(s.mobile)
        let tickets = try await dir.tickets(s.mobile)
        return html(OwnerPages.home(context(req, s), units: units, tickets: tickets))
    }

    /// Always the same answer for a well-formed mobile, owner or not (no enumeration).
    @Sendable static func requestCode(_ req: Request) async throws -> Response {
        let raw = field(req, "mobile")
        guard preSignInCSRFOK(req) else {
            return signInPage(req, stage: .mobile, mobile: raw, error: "owner.error.expired", status: .forbidden)
        }
        guard let mobile = MobileNumber.normalized(raw) else {
            return signInPage(req, stage: .mobile, mobile: String(raw.prefix(20)), error: "owner.error.mobile_invalid", status: .unprocessableEntity)
        }
        let isOwner = try await directory(req).isOwner(mobile)
        switch try await access(req).requestCode(mobile: mobile, isOwner: isOwner, context: context(req, mobile)) {
        case .accepted:
            return signInPage(req, stage: .code, mobile: mobile, notice: "owner.signin.sent")
        case .tooSoon(let seconds):
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_too_soon", arguments: ["seconds": "\(seconds)"],
                              status: .tooManyRequests)
        case .hourlyLimit:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_hourly", arguments: ["max": "\(OwnerSignIn.perHour)"],
                              status: .tooManyRequests)
        case .addressLimit:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_address", status: .tooManyRequests)
        }
    }

    @Sendable static func signIn(_ req: Request) async throws -> Response {
        let raw = field(req, "mobile")
        guard preSignInCSRFOK(req) else {
            return signInPage(req, stage: .mobile, mobile: raw, error: "owner.error.expired", status: .forbidden)
        }
        guard let mobile = MobileNumber.normalized(raw) else {
            return signInPage(req, stage: .mobile, error: "owner.error.mobile_invalid", status: .unprocessableEntity)
        }
        let access = access(req)
        let isOwner = try await directory(req).isOwner(mobile)
        switch try await access.signIn(mobile: mobile, code: field(req, "code"), isOwner: isOwner, context: context(req, mobile)) {
        case .signedIn(let token, _):
            // A fresh session at sign-in: any earlier one of this browser ends.
            if let old = try await session(req) { try? await access.signOut(old, context: context(req, old.mobile)) }
            let response = redirect(req, "/owner")
            response.cookies[sessionCookie] = cookie(req, token, maxAge: Int(OwnerSignIn.sessionLifetime), sameSite: .lax)
            response.cookies[preSignInCookie] = cookie(req, "", maxAge: 0, sameSite: .strict)
            return response
        case .wrong(let left):
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_wrong", arguments: ["left": "\(left)"],
                              status: .unprocessableEntity)
        case .tooManyTries:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_dead", status: .tooManyRequests)
        case .noCode:
            return signInPage(req, stage: .code, mobile: mobile, error: "owner.error.code_expired", status: .unprocessableEntity)
        }
    }

    @Sendable static func signOut(_ req: Request) async throws -> Response {
        if let s = try await session(req) {
            guard csrfOK(req, s) else { return expired(req, s) }
            try await access(req).signOut(s, context: context(req, s.mobile))
        }
        let response = redirect(req, "/owner")
        response.cookies[sessionCookie] = cookie(req, "", maxAge: 0, sameSite: .lax)
        return response
    }
}

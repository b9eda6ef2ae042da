import EstateCore
import Foundation
import Plot
import Vapor

/// What every owner page shares: language, the form token, the signed-in mobile (masked) and a
/// one-line message.
struct OwnerPageContext: Sendable {
    let t: Localizer
    /// The owner session's CSRF token, or before sign-in the double-submit token.
    let csrf: String
    /// A staff session in the same browser: the app-wide CSRF check wants its token too.
    let staffCSRF: String?
    /// "138****1234" when signed in.
    let maskedMobile: String?
    let path: String
    var notice: String?
    var error: String?
    var errorArguments: [String: String] = [:]
    /// 客服热线 of the company's projects (`OwnerHotlines`), for the footer.
    var hotlines: [(project: String, number: String)] = []
}

/// Loads the projects' 客服热线 for every owner page (one small query), so the footer can name the
/// number it tells owners to call.
struct OwnerHotlines: AsyncMiddleware {
    enum Key: StorageKey { typealias Value = [(project: String, number: String)] }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        request.storage[Key.self] = try await InventoryService.hotlines(sql: request.store.sql)
        return try await next.respond(to: request)
    }
}

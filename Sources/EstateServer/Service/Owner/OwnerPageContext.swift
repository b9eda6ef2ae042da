import EstateCore
import Foundation
import Plot

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
}

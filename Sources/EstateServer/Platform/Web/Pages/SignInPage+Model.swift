import Plot
import Vapor

/// The sign-in page (登录).
enum SignInPage {
    struct Model {
        var username: String = ""
        var next: String = "/"
        var error: String?
        var errorArgs: [String: String] = [:]
        var csrf: String
    }
}

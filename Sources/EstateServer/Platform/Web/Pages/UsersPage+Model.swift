import EstateCore
import Plot
import Vapor

/// 用户管理: list, create, and one user's page with roles, status and password.
enum UsersPage {
    struct IndexModel {
        var page: Paged<UserService.UserSummary>
        var search: String
        var draft: (username: String, displayName: String, mobile: String) = ("", "", "")
        var errors: [Problem.FieldError] = []
        var formError: String?
    }

    struct ShowModel {
        var user: UserService.UserSummary
        var projects: [ProjectName]
    }
}

import EstateCore
import Plot
import Vapor

/// 审计日志: every change, sign-in and refusal, newest first, filterable.
enum AuditPage {
    struct Model {
        var page: Paged<AuditQuery.Line>
        var query: [String: String]
        var projects: [ProjectName]
    }
}

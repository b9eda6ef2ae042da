import EstateCore
import Plot
import Vapor

/// 审批: what waits for me, what I asked for, everything on my projects; decide
/// with a comment.
enum ApprovalsPage {
    struct Model {
        var box: ApprovalService.Box
        var page: Paged<ApprovalRow>
        var projectNames: [UUID: String]
    }

    struct ShowModel {
        var approval: ApprovalRow
        var projectName: String
        var mayDecide: Bool
        var isRequester: Bool
        var subjectLink: String?
    }
}

import EstateCore
import Plot
import Vapor

/// 项目管理: the projects a user can see; create and edit with the right role.
enum ProjectsPage {
    struct IndexModel {
        var page: Paged<ProjectService.ProjectSummary>
        var canCreate: Bool
        var draft = ProjectService.Draft()
        var errors: [Problem.FieldError] = []
        var formError: String?
    }

    struct EditModel {
        var project: ProjectService.ProjectSummary
        var draft: ProjectService.Draft
        var canEdit: Bool
        var errors: [Problem.FieldError] = []
        var formError: String?
    }
}

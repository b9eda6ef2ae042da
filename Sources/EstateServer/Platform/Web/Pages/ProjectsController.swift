import EstateCore
import Plot
import Vapor

enum ProjectsController {
    struct Form: Content {
        var code: String
        var name: String
        var city: String
        var priceRounding: String?
        var isActive: String?
        var customerProtectionDays: String?
        var sellerName: String?
        var sellerCreditCode: String?
        var sellerAddress: String?
        var presaleLicense: String?
        var serviceHotline: String?
        var draft: ProjectService.Draft {
            .init(code: code.trimmingCharacters(in: .whitespaces).uppercased(), name: name.trimmingCharacters(in: .whitespacesAndNewlines),
                  city: city.trimmingCharacters(in: .whitespacesAndNewlines),
                  priceRounding: priceRounding, isActive: isActive == "true",
                  // Not a number is out of range too: the service names the field.
                  customerProtectionDays: customerProtectionDays.map { Int($0.trimmingCharacters(in: .whitespaces)) ?? 0 },
                  sellerName: sellerName ?? "", sellerCreditCode: sellerCreditCode ?? "", sellerAddress: sellerAddress ?? "",
                  presaleLicense: presaleLicense ?? "", serviceHotline: serviceHotline ?? "")
        }
    }

    static func page(_ req: Request) throws -> PageRequest { try PageRequest(page: try? req.query.get(Int.self, at: "page"), perPage: 50) }

    @Sendable static func index(_ req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let result = try await req.services.projects(req.db).list(for: p, page: try page(req))
        return Shell.response(ProjectsPage.index(PageContext(req), .init(page: result, canCreate: p.may(.projectsCreate))))
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let form = try req.content.decode(Form.self)
        do {
            let project = try await req.services.projects(req.db).create(form.draft, context: req.auditContext)
            return req.redirect(to: "/admin/projects/\(project.id)?notice=projects.created")
        } catch let problem as Problem where problem.status == .unprocessableEntity || problem.status == .conflict {
            let p = try req.requirePrincipal()
            let result = try await req.services.projects(req.db).list(for: p, page: try page(req))
            return Shell.response(ProjectsPage.index(PageContext(req), .init(page: result, canCreate: true, draft: form.draft,
                                                                           errors: problem.fields,
                                                                           formError: problem.fields.isEmpty ? problem.code : nil)),
                                  status: problem.status)
        }
    }

    static func projectID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("projectID").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound }
        return id
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let id = try projectID(req)
        let p = try await req.require(.projectView, on: id)
        let project = try await req.services.projects(req.db).find(id, for: p)
        let draft = ProjectService.Draft(code: project.code, name: project.name, city: project.city,
                                         priceRounding: project.priceRounding.rawValue, isActive: project.isActive,
                                         customerProtectionDays: project.customerProtectionDays,
                                         sellerName: project.seller.name, sellerCreditCode: project.seller.creditCode,
                                         sellerAddress: project.seller.address, presaleLicense: project.seller.presaleLicense,
                                         serviceHotline: project.serviceHotline)
        return Shell.response(ProjectsPage.edit(PageContext(req), .init(project: project, draft: draft, canEdit: p.may(.projectEdit, on: id))))
    }

    @Sendable static func update(_ req: Request) async throws -> Response {
        let id = try projectID(req)
        let p = try await req.require(.projectEdit, on: id)
        let form = try req.content.decode(Form.self)
        do {
            _ = try await req.services.projects(req.db).update(id, form.draft, context: req.auditContext)
            return req.redirect(to: "/admin/projects/\(id)?notice=notice.saved")
        } catch let problem as Problem where problem.status == .unprocessableEntity || problem.status == .conflict {
            let project = try await req.services.projects(req.db).find(id, for: p)
            return Shell.response(ProjectsPage.edit(PageContext(req), .init(project: project, draft: form.draft, canEdit: true,
                                                                          errors: problem.fields,
                                                                          formError: problem.fields.isEmpty ? problem.code : nil)),
                                  status: problem.status)
        }
    }
}

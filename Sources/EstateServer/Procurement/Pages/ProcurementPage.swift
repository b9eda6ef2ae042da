import Foundation
import Plot
import Vapor

/// A procurement page as its model's load (with the failure of a form refused on it, or none) and its view: a GET
/// answers `respond`, a refused form draws the page it came from with `draw`. One pair per page, named here, so a
/// controller holds the routes and the actions only.
struct ProcurementPage<Model>: Sendable {
    let load: @Sendable (Request, FormFailure?) async throws -> Model
    let view: @Sendable (PageContext, Model) -> HTML

    init(load: @escaping @Sendable (Request, FormFailure?) async throws -> Model, view: @escaping @Sendable (PageContext, Model) -> HTML) {
        self.load = load
        self.view = view
    }

    @Sendable func respond(_ req: Request) async throws -> Response {
        Shell.response(view(PageContext(req), try await load(req, nil)))
    }

    func draw(_ req: Request, _ failure: FormFailure) async throws -> HTML {
        view(PageContext(req), try await load(req, failure))
    }
}

extension NeedPages {
    static let page = ProcurementPage(load: { try await Model.load($0, failure: $1) }, view: { view($0, $1) })
}

extension PlanPages {
    static let listPage = ProcurementPage(load: { try await ListModel.load($0, failure: $1) }, view: { list($0, $1) })
    static let showPage = ProcurementPage(load: { req, _ in try await Model.load(req) }, view: { show($0, $1) })
}

extension OrderPages {
    static let listPage = ProcurementPage(load: { try await ListModel.load($0, failure: $1) }, view: { list($0, $1) })
    static let showPage = ProcurementPage(load: { try await Model.load($0, failure: $1) }, view: { show($0, $1) })
}

extension TenderPages {
    static let listPage = ProcurementPage(load: { try await ListModel.load($0, failure: $1) }, view: { list($0, $1) })
    static let showPage = ProcurementPage(load: { try await Model.load($0, failure: $1) }, view: { show($0, $1) })
}

extension DeliveryPages {
    static let listPage = ProcurementPage(load: { req, _ in try await ListModel.load(req) }, view: { list($0, $1) })
    static let showPage = ProcurementPage(load: { try await Model.load($0, failure: $1) }, view: { show($0, $1) })
    static let newPage = ProcurementPage(load: { try await NewModel.load($0, failure: $1) }, view: { new($0, $1) })
}

extension InvoicePages {
    static let listPage = ProcurementPage(load: { req, _ in try await ListModel.load(req) }, view: { list($0, $1) })
    static let showPage = ProcurementPage(load: { try await Model.load($0, failure: $1) }, view: { show($0, $1) })
    static let newPage = ProcurementPage(load: { try await NewModel.load($0, failure: $1) }, view: { new($0, $1) })
    /// The replacement of a mismatched invoice: the entry form on its order.
    static let replacementPage = ProcurementPage(load: { try await NewModel.replacing($0, failure: $1) }, view: { new($0, $1) })
}

extension StorePages {
    static let listPage = ProcurementPage(load: { try await ListModel.load($0, failure: $1) }, view: { list($0, $1) })
    static let showPage = ProcurementPage(load: { try await Model.load($0, failure: $1) }, view: { show($0, $1) })
}

extension SupplierPages {
    static let listPage = ProcurementPage(load: { req, _ in try await ListModel.load(req) }, view: { list($0, $1) })
    static let showPage = ProcurementPage(load: { req, _ in try await Model.load(req, try req.pathID("supplierID")) }, view: { show($0, $1) })
}

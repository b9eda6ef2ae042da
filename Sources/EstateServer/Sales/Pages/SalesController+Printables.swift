import EstateCore
import EstateSheets
import Foundation
import Plot
import Vapor

extension SalesController {
    // MARK: Printables

    static func unitAndBuilding(_ req: Request, _ unitID: UUID, _ projectID: UUID) async throws -> (UnitRow, String) {
        let inv = req.services.inventory(req.db)
        let unit = try await inv.unit(unitID, in: projectID)
        return (unit, try await inv.buildings(projectID).first { $0.id == unit.buildingID }?.name ?? "")
    }

    /// The seller and the buyers as a printed paper names them. Refused (409) while the project's
    /// seller lacks what this paper must state; the full identity numbers it prints are logged.
    static func parties(_ req: Request, projectID: UUID, buyers: [SaleService.Buyer], consultant: UUID?,
                        paper: CustomerService.PrintedPaper, document: String, lettered: Bool) async throws -> SalePrint.Parties {
        let seller = try await req.services.projects(req.db).seller(of: projectID)
        let missing = paper == .contract ? seller.missingForContract : seller.missingForAgreement
        if !missing.isEmpty {
            let t = PageContext(req).t
            let labels = ["sellerName": "field.seller_name", "sellerCreditCode": "field.seller_credit_code",
                          "sellerAddress": "field.seller_address", "presaleLicense": "field.presale_license"]
            throw Problem.conflict("print_seller_incomplete", ["fields": missing.map { t(labels[$0]!) }.joined(separator: "、")])
        }
        let a = try access(req, projectID)
        let full = Set(buyers.filter { a.printsInFull(owner: $0.ownerId, consultant: consultant) }.map(\.customerId))
        let particulars = try await req.services.customers(req.db).particulars(buyers.map(\.customerId), in: projectID, reveal: full,
                                                                               paper: paper, document: document, context: req.auditContext)
        return SalePrint.Parties(seller: seller, buyers: buyers.map { b in
            // On the paper a buyer printed in full is named in full too.
            (b, full.contains(b.customerId) ? b.name : a.name(b, consultant: consultant), particulars[b.customerId])
        }, lettered: lettered)
    }

    @Sendable static func agreement(_ req: Request) async throws -> Response {
        let s = try await loadSale(req)
        let (unit, building) = try await unitAndBuilding(req, s.unitId, s.projectId)
        let p = try await parties(req, projectID: s.projectId, buyers: s.buyers, consultant: s.consultantId, paper: .agreement,
                                  document: s.number, lettered: true)
        return noStore(Shell.response(SalePrint.agreement(PageContext(req), sale: s, unit: unit, building: building, parties: p)))
    }

    @Sendable static func contractPrint(_ req: Request) async throws -> Response {
        let c = try await loadContract(req)
        let (unit, building) = try await unitAndBuilding(req, c.unitId, c.projectId)
        let s = try await req.services.sales(req.db).subscription(c.subscriptionId)
        let p = try await parties(req, projectID: c.projectId, buyers: c.buyers, consultant: s.consultantId, paper: .contract,
                                  document: c.number, lettered: false)
        return noStore(Shell.response(SalePrint.contract(PageContext(req), contract: c, unit: unit, building: building, parties: p)))
    }

    /// A page with full personal data is never kept by a cache.
    static func noStore(_ res: Response) -> Response {
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }

    @Sendable static func printCSS(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .css
        return Response(status: .ok, headers: headers, body: .init(string: SalePrint.css))
    }

    @Sendable static func printJS(_ req: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "javascript")
        return Response(status: .ok, headers: headers, body: .init(string: SalePrint.js))
    }
}

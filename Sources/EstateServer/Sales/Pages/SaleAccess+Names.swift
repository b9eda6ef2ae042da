import EstateCore
import Plot
import Vapor

/// Buyer names as the sales pages show them (the rule is `SaleAccess.seesName`).
extension SaleAccess {
    func name(_ b: SaleService.Buyer, consultant: UUID?) -> String {
        name(b.name, owner: b.ownerId, consultant: consultant)
    }

    func names(_ buyers: [SaleService.Buyer], consultant: UUID?) -> String {
        buyers.isEmpty ? "—" : buyers.map { name($0, consultant: consultant) }.joined(separator: "、")
    }
}

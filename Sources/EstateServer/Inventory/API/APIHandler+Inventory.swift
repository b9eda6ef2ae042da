import EstateCore
import EstateSheets
import Foundation
import OpenAPIRuntime
import Vapor

/// 楼盘表, 销控 and prices in the JSON API. Guards (`APIGuards`) have checked the
/// action on the path's project before these run.
extension APIHandler {
    static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    func listBuildings(_ input: Operations.ListBuildings.Input) async throws -> Operations.ListBuildings.Output {
        let projectID = try Self.uuid(input.path.projectId)
        return .ok(.init(body: .json(try await services.inventory(database).buildings(projectID).map(Self.building))))
    }

    func createBuilding(_ input: Operations.CreateBuilding.Input) async throws -> Operations.CreateBuilding.Output {
        let b = switch input.body { case .json(let json): json }
        let b2 = try await services.inventory(database).createBuilding(
            try Self.uuid(input.path.projectId), name: b.name, floors: b.floors, entrances: b.entrances ?? 1, sortOrder: b.sortOrder,
            context: call.auditContext)
        return .created(.init(body: .json(Self.building(b2))))
    }

    func updateBuilding(_ input: Operations.UpdateBuilding.Input) async throws -> Operations.UpdateBuilding.Output {
        let b = switch input.body { case .json(let json): json }
        let row = try await services.inventory(database).updateBuilding(
            try Self.uuid(input.path.buildingId), in: try Self.uuid(input.path.projectId), name: b.name, floors: b.floors,
            entrances: b.entrances, sortOrder: b.sortOrder, context: call.auditContext)
        return .ok(.init(body: .json(Self.building(row))))
    }

    func listLayouts(_ input: Operations.ListLayouts.Input) async throws -> Operations.ListLayouts.Output {
        let layouts = try await services.inventory(database).layouts(try Self.uuid(input.path.projectId))
        return .ok(.init(body: .json(layouts.map { .init(id: $0.id.uuidString, name: $0.name, description: $0.description, unitCount: $0.unitCount) })))
    }

    func createLayout(_ input: Operations.CreateLayout.Input) async throws -> Operations.CreateLayout.Output {
        let b = switch input.body { case .json(let json): json }
        let projectID = try Self.uuid(input.path.projectId)
        let inventory = services.inventory(database)
        try await inventory.createLayout(projectID, name: b.name, description: b.description ?? "", context: call.auditContext)
        guard let l = try await inventory.layouts(projectID).first(where: { $0.name == b.name.trimmed }) else { throw Problem.notFound }
        return .created(.init(body: .json(.init(id: l.id.uuidString, name: l.name, description: l.description, unitCount: l.unitCount))))
    }

    func listUnits(_ input: Operations.ListUnits.Input) async throws -> Operations.ListUnits.Output {
        let q = input.query
        let page = try PageRequest(page: q.page, perPage: q.perPage)
        try Self.limit(["layout": (q.layout, 30), "code": (q.code, 32)])
        var filter = try Self.filter(buildingID: q.buildingId, statuses: q.status, layout: q.layout, floorFrom: q.floorFrom,
                                     floorTo: q.floorTo, priceFrom: q.priceFrom, priceTo: q.priceTo)
        filter.code = q.code
        let result = try await services.inventory(database).units(try Self.uuid(input.path.projectId), filter: filter, page: page)
        return .ok(.init(body: .json(.init(items: result.items.map { Self.unit($0, claim: nil) }, page: result.page,
                                           perPage: result.perPage, total: result.total))))
    }

    func createUnit(_ input: Operations.CreateUnit.Input) async throws -> Operations.CreateUnit.Output {
        let b = switch input.body { case .json(let json): json }
        try Self.patterned([("innerArea", b.innerArea), ("unitPrice", b.unitPrice), ("listTotal", b.listTotal), ("floorPrice", b.floorPrice)])
        try Self.patterned([("code", b.code)], code: "unit_code_invalid")
        // The generator turns the `null` of a nullable enum into a case for "": not a value here.
        if b.usage == ._empty_ { throw Problem.invalid("usage", "usage_invalid") }
        if b.pricingBasis == ._empty_ { throw Problem.invalid("pricingBasis", "pricing_basis_invalid") }
        let draft = UnitDraft(
            building: b.building, entrance: b.entrance.map(String.init) ?? "1", floor: String(b.floor), room: b.room,
            code: b.code ?? "", layout: b.layout ?? "", orientation: b.orientation ?? "",
            usage: b.usage?.rawValue ?? UnitUsage.residential.rawValue, builtArea: b.builtArea, innerArea: b.innerArea ?? "",
            pricingBasis: b.pricingBasis?.rawValue ?? PricingBasis.builtArea.rawValue, unitPrice: b.unitPrice ?? "",
            listTotal: b.listTotal ?? "", floorPrice: b.floorPrice ?? "")
        let unit = try await services.inventory(database).createUnit(try Self.uuid(input.path.projectId), draft, context: call.auditContext)
        return .created(.init(body: .json(Self.unit(unit, claim: nil))))
    }

    func importUnits(_ input: Operations.ImportUnits.Input) async throws -> Operations.ImportUnits.Output {
        try Self.limit(["fileName": (input.query.fileName, 120)])
        let body: HTTPBody = switch input.body {
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let b), .csv(let b), .binary(let b): b
        }
        let data = try await upload(body)
        let projectID = try Self.uuid(input.path.projectId)
        let outcome = try await services.imports.run {
            try await services.unitImports(database).importUnits(
                data, into: projectID, fileName: input.query.fileName ?? "upload", context: call.auditContext)
        }
        return .ok(.init(body: .json(.init(imported: outcome.imported, buildingsCreated: outcome.buildingsCreated,
                                           format: .init(rawValue: outcome.format) ?? .csv,
                                           encoding: outcome.encoding.flatMap { .init(rawValue: $0) }))))
    }

    func exportUnits(_ input: Operations.ExportUnits.Input) async throws -> Operations.ExportUnits.Output {
        let q = input.query
        try Self.limit(["layout": (q.layout, 30)])
        let filter = try Self.filter(buildingID: q.buildingId, statuses: q.status, layout: q.layout, floorFrom: q.floorFrom,
                                     floorTo: q.floorTo, priceFrom: q.priceFrom, priceTo: q.priceTo)
        let projectID = try Self.uuid(input.path.projectId)
        let inventory = services.inventory(database)
        let data = try UnitSheets.export(try await inventory.allUnits(projectID, filter: filter),
                                         buildings: try await inventory.buildings(projectID), localizer: localizer)
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(data, as: call.language == .zh ? "楼盘表.xlsx" : "units.xlsx"))))
    }

    func unitTemplate(_ input: Operations.UnitTemplate.Input) async throws -> Operations.UnitTemplate.Output {
        let layouts = try await services.inventory(database).layoutNames(try Self.uuid(input.path.projectId))
        let language = try call.language
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(UnitSheets.template(layouts: layouts, language: language), as: language == .zh ? "楼盘表导入模板.xlsx" : "unit-import-template.xlsx"))))
    }

    func getUnit(_ input: Operations.GetUnit.Input) async throws -> Operations.GetUnit.Output {
        let projectID = try Self.uuid(input.path.projectId), unitID = try Self.uuid(input.path.unitId)
        let unit = try await services.inventory(database).unit(unitID, in: projectID)
        let claim = try await services.salesControl(database).liveClaim(unitID)
        return .ok(.init(body: .json(Self.unit(unit, claim: claim))))
    }

    func updateUnit(_ input: Operations.UpdateUnit.Input) async throws -> Operations.UpdateUnit.Output {
        let b = switch input.body { case .json(let json): json }
        let projectID = try Self.uuid(input.path.projectId), unitID = try Self.uuid(input.path.unitId)
        try Self.patterned([("builtArea", b.builtArea), ("innerArea", b.innerArea)], code: "area_not_number")
        try Self.patterned([("code", b.code)], code: "unit_code_invalid")
        try Self.patterned([("room", b.room)], code: "room_invalid")
        if b.usage == ._empty_ { throw Problem.invalid("usage", "usage_invalid") }
        if b.pricingBasis == ._empty_ { throw Problem.invalid("pricingBasis", "pricing_basis_invalid") }
        let inventory = services.inventory(database)
        let current = try await inventory.unit(unitID, in: projectID)
        let buildings = try await inventory.buildings(projectID)
        let draft = UnitDraft(
            building: b.building ?? buildings.first { $0.id == current.buildingID }?.name ?? "",
            entrance: String(b.entrance ?? current.entrance), floor: String(b.floor ?? current.floor), room: b.room ?? current.room,
            code: b.code ?? current.code, layout: b.layout ?? current.layout, orientation: b.orientation ?? current.orientation,
            usage: b.usage?.rawValue ?? current.usage, builtArea: b.builtArea ?? current.builtArea.description,
            innerArea: b.innerArea ?? current.innerArea.description, pricingBasis: b.pricingBasis?.rawValue ?? current.pricingBasis)
        let unit = try await inventory.updateUnit(unitID, in: projectID, draft, context: call.auditContext)
        return .ok(.init(body: .json(Self.unit(unit, claim: nil))))
    }

    func getUnitHistory(_ input: Operations.GetUnitHistory.Input) async throws -> Operations.GetUnitHistory.Output {
        let projectID = try Self.uuid(input.path.projectId), unitID = try Self.uuid(input.path.unitId)
        let inventory = services.inventory(database)
        _ = try await inventory.unit(unitID, in: projectID)
        return .ok(.init(body: .json(try await inventory.history(unitID, in: projectID).map {
            .init(move: $0.move, fromStatus: .init(rawValue: $0.fromStatus) ?? .unreleased, toStatus: .init(rawValue: $0.toStatus) ?? .unreleased,
                  reason: $0.reason, actor: $0.actorName, at: $0.at)
        })))
    }

    func moveUnit(_ input: Operations.MoveUnit.Input) async throws -> Operations.MoveUnit.Output {
        let b = switch input.body { case .json(let json): json }
        let projectID = try Self.uuid(input.path.projectId), unitID = try Self.uuid(input.path.unitId)
        guard let move = UnitMove(rawValue: b.move.rawValue) else { throw Problem.invalid("move", "move_not_sales_control") }
        // Fields the move does not use are still checked as the contract states them.
        var bad: [Problem.FieldError] = []
        if let n = b.customerName, !Text.isCleanLine(n, maxLength: 40) { bad.append(.init(field: "customerName", code: "customer_name_invalid")) }
        if let m = b.customerMobile, MobileNumber.normalized(m) != m { bad.append(.init(field: "customerMobile", code: "mobile_invalid")) }
        if let n = b.note, !n.isEmpty, !Text.isCleanLine(n, maxLength: 200) { bad.append(.init(field: "note", code: "text_invalid")) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
        var reservation: SalesControlService.Reservation?
        if move == .reserve {
            guard let name = b.customerName, let mobile = b.customerMobile, let expires = b.expiresAt else {
                throw Problem.invalid([.init(field: "customerName", code: "required")])
            }
            reservation = .init(customerName: name, customerMobile: mobile, expiresAt: expires, note: b.note ?? "")
        }
        let control = services.salesControl(database)
        let unit = try await control.apply(move, unit: unitID, in: projectID, reason: b.reason ?? "", reservation: reservation,
                                           context: call.auditContext)
        if let r = reservation {
            // The reserved customer has a record, so 认购 from this unit finds the buyer.
            _ = try await services.customers(database).forReservation(name: r.customerName, mobile: r.customerMobile, in: projectID,
                                                                      principal: try call.requirePrincipal(), context: call.auditContext)
        }
        let claim = try await control.liveClaim(unitID)
        return .ok(.init(body: .json(Self.unit(unit, claim: claim))))
    }

    func releaseUnits(_ input: Operations.ReleaseUnits.Input) async throws -> Operations.ReleaseUnits.Output {
        let b = switch input.body { case .json(let json): json }
        let ids = try b.unitIds.map { try UUID(uuidString: $0) ?? { throw Problem.invalid("unitIds", "unit_unknown") }() }
        let n = try await services.salesControl(database).release(ids, in: try Self.uuid(input.path.projectId), batchName: b.name,
                                                                  context: call.auditContext)
        return .ok(.init(body: .json(.init(released: n))))
    }

    // MARK: Prices

    func quoteUnit(_ input: Operations.QuoteUnit.Input) async throws -> Operations.QuoteUnit.Output {
        let b = switch input.body { case .json(let json): json }
        let projectID = try Self.uuid(input.path.projectId)
        let q = try await services.pricing(database).quote(
            unit: try Self.uuid(input.path.unitId), in: projectID, ruleIDs: try Self.ids(b.ruleIds ?? [], field: "ruleIds"),
            special: b.special, requesterRoles: try call.requirePrincipal().roles(on: projectID))
        return .ok(.init(body: .json(.init(
            unitId: q.unit.id.uuidString, code: q.unit.code, listTotal: q.quote.listTotal.plain, floorPrice: q.unit.floorPrice.plain,
            finalTotal: q.quote.finalTotal.plain, effectiveRate: Self.rate(q.quote.effectivePermyriad), belowFloor: q.belowFloor,
            approver: q.approver.map(Self.role), steps: q.quote.steps.map { .init(name: $0.rule.name, priceAfter: $0.priceAfter.plain) }))))
    }

    func requestDiscount(_ input: Operations.RequestDiscount.Input) async throws -> Operations.RequestDiscount.Output {
        let b = switch input.body { case .json(let json): json }
        let id = try await services.pricing(database).requestDiscount(
            unit: try Self.uuid(input.path.unitId), in: try Self.uuid(input.path.projectId),
            ruleIDs: try Self.ids(b.ruleIds ?? [], field: "ruleIds"), special: b.special, customer: b.customer ?? "",
            reason: b.reason, principal: try call.requirePrincipal(), context: call.auditContext)
        return .accepted(.init(body: .json(.init(approvalId: id.uuidString))))
    }

    func requestUnitPriceChange(_ input: Operations.RequestUnitPriceChange.Input) async throws -> Operations.RequestUnitPriceChange.Output {
        let b = switch input.body { case .json(let json): json }
        try Self.patterned([("unitPrice", b.unitPrice), ("total", b.total), ("floorPrice", b.floorPrice)])
        try Self.amounts([("unitPrice", b.unitPrice), ("total", b.total), ("floorPrice", b.floorPrice)])
        let id = try await services.pricing(database).requestUnitPrice(
            unit: try Self.uuid(input.path.unitId), in: try Self.uuid(input.path.projectId), unitPrice: b.unitPrice ?? "",
            total: b.total ?? "", floorPrice: b.floorPrice ?? "", reason: b.reason, context: call.auditContext)
        return .accepted(.init(body: .json(.init(approvalId: id.uuidString))))
    }

    func listDiscountRules(_ input: Operations.ListDiscountRules.Input) async throws -> Operations.ListDiscountRules.Output {
        let rules = try await services.pricing(database).rules(try Self.uuid(input.path.projectId))
        return .ok(.init(body: .json(rules.map(Self.rule))))
    }

    func createDiscountRule(_ input: Operations.CreateDiscountRule.Input) async throws -> Operations.CreateDiscountRule.Output {
        let b = switch input.body { case .json(let json): json }
        try Self.patterned([("reduction", b.reduction)])
        try Self.patterned([("rate", b.rate)], code: "rate_invalid")
        let rule = try await services.pricing(database).createRule(try Self.uuid(input.path.projectId), name: b.name,
                                                                   rate: b.rate ?? "", reduction: b.reduction ?? "", context: call.auditContext)
        return .created(.init(body: .json(Self.rule(rule))))
    }

    func updateDiscountRule(_ input: Operations.UpdateDiscountRule.Input) async throws -> Operations.UpdateDiscountRule.Output {
        let b = switch input.body { case .json(let json): json }
        try await services.pricing(database).setRuleActive(try Self.uuid(input.path.ruleId), in: try Self.uuid(input.path.projectId),
                                                           active: b.active, context: call.auditContext)
        return .noContent(.init())
    }

    func listPriceLists(_ input: Operations.ListPriceLists.Input) async throws -> Operations.ListPriceLists.Output {
        return .ok(.init(body: .json(try await services.pricing(database).priceLists(try Self.uuid(input.path.projectId)).map(Self.priceList))))
    }

    func createPriceList(_ input: Operations.CreatePriceList.Input) async throws -> Operations.CreatePriceList.Output {
        let b = switch input.body { case .json(let json): json }
        if b.items.count > 20_000 { throw Problem.invalid("items", "too_many_units") }
        for (n, i) in b.items.enumerated() {
            try Self.patterned([("items[\(n)].unitPrice", i.unitPrice), ("items[\(n)].total", i.total), ("items[\(n)].floorPrice", i.floorPrice)])
            try Self.amounts([("items[\(n)].unitPrice", i.unitPrice), ("items[\(n)].total", i.total), ("items[\(n)].floorPrice", i.floorPrice)])
        }
        let items = b.items.map { i in
            PricingService.ItemDraft(code: i.code, unitPrice: i.unitPrice.flatMap { Money(yuanText: $0) },
                                     total: i.total.flatMap { Money(yuanText: $0) }, floorPrice: i.floorPrice.flatMap { Money(yuanText: $0) })
        }
        let list = try await services.pricing(database).propose(try Self.uuid(input.path.projectId), name: b.name, note: b.note ?? "",
                                                                items: items, context: call.auditContext)
        return .accepted(.init(body: .json(Self.priceList(list))))
    }

    func adjustPrices(_ input: Operations.AdjustPrices.Input) async throws -> Operations.AdjustPrices.Output {
        let b = switch input.body { case .json(let json): json }
        try Self.patterned([("changePerSquareMetre", b.changePerSquareMetre)])
        try Self.patterned([("changePercent", b.changePercent), ("floorRatio", b.floorRatio)], code: "rate_invalid")
        var a = PricingService.Adjustment()
        a.buildingID = try b.buildingId.map { try UUID(uuidString: $0) ?? { throw Problem.invalid("buildingId", "building_unknown") }() }
        for (name, v) in [("floorFrom", b.floorFrom), ("floorTo", b.floorTo)] where v.map({ !(-9...200).contains($0) }) ?? false {
            throw Problem.invalid(name, "floor_invalid")
        }
        a.floorFrom = b.floorFrom
        a.floorTo = b.floorTo
        a.changePermyriad = try b.changePercent.map { try DecimalText.fixed($0, scale: 2).map(Int.init) ?? { throw Problem.invalid("changePercent", "rate_invalid") }() }
        a.changePerSquareMetre = try b.changePerSquareMetre.map { try Money(yuanText: $0) ?? { throw Problem.invalid("changePerSquareMetre", "money_not_number") }() }
        a.floorPermyriad = try b.floorRatio.map { try DecimalText.fixed($0, scale: 2).map(Int.init) ?? { throw Problem.invalid("floorRatio", "rate_invalid") }() }
        let list = try await services.pricing(database).proposeAdjustment(try Self.uuid(input.path.projectId), name: b.name,
                                                                          note: b.note ?? "", adjustment: a, context: call.auditContext)
        return .accepted(.init(body: .json(Self.priceList(list))))
    }

    func listPriceListItems(_ input: Operations.ListPriceListItems.Input) async throws -> Operations.ListPriceListItems.Output {
        let page = try PageRequest(page: input.query.page, perPage: input.query.perPage)
        let result = try await services.pricing(database).items(of: try Self.uuid(input.path.priceListId),
                                                                in: try Self.uuid(input.path.projectId), page: page)
        return .ok(.init(body: .json(.init(items: result.items.map {
            .init(unitId: $0.unitID.uuidString, code: $0.code, status: .init(rawValue: $0.status) ?? .unreleased,
                  currentTotal: Money(fen: $0.currentTotal).plain, unitPrice: Money(fen: $0.unitPrice).plain,
                  listTotal: Money(fen: $0.listTotal).plain, floorPrice: Money(fen: $0.floorPrice).plain)
        }, page: result.page, perPage: result.perPage, total: result.total))))
    }

    // MARK: Mapping

    /// A field the contract gives a pattern that an empty string breaks: absent or null means
    /// "not given", but "" is refused as the schema refuses it.
    static func patterned(_ values: [(String, String?)], code: String = "money_not_number") throws {
        let bad = values.filter { $0.1 == "" }.map { Problem.FieldError(field: $0.0, code: code) }
        if !bad.isEmpty { throw Problem.invalid(bad) }
    }

    /// Amount fields the operation may not use for this unit are still checked (the generated
    /// layer does not apply `pattern`): given, they must be amounts.
    static func amounts(_ values: [(String, String?)]) throws {
        let bad = values.filter { $0.1.map { Money(yuanText: $0) == nil } ?? false }.map { Problem.FieldError(field: $0.0, code: "money_not_number") }
        if !bad.isEmpty { throw Problem.invalid(bad) }
    }


    static func ids(_ strings: [String], field: String) throws -> [UUID] {
        try strings.map { try UUID(uuidString: $0) ?? { throw Problem.invalid(field, "rule_unknown") }() }
    }

    static func filter(buildingID: String?, statuses: [Components.Schemas.UnitStatus]?, layout: String?, floorFrom: Int?,
                       floorTo: Int?, priceFrom: String?, priceTo: String?) throws -> UnitFilter {
        var f = UnitFilter()
        if let b = buildingID { f.buildingID = try UUID(uuidString: b) ?? { throw Problem.invalid("buildingId", "building_unknown") }() }
        f.statuses = Set((statuses ?? []).compactMap { UnitStatus(rawValue: $0.rawValue) })
        f.layout = layout
        // The generated layer does not check numeric ranges of query parameters: the contract's are here.
        for (name, v) in [("floorFrom", floorFrom), ("floorTo", floorTo)] where v.map({ !(-9...200).contains($0) }) ?? false {
            throw Problem.invalid(name, "floor_invalid")
        }
        f.floorFrom = floorFrom
        f.floorTo = floorTo
        if let p = priceFrom { f.priceFrom = try Money(yuanText: p) ?? { throw Problem.invalid("priceFrom", "money_not_number") }() }
        if let p = priceTo { f.priceTo = try Money(yuanText: p) ?? { throw Problem.invalid("priceTo", "money_not_number") }() }
        return f
    }

    /// RFC 6266 with an RFC 5987 UTF-8 name, so Chinese file names survive every browser.
    static func attachment(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.filter { $0.isASCII && $0 != "\"" }.map(Character.init))
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? ascii
        return "attachment; filename=\"\(ascii.isEmpty || ascii.hasPrefix(".") ? "export" + ascii : ascii)\"; filename*=UTF-8''\(encoded)"
    }

    static func rate(_ permyriad: Int) -> String { DecimalText.format(Int64(permyriad), scale: 4, grouping: false) }

    static func building(_ b: BuildingRow) -> Schemas.Building {
        .init(id: b.id.uuidString, name: b.name, sortOrder: b.sortOrder, floors: b.floors, entrances: b.entrances)
    }

    static func unit(_ u: UnitRow, claim: SalesControlService.Claim?, reveal: Bool = false) -> Schemas.Unit {
        Schemas.Unit(
            id: u.id.uuidString, buildingId: u.buildingID.uuidString, code: u.code, entrance: u.entrance, floor: u.floor, room: u.room,
            layout: u.layout, orientation: u.orientation, usage: .init(rawValue: u.usage) ?? .residential,
            builtArea: u.builtArea.description, innerArea: u.innerArea.description,
            pricingBasis: .init(rawValue: u.pricingBasis) ?? .builtArea, listUnitPrice: u.listUnitPrice.plain,
            listTotal: u.listTotal.plain, floorPrice: u.floorPrice.plain, status: .init(rawValue: u.status.rawValue)!,
            updatedAt: u.updatedAt,
            claim: claim.map { c in
                .init(kind: .init(rawValue: c.kind) ?? .reservation, customerName: c.customerName,
                      customerMobile: reveal ? c.customerMobile : Masking.mobile(c.customerMobile), expiresAt: c.expiresAt,
                      createdAt: c.createdAt)
            })
    }

    static func rule(_ r: PricingService.Rule) -> Schemas.DiscountRule {
        .init(id: r.id.uuidString, name: r.name, rate: r.ratePermyriad.map(rate), reduction: r.reductionFen.map { Money(fen: $0).plain },
              active: r.isActive, sortOrder: r.sortOrder)
    }

    static func priceList(_ l: PricingService.PriceList) -> Schemas.PriceList {
        .init(id: l.id.uuidString, version: l.version, name: l.name, note: l.note, status: .init(rawValue: l.status) ?? .pending,
              approvalId: l.approvalID?.uuidString, unitCount: l.unitCount, total: l.total.plain, createdAt: l.createdAt,
              activatedAt: l.activatedAt)
    }
}

import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/suppliers/{id}/scorecard`, `/score-override`, `/api/v1/supplier-score-weights`, an order's
/// `/service-ratings` and `/api/v1/reports/procurement`.
extension APIHandler {
    static func scorecardSchema(_ c: ScorecardService.Card) -> Schemas.SupplierScorecard {
        var out = Schemas.SupplierScorecard(
            supplierId: c.supplierID.uuidString, from: c.from.description, to: c.to.description, total: c.total,
            standing: .init(rawValue: c.standing.rawValue) ?? .good, quality: c.criteria.quality, delivery: c.criteria.delivery,
            price: c.criteria.price, service: c.criteria.service, serviceRatings: c.serviceRatings,
            weights: .init(quality: c.weights.quality, delivery: c.weights.delivery, price: c.weights.price, service: c.weights.service),
            appliedWeights: .init(quality: c.applied.quality, delivery: c.applied.delivery, price: c.applied.price, service: c.applied.service),
            delivered: PurchaseQuantity.format(c.deliveredMilli), rejected: PurchaseQuantity.format(c.rejectedMilli), repairTickets: c.repairTickets,
            unitsInstalled: c.unitsInstalled, lines: c.lines, onTimeInFull: c.onTimeInFull)
        out.overrideReason = c.overriddenBecause
        return out
    }

    func getSupplierScorecard(_ input: Operations.GetSupplierScorecard.Input) async throws -> Operations.GetSupplierScorecard.Output {
        let s = try await services.suppliers(database).supplier(try Self.uuid(input.path.supplierId))
        let svc = ScorecardService(store: services.store(database), now: services.now)
        let card: ScorecardService.Card
        if input.query.from != nil || input.query.to != nil {
            guard let f = input.query.from, let t = input.query.to else { throw Problem.invalid(input.query.from == nil ? "from" : "to", "date_invalid") }
            let p = try Self.period(f, t)
            card = try await svc.card(s.id, from: p.from, to: p.to)
        } else {
            card = try await svc.current(s.id)
        }
        return .ok(.init(body: .json(Self.scorecardSchema(card))))
    }

    func overrideSupplierScore(_ input: Operations.OverrideSupplierScore.Input) async throws -> Operations.OverrideSupplierScore.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = ScorecardService(store: services.store(database), now: services.now)
        let card = try await svc.overrideBlock(try Self.uuid(input.path.supplierId), reason: b.reason, by: try call.requirePrincipal(), context: call.auditContext)
        return .ok(.init(body: .json(Self.scorecardSchema(card))))
    }

    static func serviceRatingSchema(_ r: ScorecardService.ServiceRating) -> Schemas.ServiceRating {
        .init(id: r.id.uuidString, supplierId: r.supplierId.uuidString, orderId: r.orderId.uuidString, stars: r.stars, comment: r.comment,
              ratedBy: r.ratedBy.uuidString, ratedAt: r.ratedAt)
    }

    func listServiceRatings(_ input: Operations.ListServiceRatings.Input) async throws -> Operations.ListServiceRatings.Output {
        let o = try await services.purchaseOrders(database).order(try Self.uuid(input.path.orderId))
        guard ScorecardService.mayRate(try call.requirePrincipal(), projectID: o.projectId) else { throw Problem.notFound }
        let items = try await ScorecardService(store: services.store(database), now: services.now).serviceRatings(orderID: o.id)
        return .ok(.init(body: .json(.init(items: items.map(Self.serviceRatingSchema)))))
    }

    func rateSupplierService(_ input: Operations.RateSupplierService.Input) async throws -> Operations.RateSupplierService.Output {
        let b = switch input.body { case .json(let json): json }
        let r = try await ScorecardService(store: services.store(database), now: services.now)
            .rateService(orderID: try Self.uuid(input.path.orderId), stars: b.stars, comment: b.comment ?? "", by: try call.requirePrincipal(),
                         context: call.auditContext)
        return .created(.init(body: .json(Self.serviceRatingSchema(r))))
    }

    func putSupplierScoreWeights(_ input: Operations.PutSupplierScoreWeights.Input) async throws -> Operations.PutSupplierScoreWeights.Output {
        let b = switch input.body { case .json(let json): json }
        let svc = ScorecardService(store: services.store(database), now: services.now)
        let w = try await svc.setWeights(ScoreWeights(quality: b.quality, delivery: b.delivery, price: b.price, service: b.service),
                                         by: try call.requirePrincipal().userID, context: call.auditContext)
        return .ok(.init(body: .json(.init(quality: w.quality, delivery: w.delivery, price: w.price, service: w.service))))
    }

    func procurementReport(_ projectRaw: String, from: String, to: String) async throws -> (ProcurementReportService.Report, ProjectService.ProjectSummary) {
        let project = try await reportProject(projectRaw, .procurementHandle)
        let p = try Self.period(from, to)
        let r = try await ProcurementReportService(store: services.store(database), now: services.now).report(projectID: project.id, from: p.from, to: p.to)
        return (r, project)
    }

    func getProcurementReport(_ input: Operations.GetProcurementReport.Input) async throws -> Operations.GetProcurementReport.Output {
        let (r, _) = try await procurementReport(input.query.projectId, from: input.query.from, to: input.query.to)
        let t = try localizer
        func row(_ x: ProcurementReportService.Row, _ name: String) -> Schemas.ProcurementSpendRow {
            .init(key: x.key, name: name, amount: Money(fen: x.amountFen).plain, orders: x.orders)
        }
        let out = Schemas.ProcurementReport(
            from: r.from.description, to: r.to.description, total: r.total.plain,
            byCategory: r.byCategory.map { row($0, SupplierCategory(rawValue: $0.key).map { t($0.catalogKey) } ?? $0.key) },
            bySupplier: r.bySupplier.map { row($0.0, $0.1) }, byMonth: r.byMonth.map { row($0, $0.key) },
            savings: r.savings.map { .init(title: $0.title, estimate: Money(fen: $0.estimateFen).plain, awarded: Money(fen: $0.awardedFen).plain,
                                           saved: Money(fen: $0.estimateFen - $0.awardedFen).plain) },
            saved: r.saved.plain, openOrders: r.openOrders, openAmount: r.openAmount.plain,
            overdue: r.overdue.map { .init(number: $0.number, material: $0.material, dueOn: $0.dueOn,
                                           outstanding: PurchaseQuantity.format($0.quantityMilli - $0.deliveredMilli)) },
            scorecards: r.cards.map { Self.scorecardSchema($0.1) })
        return .ok(.init(body: .json(out)))
    }

    func exportProcurementReport(_ input: Operations.ExportProcurementReport.Input) async throws -> Operations.ExportProcurementReport.Output {
        let (r, project) = try await procurementReport(input.query.projectId, from: input.query.from, to: input.query.to)
        let t = try localizer
        return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(
            try download(ProcurementSheets.workbook(r, t: t), as: ProcurementSheets.fileName(r, projectCode: project.code, t: t)))))
    }
}

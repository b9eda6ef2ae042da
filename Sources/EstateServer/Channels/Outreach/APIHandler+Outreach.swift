import EstateCore
import Foundation
import OpenAPIRuntime
import Vapor

/// `/api/v1/outreach-plans` and `/api/v1/reports/channels`: the channel manager plans the outbound teams' days,
/// channel staff enter the actuals and costs, and the report reads cost per registration, visit and deal.
extension APIHandler {
    static func countsSchema(_ c: OutreachCounts) -> Schemas.OutreachCounts {
        .init(calls: c.calls, flyers: c.flyers, interceptions: c.interceptions, points: c.points, visits: c.visits)
    }

    static func counts(_ s: Schemas.OutreachCounts) -> OutreachCounts {
        OutreachCounts(calls: s.calls, flyers: s.flyers, interceptions: s.interceptions, points: s.points, visits: s.visits)
    }

    static func planSchema(_ p: OutreachService.Plan) -> Schemas.OutreachPlan {
        var out = Schemas.OutreachPlan(id: p.id.uuidString, projectId: p.projectId.uuidString, channelId: p.channelId.uuidString, area: p.area,
                                       day: p.day, plan: countsSchema(p.plan),
                                       costs: .init(staff: p.costs.staff.plain, materials: p.costs.materials.plain, fees: p.costs.fees.plain))
        out.actual = p.actual.map(countsSchema)
        return out
    }

    static func funnelSchema(_ f: ChannelFunnel) -> Schemas.ChannelFunnelRow {
        var out = Schemas.ChannelFunnelRow(registrations: f.registrations, visits: f.visits, subscriptions: f.subscriptions, contracts: f.contracts,
                                           cost: f.cost.plain)
        out.costPerRegistration = f.perRegistration?.plain
        out.costPerVisit = f.perVisit?.plain
        out.costPerDeal = f.perDeal?.plain
        return out
    }

    func listOutreachPlans(_ input: Operations.ListOutreachPlans.Input) async throws -> Operations.ListOutreachPlans.Output {
        let project = try await reportProject(input.query.projectId, .channelLeadsRegister)
        let period = try Self.period(input.query.from, input.query.to)
        let channel = try input.query.channelId.map { try Self.uuid($0, field: "channelId") }
        let plans = try await services.outreach(database).plans(projectID: project.id, from: period.from, to: period.to, channelID: channel)
        return .ok(.init(body: .json(.init(items: plans.map(Self.planSchema)))))
    }

    func putOutreachPlan(_ input: Operations.PutOutreachPlan.Input) async throws -> Operations.PutOutreachPlan.Output {
        let b = switch input.body { case .json(let json): json }
        let project = try await reportProject(b.projectId, .channelsManage)
        let p = try await services.outreach(database).putPlan(projectID: project.id, channelID: try Self.uuid(b.channelId, field: "channelId"),
                                                              area: b.area, day: b.day, plan: Self.counts(b.plan),
                                                              by: try call.requirePrincipal().userID, context: call.auditContext)
        return .created(.init(body: .json(Self.planSchema(p))))
    }

    func putOutreachActuals(_ input: Operations.PutOutreachActuals.Input) async throws -> Operations.PutOutreachActuals.Output {
        let b = switch input.body { case .json(let json): json }
        let principal = try call.requirePrincipal()
        let svc = services.outreach(database)
        let plan = try await svc.plan(try Self.uuid(input.path.planId))
        guard principal.canSee(project: plan.projectId), principal.may(.channelLeadsRegister, on: plan.projectId),
              principal.roles(on: plan.projectId).contains(where: { [.channelManager, .channelStaff, .gm].contains($0) })
        else { throw Problem.notFound }
        func money(_ s: String, _ field: String) throws -> Money {
            guard let m = Money(yuanText: s) else { throw Problem.invalid("costs.\(field)", "outreach_cost_invalid") }
            return m
        }
        let costs = OutreachCosts(staff: try money(b.costs.staff, "staff"), materials: try money(b.costs.materials, "materials"),
                                  fees: try money(b.costs.fees, "fees"))
        let done = try await svc.enterActuals(plan.id, counts: Self.counts(b.actual), costs: costs, by: principal.userID, context: call.auditContext)
        return .ok(.init(body: .json(Self.planSchema(done))))
    }

    func getChannelReport(_ input: Operations.GetChannelReport.Input) async throws -> Operations.GetChannelReport.Output {
        let project = try await reportProject(input.query.projectId, .channelsManage)
        let period = try Self.period(input.query.from, input.query.to)
        let r = try await services.outreach(database).report(projectID: project.id, from: period.from, to: period.to)
        let rows: [Schemas.ChannelFunnelRow] = r.rows.map { row in
            var s = Self.funnelSchema(row.funnel)
            s.channelId = row.channelID.uuidString
            s.name = row.name
            s.kind = .init(rawValue: row.kind)
            s.planned = Self.countsSchema(row.planned)
            s.actual = Self.countsSchema(row.actual)
            return s
        }
        return .ok(.init(body: .json(.init(from: r.from.description, to: r.to.description, rows: rows, total: Self.funnelSchema(r.total)))))
    }
}

import EstateCore
import Foundation
import Plot
import Vapor

/// 服务评价 on an order's page and on each of its deliveries' pages (where the engineers who inspect see it): the
/// ratings of the supplier's service on the order so far, and the reader's own form while they may rate and have not.
struct ServiceRatingPanel {
    static let form = "service-rating"

    var order: PurchaseOrderService.Order
    var ratings: [ScorecardService.ServiceRating]
    var names: [UUID: String]
    var mayRate: Bool
    var rated: Bool
    var delivered: Bool
    /// Where the form comes back to (the page it is on).
    var back: String

    static func load(_ req: Request, order: PurchaseOrderService.Order, principal: Principal, delivered: Bool, back: String) async throws -> ServiceRatingPanel {
        let ratings = try await ScorecardService(store: req.services.store(req.db), now: req.services.now).serviceRatings(orderID: order.id)
        return ServiceRatingPanel(order: order, ratings: ratings,
                                  names: try await StaffDirectory.displayNames(Array(Set(ratings.map(\.ratedBy))), sql: req.db.sql),
                                  mayRate: ScorecardService.mayRate(principal, projectID: order.projectId),
                                  rated: ratings.contains { $0.ratedBy == principal.userID }, delivered: delivered, back: back)
    }

    static func stars(_ n: Int) -> String { String(repeating: "★", count: max(0, min(5, n))) + String(repeating: "☆", count: max(0, 5 - n)) }

    func view(_ ctx: PageContext, failure: FormFailure?) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let v = FormFailure.values(failure, form: Self.form)
        let mean = ratings.isEmpty ? nil : Scorecard.service(stars: ratings.map(\.stars))
        return .section(.class("card"), .id("pr-service-rating"),
            .h2(.text(t("pr.service_ratings_of_order")), .text(" "),
                .unwrap(mean) { .span(.class("muted small"), .text("\($0) · \(t("pr.service_mean", ["n": "\(ratings.count)"]))")) }),
            ratings.isEmpty ? ProcurementShell.empty(t("pr.service_no_ratings")) :
                ProcurementShell.table([t("pr.service_stars"), t("pr.service_comment"), t("pr.rated_by"), t("pr.created")], numeric: [],
                    ratings.map { r in
                        Node<HTML.TableContext>.tr(.td(.class("nowrap pr-stars"), .attribute(named: "aria-label", value: "\(r.stars)/5"), .text(Self.stars(r.stars))),
                                                   .td(.text(r.comment.isEmpty ? "—" : r.comment)), .td(.text(names[r.ratedBy] ?? "—")),
                                                   .td(.class("nowrap small"), .text(Shell.dateTime(r.ratedAt))))
                    }),
            .if(mayRate && !rated && !delivered && order.status == "approved", .p(.class("muted small"), .text(t("pr.service_rate_after_delivery")))),
            .if(mayRate && !rated && delivered && order.status == "approved", .group(
                FormFailure.view(failure, form: Self.form),
                .form(.class("ch-form"), .method(.post), .action("/procurement/orders/\(order.id)/service-rating"), Shell.csrfField(ctx),
                    .input(.type(.hidden), .name("back"), .value(back)),
                    ServiceShell.select(t, form: Self.form, "stars", "pr.service_stars",
                                        (1...5).reversed().map { ("\($0)", "\(Self.stars($0)) \($0)") }, selected: v["stars"] ?? "5",
                                        failure: failure, required: true),
                    ServiceShell.input(t, form: Self.form, "comment", "pr.service_comment", value: v["comment"] ?? "", failure: failure,
                                       placeholder: t("pr.service_comment_hint"), wide: true, maxLength: 500),
                    .button(.type(.submit), .class("primary"), .text(t("pr.service_rate")))))))
    }
}

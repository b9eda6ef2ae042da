import EstateCore
import FluentKit
import Foundation
import SQLKit

extension SaleService {
    // MARK: 产权

    /// Moves the title one stage on, in order, from delivery; the certificate number comes with 出证.
    public func advanceTitle(_ id: UUID, to stage: TitleStage, on day: CalendarDay, certificateNo: String?, context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed], loading: [])
        guard let delivered = c.deliveredOn.flatMap(CalendarDay.init) else { throw Problem.conflict("not_delivered") }
        guard c.title.next == stage else { throw Problem.conflict("title_stage_conflict", ["stage": c.titleStage, "move": stage.rawValue]) }
        let previous = [c.titleDocsOn, c.titleTaxOn, c.titleAppliedOn, c.titleIssuedOn].compactMap { $0.flatMap(CalendarDay.init) }.max() ?? delivered
        guard day >= previous, day <= today else { throw Problem.invalid("on", "date_invalid") }
        if stage == .issued {
            guard let n = certificateNo, Text.isCleanLine(n, maxLength: 40), !n.trimmed.isEmpty else {
                throw Problem.invalid("certificateNo", "certificate_number_required")
            }
        }
        let column = switch stage {
        case .documentsGathered: "title_docs_on"
        case .deedTaxPaid: "title_tax_on"
        case .applied: "title_applied_on"
        case .issued: "title_issued_on"
        case .handedOver, .none: "title_handed_on"
        }
        let now = now()
        try await store.audited(context) { tx in
            var values: [String: any Encodable & Sendable] = ["title_stage": stage.rawValue, column: day.description, "updated_at": now]
            if stage == .issued, let n = certificateNo { values["title_certificate_no"] = n }
            try await Self.conditional("contracts", id, set: values, where: "title_stage", is: c.titleStage, conflict: "title_stage_conflict", on: tx)
            try await Self.event(c.subscriptionId, "title.\(stage.rawValue)", "产权：\(stage.chineseName) · \(day)\(certificateNo.map { " · \($0)" } ?? "")",
                                 context: context, now: now, on: tx)
            return ((), AuditEntry(action: "title.\(stage.rawValue)", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "title of \(c.number): \(c.titleStage) → \(stage.rawValue)", before: ["stage": c.titleStage],
                                   after: ["stage": stage.rawValue, "on": day.description]))
        }
        return try await contract(id)
    }
}

import EstateCore
import FluentKit
import Foundation
import SQLKit

extension SaleService {
    // MARK: 按揭

    public struct MortgageDraft: Sendable {
        public var bankID: UUID
        public var loanType: LoanType
        public var commercial: Money
        public var provident: Money
        public var termMonths: Int
        public var staffID: UUID?
        public init(bankID: UUID, loanType: LoanType, commercial: Money, provident: Money, termMonths: Int, staffID: UUID? = nil) {
            self.bankID = bankID; self.loanType = loanType; self.commercial = commercial; self.provident = provident
            self.termMonths = termMonths; self.staffID = staffID
        }
    }

    /// The loan of a signed contract: the type its payment method names and the amounts its plan
    /// holds. It can be changed until the file is handed to the bank.
    public func setMortgage(_ id: UUID, _ m: MortgageDraft, context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed], loading: [.plan, .mortgage])
        guard let expected = LoanType.expected(for: c.method) else { throw Problem.conflict("no_loan_in_plan") }
        var bad: [Problem.FieldError] = []
        if m.loanType != expected { bad.append(.init(field: "loanType", code: "loan_type_mismatch", arguments: ["limit": expected.rawValue])) }
        let planLoan = c.plan.filter { $0.kind == .mortgage }.reduce(Money.zero) { $0 + $1.amount }
        let planProvident = c.plan.filter { $0.kind == .providentLoan }.reduce(Money.zero) { $0 + $1.amount }
        if m.commercial != planLoan { bad.append(.init(field: "commercialAmount", code: "loan_amount_mismatch", arguments: ["limit": planLoan.description])) }
        if m.provident != planProvident { bad.append(.init(field: "providentAmount", code: "loan_amount_mismatch", arguments: ["limit": planProvident.description])) }
        if !(12...360).contains(m.termMonths) { bad.append(.init(field: "termMonths", code: "term_invalid")) }
        struct B: Decodable { var active: Bool }
        if try await store.sql.select().column("active").from("banks").where("id", .equal, m.bankID).first(decoding: B.self)?.active != true {
            bad.append(.init(field: "bankId", code: "bank_unknown"))
        }
        let staffKnown: Bool
        if let staff = m.staffID { staffKnown = try await StaffCheck.isProjectStaff(staff, project: c.projectId, on: store.sql) } else { staffKnown = true }
        if !staffKnown {
            bad.append(.init(field: "staffId", code: "staff_unknown"))
        }
        guard bad.isEmpty else { throw Problem.invalid(bad) }
        if let existing = c.mortgage, existing.current != .collecting { throw Problem.conflict("mortgage_submitted", ["stage": existing.stage]) }
        let now = now(), today = today
        do { try await store.audited(context) { tx in
            if c.mortgage == nil {
                try await tx.sql.insert(into: "mortgages").columns("contract_id", "project_id", "bank_id", "loan_type", "commercial_fen", "provident_fen",
                                                                   "term_months", "stage", "stage_since", "collecting_on", "staff_id")
                    .values(SQLBind(id), SQLBind(c.projectId), SQLBind(m.bankID), SQLBind(m.loanType.rawValue), SQLBind(m.commercial.fen),
                            SQLBind(m.provident.fen), SQLBind(m.termMonths), SQLBind(MortgageStage.collecting.rawValue), SQLBind(today.description),
                            SQLBind(today.description), SQLBind(m.staffID)).run()
            } else {
                let rows = try await tx.sql.update("mortgages").set("bank_id", to: m.bankID).set("term_months", to: m.termMonths)
                    .set("staff_id", to: m.staffID).where("contract_id", .equal, id)
                    .where("stage", .equal, MortgageStage.collecting.rawValue).returning("contract_id").all()
                if rows.isEmpty { throw Problem.conflict("mortgage_submitted") }
            }
            try await Self.event(c.subscriptionId, "mortgage", "按揭资料收集：\(m.loanType.chineseName) \(m.commercial + m.provident) 元 · \(m.termMonths) 期",
                                 context: context, now: now, on: tx)
            return ((), AuditEntry(action: "mortgage.set", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                   summary: "mortgage of \(c.number) recorded", after: ["loanType": m.loanType.rawValue, "term": "\(m.termMonths)"]))
        } } catch where error.isConstraintFailure {
            // Two first recordings at once: the other one is on record.
            throw Problem.conflict("mortgage_changed")
        }
        return try await contract(id)
    }

    /// Moves the loan one stage on. 已放款 posts the bank's money as receipts against the loan
    /// items (to be confirmed by finance), once: the call takes an idempotency key.
    public func advanceMortgage(_ id: UUID, to stage: MortgageStage, on day: CalendarDay, idempotencyKey: String, principal: Principal,
                                context: AuditContext) async throws -> Contract {
        let c = try await contract(id, in: [.signed], loading: [.plan, .mortgage])
        guard let m = c.mortgage else { throw Problem.conflict("no_mortgage") }
        let fingerprint = "\(id)|\(stage.rawValue)|\(day)"
        let replay: Idempotent.Outcome<String>? = try await Idempotent.replay(key: idempotencyKey, actor: principal.userID,
                                                                             operation: "advanceMortgage", fingerprint: fingerprint, on: store.sql)
        if replay != nil { return try await contract(id) }
        guard m.current.next == stage else { throw Problem.conflict("mortgage_stage_conflict", ["stage": m.stage, "move": stage.rawValue]) }
        let since = CalendarDay(m.stageSince) ?? today
        guard day >= since, day <= today else { throw Problem.invalid("on", "date_invalid") }
        let column = "\(stage.rawValue)_on"
        let now = now()
        _ = try await Idempotent.run(key: idempotencyKey, actor: principal.userID, operation: "advanceMortgage", fingerprint: fingerprint,
                                     store: store, context: context, now: now) { tx in
            let rows = try await tx.sql.update("mortgages").set("stage", to: stage.rawValue).set(SQLIdentifier(column), to: SQLBind(day.description))
                .set("stage_since", to: day.description).where("contract_id", .equal, id).where("stage", .equal, m.stage)
                .returning("contract_id").all()
            guard !rows.isEmpty else { throw Problem.conflict("mortgage_stage_conflict", ["stage": m.stage, "move": stage.rawValue]) }
            var posted: [String] = []
            if stage == .disbursed {
                for item in c.plan where item.kind.isLoan && item.isLive && item.receivable.fen > 0 {
                    let r = try await Self.insertReceipt(.init(itemID: item.id, amount: item.receivable, method: .loanDisbursement, receivedOn: day,
                                                               payer: m.bankName, reference: "放款"),
                                                         kind: .receipt, status: .pending, sale: c.subscriptionId, projectID: c.projectId,
                                                         approval: nil, context: context, now: now, on: tx)
                    posted.append(r)
                }
            }
            try await Self.event(c.subscriptionId, "mortgage.\(stage.rawValue)",
                                 "按揭：\(stage.chineseName) · \(day)\(posted.isEmpty ? "" : " · 放款收款单 \(posted.joined(separator: "、"))")",
                                 context: context, now: now, on: tx)
            return ("ok", AuditEntry(action: "mortgage.\(stage.rawValue)", entity: "contract", entityID: id.uuidString, projectID: c.projectId,
                                     summary: "mortgage of \(c.number): \(m.stage) → \(stage.rawValue)",
                                     before: ["stage": m.stage], after: ["stage": stage.rawValue, "on": day.description, "receipts": posted.joined(separator: ",")]))
        }
        return try await contract(id)
    }
}

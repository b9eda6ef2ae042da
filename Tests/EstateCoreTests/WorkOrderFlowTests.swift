import EstateCore
import Testing

/// 勘察 and 稽查 (issue 16 point 3): every kind × status × action of their own moves, exhaustively.
@Suite("Service rules: site surveys and audits")
struct WorkOrderFlowTests {
    @Test func surveysAndAuditsCloseWithoutACallbackAndFollowTheCommonFlow() throws {
        for kind in [TicketKind.survey, .audit] {
            #expect(!kind.needsCallback && !kind.isRepair)
            var status = TicketStatus.new
            for action in [TicketAction.assign, .start, .resolve, .close] { status = try TicketFlow.next(status, action, kind: kind) }
            #expect(status == .closed)
            #expect(try TicketFlow.next(.closed, .reopen, kind: kind) == .inProgress)
        }
    }

    @Test func onlyASurveyOnSiteOrDoneSpawnsARepair() {
        for kind in TicketKind.allCases {
            for status in TicketStatus.allCases {
                let expected = kind == .survey && [.inProgress, .resolved].contains(status)
                #expect(WorkOrderFlow.maySpawnRepair(kind, status) == expected, "\(kind) \(status)")
            }
        }
    }

    @Test func onlyARepairReportedDoneIsAudited() {
        for kind in TicketKind.allCases {
            for status in TicketStatus.allCases {
                let expected = (kind == .repair || kind == .emergencyRepair) && [.resolved, .callback, .closed].contains(status)
                #expect(WorkOrderFlow.mayAudit(kind, status) == expected, "\(kind) \(status)")
            }
        }
    }

    @Test func aFailedAuditSendsTheRepairBackToWork() {
        for status in TicketStatus.allCases {
            let back = WorkOrderFlow.afterFailedAudit(status)
            #expect(back == (status.isActive ? nil : .inProgress), "\(status)")
            // Wherever it goes back, the repair is worked again: its resolution deadline runs.
            #expect(back.map(\.isActive) ?? true)
        }
    }

    @Test func scoresAreOneToFiveAndOnlyForAudits() {
        #expect(AuditScore(0) == nil && AuditScore(6) == nil && AuditScore(-1) == nil)
        #expect((1...5).compactMap(AuditScore.init).map(\.fails) == [true, true, false, false, false])
        for kind in TicketKind.allCases {
            for score in [nil, 0, 1, 3, 5, 6] as [Int?] {
                let problem = WorkOrderFlow.checkResolve(kind, score: score)
                switch (kind, score) {
                case (.audit, nil): #expect(problem == .scoreRequired)
                case (.audit, let s?): #expect(problem == ((1...5).contains(s) ? nil : .scoreInvalid), "\(s)")
                case (_, nil): #expect(problem == nil)
                case (_, _?): #expect(problem == .scoreNotForKind)
                }
            }
        }
    }

    @Test func surveyAndAuditTermsAreTheirOwn() {
        for kind in [TicketKind.survey, .audit] {
            let terms = TicketSeverity.allCases.map { SLATerms.standard(kind, $0) }
            // Stricter with severity, and never a deadline to resolve before the one to respond.
            #expect(zip(terms, terms.dropFirst()).allSatisfy { $0.responseMinutes >= $1.responseMinutes && $0.resolveMinutes >= $1.resolveMinutes })
            #expect(terms.allSatisfy { $0.responseMinutes <= $0.resolveMinutes })
            #expect(terms[0] != SLATerms.standard(.repair, .normal) && terms[0] != SLATerms.standard(.inquiry, .normal))
        }
    }
}

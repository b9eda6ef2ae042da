import ArgumentParser
import EstateServer
import Foundation

/// 开盘 upkeep (issue 18): `estate opening verify EVENT` checks the event's hash-chained log —
/// each line's hash follows from the previous one, no line is missing, the last hash is the
/// event's, and the log replays to the units' final statuses. Exit status 1 when it does not hold.
struct OpeningCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "opening", abstract: "Opening-day (开盘) upkeep.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify an opening's hash-chained log.")
        @ArgumentParser.Argument(help: "The opening's id.") var event: String

        func run() async throws {
            var ok = false
            try await withApp({ $0.runsJobs = false }) { app in
                let (holds, report) = try await OpeningVerification.run(event: event, app: app)
                print(report)
                ok = holds
            }
            if !ok { throw ExitCode(1) }
        }
    }
}

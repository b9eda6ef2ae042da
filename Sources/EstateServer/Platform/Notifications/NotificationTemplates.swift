import Foundation

/// The messages the system sends, by template name: subject (e-mail) and body with `{param}`
/// placeholders. SMS in mainland China carry the sender's signature (签名) in 【】.
public enum NotificationTemplates {
    public struct Template: Sendable, Equatable {
        public var subject: String
        public var body: String
        /// The body holds a secret (a sign-in code): lists show it redacted.
        public var secret: Bool = false
    }

    public static let signature = "【EstateDesk】"

    public static let all: [String: Template] = [
        // To the staff member a ticket was assigned to (DOMAIN §4).
        "ticket.assigned": Template(subject: "新工单 {number}",
                                    body: signature + "工单 {number} 已派给您：{title}，请在 {due} 前响应。"),
        // To the manager: major complaints and crises escalate at once (DOMAIN §4, §5).
        "ticket.escalated": Template(subject: "工单 {number} 已升级",
                                     body: signature + "工单 {number}（{severity}）已升级：{reason}"),
        // 抢修单 (issue 16): the on-call person, then the supervisors, each with a one-time acknowledgement link.
        "outage.oncall": Template(subject: "抢修单 {number}",
                                  body: signature + "抢修单 {number}：{area} {title}，预计 {restore} 恢复。请在 {minutes} 分钟内确认接单：{link}",
                                  secret: true),
        "outage.escalated": Template(subject: "抢修单 {number} 已升级",
                                     body: signature + "抢修单 {number} 超时无人确认，已升级至您：{area} {title}。确认接单：{link}",
                                     secret: true),
        // A callback found it not fixed: back to the one who took it.
        "outage.reopened": Template(subject: "抢修单 {number} 未修复",
                                    body: signature + "抢修单 {number} 回访业主反映未修复：{area} {title}，请继续抢修。"),
        // To the owner, as the ticket moves.
        "ticket.progress": Template(subject: "报修/投诉 {number} 进度",
                                    body: signature + "您的报修/投诉 {number} 进度：{status}。{note}"),
        // To the owner after the work: the satisfaction survey (回访).
        "ticket.callback": Template(subject: "回访邀请",
                                    body: signature + "您的报修/投诉已处理完毕，请花一分钟评价我们的服务：{link}"),
        // To the project's managers: a user went past the hourly limit of exact look-ups (issue 13).
        "security.search_limit": Template(subject: "精确查询超限",
                                          body: signature + "用户 {user} 一小时内按完整手机号/证件号精确查询超过 {max} 次，已被暂停查询，请核实。"),
        // To the broker: a registration (报备) lapses unless the customer visits in time (issue 17).
        "channel.registration_lapsing": Template(subject: "报备即将失效 {number}",
                                                 body: signature + "您的报备 {number}（客户 {customer}）将于 {due} 失效，请尽快带客到访。"),
        // One-time sign-in code for the owner portal.
        "owner.code": Template(subject: "登录验证码",
                               body: signature + "您的登录验证码是 {code}，{minutes} 分钟内有效，请勿告诉他人。", secret: true),
        // 线上选房 (issue 18): the buyer's sign-in code, and the confirmation of a chosen unit.
        "opening.code": Template(subject: "选房登录验证码",
                                 body: signature + "您的线上选房登录验证码是 {code}，{minutes} 分钟内有效，请勿告诉他人。", secret: true),
        "opening.confirmed": Template(subject: "选房成功",
                                      body: signature + "恭喜您在{event}选定 {unit}，认购书 {number}，成交价 {price} 元，请于 {deadline} 前签约。日志校验值 {hash}。"),
    ]

    /// The rendered subject and body; throws when the template is unknown or a placeholder
    /// has no value (both are bugs in the caller, not user errors).
    public static func render(_ name: String, _ params: [String: String]) throws -> (subject: String, body: String) {
        guard let t = all[name] else { throw NotificationError.unknownTemplate(name) }
        return (try fill(t.subject, params, template: name), try fill(t.body, params, template: name))
    }

    /// The names of a template's placeholders, in order of appearance.
    public static func placeholders(_ text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// One pass over the text, so a value that itself contains `{x}` is never expanded.
    static func fill(_ text: String, _ params: [String: String], template: String) throws -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            guard let value = params[name] else { throw NotificationError.missingParameter(template: template, name: name) }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// A caller's mistake with a notification: the business transaction it was part of rolls back.
public enum NotificationError: Error, Equatable, CustomStringConvertible {
    case unknownTemplate(String)
    case missingParameter(template: String, name: String)
    case invalidRecipient(channel: NotificationChannel, recipient: String)

    public var description: String {
        switch self {
        case .unknownTemplate(let t): "unknown notification template \"\(t)\""
        case .missingParameter(let t, let n): "notification template \"\(t)\" needs the parameter \"\(n)\""
        case .invalidRecipient(let c, _): "not a valid \(c.rawValue) recipient"
        }
    }
}

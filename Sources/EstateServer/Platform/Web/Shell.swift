import EstateCore
import Plot
import Vapor

/// What every signed-in page shares: who is looking, in which language, and the CSRF token for its forms.
struct PageContext: Sendable {
    let t: Localizer
    let principal: Principal?
    let csrf: String?
    let path: String
    /// A one-line message after a redirect (`?notice=` / `?error=`), looked up in the catalogue.
    let notice: String?
    let error: String?
    /// Values for the error message's placeholders (`?e.code=1-1-1201`), restricted to unit codes,
    /// counts and catalogue names, so a crafted link still cannot put sentences on the page.
    let errorArguments: [String: String]
    /// Approvals waiting for the reader's decision (the count beside 审批), when counted.
    var approvalsWaiting: Int? = nil

    /// A page drawn without a request: what tests render a `Model` with.
    init(t: Localizer, principal: Principal?, path: String, csrf: String? = nil, notice: String? = nil, error: String? = nil,
         errorArguments: [String: String] = [:]) {
        self.t = t
        self.principal = principal
        self.csrf = csrf
        self.path = path
        self.notice = notice
        self.error = error
        self.errorArguments = errorArguments
    }

    init(_ req: Request) {
        t = req.localizer
        principal = req.principal
        approvalsWaiting = req.storage[ApprovalsWaiting.self]
        csrf = req.authenticated?.session.csrfToken
        path = req.url.path
        notice = (try? req.query.get(String.self, at: "notice")).flatMap { Self.known($0, req) }
        error = (try? req.query.get(String.self, at: "error")).flatMap { Self.known($0, req) }
        var args: [String: String] = [:]
        for key in Self.argumentKeys {
            if let v = try? req.query.get(String.self, at: "e.\(key)"), Self.isSafeArgument(v) { args[key] = v }
        }
        errorArguments = ProblemMiddleware.localized(args, req.services.catalog, req.language)
    }

    static let argumentKeys = ["code", "codes", "status", "move", "kind", "role", "count", "max", "rule"]

    static func isSafeArgument(_ v: String) -> Bool {
        !v.isEmpty && v.count <= 200 && v.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")) || $0 == "、"
        }
    }

    /// Query items carrying a problem's arguments to the page a form redirects to.
    static func query(for problem: Problem) -> String {
        problem.arguments.filter { argumentKeys.contains($0.key) && isSafeArgument($0.value) }.sorted { $0.key < $1.key }
            .map { "&e.\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined()
    }

    /// Only catalogue keys are shown, so a crafted link cannot put words on the page.
    private static func known(_ key: String, _ req: Request) -> String? {
        req.services.catalog.has(key) || req.services.catalog.has("error.\(key)") ? key : nil
    }
}

/// The page frame: top bar, module navigation, content.
enum Shell {
    struct NavItem {
        let key: String
        let href: String?
        let action: Action?
        /// A page of a module's section (呼叫中心 → 抢修单), drawn indented under it.
        var parent: String? = nil
    }

    /// Modules in the order staff meet them; those not yet built show without a link.
    static let modules: [NavItem] = [
        NavItem(key: "nav.home", href: "/", action: nil),
        NavItem(key: "nav.inventory", href: "/inventory", action: .inventoryView),
        NavItem(key: "nav.approvals", href: "/approvals", action: nil),
        NavItem(key: "nav.customers", href: "/customers", action: .customersView),
        NavItem(key: "nav.sales", href: "/sales", action: .salesView),
        NavItem(key: "nav.openings", href: "/openings", action: .salesView),
        NavItem(key: "nav.service", href: "/service", action: .ticketsView),
        NavItem(key: "nav.callcenter", href: nil, action: .callsHandle),
        NavItem(key: "nav.desk", href: "/desk", action: .callsHandle, parent: "nav.callcenter"),
        NavItem(key: "nav.outages", href: "/outages", action: .callsHandle, parent: "nav.callcenter"),
        NavItem(key: "nav.duty_logs", href: "/duty-logs", action: .callsHandle, parent: "nav.callcenter"),
        NavItem(key: "nav.calls", href: "/calls", action: .callsHandle, parent: "nav.callcenter"),
        NavItem(key: "nav.callcentre_report", href: "/callcentre/report", action: .callCenterManage, parent: "nav.callcenter"),
        NavItem(key: "nav.wallboard", href: "/callcentre/wallboard", action: .callsHandle, parent: "nav.callcenter"),
        NavItem(key: "nav.staffing", href: "/staffing", action: .callsHandle, parent: "nav.callcenter"),
        NavItem(key: "nav.rosters", href: "/rosters", action: .callsHandle, parent: "nav.callcenter"),
        NavItem(key: "nav.channels", href: "/channels", action: .channelLeadsRegister),
        // Finance pays commission statements without working in the channels' pages.
        NavItem(key: "nav.commissions", href: "/commissions", action: .paymentsConfirm),
        NavItem(key: "nav.procurement", href: "/procurement", action: .procurementHandle),
        NavItem(key: "nav.mall", href: "/mall", action: .mallDesk),
        NavItem(key: "nav.reports", href: "/reports", action: .reportsView),
    ]

    static let admin: [NavItem] = [
        NavItem(key: "nav.users", href: "/admin/users", action: .usersManage),
        // Project settings, for those who change them (everyone else reaches a project through its modules).
        NavItem(key: "nav.projects", href: "/admin/projects", action: .projectEdit),
        NavItem(key: "nav.audit", href: "/admin/audit", action: .auditRead),
    ]

    static func page(_ ctx: PageContext, title: String, _ content: Node<HTML.BodyContext>) -> HTML {
        let t = ctx.t
        return HTML(
            .lang(ctx.t.language == .zh ? .chinese : .english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .title("\(title) · \(t("app.name"))"),
                .favicon("/assets/favicon.svg", type: "image/svg+xml"),
                .stylesheet("/assets/app.css"),
                .script(.src("/assets/app.js"), .attribute(named: "defer", value: "defer"))
            ),
            .body(
                .header(.class("topbar"),
                    .a(.class("brand"), .href("/"), .text(t("app.name"))),
                    .div(.class("spacer")),
                    languageSwitch(ctx),
                    .unwrap(ctx.principal) { p in
                        .group(
                            .span(.class("who"), .text(p.displayName), .span(.class("muted"), .text(" @\(p.username)"))),
                            .form(.class("inline"), .method(.post), .action("/logout"),
                                  csrfField(ctx),
                                  .button(.type(.submit), .class("link"), .text(t("action.sign_out"))))
                        )
                    }
                ),
                .div(.class("frame"),
                    .unwrap(ctx.principal) { p in nav(ctx, p) },
                    .main(.class("content"),
                        .unwrap(ctx.notice) { .div(.class("flash ok"), .attribute(named: "role", value: "status"), .text(t($0))) },
                        .unwrap(ctx.error) { .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text(t(t.catalog.has($0) ? $0 : "error.\($0)", ctx.errorArguments))) },
                        content
                    )
                )
            )
        )
    }

    static func nav(_ ctx: PageContext, _ p: Principal) -> Node<HTML.BodyContext> {
        let t = ctx.t
        func item(_ i: NavItem) -> Node<HTML.ListContext> {
            if let href = i.href {
                let customerPage = ctx.path.contains("/customers") || ctx.path.hasSuffix("/follow-ups")
                let salesPage = ctx.path.hasPrefix("/contracts/") || ctx.path.hasSuffix("/subscribe")
                    || ["/sales", "/receipts", "/work-lists", "/delivery"].contains { ctx.path.hasSuffix($0) || ctx.path.contains($0 + "/") }
                let reportPage = ctx.path.hasPrefix("/projects/") && ctx.path.contains("/reports")
                let servicePage = ctx.path.hasPrefix("/tickets/") || (ctx.path.hasPrefix("/projects/") && (ctx.path.contains("/tickets") || ctx.path.contains("/service/")))
                let outagePage = ctx.path.hasPrefix("/outages") || (ctx.path.hasPrefix("/projects/") && ctx.path.contains("/outages"))
                    || ctx.path.contains("/duty-logs")
                // 话务预测 / 排班 (call centre staffing): /projects/:id/staffing…, /projects/:id/rosters…
                let staffingSection = ["/staffing", "/rosters"].first { ctx.path.hasPrefix("/projects/") && ctx.path.contains($0) }
                // 渠道拓客 (/projects/:id/channels…, a 带看单, a commission statement) and 开盘选房 (/projects/:id/openings…).
                let channelPage = (ctx.path.hasPrefix("/projects/") && ctx.path.contains("/channels"))
                    || ctx.path.hasPrefix("/registrations/") || ctx.path.hasPrefix("/commissions/")
                let commissionPage = ctx.path.hasPrefix("/commissions") || (ctx.path.hasPrefix("/projects/") && ctx.path.contains("/channels/commissions"))
                let openingPage = ctx.path.hasPrefix("/projects/") && ctx.path.contains("/openings")
                let current = href == "/" ? ctx.path == "/" : ctx.path.hasPrefix(href)
                    || (href == "/inventory" && ctx.path.hasPrefix("/projects/") && !customerPage && !salesPage && !reportPage && !servicePage && !outagePage
                        && staffingSection == nil && !channelPage && !openingPage)
                    || (href == "/channels" && channelPage && !(commissionPage && p.may(.paymentsConfirm)))
                    || (href == "/commissions" && commissionPage)
                    || (href == "/openings" && openingPage)
                    || (staffingSection != nil && href == staffingSection)
                    || (href == "/outages" && outagePage && !ctx.path.contains("/duty-logs"))
                    || (href == "/duty-logs" && ctx.path.contains("/duty-logs"))
                    || (href == "/reports" && reportPage)
                    || (href == "/service" && servicePage)
                    || (href == "/customers" && ctx.path.hasPrefix("/projects/") && customerPage)
                    || (href == "/sales" && salesPage)
                let waiting = i.key == "nav.approvals" ? (ctx.approvalsWaiting ?? 0) : 0
                return .li(.class(i.parent == nil ? "" : "sub"), .a(.href(href), .class(current ? "current" : ""), .text(t(i.key)),
                              .if(waiting > 0, .span(.class("nav-count"), .attribute(named: "title", value: t("home.work.approvals")),
                                                     .text("\(waiting)")))))
            }
            // A section whose pages are built is their heading, not a module still to come.
            if Self.modules.contains(where: { $0.parent == i.key && $0.href != nil }) {
                return .li(.span(.class("nav-section"), .text(t(i.key))))
            }
            return .li(.span(.class("soon"), .attribute(named: "title", value: t("nav.coming")), .text(t(i.key))))
        }
        // 采购 opens for whoever may open one of its tabs: procurement, and engineering (需求, 到货验收) and finance (发票结算).
        let modules = modules.filter { i in i.key == "nav.procurement" ? ProcurementShell.opensAny(p) : (i.action.map { p.may($0) } ?? true) }
        let admin = admin.filter { $0.action.map { p.may($0) } ?? true }
        return .nav(.class("side"), .attribute(named: "aria-label", value: t("nav.label")),
            .ul(.forEach(modules, item)),
            .if(!admin.isEmpty, .group(
                .div(.class("side-heading"), .text(t("nav.admin"))),
                .ul(.forEach(admin, item))
            ))
        )
    }

    static func languageSwitch(_ ctx: PageContext) -> Node<HTML.BodyContext> {
        let other: Language = ctx.t.language == .zh ? .en : .zh
        return .a(.class("lang"), .href("/lang/\(other.rawValue)?back=\(ctx.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")"),
                  .attribute(named: "lang", value: other.htmlCode),
                  .text(other == .en ? "English" : "中文"))
    }

    static func csrfField(_ ctx: PageContext) -> Node<HTML.FormContext> {
        .input(.type(.hidden), .name("_csrf"), .value(ctx.csrf ?? ""))
    }

    /// "1–50 / 132" and previous/next links that keep the current filters.
    static func pager<T>(_ ctx: PageContext, _ page: Paged<T>, query: [String: String]) -> Node<HTML.BodyContext> {
        func link(_ n: Int) -> String {
            var q = query.filter { !$0.value.isEmpty }
            q["page"] = "\(n)"
            let s = q.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            return ctx.path + "?" + s.joined(separator: "&")
        }
        let from = page.total == 0 ? 0 : (page.page - 1) * page.perPage + 1
        let to = min(page.total, page.page * page.perPage)
        return .div(.class("pager"),
            .span(.class("muted"), .text(ctx.t("list.range", ["from": "\(from)", "to": "\(to)", "total": "\(page.total)"]))),
            .if(page.page > 1, .a(.href(link(page.page - 1)), .text(ctx.t("list.prev")))),
            .if(page.page < page.pageCount, .a(.href(link(page.page + 1)), .text(ctx.t("list.next"))))
        )
    }

    static func response(_ html: HTML, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: status, headers: headers, body: .init(string: html.render()))
    }

    static func dateTime(_ d: Date?) -> String {
        guard let d else { return "—" }
        // Beijing time, as staff read it: 2026-11-27 05:28.
        return d.formatted(Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
            timeZone: TimeZone(identifier: "Asia/Shanghai")!, calendar: Calendar(identifier: .gregorian)))
    }
}

/// A whole page for an error a browser ran into.
struct ErrorPage {
    let problem: Problem
    let catalog: Catalog
    let language: Language
    let request: Request

    func response() async throws -> Response {
        let ctx = PageContext(request)
        let t = ctx.t
        let html = Shell.page(ctx, title: t("error.title"), .div(.class("card narrow"),
            .h1(.text("\(problem.status.code)")),
            .p(.text(t("error.\(problem.code)", ProblemMiddleware.localized(problem.arguments, catalog, language)))),
            .p(.class("muted"), .text(t("error.request_id", ["id": request.id]))),
            .p(.a(.href("/"), .text(t("nav.home"))))
        ))
        return Shell.response(html, status: problem.status)
    }
}

extension Node where Context == HTML.SelectContext {
    /// `<option value=…>text</option>`: Plot's own option is self-closing, which browsers render empty.
    static func choice(_ value: String, _ text: String, selected: Bool = false) -> Node {
        .element(named: "option", nodes: [
            .attribute(named: "value", value: value, ignoreIfValueIsEmpty: false),
            selected ? .attribute(named: "selected", value: "selected") : .empty,
            .text(text),
        ])
    }

    static func named(_ name: String, id: String) -> Node {
        .group(.attribute(named: "id", value: id), .attribute(named: "name", value: name))
    }

    static func field(_ name: String) -> Node {
        .group(.attribute(named: "id", value: name), .attribute(named: "name", value: name))
    }
}

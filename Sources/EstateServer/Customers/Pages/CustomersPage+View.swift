import EstateCore
import Plot
import Vapor

extension CustomersPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t, f = m.filter, a = m.access
        let base = "/projects/\(m.project.id)"
        let exportQuery = m.query.filter { $0.key != "page" && !$0.value.isEmpty }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return CustomerShell.page(ctx, project: m.project, projects: m.projects, tab: .list, title: t("cust.tab.customers"), .group(
            .form(.class("filters"), .method(.post), .action("\(base)/customers/search"),
                Shell.csrfField(ctx),
                .div(.class("field wide"), .label(.for("q"), .text(t("cust.search"))),
                     .input(.type(.search), .id("q"), .name("q"), .value(f.q ?? ""),
                            .placeholder(f.identityKey == nil ? t("cust.search_hint") : t("cust.searched_by_id")))),
                .div(.class("field"), .label(.for("grade"), .text(t("cust.grade"))),
                     .select(.field("grade"), .choice("", t("list.all")),
                             CustomerShell.options(CustomerShell.grades(t), selected: f.grade))),
                .div(.class("field"), .label(.for("source"), .text(t("cust.source"))),
                     .select(.field("source"), .choice("", t("list.all")),
                             .forEach(CustomerService.knownSources) { .choice($0, $0, selected: f.source == $0) })),
                .div(.class("field"), .label(.for("owner"), .text(t("cust.owner"))),
                     .select(.field("owner"), .choice("", t("list.all")), .choice("pool", t("cust.pool"), selected: f.pool),
                             .forEach(m.consultants) { c in .choice(c.id.uuidString, c.name, selected: f.ownerID == c.id) })),
                .div(.class("field"), .label(.for("lastContact"), .text(t("cust.last_contact"))),
                     .select(.field("lastContact"), .choice("", t("list.all")),
                             CustomerShell.options(CustomerService.LastContact.allCases.map { ($0.rawValue, t("cust.last.\($0.rawValue)")) }, selected: f.lastContact?.rawValue))),
                .div(.class("field actions"), .label(.text(" ")),
                     .div(.button(.type(.submit), .class("primary"), .text(t("action.filter"))), .text(" "), .a(.href("?"), .text(t("action.reset")))))),
            .div(.class("toolbar"),
                .if(a.mayExport, .a(.class("button"), .href("\(base)/customers.xlsx?\(exportQuery)"), .text(t("cust.export")))),
                .if(ctx.principal?.may(.customersEdit, on: m.project.id) == true,
                    .a(.class("button"), .href("\(base)/customers/import"), .text(t("cust.tab.import"))))),
            .form(.method(.post), .action("\(base)/customers/assign"), .id("assign-form"),
                Shell.csrfField(ctx),
                .table(.class("data customers"),
                    .thead(.tr(
                        .if(a.mayReassign, .th(.input(.type(.checkbox), .attribute(named: "data-check-all", value: "customerIds"),
                                                      .attribute(named: "aria-label", value: t("list.select_all"))))),
                        sortable(ctx, m, .name, "cust.name"), .th(.text(t("cust.mobile"))), sortable(ctx, m, .grade, "cust.grade"),
                        .th(.text(t("cust.source"))), .th(.text(t("cust.owner"))), sortable(ctx, m, .lastContact, "cust.last_contact"),
                        sortable(ctx, m, .nextFollowUp, "cust.next_follow_up"),
                        .th(.class("num"), .text(t("cust.visits"))))),
                    .tbody(.forEach(m.page.items) { r in
                        let open = a.mayOpen(owner: r.ownerID)
                        return .tr(.class(open ? "" : "restricted"),
                            .if(a.mayReassign, .td(.input(.type(.checkbox), .name("customerIds"), .value(r.id.uuidString),
                                                          .attribute(named: "aria-label", value: r.name)))),
                            .td(open ? .a(.href("\(base)/customers/\(r.id)"), .text(r.name)) : .span(.text(Masking.name(r.name)))),
                            .td(.class("mono"), .text(open ? CustomerShell.mobile(a, r) : Masking.mobile(r.mobile))),
                            .td(CustomerShell.grade(r.grade)), .td(.text(open ? r.source : "")), .td(CustomerShell.owner(t, r)),
                            .td(.text(open ? Shell.dateTime(r.lastContactAt) : "")),
                            // A planned follow-up that has passed is overdue: marked, and said in words for screen readers.
                            .td(.unwrap(open ? r.nextFollowUpOn : nil) { day in
                                day < m.today.description
                                    ? .span(.class("late"), .attribute(named: "title", value: t("cust.follow_up_overdue")),
                                            .text(day + " " + t("cust.follow_up_overdue_mark")))
                                    : .text(day)
                            }),
                            .td(.class("num"), .text(open ? "\(r.visitCount)" : "")))
                    })),
                .if(m.page.items.isEmpty, .p(.class("muted"), .text(t("cust.none")))),
                .if(a.mayReassign && !m.page.items.isEmpty, .div(.class("inline-form"),
                    .label(.for("assign-owner"), .text(t("cust.assign_to"))),
                    .select(.named("ownerId", id: "assign-owner"), .choice("pool", t("cust.to_pool")),
                            .forEach(m.consultants) { c in .choice(c.id.uuidString, c.name) }),
                    .button(.type(.submit), .class("primary"), .text(t("cust.assign_selected")))))),
            Shell.pager(ctx, m.page, query: m.query),
            .if(a.mayCreate, .section(.class("card"),
                .h2(.text(t("cust.new"))),
                .unwrap(m.formError) { .div(.class("flash error"), .text(t("error.\($0)", m.formErrorArguments))) },
                CustomerForm.fields(ctx, action: "\(base)/customers", values: m.form, errors: m.errors, creating: true,
                                    consultants: a.mayReassign ? m.consultants : [])))
        ))
    }

    static func sortable(_ ctx: PageContext, _ m: Model, _ sort: CustomerService.Sort, _ label: String) -> Node<HTML.TableRowContext> {
        ListQuery.sortHeader(ctx.t(label), key: sort.rawValue, path: "/projects/\(m.project.id)/customers", query: m.query,
                             sortedBy: m.filter.sort.rawValue, ascending: m.filter.ascending)
    }
}

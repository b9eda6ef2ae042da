import EstateCore
import Plot
import Vapor

/// The fields of a customer, for the new-customer form and the edit form of the 360 page.
enum CustomerForm {
    static func fields(_ ctx: PageContext, action: String, values v: [String: String], errors: [Problem.FieldError], creating: Bool,
                       consultants: [(id: UUID, name: String)]) -> Node<HTML.BodyContext> {
        let t = ctx.t
        func err(_ f: String) -> Node<HTML.FormContext> {
            .forEach(errors.filter { $0.field == f }) { e in .div(.class("error-text"), .text(t("error.\(e.code)", e.arguments))) }
        }
        func text(_ name: String, _ label: String, required: Bool = false, type: HTMLInputType = .text) -> Node<HTML.FormContext> {
            .div(.class("field"), .label(.for("c-\(name)"), .text(t(label))),
                 .input(.type(type), .id("c-\(name)"), .name(name), .value(v[name] ?? ""), .required(required)), err(name))
        }
        return .form(.class("grid-form"), .method(.post), .action(action),
            Shell.csrfField(ctx),
            text("name", "cust.name", required: creating),
            .div(.class("field"), .label(.for("c-mobile"), .text(t("cust.mobile"))),
                 .input(.type(.tel), .id("c-mobile"), .name("mobile"), .value(v["mobile"] ?? ""), .required(creating),
                        .placeholder(creating ? "" : t("cust.id_keep"))), err("mobile")),
            .div(.class("field"), .label(.for("c-idKind"), .text(t("cust.id_kind"))),
                 .select(.named("idKind", id: "c-idKind"), .choice("", "—"),
                         CustomerShell.options(IdentityKind.allCases.map { ($0.rawValue, t($0.catalogKey)) }, selected: v["idKind"])), err("idKind")),
            .div(.class("field"), .label(.for("c-idNumber"), .text(t("cust.id_number"))),
                 .input(.type(.text), .id("c-idNumber"), .name("idNumber"), .value(v["idNumber"] ?? ""),
                        .placeholder(creating ? "" : t("cust.id_keep"))), err("idNumber")),
            .div(.class("field"), .label(.for("c-gender"), .text(t("cust.gender"))),
                 .select(.named("gender", id: "c-gender"),
                         CustomerShell.options(CustomerService.Gender.allCases.map { ($0.rawValue, t("cust.gender.\($0.rawValue)")) }, selected: v["gender"])),
                 err("gender")),
            .div(.class("field"), .label(.for("c-grade"), .text(t("cust.grade"))),
                 .select(.named("grade", id: "c-grade"),
                         CustomerShell.options(CustomerShell.grades(t), selected: v["grade"] ?? "C")),
                 err("grade")),
            .div(.class("field"), .label(.for("c-source"), .text(t("cust.source"))),
                 .input(.type(.text), .id("c-source"), .name("source"), .value(v["source"] ?? ""), .attribute(named: "list", value: "sources")),
                 .element(named: "datalist", nodes: [.attribute(named: "id", value: "sources"),
                                                     .group(CustomerService.knownSources.map { s in .element(named: "option", nodes: [.attribute(named: "value", value: s)]) })]),
                 err("source")),
            text("address", "cust.address"),
            text("tags", "cust.tags"),
            .if(creating && !consultants.isEmpty, .div(.class("field"), .label(.for("c-owner"), .text(t("cust.owner"))),
                .select(.named("ownerId", id: "c-owner"), .choice("", t("cust.owner_me")), .choice("pool", t("cust.pool")),
                        .forEach(consultants) { c in .choice(c.id.uuidString, c.name, selected: v["ownerId"] == c.id.uuidString) }))),
            .div(.class("field wide"), .label(.for("c-notes"), .text(t("cust.notes"))),
                 .textarea(.id("c-notes"), .name("notes"), .attribute(named: "rows", value: "2"), .text(v["notes"] ?? "")), err("notes")),
            .div(.class("field actions"), .button(.type(.submit), .class("primary"), .text(t(creating ? "cust.create" : "action.save"))))
        )
    }

    static func values(_ r: CustomerService.Record) -> [String: String] {
        ["name": r.name, "gender": r.gender, "grade": r.grade, "source": r.source, "address": r.address,
         "tags": r.tags.joined(separator: ", "), "notes": r.notes, "idKind": r.idKind ?? ""]
    }
}

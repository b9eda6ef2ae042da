import Foundation
import Plot

/// A refused form in the reader's language, kept for the page that shows it again: which form
/// (a page holds many), the message, a reason per field ("签约日期：日期无效") and what was typed.
struct FormFailure: Sendable {
    var form: String
    var message: String
    var fields: [(field: String, message: String)]
    var values: [String: String]

    init(form: String = "", message: String, fields: [(field: String, message: String)] = [], values: [String: String] = [:]) {
        self.form = form
        self.message = message
        self.fields = fields
        self.values = values
    }

    /// `label` names a field ("签约日期"), nil to show the reason alone; `arguments` turns a
    /// problem's raw arguments (a status code, an amount) into words for its message.
    init(_ t: Localizer, _ p: Problem, form: String = "", values: [String: String] = [:],
         label: (String) -> String? = { _ in nil },
         arguments: (_ code: String, _ args: [String: String]) -> [String: String]) {
        self.init(form: form, message: t("error.\(p.code)", arguments(p.code, p.arguments)),
                  fields: p.fields.map { f in
                      let message = t("error.\(f.code)", arguments(f.code, f.arguments))
                      return (f.field, label(f.field).map { "\($0)：\(message)" } ?? message)
                  },
                  values: values)
    }

    /// The plain case: arguments only localised where the catalogue knows them (dates, amounts).
    init(_ t: Localizer, _ p: Problem, form: String = "", values: [String: String] = [:],
         label: (String) -> String? = { _ in nil }) {
        self.init(t, p, form: form, values: values, label: label) { _, args in
            ProblemMiddleware.localized(args, t.catalog, t.language)
        }
    }

    func has(_ field: String) -> Bool { fields.contains { $0.field == field } }
    func value(_ key: String) -> String? { values[key] }

    /// The values typed into `form` when it was the one refused, else none.
    static func values(_ f: FormFailure?, form: String) -> [String: String] { f?.form == form ? f!.values : [:] }

    /// The message and per-field reasons, where the refused form is (nothing for the other forms).
    static func view(_ f: FormFailure?, form: String = "") -> Node<HTML.BodyContext> {
        guard let f, f.form == form else { return .empty }
        return .div(.class("flash error"), .attribute(named: "role", value: "alert"),
            .text(f.message),
            .if(!f.fields.isEmpty, .ul(.group(f.fields.map { Node<HTML.ListContext>.li(.text($0.message)) }))))
    }
}

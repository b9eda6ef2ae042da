import Plot
import Vapor

extension SignInPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return Shell.page(ctx, title: t("signin.title"), .div(.class("card narrow signin"),
            .h1(.text(t("signin.title"))),
            .p(.class("muted"), .text(t("signin.subtitle"))),
            .unwrap(m.error) { .div(.class("flash error"), .attribute(named: "role", value: "alert"), .text(t("error.\($0)", m.errorArgs))) },
            .form(.method(.post), .action("/login"),
                .input(.type(.hidden), .name("_csrf"), .value(m.csrf)),
                .input(.type(.hidden), .name("next"), .value(m.next)),
                .label(.for("username"), .text(t("field.username"))),
                .input(.type(.text), .id("username"), .name("username"), .value(m.username), .required(true),
                       .attribute(named: "autocomplete", value: "username"), .autofocus(m.username.isEmpty)),
                .label(.for("password"), .text(t("field.password"))),
                .input(.type(.password), .id("password"), .name("password"), .required(true),
                       .attribute(named: "autocomplete", value: "current-password"), .autofocus(!m.username.isEmpty)),
                .button(.type(.submit), .class("primary wide"), .text(t("action.sign_in")))
            )
        ))
    }
}

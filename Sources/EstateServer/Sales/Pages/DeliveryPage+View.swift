import EstateCore
import Plot
import Vapor

extension DeliveryPage {
    static func view(_ ctx: PageContext, _ m: Model) -> HTML {
        let t = ctx.t
        return SaleShell.page(ctx, project: m.project, projects: m.projects, tab: .delivery, title: t("sale.tab.delivery"), .group(
            m.batches.isEmpty ? .p(.class("muted"), .text(t("sale.no_batches"))) : .group(m.batches.map { batch(t, $0) }),
            .if(m.access.managesDelivery, .section(.class("card"),
                .h2(.text(t("sale.new_batch"))),
                FormFailure.view(m.failure, form: "batch"),
                form(ctx, m)))
        ))
    }

    static func batch(_ t: Localizer, _ b: SaleService.Batch) -> Node<HTML.BodyContext> {
        let days = Dictionary(grouping: b.slots) { CalendarDay($0.startsAt).description }
        let booked = b.slots.reduce(0) { $0 + $1.booked }, capacity = b.slots.reduce(0) { $0 + $1.capacity }
        return .section(.class("card"),
            .h2(.text(b.name), .span(.class("count"), .text(" \(b.firstDay) – \(b.lastDay) · " + t("sale.booked_of", ["booked": "\(booked)", "capacity": "\(capacity)"])))),
            .table(.class("data slots"),
                .thead(.tr(.th(.text(t("sale.day"))), .th(.text(t("sale.slots"))))),
                .tbody(.group(days.keys.sorted().map { d in
                    Node<HTML.TableContext>.tr(.td(.class("nowrap"), .text(d)),
                        .td(.group((days[d] ?? []).map { s in slot(s) })))
                }))))
    }

    static func slot(_ s: SaleService.Slot) -> Node<HTML.BodyContext> {
        let f = DateFormatter()
        f.timeZone = CalendarDay.zone
        f.dateFormat = "HH:mm"
        return .span(.class(s.booked >= s.capacity ? "chip late" : "chip"), .text("\(f.string(from: s.startsAt)) \(s.booked)/\(s.capacity)"))
    }

    static func form(_ ctx: PageContext, _ m: Model) -> Node<HTML.BodyContext> {
        let t = ctx.t
        let v = m.failure?.values ?? [:]
        return .form(.class("grid-form"), .method(.post), .action("/projects/\(m.project.id)/delivery"), Shell.csrfField(ctx),
            SaleShell.field(t, "bt", "name", "sale.batch_name", value: v["name"] ?? "", required: true, placeholder: t("sale.batch_name_hint")),
            SaleShell.field(t, "bt", "firstDay", "sale.first_day", .date, value: v["firstDay"] ?? m.today.adding(days: 30).description, required: true),
            SaleShell.field(t, "bt", "lastDay", "sale.last_day", .date, value: v["lastDay"] ?? m.today.adding(days: 32).description, required: true),
            SaleShell.field(t, "bt", "times", "sale.slot_times", value: v["times"] ?? "09:00, 10:30, 14:00, 15:30", required: true, hint: t("sale.slot_times_hint")),
            SaleShell.field(t, "bt", "capacity", "sale.capacity", .number, value: v["capacity"] ?? "10", required: true),
            SaleShell.submit(t, "action.create"))
    }
}

import EstateCore
import Foundation
import Plot
import SQLKit
import Vapor

extension OwnerController {
    // MARK: - Filing a repair or a complaint

    static func filingModel(_ req: Request, _ s: OwnerSignIn.Session, kind: TicketKind, values: [String: String] = [:]) async throws
        -> OwnerPages.FilingModel {
        let units = try await directory(req).units(s.mobile)
        var m = OwnerPages.FilingModel(kind: kind, units: units, values: values)
        if !kind.isRepair, let project = units.first?.projectId {
            // The company's tree (usable in every project), active branches only.
            let all = try await req.services.tickets(req.db).categories(project).filter { $0.active && $0.projectId == nil }
            let paths = TicketService.paths(all)
            let parents = Set(all.compactMap(\.parentId))
            let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
            // Leaves only ("工程质量 / 渗漏"; "产权办理" has no children), in the tree's order.
            m.categories = all.filter { c in !parents.contains(c.id) && (c.parentId.map { byID[$0]?.active ?? false } ?? true) }
                .map { ($0.id, paths[$0.id] ?? $0.name) }
            let order = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.sortOrder) })
            m.categories.sort { a, b in
                let ca = byID[a.id]!, cb = byID[b.id]!
                let pa = ca.parentId.flatMap { order[$0] } ?? ca.sortOrder, pb = cb.parentId.flatMap { order[$0] } ?? cb.sortOrder
                return pa != pb ? pa < pb : ca.sortOrder < cb.sortOrder
            }
        }
        return m
    }

    @Sendable static func repairForm(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        return html(OwnerPages.filing(context(req, s), try await filingModel(req, s, kind: .repair)))
    }

    @Sendable static func complaintForm(_ req: Request) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        return html(OwnerPages.filing(context(req, s), try await filingModel(req, s, kind: .complaint)))
    }

    @Sendable static func fileRepair(_ req: Request) async throws -> Response { try await file(req, kind: .repair) }
    @Sendable static func fileComplaint(_ req: Request) async throws -> Response { try await file(req, kind: .complaint) }

    struct Photo { var name: String; var data: Data }

    /// The photos of a multipart form (`photos[]`), empty parts (nothing chosen) left out.
    static func photos(_ req: Request) -> [Photo] {
        guard req.headers.contentType?.type == "multipart" else { return [] }
        struct Upload: Decodable { var photos: [File]? }
        let files = (try? req.content.decode(Upload.self))?.photos ?? []
        return files.compactMap { f in
            let data = Data(buffer: f.data)
            return data.isEmpty ? nil : Photo(name: f.filename, data: data)
        }
    }

    /// A name the service accepts: the last path component, trimmed; else "照片N.jpg".
    static func photoName(_ raw: String, _ i: Int, type: String) -> String {
        let base = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        if !base.isEmpty, base.count <= 100, Text.isCleanLine(base, maxLength: 100) { return base }
        let ext = type == "image/png" ? "png" : type == "image/webp" ? "webp" : "jpg"
        return "photo-\(i + 1).\(ext)"
    }

    static func file(_ req: Request, kind: TicketKind) async throws -> Response {
        guard let s = try await session(req) else { return redirect(req, "/owner") }
        guard csrfOK(req, s) else { return expired(req, s) }
        let repair = kind.isRepair
        let keys = repair ? ["unit", "component", "location", "description"] : ["unit", "category", "title", "description"]
        let values = Dictionary(uniqueKeysWithValues: keys.map { ($0, field(req, $0)) })
        let model = try await filingModel(req, s, kind: kind, values: values)
        func refuse(_ key: String, _ args: [String: String] = [:], _ status: HTTPResponseStatus = .unprocessableEntity) -> Response {
            var ctx = context(req, s)
            ctx.error = key
            ctx.errorArguments = args
            return html(OwnerPages.filing(ctx, model), status: status)
        }
        guard let unit = model.units.first(where: { $0.unitId.uuidString == values["unit"]?.uppercased() }) else {
            return refuse("owner.error.unit_required")
        }
        var component: RepairComponent?
        var category: UUID?
        if repair {
            guard let c = RepairComponent(rawValue: values["component"] ?? "") else { return refuse("owner.error.component_required") }
            component = c
        } else {
            if let raw = values["category"], !raw.isEmpty {
                guard let id = UUID(uuidString: raw), model.categories.contains(where: { $0.id == id }) else {
                    return refuse("owner.error.category_unknown")
                }
                category = id
            }
            if (values["title"] ?? "").isEmpty { return refuse("owner.error.title_required") }
        }
        let description = values["description"] ?? ""
        if description.isEmpty { return refuse("owner.error.description_required") }
        // Every photo is checked before anything is written: a refused photo leaves no ticket behind.
        let photos = photos(req)
        if photos.count > maxPhotos { return refuse("owner.error.too_many_photos", ["max": "\(maxPhotos)"]) }
        var typed: [(Photo, String)] = []
        for p in photos {
            if p.data.count > TicketService.maxAttachmentBytes {
                return refuse("owner.error.photo_too_large", ["name": String(p.name.prefix(60)), "mb": "\(TicketService.maxAttachmentBytes / 1024 / 1024)"],
                              .payloadTooLarge)
            }
            guard let type = TicketService.sniff(p.data), photoTypes.contains(type) else {
                return refuse("owner.error.photo_type", ["name": String(p.name.prefix(60))], .unsupportedMediaType)
            }
            typed.append((p, type))
        }

        let catalog = req.services.catalog
        var draft: TicketService.Draft
        if let component {
            let location = values["location"] ?? ""
            let label = catalog.text("owner.component.\(component.rawValue)", .zh)
            draft = TicketService.Draft(kind: .repair, channel: .ownerPage, severity: .normal,
                                        title: String((location.isEmpty ? label : "\(label) · \(location)").prefix(100)))
            draft.component = component
            draft.location = location
        } else {
            draft = TicketService.Draft(kind: .complaint, channel: .ownerPage, severity: .normal, title: values["title"] ?? "")
            draft.categoryID = category
        }
        draft.description = description
        draft.unitID = unit.unitId
        draft.customerID = unit.customerId
        draft.contactName = unit.customerName
        draft.contactMobile = s.mobile
        let tickets = req.services.tickets(req.db)
        let audit = context(req, s.mobile)
        let created: TicketService.Ticket
        do {
            created = try await tickets.create(draft, in: unit.projectId, by: .owner(mobile: s.mobile), context: audit)
        } catch let p as Problem {
            let (key, args) = message(p, catalog)
            return refuse(key, args, p.status)
        }
        var failed: [String] = []
        for (i, (p, type)) in typed.enumerated() {
            do {
                _ = try await tickets.attach(created.id, fileName: photoName(p.name, i, type: type), data: p.data, visibleToOwner: true,
                                             by: .owner(mobile: s.mobile), context: audit)
            } catch {
                req.logger.warning("owner photo not attached", metadata: ["ticket": "\(created.number)", "error": "\(error)"])
                failed.append(photoName(p.name, i, type: type))
            }
        }
        if !failed.isEmpty {
            // The ticket stands; the page says which photos did not make it.
            var ctx = context(req, s)
            ctx.error = "owner.error.attach_failed"
            ctx.errorArguments = ["name": failed.joined(separator: "、")]
            let detail = try await tickets.detail(created.id, forOwner: true)
            return html(OwnerPages.ticket(ctx, .init(detail: detail, projectName: unit.projectName)), status: .created)
        }
        return redirect(req, "/owner/tickets/\(created.id)?notice=owner.notice.\(repair ? "repair" : "complaint")_filed")
    }
}

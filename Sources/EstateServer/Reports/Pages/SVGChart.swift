import EstateCore
import Foundation
import Plot

/// Charts drawn on the server as inline SVG: no script, no library, the same on screen and on
/// paper. Every series is told apart by shade *and* shape (dark bars, light outlined bars,
/// hatching, a black line with markers) and named in a legend, so a greyscale printout reads as
/// well as the screen. Sizes are in viewBox units; the element is as wide as its box.
///
/// Fills come from classes in app.css (`ch-*`); the page's CSP forbids `style` attributes, and
/// Plot (vendored) escapes every attribute and text node.
enum SVGChart {

    /// How a series is painted; each stays distinct in greyscale.
    enum Fill: String {
        case dark, mid, light, hatch, black
        var cls: String { "ch-\(rawValue)" }
    }

    // MARK: Primitives

    static func el(_ name: String, _ attrs: [(String, String)], _ children: [Node<HTML.BodyContext>] = []) -> Node<HTML.BodyContext> {
        .element(named: name, nodes: attrs.map { Node<HTML.BodyContext>.attribute(named: $0.0, value: $0.1, ignoreIfValueIsEmpty: false) } + children)
    }

    static func n(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ fill: Fill, id: String, tip: String? = nil) -> Node<HTML.BodyContext> {
        var a = [("x", n(x)), ("y", n(y)), ("width", n(max(0, w))), ("height", n(max(0, h))), ("class", fill.cls)]
        if fill == .hatch { a.append(("fill", "url(#\(id)-hatch)")) }
        return el("rect", a, tip.map { [el("title", [], [.text($0)])] } ?? [])
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "middle", cls: String = "ch-label") -> Node<HTML.BodyContext> {
        el("text", [("x", n(x)), ("y", n(y)), ("text-anchor", anchor), ("class", cls)], [.text(s)])
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, cls: String) -> Node<HTML.BodyContext> {
        el("line", [("x1", n(x1)), ("y1", n(y1)), ("x2", n(x2)), ("y2", n(y2)), ("class", cls)])
    }

    /// The hatch pattern a `.hatch` fill points at, one per chart (ids stay unique on a page).
    static func defs(_ id: String) -> Node<HTML.BodyContext> {
        el("defs", [], [
            el("pattern", [("id", "\(id)-hatch"), ("patternUnits", "userSpaceOnUse"), ("width", "6"), ("height", "6"),
                           ("patternTransform", "rotate(45)")], [
                el("rect", [("width", "6"), ("height", "6"), ("class", "ch-hatch-bg")]),
                el("line", [("x1", "0"), ("y1", "0"), ("x2", "0"), ("y2", "6"), ("class", "ch-hatch-line")]),
            ]),
        ])
    }

    static func svg(_ id: String, width: Double, height: Double, label: String, cls: String = "chart", stretch: Bool = false,
                    _ children: [Node<HTML.BodyContext>]) -> Node<HTML.BodyContext> {
        el("svg", [("viewBox", "0 0 \(n(width)) \(n(height))"), ("width", "100%"), ("class", cls), ("role", "img"),
                   ("aria-label", label), ("preserveAspectRatio", stretch ? "none" : "xMidYMid meet"), ("xmlns", "http://www.w3.org/2000/svg")],
            [el("title", [], [.text(label)]), defs(id)] + children)
    }

    /// A legend row at the top: swatches (or a line sample) and names.
    static func legend(_ items: [(Fill?, String)], x: Double, y: Double, id: String) -> [Node<HTML.BodyContext>] {
        var out: [Node<HTML.BodyContext>] = []
        var cx = x
        for (fill, name) in items {
            if let fill {
                out.append(rect(cx, y - 10, 14, 10, fill, id: id))
                out.append(el("rect", [("x", n(cx)), ("y", n(y - 10)), ("width", "14"), ("height", "10"), ("class", "ch-outline")]))
            } else {
                out.append(line(cx, y - 5, cx + 14, y - 5, cls: "ch-line"))
                out.append(el("circle", [("cx", n(cx + 7)), ("cy", n(y - 5)), ("r", "3"), ("class", "ch-dot")]))
            }
            out.append(text(cx + 19, y, name, anchor: "start", cls: "ch-legend"))
            cx += 19 + Double(width(name)) * 6.8 + 22
        }
        return out
    }

    /// Rough width of a label in "half-width" characters (CJK counts two).
    static func width(_ s: String) -> Int { s.unicodeScalars.reduce(0) { $0 + ($1.value > 0x2E80 ? 2 : 1) } }

    // MARK: Scales

    /// A round step near `raw`: 1, 2, 2.5 or 5 times a power of ten.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = pow(10, floor(log10(raw)))
        let f = raw / p
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p
    }

    /// An axis from zero with `ticks` equal steps reaching at least `max`.
    static func axis(_ max: Double, ticks: Int = 4, integral: Bool = false) -> (top: Double, step: Double) {
        var step = niceStep(max / Double(ticks))
        if integral { step = Swift.max(1, step.rounded(.up)) }
        return (step * Double(ticks), step)
    }

    /// A tick or value: grouped thousands, at most two decimals, no trailing zeros.
    static func number(_ v: Double) -> String {
        var s = DecimalText.format(Int64((v * 100).rounded()), scale: 2, grouping: true)
        while s.hasSuffix("0") && s.contains(".") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// Money in 万元 (ten thousand yuan), the unit the axes use.
    static func wan(_ m: Money) -> Double { Double(m.fen) / 1_000_000 }

    // MARK: Bars with a line (销售: 签约金额 and 认购套数 per bucket)

    struct Series {
        var name: String
        var values: [Double]
        var fill: Fill
    }

    /// Vertical bars on the left axis (one or two series side by side), and optionally a line on
    /// a right axis of its own. `labels` name the buckets; long series show every k-th label. `integral` for counts:
    /// whole-number ticks (no 0.25 of a complaint).
    static func columns(id: String, title: String, labels: [String], bars: [Series], leftTitle: String,
                        trend: Series? = nil, rightTitle: String? = nil, barValues: Bool = true,
                        notes: [String]? = nil, integral: Bool = false) -> Node<HTML.BodyContext> {
        let w = 960.0, h = 320.0, l = 70.0, r = trend == nil ? 20.0 : 60.0, top = 48.0, bottom = 46.0
        let pw = w - l - r, ph = h - top - bottom
        let count = max(labels.count, 1)
        let leftMax = bars.flatMap(\.values).max() ?? 0
        let left = axis(leftMax, integral: integral)
        let right = axis(trend?.values.max() ?? 0, integral: true)
        func y(_ v: Double, _ top: Double) -> Double { (h - bottom) - (top > 0 ? v / top * ph : 0) }
        var out: [Node<HTML.BodyContext>] = []
        // Grid and axes.
        for i in 0...4 {
            let v = left.step * Double(i), yy = y(v, left.top)
            out.append(line(l, yy, w - r, yy, cls: i == 0 ? "ch-axis" : "ch-grid"))
            out.append(text(l - 6, yy + 4, number(v), anchor: "end", cls: "ch-tick"))
            if trend != nil { out.append(text(w - r + 6, yy + 4, number(right.step * Double(i)), anchor: "start", cls: "ch-tick")) }
        }
        out.append(text(l - 6, top - 12, leftTitle, anchor: "end", cls: "ch-axis-title"))
        if let rightTitle, trend != nil { out.append(text(w - r + 6, top - 12, rightTitle, anchor: "start", cls: "ch-axis-title")) }
        // Bars.
        let slot = pw / Double(count)
        let groupWidth = slot * (count > 40 ? 0.8 : 0.7)
        let barWidth = groupWidth / Double(max(bars.count, 1))
        let showValues = barValues && count <= 12
        for (i, label) in labels.enumerated() {
            let x0 = l + slot * Double(i) + (slot - groupWidth) / 2
            for (k, s) in bars.enumerated() {
                let v = i < s.values.count ? s.values[i] : 0
                let yy = y(v, left.top)
                out.append(rect(x0 + barWidth * Double(k), yy, barWidth - (bars.count > 1 ? 1 : 0), (h - bottom) - yy, s.fill, id: id,
                                tip: "\(label) \(s.name): \(number(v))"))
                if showValues && v > 0 {
                    out.append(text(x0 + barWidth * (Double(k) + 0.5), yy - 4, number(v), cls: "ch-value"))
                }
            }
            if let notes, i < notes.count, !notes[i].isEmpty {
                out.append(text(l + slot * (Double(i) + 0.5), top - 2, notes[i], cls: "ch-note"))
            }
        }
        // The line over the bars.
        if let trend {
            let points = trend.values.enumerated().map { i, v in (l + slot * (Double(i) + 0.5), y(v, right.top)) }
            if points.count > 1 {
                out.append(el("polyline", [("points", points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")), ("class", "ch-line")]))
            }
            for (i, p) in points.enumerated() {
                out.append(el("circle", [("cx", n(p.0)), ("cy", n(p.1)), ("r", count > 60 ? "1.5" : "3"), ("class", "ch-dot")],
                              [el("title", [], [.text("\(i < labels.count ? labels[i] : "") \(trend.name): \(number(trend.values[i]))")])]))
                if count <= 12 && trend.values[i] > 0 {
                    out.append(text(p.0 + 6, p.1 - 6, number(trend.values[i]), anchor: "start", cls: "ch-value ch-value-line"))
                }
            }
        }
        // Bucket labels: at most about 16 of them.
        let every = max(1, Int((Double(count) / 16).rounded(.up)))
        for (i, label) in labels.enumerated() where i % every == 0 {
            out.append(text(l + slot * (Double(i) + 0.5), h - bottom + 16, label, cls: "ch-tick"))
        }
        let items = bars.map { (Optional($0.fill), $0.name) } + (trend.map { [(nil, $0.name)] } ?? [])
        out += legend(items, x: l, y: 16, id: id)
        return svg(id, width: w, height: h, label: title, out)
    }

    // MARK: Horizontal bars (顾问排名; 账龄 stacked by band)

    struct Row {
        var label: String
        /// One part for a plain bar, several for a stacked one.
        var parts: [Double]
        /// Shown after the bar.
        var value: String
    }

    /// One horizontal bar per row, parts stacked left to right with `fills`; the longest row
    /// spans the plot. Parts wide enough carry their own number.
    static func bars(id: String, title: String, rows: [Row], fills: [Fill], legend names: [String] = [],
                     partLabel: ((Double) -> String)? = nil, labelWidth: Double = 140) -> Node<HTML.BodyContext> {
        let w = 960.0, rowHeight = 26.0, top = names.isEmpty ? 10.0 : 34.0, valueWidth = 150.0
        let h = top + rowHeight * Double(max(rows.count, 1)) + 10
        let l = labelWidth, pw = w - l - valueWidth - 10
        let maxTotal = rows.map { $0.parts.reduce(0, +) }.max() ?? 0
        var out: [Node<HTML.BodyContext>] = []
        out.append(line(l, top - 4, l, top + rowHeight * Double(rows.count), cls: "ch-axis"))
        for (i, row) in rows.enumerated() {
            let y0 = top + rowHeight * Double(i)
            out.append(text(l - 8, y0 + rowHeight / 2 + 4, row.label, anchor: "end", cls: "ch-tick ch-row-label"))
            var x = l
            for (k, part) in row.parts.enumerated() where part > 0 {
                let pwid = maxTotal > 0 ? part / maxTotal * pw : 0
                let fill = fills[k % fills.count]
                out.append(rect(x, y0 + 4, pwid, rowHeight - 8, fill, id: id,
                                tip: "\(row.label)\(k < names.count ? " " + names[k] : ""): \(partLabel?(part) ?? number(part))"))
                if let partLabel, pwid > 64 {
                    out.append(text(x + pwid / 2, y0 + rowHeight / 2 + 4, partLabel(part),
                                    cls: fill == .dark || fill == .black || fill == .mid ? "ch-value ch-on-dark" : "ch-value ch-on-light"))
                }
                x += pwid
            }
            out.append(text(x + 6, y0 + rowHeight / 2 + 4, row.value, anchor: "start", cls: "ch-value"))
        }
        if !names.isEmpty { out += legend(zip(fills, names).map { (Optional($0), $1) }, x: l, y: 18, id: id) }
        return svg(id, width: w, height: h, label: title, out)
    }

    // MARK: Small pieces for the 工作台

    /// Thirty tiny bars, with the first and last day under them.
    static func spark(id: String, title: String, days: [(label: String, value: Double, tip: String)]) -> Node<HTML.BodyContext> {
        let w = 300.0, h = 70.0, top = 4.0, bottom = 16.0, ph = h - top - bottom
        let maxV = days.map(\.value).max() ?? 0
        let slot = w / Double(max(days.count, 1))
        var out: [Node<HTML.BodyContext>] = [line(0, h - bottom, w, h - bottom, cls: "ch-axis")]
        for (i, d) in days.enumerated() {
            let bh = maxV > 0 ? d.value / maxV * ph : 0
            out.append(rect(slot * Double(i) + 1, h - bottom - bh, slot - 2, bh, .dark, id: id, tip: d.tip))
            if d.value == 0 { out.append(line(slot * Double(i) + 1, h - bottom - 0.5, slot * Double(i + 1) - 1, h - bottom - 0.5, cls: "ch-zero")) }
        }
        if let first = days.first, let last = days.last {
            out.append(text(0, h - 3, first.label, anchor: "start", cls: "ch-tick"))
            out.append(text(w, h - 3, last.label, anchor: "end", cls: "ch-tick"))
        }
        return svg(id, width: w, height: h, label: title, cls: "chart spark", out)
    }

    /// A progress bar: `percent` of the track filled, capped at 100.
    static func meter(id: String, percent: Double, label: String) -> Node<HTML.BodyContext> {
        let p = min(100, max(0, percent))
        return svg(id, width: 100, height: 6, label: label, cls: "meter", stretch: true, [
            el("rect", [("x", "0"), ("y", "0"), ("width", "100"), ("height", "6"), ("rx", "3"), ("class", "ch-track")]),
            el("rect", [("x", "0"), ("y", "0"), ("width", n(p)), ("height", "6"), ("rx", "3"), ("class", p >= 100 ? "ch-black" : "ch-dark")]),
        ])
    }
}

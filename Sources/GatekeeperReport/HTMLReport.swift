// `gatekeeper report --html FILE`: one self-contained page (inline CSS and
// SVG, no scripts, no external resources) with the tables of the text
// report and a timeline of allowed / denied / error calls per bucket.
//
// Every number and time on the page sits in an element whose `data-json`
// attribute is its path in the `--json` output (`clients.0.calls`,
// `timeline.buckets.3.denied`); the value is the element's text, or its
// `data-value` attribute for SVG shapes. A test compares them all.

public enum HTMLReport {
  static func num(_ path: String, _ v: Int) -> String {
    "<span data-json=\"\(path)\">\(v)</span>"
  }

  static func time(_ path: String, _ v: Int64?) -> String {
    guard let v else { return "-" }
    return "<time data-json=\"\(path)\">\(Time.iso(v))</time>"
  }

  static func td(_ path: String, _ v: Int) -> String {
    "<td class=n data-json=\"\(path)\">\(v)</td>"
  }
  static func tdTime(_ path: String, _ v: Int64) -> String {
    "<td class=t data-json=\"\(path)\">\(Time.iso(v))</td>"
  }
  static func tdText(_ s: String, _ empty: String = "") -> String {
    s.isEmpty ? "<td class=e>\(empty)</td>" : "<td>\(Escape.html(s))</td>"
  }

  static func countCells(_ p: String, _ c: Counts) -> String {
    td(p + ".calls", c.calls) + td(p + ".allowed", c.allowed) + td(p + ".denied", c.denied)
      + td(p + ".errors", c.errors) + tdTime(p + ".first", c.first) + tdTime(p + ".last", c.last)
  }

  static let countHeads =
    "<th>calls</th><th>allowed</th><th>denied</th><th>errors</th><th>first</th><th>last</th>"

  static func samples(_ id: String, _ title: String, _ nameHead: String, _ groups: [SampleGroup])
    -> String
  {
    var h = "<h2 id=\(id)>\(title)</h2>"
    guard !groups.isEmpty else { return h + "<p class=e>none</p>" }
    h +=
      "<table><tr><th>\(nameHead)</th><th>calls</th><th>first</th><th>last</th><th>example</th><th>client</th>"
      + "<th>label</th></tr>"
    for (i, g) in groups.enumerated() {
      let p = "\(id).\(i)"
      h +=
        "<tr><td class=name><code>\(Escape.html(g.name))</code></td>"
        + td(p + ".calls", g.counts.calls)
        + tdTime(p + ".first", g.counts.first) + tdTime(p + ".last", g.counts.last)
      h +=
        "<td class=ex><code>\(Escape.html(g.example ?? ""))</code></td>" + tdText(g.client, "local")
        + tdText(g.label, "-") + "</tr>"
    }
    return h + "</table>"
  }

  public static func render(_ s: Summary) -> String {
    var h = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <title>gatekeeper report</title>
      <style>
      body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:90em}
      h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}
      table{border-collapse:collapse;margin:.4em 0}th,td{padding:.2em .6em;border:1px solid #ddd;vertical-align:top}
      th{background:#f3f3f3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
      td.t{white-space:nowrap;font-size:.85em}td.e,p.e{color:#888}code{word-break:break-all;font-size:.9em}
      td.name{white-space:nowrap}td.ex{min-width:24em}td.k{word-break:break-all;min-width:10em;font-size:.9em}
      dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}
      .allow{fill:#3a8d3a}.deny{fill:#c8322d}.error{fill:#e69a1c}svg text{font-size:11px;fill:#444}
      .key span{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em}
      </style></head><body>
      <h1>gatekeeper report</h1>

      """
    h +=
      "<dl><dt>Period</dt><dd>" + time("first", s.first) + " .. " + time("last", s.last) + "</dd>"
    h += "<dt>Records</dt><dd id=records>" + num("records", s.records) + "</dd>"
    h += "<dt>Allowed</dt><dd id=allowed>" + num("allowed", s.totals.allowed) + "</dd>"
    h += "<dt>Denied</dt><dd id=denied>" + num("denied", s.totals.denied) + "</dd>"
    h += "<dt>Errors</dt><dd id=errors>" + num("errors", s.totals.errors) + "</dd>"
    h +=
      "<dt>Input</dt><dd>" + Escape.html(s.inputs.joined(separator: ", ")) + ": "
      + num("lines", s.lines)
      + " lines, " + num("skipped", s.skipped) + " skipped, " + num("malformed", s.malformed)
      + " malformed, " + num("not_from_gatekeeper", s.foreign) + " not from gatekeeper, "
      + num("truncated", s.truncated) + " truncated, "
      + num("filtered_out", s.filteredOut) + " filtered out</dd>"
    if !s.filters.isEmpty {
      h +=
        "<dt>Filters</dt><dd>"
        + Escape.html(s.filters.map { "\($0.0) \($0.1)" }.joined(separator: ", ")) + "</dd>"
    }
    h += "</dl>\n"
    h += timeline(s)

    h += "<h2 id=clients>Clients</h2><table><tr><th>address</th>\(countHeads)</tr>"
    for (i, c) in s.clients.enumerated() {
      h += "<tr>" + tdText(c.name, "local") + countCells("clients.\(i)", c.counts) + "</tr>"
    }
    h += "</table>\n<h2 id=keys>Keys</h2><table><tr><th>key</th><th>label</th>\(countHeads)</tr>"
    for (i, k) in s.keys.enumerated() {
      h +=
        "<tr><td class=k>\(Escape.html(k.key.isEmpty ? "none" : k.key))</td>" + tdText(k.label, "-")
        + countCells("keys.\(i)", k.counts) + "</tr>"
    }
    h += "</table>\n<h2 id=rules>Rules</h2><table><tr><th>rule</th>\(countHeads)</tr>"
    for (i, r) in s.rules.enumerated() {
      h += "<tr>" + tdText(r.name, "no rule") + countCells("rules.\(i)", r.counts) + "</tr>"
    }
    h += "</table>\n"
    h += samples("denials", "Denials by reason", "reason", s.denials)
    h += samples("error_reasons", "Errors by reason", "reason", s.errorReasons)
    h += samples("new_shapes", "New command shapes", "shape", s.newShapes)
    h +=
      "<p>First seen after " + time("new_shapes_after", s.newShapesAfter) + " (after the first "
      + num("definitions.new_shape_after_percent", Int(Definitions.newShapePercent))
      + "% of the period); "
      + num("shapes", s.shapeCount) + " shapes in all.</p>\n"
    h +=
      "<h2 id=unusual_hours>Calls outside usual hours</h2><p>UTC hours of day with fewer than "
      + num("definitions.unusual_percent_of_peak", Definitions.unusualPercentOfPeak)
      + "% of the calls of the key's busiest hour, for keys with at least "
      + num("definitions.unusual_min_key_calls", Definitions.minKeyCalls) + " calls.</p>"
    if s.unusual.isEmpty {
      h += "<p class=e>none</p>"
    } else {
      h +=
        "<table><tr><th>key</th><th>label</th><th>hour</th><th>calls</th><th>key calls</th><th>peak</th>"
        + "<th>last</th><th>example</th><th>client</th></tr>"
      for (i, u) in s.unusual.enumerated() {
        let p = "unusual_hours.\(i)"
        h +=
          "<tr><td class=k>\(Escape.html(u.key.isEmpty ? "none" : u.key))</td>"
          + tdText(u.label, "-")
          + td(p + ".hour", u.hour) + td(p + ".calls", u.counts.calls)
          + td(p + ".key_calls", u.keyCalls)
          + td(p + ".peak", u.peak) + tdTime(p + ".last", u.counts.last)
          + "<td class=ex><code>\(Escape.html(u.example ?? ""))</code></td>"
          + tdText(u.client, "local") + "</tr>"
      }
      h += "</table>"
    }
    h += "\n"
    if !s.malformedLines.isEmpty {
      h +=
        "<h2 id=malformed_lines>Malformed lines</h2><table><tr><th>input</th><th>line</th><th>error</th></tr>"
      for (i, m) in s.malformedLines.enumerated() {
        h +=
          "<tr>" + tdText(m.input) + td("malformed_lines.\(i).line", m.line) + tdText(m.error)
          + "</tr>"
      }
      h += "</table>\n"
    }
    return h + "</body></html>\n"
  }

  /// Stacked bars: allowed at the bottom, then denied, then errors.
  static func timeline(_ s: Summary) -> String {
    var h = "<h2 id=timeline>Calls per \(s.timelineUnit)</h2>\n"
    guard !s.timeline.isEmpty, s.timelineMax > 0 else { return h + "<p class=e>no records</p>\n" }
    let width = 900.0
    let height = 220.0
    let left = 50.0
    let top = 12.0
    let plotW = width - left - 10
    let plotH = height - top - 34
    let n = Double(s.timeline.count)
    let barW = plotW / n
    let gap = barW > 4 ? 1.0 : 0.0
    let scale = plotH / Double(s.timelineMax)
    func f(_ v: Double) -> String {
      let r = (v * 10).rounded() / 10
      return r == r.rounded() ? String(Int(r)) : String(r)
    }
    h +=
      "<svg id=timeline-svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\""
    h +=
      " viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"calls per \(s.timelineUnit)\">\n"
    h +=
      "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"#888\"/>\n"
    h +=
      "<text x=\"\(f(left - 6))\" y=\"\(f(top + 10))\" text-anchor=\"end\" data-json=\"timeline.max\">\(s.timelineMax)</text>\n"
    h += "<text x=\"\(f(left - 6))\" y=\"\(f(top + plotH))\" text-anchor=\"end\">0</text>\n"
    for (i, b) in s.timeline.enumerated() {
      let x = left + Double(i) * barW
      var y = top + plotH
      let label = Time.iso(b.start)
      for (cls, v, field) in [
        ("allow", b.allowed, "allowed"), ("deny", b.denied, "denied"),
        ("error", b.errors, "errors"),
      ]
      where v > 0 {
        let bh = Double(v) * scale
        y -= bh
        h +=
          "<rect class=\(cls) x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(barW - gap, 0.5)))\" height=\"\(f(bh))\""
        h +=
          " data-json=\"timeline.buckets.\(i).\(field)\" data-value=\"\(v)\"><title>\(label) \(field) \(v)</title></rect>\n"
      }
    }
    if let first = s.timeline.first, let last = s.timeline.last {
      h +=
        "<text x=\"\(f(left))\" y=\"\(f(height - 8))\" data-json=\"timeline.buckets.0.start\">\(Time.iso(first.start))</text>\n"
      h += "<text x=\"\(f(left + plotW))\" y=\"\(f(height - 8))\" text-anchor=\"end\""
      h +=
        " data-json=\"timeline.buckets.\(s.timeline.count - 1).start\">\(Time.iso(last.start))</text>\n"
    }
    h +=
      "</svg>\n<p class=key><span style=\"background:#3a8d3a\"></span>allowed<span style=\"background:#c8322d\"></span>denied"
    h += "<span style=\"background:#e69a1c\"></span>errors</p>\n"
    return h
  }
}

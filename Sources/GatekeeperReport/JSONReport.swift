// `gatekeeper report --json`: one JSON object (schema "report_version": 1)
// holding every number of the text and HTML reports. Times are the records'
// own ISO 8601 UTC format; an unset time is null. Strings are escaped by the
// core's JSONWriter, exactly as in the records.

import GatekeeperCore

public enum JSONReport {
  struct Obj {
    var out = "{"
    var first = true
    mutating func key(_ k: String) {
      if !first { out += "," }
      first = false
      out += JSONWriter.quoted(k)
      out += ":"
    }
    mutating func num(_ k: String, _ v: Int) {
      key(k)
      out += String(v)
    }
    mutating func str(_ k: String, _ v: String?) {
      key(k)
      out += v.map(JSONWriter.quoted) ?? "null"
    }
    mutating func time(_ k: String, _ v: Int64?) { str(k, v.map(Time.iso)) }
    mutating func raw(_ k: String, _ v: String) {
      key(k)
      out += v
    }
    func done() -> String { out + "}" }
  }

  static func array<T>(_ items: [T], _ f: (T) -> String) -> String {
    "[" + items.map(f).joined(separator: ",") + "]"
  }

  static func counts(_ o: inout Obj, _ c: Counts) {
    o.num("calls", c.calls)
    o.num("allowed", c.allowed)
    o.num("denied", c.denied)
    o.num("errors", c.errors)
    o.time("first", c.calls > 0 ? c.first : nil)
    o.time("last", c.calls > 0 ? c.last : nil)
  }

  static func sample(_ nameKey: String, _ g: SampleGroup) -> String {
    var o = Obj()
    o.str(nameKey, g.name)
    o.num("count", g.counts.calls)
    counts(&o, g.counts)
    o.str("example", g.example)
    o.str("client", g.client)
    o.str("key", g.key)
    o.str("label", g.label)
    return o.done()
  }

  /// Problem lines as `[{"input":...,"line":N,"error":...}]`.
  static func lineList(_ lines: [MalformedLine]) -> String {
    array(lines) {
      var m = Obj()
      m.str("input", $0.input)
      m.num("line", $0.line)
      m.str("error", $0.error)
      return m.done()
    }
  }

  public static func render(_ s: Summary) -> String {
    var o = Obj()
    o.num("report_version", 1)
    o.time("first", s.first)
    o.time("last", s.last)
    o.num("records", s.records)
    o.num("allowed", s.totals.allowed)
    o.num("denied", s.totals.denied)
    o.num("errors", s.totals.errors)
    o.raw("inputs", array(s.inputs, JSONWriter.quoted))
    o.num("lines", s.lines)
    o.num("skipped", s.skipped)
    o.num("malformed", s.malformed)
    o.num("not_from_gatekeeper", s.foreign)
    o.num("truncated", s.truncated)
    o.num("filtered_out", s.filteredOut)
    o.raw(
      "sources",
      array(Array(zip(s.inputs, s.sources))) {
        var m = Obj()
        m.str("input", $0.0)
        m.str("kind", $0.1)
        return m.done()
      })
    o.raw("not_from_gatekeeper_lines", lineList(s.foreignLines))
    o.raw("malformed_lines", lineList(s.malformedLines))
    var f = Obj()
    for (k, v) in s.filters { f.str(k, v) }
    o.raw("filters", f.done())
    o.raw(
      "clients",
      array(s.clients) {
        var c = Obj()
        c.str("client", $0.name)
        counts(&c, $0.counts)
        return c.done()
      })
    o.raw(
      "keys",
      array(s.keys) {
        var c = Obj()
        c.str("key", $0.key)
        c.str("label", $0.label)
        counts(&c, $0.counts)
        return c.done()
      })
    o.raw(
      "rules",
      array(s.rules) {
        var c = Obj()
        c.str("rule", $0.name)
        counts(&c, $0.counts)
        return c.done()
      })
    o.raw("denials", array(s.denials) { sample("reason", $0) })
    o.raw("error_reasons", array(s.errorReasons) { sample("reason", $0) })
    o.time("new_shapes_after", s.newShapesAfter)
    o.num("shapes", s.shapeCount)
    o.raw("new_shapes", array(s.newShapes) { sample("shape", $0) })
    o.raw(
      "unusual_hours",
      array(s.unusual) {
        var u = Obj()
        u.str("key", $0.key)
        u.str("label", $0.label)
        u.num("hour", $0.hour)
        u.num("count", $0.counts.calls)
        counts(&u, $0.counts)
        u.num("key_calls", $0.keyCalls)
        u.num("peak", $0.peak)
        u.str("example", $0.example)
        u.str("client", $0.client)
        return u.done()
      })
    var d = Obj()
    d.num("new_shape_after_percent", Int(Definitions.newShapePercent))
    d.num("unusual_min_key_calls", Definitions.minKeyCalls)
    d.num("unusual_percent_of_peak", Definitions.unusualPercentOfPeak)
    o.raw("definitions", d.done())
    var t = Obj()
    t.str("unit", s.timelineUnit)
    t.num("max", s.timelineMax)
    t.raw(
      "buckets",
      array(s.timeline) {
        var b = Obj()
        b.time("start", $0.start)
        b.num("allowed", $0.allowed)
        b.num("denied", $0.denied)
        b.num("errors", $0.errors)
        return b.done()
      })
    o.raw("timeline", t.done())
    return o.done() + "\n"
  }
}

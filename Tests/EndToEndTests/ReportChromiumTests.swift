// `report --html` rendered by headless Chromium (Debian package chromium):
// the page loads with no network, the SVG timeline is in the DOM, a
// screenshot is produced, and every number marked with data-json in the
// rendered DOM equals the same path in `report --json`.

import Foundation
import Glibc
import Testing

struct ReportChromiumTests {
  static var chromium: String? {
    Proc.which("chromium") ?? Proc.which("chromium-browser")
  }

  /// Value at a dotted path (`clients.0.calls`) of parsed JSON, as text.
  static func value(_ root: Any, _ path: String) -> String? {
    var cur: Any = root
    for part in path.split(separator: ".") {
      if let i = Int(part), let a = cur as? [Any], i >= 0, i < a.count {
        cur = a[i]
      } else if let d = cur as? [String: Any], let v = d[String(part)] {
        cur = v
      } else {
        return nil
      }
    }
    if let n = cur as? NSNumber { return n.stringValue }
    return cur as? String
  }

  /// Chromium's flags for a sandbox-less, network-less, throwaway run.
  static func flags(_ profile: String) -> [String] {
    [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
      "--user-data-dir=\(profile)", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
      "--virtual-time-budget=2000",
    ]
  }

  @Test func htmlRendersAndMatchesJSON() throws {
    guard let chromium = ReportChromiumTests.chromium else {
      _ = Needs.check("not installed: chromium", "Chromium rendering")
      return
    }
    let lab = try ReportLab()
    let page = lab.dir + "/report.html"
    let html = try lab.report(["report", "--html", page, lab.audit])
    #expect(html.status == 0, "\(html)")
    let json = try JSONSerialization.jsonObject(
      with: try lab.report(["report", "--json", lab.audit]).stdout)

    let profile = lab.dir + "/chromium-profile"
    let dom = try Proc.run(
      chromium, ReportChromiumTests.flags(profile) + ["--dump-dom", "file://" + page], timeout: 120)
    #expect(dom.status == 0, "\(dom)")
    let text = dom.out
    #expect(text.contains("<svg"), "no SVG in the rendered DOM")
    #expect(text.contains("gatekeeper report"))

    // every data-json element of the rendered DOM
    let re = try NSRegularExpression(
      pattern: #"<[a-z]+[^>]*data-json="([^"]+)"(?:[^>]*data-value="([^"]*)")?[^>]*>([^<]*)<"#)
    let ns = text as NSString
    let matches = re.matches(in: text, range: NSRange(location: 0, length: ns.length))
    #expect(matches.count > 40, "found \(matches.count) marked numbers")
    var seen = Set<String>()
    for m in matches {
      let path = ns.substring(with: m.range(at: 1))
      let shown =
        m.range(at: 2).location != NSNotFound
        ? ns.substring(with: m.range(at: 2)) : ns.substring(with: m.range(at: 3))
      seen.insert(path)
      #expect(ReportChromiumTests.value(json, path) == shown, "\(path): page shows \(shown)")
    }
    for id in [
      "records", "allowed", "denied", "errors", "timeline.max", "clients.0.calls",
      "denials.0.calls",
    ] {
      #expect(seen.contains(id), "\(id) missing from the page")
    }

    let shot = lab.dir + "/report.png"
    let png = try Proc.run(
      chromium,
      ReportChromiumTests.flags(profile) + [
        "--screenshot=\(shot)", "--window-size=1000,1400", "file://" + page,
      ],
      timeout: 120)
    #expect(png.status == 0, "\(png)")
    let image = (try? Data(contentsOf: URL(fileURLWithPath: shot))) ?? Data()
    #expect(image.count > 10_000, "screenshot is \(image.count) bytes")
    #expect(image.prefix(8) == Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  }
}

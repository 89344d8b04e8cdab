// gatekeeper(8) against the core: the REASON CODES section is rendered
// from ReasonCatalog and must match the page, and EXIT STATUS lists
// exactly the ExitStatus cases. After changing a reason, rewrite the
// section with
//
//   UPDATE_MAN_PAGE=1 swift test --filter ManPageTests
//
// (then review the diff of install/man/gatekeeper.8 and run mandoc -Tlint).

import Testing

@testable import GatekeeperCore

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct ManPageTests {
  static let page = "install/man/gatekeeper.8"
  static let begin = #".\" BEGIN REASONS: rendered from the ReasonCode enums by ManPageTests; do not edit"#
  static let end = #".\" END REASONS"#

  /// The section between the markers, as mdoc: one `.Ss` list per family.
  static func renderedReasons() -> [String] {
    var out = [begin]
    for family in ReasonCatalog.families {
      out += [".Ss \(family.title)", ".Bl -tag -width Ds"]
      for entry in family.entries {
        var text = entry.message.replacingBackslashes()
        if text.hasPrefix(".") || text.hasPrefix("'") { text = #"\&"# + text }
        out += [".It Cm \(entry.code)", text]
      }
      out.append(".El")
    }
    return out + [end]
  }

  @Test func reasonCodesSectionIsUpToDate() throws {
    let lines = try #require(RepoFile.read(Self.page)).split(separator: "\n", omittingEmptySubsequences: false)
      .map(String.init)
    let first = try #require(lines.firstIndex { $0.hasPrefix(#".\" BEGIN REASONS"#) }, "no BEGIN REASONS marker")
    let last = try #require(lines.firstIndex(of: Self.end), "no END REASONS marker")
    let fresh = Self.renderedReasons()
    let current = Array(lines[first...last])
    if current != fresh, RepoFile.environment("UPDATE_MAN_PAGE") != nil {
      let updated = lines[..<first] + fresh + lines[(last + 1)...]
      #expect(RepoFile.write(Self.page, updated.joined(separator: "\n")), "cannot write \(Self.page)")
      return
    }
    let common = min(current.count, fresh.count)
    let firstDifference = (0..<common).first { current[$0] != fresh[$0] } ?? common
    #expect(
      current == fresh,
      """
      \(Self.page) REASON CODES is out of date (line \(first + firstDifference + 1): \
      '\(current.count > firstDifference ? current[firstDifference] : "")' should be \
      '\(fresh.count > firstDifference ? fresh[firstDifference] : "")'); rewrite it with \
      UPDATE_MAN_PAGE=1 swift test --filter ManPageTests
      """)
  }

  @Test func everyCodeIsUnique() {
    let codes = ReasonCatalog.families.flatMap { $0.entries.map(\.code) }
    #expect(codes.count > 50)
    var seen: Set<String> = []
    for code in codes { #expect(seen.insert(code).inserted, "\(code) appears twice") }
  }

  /// A ReasonCode enum missing from the catalog would be missing from the page.
  @Test func everyReasonFamilyIsInTheCatalog() throws {
    var declared: Set<String> = []
    for file in RepoFile.swiftFiles(under: "Sources/GatekeeperCore") {
      for line in try #require(RepoFile.read(file)).split(separator: "\n") where line.contains(": String, ReasonCode") {
        let words = line.split(whereSeparator: { $0 == " " || $0 == ":" })
        if let i = words.firstIndex(of: "enum"), i + 1 < words.count { declared.insert(String(words[i + 1])) }
      }
    }
    #expect(declared.count >= 7)
    #expect(declared == Set(ReasonCatalog.families.map(\.typeName)))
  }

  @Test func exitStatusSectionListsEveryStatus() throws {
    let lines = try #require(RepoFile.read(Self.page)).split(separator: "\n").map(String.init)
    let start = try #require(lines.firstIndex(of: ".Sh EXIT STATUS"))
    let section = lines[(start + 1)...].prefix { !$0.hasPrefix(".Sh ") }
    let documented = section.filter { $0.hasPrefix(".It ") }.compactMap { Int32($0.dropFirst(4)) }
    #expect(documented.sorted() == ExitStatus.allCases.map(\.rawValue).sorted())
  }
}

extension String {
  /// A backslash as mdoc's `\e`.
  fileprivate func replacingBackslashes() -> String {
    var out = ""
    for c in self { out += c == "\\" ? #"\e"# : String(c) }
    return out
  }
}

// The rsync option sweep, judged by the core: every line of
// Fixtures/rsync-sweep.tsv is what a real rsync 3.5.0 client sent to its
// server for one option of its man page (generated from real pulls by
// Tests/Sweep/rsync-sweep.py), with the verdict a reviewer gave it in
// Tests/Sweep/rsync-options.tsv. The end-to-end sweep
// (EndToEndTests/RsyncSweepTests.swift) repeats each pull through sshd.

import Testing

@testable import GatekeeperCore

/// One pull of the sweep.
struct SweepPull: CustomTestStringConvertible, Sendable {
  var option: String
  var args: String
  var secluded: Bool
  /// The client's exit status on the direct pull (or `timeout`).
  var status: String
  /// `allow`, `allow-repaired`, `deny CODE` or `none`, for this mode.
  var expect: String
  /// What the client sent, `{scratch}` standing for the sweep's directory;
  /// nil when it started no server.
  var command: String?
  var block: [String]

  var testDescription: String { "\(args)\(secluded ? " -s" : "")" }

  /// The fixture's lines; a malformed line fails the test that reads it.
  static func all() -> [SweepPull] {
    guard let text = readFixture("rsync-sweep.tsv") else { return [] }
    return text.split(separator: "\n").compactMap { line in
      if line.hasPrefix("#") { return nil }
      let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard cols.count == 7 else { return nil }
      let secluded = cols[2] == "secluded"
      let verdicts = cols[4].split(separator: "|")
      let expect = verdicts.count == 2 ? verdicts[secluded ? 1 : 0] : cols[4]
      let block = decodeJSONString(cols[6]) ?? ""
      return SweepPull(
        option: String(cols[0]), args: String(cols[1]), secluded: secluded, status: String(cols[3]),
        expect: String(expect), command: decodeJSONString(cols[5]),
        block: block.isEmpty ? [] : block.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init))
    }
  }

  /// The command and block with `{scratch}` replaced.
  func at(_ scratch: String) -> (command: String?, block: [String]) {
    func put(_ s: String) -> String { s.replacingAll("{scratch}", with: scratch) }
    return (command.map(put), block.map(put))
  }
}

extension String {
  /// Every occurrence of `target` replaced (no Foundation here).
  func replacingAll(_ target: String, with replacement: String) -> String {
    var out = ""
    var rest = self[...]
    while let range = rest.firstRange(of: target) {
      out += rest[..<range.lowerBound] + replacement
      rest = rest[range.upperBound...]
    }
    return out + rest
  }
}

@Suite struct RsyncSweepTests {
  static let pulls = SweepPull.all()
  static let scratch = "/srv/sweep"
  static let policy = try! PolicyParser.parse(
    Array("allow rsync-sender exec=/usr/bin/rsync roots=\(scratch)/tree\n".utf8)
  ).get()

  /// The core's verdict on one pull: `allow`, `deny CODE`, and the detail.
  static func judge(_ pull: SweepPull) -> (verdict: String, detail: String)? {
    let (command, block) = pull.at(scratch)
    guard let command else { return nil }
    let request = Request.forced(command)
    var decision = Gatekeeper.decide(request, policy: policy)
    if case .allow(let allowed) = decision, allowed.plan.needsSecludedBlock {
      decision = Gatekeeper.decideSecluded(allowed, block: block, request: request, policy: policy)
    }
    switch decision {
    case .allow, .probe: return ("allow", "")
    case .deny(let denial, _): return ("deny " + denial.code, denial.detail)
    }
  }

  @Test func theSweepCoversRsyncsOptionsInBothModes() {
    #expect(Self.pulls.count >= 2 * 170, "Fixtures/rsync-sweep.tsv missing or short")
    let plain = Set(Self.pulls.filter { !$0.secluded }.map(\.args))
    let secluded = Set(Self.pulls.filter(\.secluded).map(\.args))
    #expect(plain == secluded)
    // The false refusals this sweep was made for are among its rows.
    for args in ["-a -b", "-a --backup-dir=old", "-a -b --suffix=.bak", "-a --iconv=.", "-a --qsort"] {
      #expect(plain.contains(args), "\(args)")
    }
  }

  @Test("the core gives each real client request its reviewed verdict", arguments: pulls)
  func verdict(_ pull: SweepPull) throws {
    guard let judged = Self.judge(pull) else {
      #expect(pull.expect == "none", "the client started no server")
      return
    }
    let expected = pull.expect == "allow-repaired" ? "allow" : pull.expect
    #expect(judged.verdict == expected, "\(pull.command ?? "") \(pull.block) -> \(judged.detail)")
    if judged.verdict.hasPrefix("deny ") {
      // The refusal names the option the server saw: its first word is
      // that option (`--remove-source-files`, `-L in -lLogD...`).
      let first = judged.detail.split(separator: " ").first ?? ""
      #expect(first.hasPrefix("-") && first.count > 1, "detail: \(judged.detail)")
      let sent = (pull.command ?? "") + " " + pull.block.joined(separator: " ")
      let name = first.prefix { $0 != "=" }
      #expect(sent.contains(name.count == 2 ? String(name.dropFirst()) : String(name)), "\(name)")
    }
  }
}

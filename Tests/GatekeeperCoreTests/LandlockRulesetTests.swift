import Testing

@testable import GatekeeperCore

@Suite struct LandlockRulesetTests {
  static func rule(_ profile: ProfileKind, roots: [String], exec: String? = nil) -> Rule {
    var r = Rule(profile: profile, exec: exec ?? profile.defaultExec, line: 1)
    r.roots = roots
    return r
  }

  /// What each ABI handles: every right the kernel knows, so nothing is
  /// silently left open.
  @Test(arguments: [
    (1, UInt64(0x1fff), UInt64(0), UInt64(0)), (2, 0x3fff, 0, 0), (3, 0x7fff, 0, 0), (4, 0x7fff, 3, 0),
    (5, 0xffff, 3, 0), (6, 0xffff, 3, 3), (7, 0xffff, 3, 3), (9, 0xffff, 3, 3),
  ])
  func handledRightsByABI(_ abi: Int, _ fs: UInt64, _ net: UInt64, _ scoped: UInt64) {
    let set = LandlockRuleset(rule: Self.rule(.rsyncSender, roots: ["/srv"]), abi: abi)
    #expect(set.handledFS == fs && set.handledNet == net && set.scoped == scoped)
    #expect(set.label == "landlock-\(abi)")
  }

  @Test func rsyncReadsRootsOnlyAndExecutesItsProgram() {
    let set = LandlockRuleset(rule: Self.rule(.rsyncSender, roots: ["/etc/ssh", "/srv/www"]), abi: 7)
    let roots = set.grants.filter { $0.purpose == .root }
    #expect(roots.map(\.path) == ["/etc/ssh", "/srv/www"])
    #expect(roots.allSatisfy { $0.access == Landlock.readFile | Landlock.readDir })
    #expect(set.grants.filter { $0.purpose == .program }.map(\.path) == ["/usr/bin/rsync"])
    // no shell, no compressor for rsync
    #expect(!set.grants.contains { $0.purpose == .shell || $0.purpose == .compressor })
    #expect(!set.grants.contains { $0.path == "/etc" || $0.path == "/" || $0.path == "/bin/sh" })
  }

  @Test func nothingIsWritableOrRemovable() {
    for profile in ProfileKind.allCases {
      let set = LandlockRuleset(rule: Self.rule(profile, roots: ["/"]), abi: 7)
      let forbidden =
        Landlock.writeFile | Landlock.removeDir | Landlock.removeFile | Landlock.makeReg | Landlock.makeDir
        | Landlock.makeSym | Landlock.makeSock | Landlock.makeFifo | Landlock.makeChar | Landlock.makeBlock
        | Landlock.refer | Landlock.truncate | Landlock.ioctlDev
      #expect(set.grants.allSatisfy { $0.access & forbidden == 0 }, "\(profile)")
      // every granted right is one the ruleset handles
      #expect(set.grants.allSatisfy { $0.access & ~set.handledFS == 0 })
      // execute only on programs and libraries
      let executable = set.grants.filter { $0.access & Landlock.execute != 0 }
      #expect(executable.allSatisfy { [.program, .libraries, .shell, .compressor].contains($0.purpose) })
    }
  }

  @Test func tarRulesAddTheShellAndCompressors() {
    let set = LandlockRuleset(rule: Self.rule(.tarCreate, roots: ["/home"], exec: "/bin/tar"), abi: 7)
    #expect(set.grants.contains(LandlockGrant("/bin/sh", Landlock.readFile | Landlock.execute, .shell)))
    for name in ["gzip", "zstd", "xz", "bzip2"] {
      #expect(set.grants.contains { $0.path == "/usr/bin/" + name && $0.purpose == .compressor })
    }
    #expect(set.grants.contains(LandlockGrant("/bin/tar", Landlock.readFile | Landlock.execute, .program)))
    // file grants carry file rights only (a directory right on a file is EINVAL)
    for g in set.grants where [.program, .shell, .compressor, .system].contains(g.purpose) {
      #expect(g.access & ~Landlock.fileRights == 0, "\(g.path)")
    }
  }

  @Test func systemFilesAreSingleFilesNotEtc() {
    let set = LandlockRuleset(rule: Self.rule(.rsyncSender, roots: ["/srv"]), abi: 1)
    let system = set.grants.filter { $0.purpose == .system }.map(\.path)
    #expect(system.contains("/etc/passwd") && system.contains("/etc/ld.so.cache"))
    #expect(system.allSatisfy { $0.hasPrefix("/etc/") && $0.count > 5 })
    #expect(!system.contains("/etc/shadow"))
  }

  @Test func describeNamesEveryGrantAndWhatIsDenied() {
    let lines = LandlockRuleset(rule: Self.rule(.rsyncSender, roots: ["/srv"]), abi: 7).describe()
    #expect(lines.first == "  read       /srv (root)")
    #expect(lines.contains("  read+exec  /usr/bin/rsync (program)"))
    #expect(
      lines.last
        == "  denied     everything else: writing, creating, removing, renaming, linking, truncating, device ioctls, TCP bind and connect, abstract unix sockets and signals outside the tool"
    )
    let old = LandlockRuleset(rule: Self.rule(.rsyncSender, roots: ["/srv"]), abi: 1).describe()
    #expect(old.last == "  denied     everything else: writing, creating, removing, renaming, linking")
  }
}

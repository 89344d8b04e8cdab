// Every refusal guards against something real. For each reason code the
// refused rows of RsyncTests.swift and TarTests.swift reach, either a demo
// below runs the real tool the way a naive wrapper would (a sudo wildcard
// or a prefix check such as `rsync --server --sender *`: the client's words
// with the program replaced by the real path) and shows the harm happen in
// the scratch area, while `gatekeeper check` refuses the same command with
// that code; or the code is listed in `notDemonstrable` with the reason.

import Foundation
import Glibc
import Testing

@Suite(.serialized) struct DifferentialHarmTests {
  /// Codes shown for real by the demos below.
  static let demonstrated: Set<String> = [
    "rsync-remove-source", "rsync-log-file", "rsync-option-after-paths", "rsync-not-sender",
    "rsync-daemon", "rsync-follows-links", "rsync-copy-devices", "rsync-files-from", "rsync-filter",
    "rsync-dot-dot", "rsync-outside-roots", "rsync-relative-path", "rsync-secluded-with-args",
    "tar-runs-program", "tar-checkpoint", "tar-abbreviated-option", "tar-archive-not-stdout",
    "tar-writes-file", "tar-removes-files", "tar-reads-file",
    "tar-mode-not-create", "tar-follows-symlinks", "tar-outside-roots", "tar-dot-dot",
    "tar-relative-path", "tar-atime-replace", "tar-multi-volume",
  ]

  /// Codes whose harm is not shown here, and why.
  static let notDemonstrable: [String: String] = [
    "rsync-not-server": "client mode runs ssh or -e to reach another host: needs a network",
    "rsync-rsh": "rsync 3.5.0 ignores -e on a server; refused because no client sends it (smuggling)",
    "rsync-remote-option": "a 3.5.0 server ignores -M (tried: no file written); defence in depth",
    "rsync-batch": "a 3.5.0 server prints 'ignoring --write-batch option sent to server'; defence in depth",
    "rsync-capability": "grammar: a malformed -e.CAPS could hide a --rsh value; no effect of its own",
    "rsync-value-in-cluster":
      "grammar: a value hidden in a cluster (-logDtpT/tmp); the value options are demonstrated elsewhere",
    "rsync-split-value": "grammar: a detached value could swallow the '.'; path confusion, no write",
    "rsync-unwanted-value": "grammar: popt rejects it itself",
    "rsync-bad-value": "grammar: odd values (octal 010, !#:+ popt macros); no effect shown on 3.5.0",
    "rsync-abbreviation": "popt takes no abbreviations: rsync itself rejects them",
    "rsync-unknown-option": "rsync itself rejects unknown options",
    "rsync-debug": "output only (debug text to the client)",
    "rsync-copy-as": "changes the identity rsync reads as; the tests already run as root",
    "rsync-max-alloc-zero": "lifts the allocation cap: showing it means exhausting memory",
    "rsync-insecure-links": "acts on a receiver only",
    "rsync-confine-root": "a client-chosen --confine-root widens a protection; no effect of its own",
    "rsync-early-input": "a daemon-client option: no effect on a server",
    "rsync-receiver-only": "acts on a receiver only (a push is demonstrated as rsync-not-sender)",
    "rsync-client-only": "never sent to a server; rsync ignores or rejects it there",
    "rsync-unneeded-option": "no pull sends it; harmless negations and aliases",
    "rsync-option-order": "changes what is sent, inside the roots",
    "rsync-secluded-spelling":
      "other spellings of -s; the hidden-block harm is demonstrated (rsync-secluded-with-args demo)",
    "rsync-secluded-iconv": "a non-ASCII path would be converted twice: wrong file, inside the roots",
    "rsync-not-secluded": "a block without -s: protocol confusion only",
    "rsync-double-dash": "'-- /etc/' makes /etc/ the chdir directory: path confusion inside the roots",
    "rsync-no-dot": "the first positional is a chdir directory; shown as rsync-outside-roots",
    "rsync-no-path": "nothing to send",
    "rsync-tilde": "~ is expanded by a shell, and no shell runs here",
    "rsync-glob": "rsync 3.5.0 does not expand wildcards in server argv paths; refused as ambiguous",
    "rsync-control-character": "log and terminal injection; no file effect",
    "rsync-block-too-large": "malformed block: memory and time only",
    "rsync-block-not-rsync": "malformed block: rsync itself fails",
    "rsync-block-truncated": "malformed block: rsync itself fails",
    "rsync-block-encoding": "malformed block: rsync itself fails",
    "tar-mode-missing": "without -c tar has no mode and refuses; with -f absent it would use $TAPE or /dev/st0",
    "tar-archive-missing": "tar would write $TAPE or the default tape device /dev/st0",
    "tar-interactive": "asks for confirmation on the terminal; no terminal here",
    "tar-incremental": "old incremental mode changes what is archived; no write",
    "tar-verify": "-W rereads the archive: fails on stdout",
    "tar-archive-repeated": "tar 1.34 keeps the extra -f as a next volume, used only with -M (refused, demonstrated)",
    "tar-not-create-option": "extract/list modifiers: tar ignores or rejects them with -c",
    "tar-builtin-option": "argp prints help or usage (--HANG sleeps)",
    "tar-unknown-option": "tar itself rejects unknown options",
    "tar-ambiguous-option": "tar itself rejects ambiguous abbreviations (the unique ones are demonstrated)",
    "tar-missing-argument": "tar itself rejects it",
    "tar-unexpected-argument": "tar itself rejects it",
    "tar-bad-value": "tar itself rejects the value",
    "tar-bad-record-size": "-b 2000000 allocates about 1 GB: not run in CI",
    "tar-date-from-file": "tar reads only the named file's modification time (metadata)",
    "tar-tag-not-a-name":
      "tar opens the tag path in every directory; a read of one named file, shown by tar-reads-file",
  ]

  // MARK: - Coverage of the tables

  @Test func everyRefusalCodeInTheTablesIsDemonstratedOrExplained() throws {
    let rsyncText = try SwiftTable.source("Tests/GatekeeperCoreTests/RsyncTests.swift")
    let codes = SwiftTable.reasonCodes(try SwiftTable.source("Sources/GatekeeperCore/Rsync/RsyncSender.swift"))
    var reached: Set<String> = []
    for table in ["refused", "refusedWords", "refusedBlocks", "badStreams"] {
      for row in try SwiftTable.rows(rsyncText, table) {
        if let name = row.last(where: { $0.hasPrefix(".") }), let code = codes[name] { reached.insert(code) }
      }
    }
    let tarText = try SwiftTable.source("Tests/GatekeeperCoreTests/TarTests.swift")
    for table in ["refusedWhole", "refusedNarrow"] {
      for row in try SwiftTable.rows(tarText, table) where row.count >= 2 { reached.insert(row[row.count - 1]) }
    }
    #expect(reached.count >= 60, "the table reader found only \(reached.count) codes")
    for code in reached.sorted() {
      #expect(
        Self.demonstrated.contains(code) || Self.notDemonstrable[code] != nil, "no demo and no reason for \(code)")
    }
    diffReport(
      "harms: \(reached.count) refusal codes in the tables, \(reached.intersection(Self.demonstrated).count) demonstrated, "
        + "\(reached.subtracting(Self.demonstrated).count) not demonstrable here:",
      reached.subtracting(Self.demonstrated).sorted().map { "\($0): \(Self.notDemonstrable[$0] ?? "?")" })
  }

  // MARK: - Helpers

  /// gatekeeper check must refuse `command` with `code`.
  static func expectRefused(_ lab: DiffLab, _ command: String, _ code: String, secluded: String? = nil) throws {
    var args = ["check", "--policy", lab.policy]
    if let secluded { args += ["--secluded", secluded] }
    let o = try Proc.run(lab.gatekeeper, args + [command])
    #expect(o.status == 1 && o.out.hasPrefix("deny \(code):"), "\(command): \(o.out)")
  }

  static func rsyncLab() throws -> DiffLab {
    let lab = try DiffLab()
    try lab.writePolicy(
      "allow rsync-sender exec=/usr/bin/rsync roots="
        + ["/etc", "/home", "/srv", "/var/lib/backup"].map(lab.map).joined(separator: ","))
    return lab
  }

  /// A naive wrapper: runs the server words with the real rsync, as a sudo
  /// wildcard or a prefix check would let through. Returns the client's output.
  @discardableResult
  static func naiveRsync(
    _ lab: DiffLab, server: [String], client: [String], cwd: String? = nil
  ) throws -> Output {
    let body = (cwd.map { "cd \(Shell.quote($0)) || exit 1\n" } ?? "") + "exec /usr/bin/rsync " + Shell.join(server)
    return try lab.rsyncClient(client, serverScript: body)
  }

  static func exists(_ p: String) -> Bool { FileManager.default.fileExists(atPath: p) }

  static func text(_ p: String) -> String {
    FileManager.default.contents(atPath: p).map { String(decoding: $0, as: UTF8.self) } ?? ""
  }

  // MARK: - rsync

  @Test(Needs.trait(Needs.missing(Needs.rsync))) func rsyncWritesAndDeletes() throws {
    let lab = try Self.rsyncLab()
    let etc = lab.map("/etc/")
    let cluster = "-logDtpre.iLsfxCIvu"
    // --remove-source-files deletes what was sent.
    var server = ["--server", "--sender", cluster, "--remove-source-files", ".", etc]
    try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-remove-source")
    try Self.naiveRsync(
      lab, server: server, client: ["-a", "--remove-source-files", "localhost:" + etc, try lab.fresh("d") + "/"])
    #expect(!Self.exists(lab.map("/etc/hostname")), "--remove-source-files did not delete /etc/hostname")
    // --log-file writes a file the client names.
    let log = lab.outside + "/rsync.log"
    server = ["--server", "--sender", cluster, "--log-file=" + log, ".", lab.map("/srv/")]
    try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-log-file")
    try Self.naiveRsync(lab, server: server, client: ["-a", "localhost:" + lab.map("/srv/"), try lab.fresh("d") + "/"])
    #expect(Self.exists(log), "--log-file wrote nothing")
    // Options after the paths are still options to popt.
    let log2 = lab.outside + "/after.log"
    server = ["--server", "--sender", cluster, ".", lab.map("/srv/"), "--log-file=" + log2]
    try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-option-after-paths")
    try Self.naiveRsync(lab, server: server, client: ["-a", "localhost:" + lab.map("/srv/"), try lab.fresh("d") + "/"])
    #expect(Self.exists(log2), "an option after the paths was not obeyed")
    // A push (no --sender) writes into the tree.
    let src = try lab.fresh("src")
    try Files.write(src + "/planted", "planted by a push\n")
    let dst = lab.map("/srv/pushed/")
    server = ["--server", cluster, ".", dst]
    try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-not-sender")
    try Self.naiveRsync(lab, server: server, client: ["-a", src + "/", "localhost:" + dst])
    #expect(Self.exists(dst + "planted"), "the push wrote nothing")
    // Daemon mode with a client-chosen config runs a command.
    let mark = lab.outside + "/daemon-ran"
    let conf = lab.outside + "/evil.conf"
    try Files.write(conf, "[mod]\npath = \(lab.map("/srv"))\nuse chroot = no\n")
    server = ["--server", "--daemon", "--config=" + conf, "--dparam=pre-xferexec=/usr/bin/touch " + mark, "."]
    try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-daemon")
    try Self.naiveRsync(lab, server: server, client: ["-a", "localhost::mod/", try lab.fresh("d") + "/"])
    #expect(Self.exists(mark), "the daemon's pre-xferexec did not run")
  }

  @Test(Needs.trait(Needs.missing(Needs.rsync))) func rsyncHiddenInTheSecludedBlock() throws {
    // A prefix check of SSH_ORIGINAL_COMMAND sees only `rsync --server
    // --sender -s...`; the real options follow on stdin.
    let lab = try Self.rsyncLab()
    let home = lab.map("/home/")
    let wrapper = lab.base + "/prefix-check.sh"
    try Shell.script(wrapper, "shift\ncase \"$*\" in 'rsync --server --sender '*) exec \"$@\";; esac\nexit 1")
    let dest = try lab.fresh("d")
    let o = try DiffLab.retryingBusy {
      try Proc.run(
        "/usr/bin/rsync", ["-s", "-a", "--remove-source-files", "-e", wrapper, "localhost:" + home, dest + "/"])
    }
    #expect(o.status == 0, "\(o)")
    #expect(!Self.exists(lab.map("/home/bob/b.txt")), "the hidden --remove-source-files deleted nothing")
    try Self.expectRefused(
      lab, "rsync --server --sender -slogDtpre.iLsfxCIvu", "rsync-remove-source",
      secluded: "--remove-source-files . " + home)
    // Words after -s on the command line are not what rsync reads: an
    // innocent-looking `. /etc/` there, the block deletes under /srv.
    let innocent = ["--server", "--sender", "-slogDtpre.iLsfxCIvu", ".", lab.map("/etc/")]
    try Self.expectRefused(lab, "rsync " + Shell.join(innocent), "rsync-secluded-with-args")
    let o2 = try lab.rsyncClient(
      ["-s", "-a", "--remove-source-files", "localhost:" + lab.map("/srv/"), try lab.fresh("d") + "/"],
      serverScript: "exec /usr/bin/rsync " + Shell.join(innocent))
    #expect(o2.status == 0, "\(o2)")
    #expect(
      !Self.exists(lab.map("/srv/db/d")) && Self.exists(lab.map("/etc/hostname")),
      "the block, not the command line, was not obeyed")
  }

  @Test(Needs.trait(Needs.missing(Needs.rsync))) func rsyncReadsBeyondTheRoots() throws {
    let lab = try Self.rsyncLab()
    let cluster = "-logDtpre.iLsfxCIvu"
    let secret = "SECRET outside every root\n"
    // -L follows a link out of the roots.
    try FileManager.default.createSymbolicLink(
      atPath: lab.map("/home/leak"), withDestinationPath: lab.outside + "/secret.txt")
    var dest = try lab.fresh("d")
    var server = ["--server", "--sender", "-logDtpLre.iLsfxCIvu", ".", lab.map("/home/")]
    try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-follows-links")
    try Self.naiveRsync(lab, server: server, client: ["-a", "-L", "localhost:" + lab.map("/home/"), dest + "/"])
    #expect(Self.text(dest + "/leak") == secret, "-L did not copy the linked secret")
    // '..' and paths outside the roots.
    for (path, code) in [("/etc/../root/", "rsync-dot-dot"), ("/etcfoo/", "rsync-outside-roots")] {
      dest = try lab.fresh("d")
      server = ["--server", "--sender", cluster, ".", lab.map(path)]
      try Self.expectRefused(lab, "rsync " + Shell.join(server), code)
      try Self.naiveRsync(lab, server: server, client: ["-a", "localhost:" + lab.map(path), dest + "/"])
      #expect(Self.exists(dest + "/secret.txt"), "\(path) was not read")
    }
    // A relative path reads the login directory.
    dest = try lab.fresh("d")
    server = ["--server", "--sender", cluster, ".", ".ssh/"]
    try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-relative-path")
    try Self.naiveRsync(lab, server: server, client: ["-a", "localhost:.ssh/", dest + "/"], cwd: lab.map("/home/user"))
    #expect(Self.exists(dest + "/authorized_keys"), "the login directory was not read")
    // --files-from=FILE reads a server file; its lines come back in errors.
    try Files.write(lab.outside + "/list", "TOPSECRET-LINE\n")
    server = [
      "--server", "--sender", "-logDtpRe.LsfxCIvu", "--files-from=" + lab.outside + "/list", ".", lab.map("/etc/"),
    ]
    try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-files-from")
    let o = try Self.naiveRsync(
      lab, server: server, client: ["-a", "localhost:" + lab.map("/etc/"), try lab.fresh("d") + "/"])
    #expect(o.err.contains("TOPSECRET-LINE"), "the list file's line did not leak: \(o.err)")
    // --exclude-from=FILE: the server reads a file the client names.
    try Files.write(lab.outside + "/exclude", "hostname\n")
    dest = try lab.fresh("d")
    server = ["--server", "--sender", cluster, "--exclude-from=" + lab.outside + "/exclude", ".", lab.map("/etc/")]
    try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-filter")
    try Self.naiveRsync(lab, server: server, client: ["-a", "localhost:" + lab.map("/etc/"), dest + "/"])
    #expect(Self.exists(dest + "/hosts") && !Self.exists(dest + "/hostname"), "the exclude file was not read")
    // --copy-devices reads a device as data (root only: mknod).
    if geteuid() == 0 {
      let null = dev_t((1 << 8) | 3)  // makedev(1, 3): /dev/null
      #expect(mknod(lab.map("/etc/nulldev"), S_IFCHR | 0o666, null) == 0)
      dest = try lab.fresh("d")
      server = ["--server", "--sender", cluster, "--copy-devices", ".", lab.map("/etc/")]
      try Self.expectRefused(lab, "rsync " + Shell.join(server), "rsync-copy-devices")
      try Self.naiveRsync(
        lab, server: server, client: ["-a", "--copy-devices", "localhost:" + lab.map("/etc/"), dest + "/"])
      var st = stat()
      #expect(
        lstat(dest + "/nulldev", &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG, "the device was not read as a file")
    }
  }

  // MARK: - tar

  static func tarLab(narrow: Bool) throws -> DiffLab {
    let lab = try DiffLab()
    let roots = narrow ? [lab.map("/etc"), lab.map("/home")] : ["/"]
    try lab.writePolicy("allow tar-create exec=/usr/bin/tar roots=" + roots.joined(separator: ","))
    return lab
  }

  /// The naive run: the words with the real tar, from the scratch root.
  @discardableResult
  static func naiveTar(_ lab: DiffLab, _ words: [String], stdin: Proc.Input = .null) throws -> (Output, String) {
    let archive = try lab.fresh("t") + "/archive"
    let o = try lab.runInRoot(["/usr/bin/tar"] + words, stdoutPath: archive, stdin: stdin, timeout: 20)
    let list = try Proc.run("/usr/bin/tar", ["-tf", archive])
    return (o, list.out)
  }

  @Test func tarRunsProgramsAndWrites() throws {
    let lab = try Self.tarLab(narrow: false)
    let etc = lab.map("/etc")
    let marks = lab.outside
    func mark(_ name: String) -> String { marks + "/" + name }
    let script = lab.outside + "/prog.sh"
    try Shell.script(script, "/usr/bin/touch \(mark("prog-ran"))\nexec cat")
    let cases: [([String], String, () -> Bool)] = [
      (
        ["-c", "-f", "-", "--checkpoint=1", "--checkpoint-action=exec=/usr/bin/touch " + mark("ck")], "tar-checkpoint",
        { Self.exists(mark("ck")) }
      ),
      (
        ["-c", "--checkpoint=1", "--checkpoint-a=exec=/usr/bin/touch " + mark("abbrev"), "-f", "-"], "tar-checkpoint",
        { Self.exists(mark("abbrev")) }
      ),
      (["-c", "-f", "-", "-I", script], "tar-runs-program", { Self.exists(mark("prog-ran")) }),
      (["-c", "-f", "-", "--ind=" + mark("index")], "tar-abbreviated-option", { Self.exists(mark("index")) }),
      (["-c", "-f", mark("archive-file")], "tar-archive-not-stdout", { Self.exists(mark("archive-file")) }),
      (["-c", "-f", "-", "-g", mark("snar")], "tar-writes-file", { Self.exists(mark("snar")) }),
      (["-c", "-f", "-", "--index-file=" + mark("idx")], "tar-writes-file", { Self.exists(mark("idx")) }),
    ]
    for (words, code, happened) in cases {
      try Self.expectRefused(lab, "tar " + Shell.join(words + [etc]), code)
      try Self.naiveTar(lab, words + [etc])
      #expect(happened(), "no effect: tar \(words.joined(separator: " "))")
    }
    // `--rsh-command` runs a program to reach a "remote" archive.
    try Shell.script(lab.outside + "/rsh.sh", "/usr/bin/touch \(mark("rsh-ran"))")
    let rsh = ["-c", "--rsh-command=" + lab.outside + "/rsh.sh", "-f", "localhost:x", etc]
    try Self.expectRefused(lab, "tar " + Shell.join(rsh), "tar-runs-program")
    try Self.naiveTar(lab, rsh)
    #expect(Self.exists(mark("rsh-ran")), "--rsh-command did not run")
    // Old style `cvf --checkpoint=1 /etc` writes a file named --checkpoint=1;
    // `-cfv -` writes the archive to a file named v (both in the working directory).
    try Self.expectRefused(lab, "tar cvf --checkpoint=1 " + etc, "tar-archive-not-stdout")
    try Self.naiveTar(lab, ["cvf", "--checkpoint=1", etc])
    #expect(Self.exists(lab.root + "/--checkpoint=1"))
    try Self.naiveTar(lab, ["-cfv", "-", etc])
    #expect(Self.exists(lab.root + "/v"))
    // Multi-volume with an info script: the script runs at each volume change.
    try Shell.script(lab.outside + "/vol.sh", "/usr/bin/touch \(mark("volume-script-ran"))")
    let mv = ["-c", "-M", "-F", lab.outside + "/vol.sh", "-L", "10", "-f", mark("v.tar"), lab.map("/srv")]
    try Self.expectRefused(lab, "tar " + Shell.join(mv), "tar-multi-volume")
    try Files.write(lab.map("/srv/big"), String(repeating: "x", count: 40_000))
    try Self.naiveTar(lab, mv)
    #expect(Self.exists(mark("volume-script-ran")), "the volume script did not run")
  }

  @Test func tarDeletesExtractsAndTouches() throws {
    let lab = try Self.tarLab(narrow: false)
    // --remove-files deletes what was archived; the abbreviation --rem too.
    for (option, dir) in [("--remove-files", "/srv/a"), ("--rem", "/srv/b")] {
      let words = ["-c", "-f", "-", option, lab.map(dir)]
      try Self.expectRefused(
        lab, "tar " + Shell.join(words), option == "--rem" ? "tar-abbreviated-option" : "tar-removes-files")
      try Self.naiveTar(lab, words)
      #expect(!Self.exists(lab.map(dir)), "\(option) deleted nothing")
    }
    // -x writes files.
    let (_, _) = try Self.naiveTar(lab, ["-c", "-f", "-", "-C", lab.outside, "secret.txt"])
    let archive = try lab.fresh("x") + "/a.tar"
    _ = try lab.runInRoot(["/usr/bin/tar", "-c", "-f", archive, "-C", lab.outside, "secret.txt"])
    let extract = ["-x", "-f", "-", "-C", lab.map("/etc")]
    try Self.expectRefused(lab, "tar " + Shell.join(extract), "tar-mode-not-create")
    _ = try lab.runInRoot(["/usr/bin/tar"] + extract, stdin: .file(archive))
    #expect(Self.exists(lab.map("/etc/secret.txt")), "-x wrote nothing")
    // --atime-preserve (replace) resets atimes, which changes ctimes.
    let file = lab.map("/etc/hosts")
    var st = stat()
    lstat(file, &st)
    let ctime = st.st_ctim
    usleep(20_000)
    let words = ["-c", "-f", "-", "--atime-preserve", file]
    try Self.expectRefused(lab, "tar " + Shell.join(words), "tar-atime-replace")
    try Self.naiveTar(lab, words)
    lstat(file, &st)
    #expect(
      st.st_ctim.tv_sec != ctime.tv_sec || st.st_ctim.tv_nsec != ctime.tv_nsec, "--atime-preserve touched nothing")
  }

  @Test func tarReadsBeyondTheRoots() throws {
    let lab = try Self.tarLab(narrow: true)
    try FileManager.default.createSymbolicLink(
      atPath: lab.map("/home/leak"), withDestinationPath: lab.outside + "/secret.txt")
    try Files.write(lab.outside + "/list", lab.outside + "/secret.txt\n")
    let cases: [([String], String, String)] = [
      (["-c", "-f", "-", "-T", lab.outside + "/list"], "tar-reads-file", "secret.txt"),
      (["-c", "-h", "-f", "-", "-C", lab.map("/home"), "leak"], "tar-follows-symlinks", "leak"),
      (["-c", "-f", "-", lab.map("/etc"), lab.map("/root")], "tar-outside-roots", "root/secret.txt"),
      (["-c", "-f", "-", "-C", lab.map("/home"), "../root"], "tar-dot-dot", "secret.txt"),
      (["-c", "-f", "-", "root"], "tar-relative-path", "root/secret.txt"),
    ]
    for (words, code, member) in cases {
      try Self.expectRefused(lab, "tar " + Shell.join(words), code)
      let (_, listing) = try Self.naiveTar(lab, words)
      #expect(listing.contains(member), "tar \(words.joined(separator: " ")) did not archive \(member): \(listing)")
    }
    // -h archives the link's target as a file: the secret's content.
    let archive = try lab.fresh("h") + "/a.tar"
    _ = try lab.runInRoot(["/usr/bin/tar", "-c", "-h", "-f", archive, "-C", lab.map("/home"), "leak"])
    let content = try Proc.run("/usr/bin/tar", ["-xOf", archive, "leak"])
    #expect(content.out == "SECRET outside every root\n")
  }
}

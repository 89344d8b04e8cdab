// Differential runs against the real tools: shared pieces.
//
// - The rows come from the unit-test tables themselves
//   (Tests/GatekeeperCoreTests/RsyncTests.swift and TarTests.swift), read
//   here as Swift literals, so every row added there is run for real too.
// - DiffLab builds a scratch tree that stands for `/`: the tables' paths
//   (/etc, /home, /srv, /var/lib/backup ...) are mapped into it by prefixing
//   them, and the policy's roots are the mapped roots.
// - The argv gatekeeper would execute comes from `gatekeeper check` (the
//   real decision path of the built binary).

import Foundation
import Glibc
import Testing

// MARK: - The unit-test tables, read as Swift literals

enum SwiftTable {
  static func source(_ relative: String) throws -> String {
    let path = Gatekeeper.file(relative)
    guard let data = FileManager.default.contents(atPath: path) else {
      throw HarnessError("cannot read \(path)")
    }
    return String(decoding: data, as: UTF8.self)
  }

  /// The elements of `let NAME ... = [ ... ]`: for each element, its string
  /// literals (a `"a" + "b"` concatenation counts as one) and `.identifier`
  /// atoms, in order. `"x"` gives ["x"]; `("x", .reason)` gives ["x",
  /// ".reason"]; `["a", "b"]` gives ["a", "b"].
  static func rows(_ text: String, _ name: String) throws -> [[String]] {
    let chars = Array(text.unicodeScalars)
    let key = Array("let \(name):".unicodeScalars)
    guard var i = (0..<chars.count).first(where: { chars[$0...].starts(with: key) }) else {
      throw HarnessError("table \(name) not found")
    }
    while i < chars.count, chars[i] != "=" { i += 1 }
    while i < chars.count, chars[i] != "[" { i += 1 }
    i += 1
    var rows: [[String]] = []
    var atoms: [String] = []
    var depth = 0
    var concat = false
    while i < chars.count {
      let c = chars[i]
      if c == "/", i + 1 < chars.count, chars[i + 1] == "/" {
        while i < chars.count, chars[i] != "\n" { i += 1 }
        continue
      }
      if c == "\"" {
        var s = ""
        i += 1
        while i < chars.count, chars[i] != "\"" {
          if chars[i] == "\\" {
            i += 1
            switch chars[i] {
            case "n": s += "\n"
            case "r": s += "\r"
            case "t": s += "\t"
            case "0": s += "\0"
            case "u":
              let end = chars[i...].firstIndex(of: "}")!
              let hex = String(String.UnicodeScalarView(chars[(i + 2)..<end]))
              s.unicodeScalars.append(Unicode.Scalar(UInt32(hex, radix: 16)!)!)
              i = end
            default: s.unicodeScalars.append(chars[i])
            }
          } else {
            s.unicodeScalars.append(chars[i])
          }
          i += 1
        }
        if concat, !atoms.isEmpty { atoms[atoms.count - 1] += s } else { atoms.append(s) }
        concat = false
        i += 1
        continue
      }
      switch c {
      case "+": concat = true
      case ".":
        var j = i + 1
        while j < chars.count, chars[j].properties.isAlphabetic { j += 1 }
        if j > i + 1 { atoms.append(String(String.UnicodeScalarView(chars[i..<j]))) }
        i = j
        continue
      case "(", "[": depth += 1
      case ")": depth -= 1
      case "]":
        if depth == 0 {
          if !atoms.isEmpty { rows.append(atoms) }
          return rows
        }
        depth -= 1
      case ",":
        if depth == 0 {
          if !atoms.isEmpty { rows.append(atoms) }
          atoms = []
        }
      default: break
      }
      i += 1
    }
    throw HarnessError("table \(name) not closed")
  }

  /// `case name = "code"` lines of an enum source: name -> code.
  static func reasonCodes(_ text: String) -> [String: String] {
    var out: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let t = line.trimmingCharacters(in: .whitespaces)
      guard t.hasPrefix("case "), let eq = t.range(of: " = \"") else { continue }
      let name = String(t.dropFirst(5)[..<eq.lowerBound])
      let code = t[eq.upperBound...].prefix { $0 != "\"" }
      out["." + name] = String(code)
    }
    return out
  }
}

// MARK: - The scratch tree

/// A scratch area: `root` stands for `/`, `outside` holds secrets beyond
/// every allowed root, `out` receives copies and archives. Only `out` may
/// change when an allowed command runs.
final class DiffLab {
  let base: String
  var root: String { base + "/root" }
  var outside: String { base + "/outside" }
  var out: String { base + "/out" }
  var policy: String { base + "/policy" }
  let gatekeeper: String
  private var counter = 0

  init() throws {
    gatekeeper = try Gatekeeper.path()
    base = try Files.tempDirectory("gk-diff")
    for d in [root, outside, out] { try Files.makeDirectory(d) }
    try populate()
  }

  deinit { try? FileManager.default.removeItem(atPath: base) }

  /// Files and directories named by the tables, plus a few to read.
  func populate() throws {
    let files = [
      "etc/hostname", "etc/hosts", "etc/ssh/sshd_config", "etc/cron.d/job", "etc/passwd", "etc/x",
      "etc/-dash", "-weird", "-f", "-", "--checkpoint-action=exec=id", "relative/dir/f",
      "home/alice/docs/a.txt", "home/bob/b.txt", "home/c/c.txt", "home/ünï/u.txt", "home/-dash",
      "home/café/x", "home/x/y", "srv/a/1", "srv/b/2", "srv/my dir/f", "srv/it's\"q/f",
      "srv/$HOME;id`x`/f", "srv/-dash", "srv/a]b", "srv/www/site/index.html", "srv/db/d",
      "srv/.keep", "var/lib/backup/x", "var/lib/dpkg/status", "var/log/x.log", "var/log/y.txt",
      "root/secret.txt", "etcfoo/secret.txt", "home/user/.ssh/authorized_keys",
      "srv/my share/cache dir/f", "srv/my share/g", "etc/-x", "etc/a\\b", "home/x\\057..\\057..\\057root",
    ]
    for f in files {
      let p = root + "/" + f
      try Files.makeDirectory((p as NSString).deletingLastPathComponent)
      try Files.write(p, "content of /\(f)\n", mode: 0o644)
    }
    try Files.write(outside + "/secret.txt", "SECRET outside every root\n")
    _ = link(root + "/home/alice/docs/a.txt", root + "/home/alice/hard.txt")
    try FileManager.default.createSymbolicLink(atPath: root + "/etc/rel", withDestinationPath: "hostname")
    // Fixed times, so a copy can be compared to the nanosecond.
    for p in try Tree.paths(under: root).reversed() { try Tree.setTime(p, 1_700_000_000) }
  }

  /// A fresh directory under `out`.
  func fresh(_ label: String) throws -> String {
    counter += 1
    let d = out + "/\(counter)-\(label)"
    try Files.makeDirectory(d)
    return d
  }

  func writePolicy(_ text: String) throws { try Files.write(policy, text + "\n", mode: 0o600) }

  /// `gatekeeper check`: the argv that would run, or nil and the first line.
  func plan(_ command: String) throws -> (argv: [String]?, answer: String) {
    let o = try Proc.run(gatekeeper, ["check", "--policy", policy, command])
    let lines = o.out.split(separator: "\n").map(String.init)
    guard o.status == 0, lines.count >= 2, lines[0].hasPrefix("allow") else {
      return (nil, lines.first ?? o.err)
    }
    return (Shell.split(lines[1]), lines[0])
  }

  /// Table path -> scratch path.
  func map(_ path: String) -> String { path.hasPrefix("/") ? root + path : path }

  /// Runs `argv` (argv[0] absolute) with `root` as the working directory
  /// (gatekeeper execs with `/` as its working directory; `root` stands for `/`).
  func runInRoot(
    _ argv: [String], stdoutPath: String? = nil, stdin: Proc.Input = .null, timeout: TimeInterval = 30
  ) throws -> Output {
    try Self.retryingBusy {
      try Proc.run(
        argv[0], Array(argv.dropFirst()), stdin: stdin, stdoutPath: stdoutPath,
        env: ["PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC"], cwd: root, timeout: timeout)
    }
  }

  /// Runs a real rsync client (`args` without `-e`) whose `-e` program
  /// ignores what the client asks for and runs `serverScript` (sh text)
  /// instead. One wrapper per lab sources a per-run file: a script written
  /// and exec'd at once can fail with ETXTBSY while another test spawns.
  func rsyncClient(_ args: [String], serverScript: String, timeout: TimeInterval = 60) throws -> Output {
    let wrapper = base + "/server-wrapper.sh"
    if !FileManager.default.fileExists(atPath: wrapper) {
      try Shell.script(wrapper, "shift\n. \"$GK_DIFF_SERVER\"\nexit 127")
    }
    counter += 1
    let body = base + "/server-\(counter).sh"
    try Files.write(body, serverScript + "\n")
    return try Self.retryingBusy {
      try Proc.run(
        "/usr/bin/rsync", ["-e", wrapper] + args,
        env: ["PATH": "/usr/bin:/bin", "GK_DIFF_SERVER": body, "LC_ALL": "C"], timeout: timeout)
    }
  }

  /// Runs again (up to twice) when exec failed with ETXTBSY: a script just
  /// written can be held open by a child another test forked meanwhile.
  static func retryingBusy(_ run: () throws -> Output) throws -> Output {
    var o = try run()
    for _ in 0..<2 where o.err.contains("Text file busy") {
      usleep(100_000)
      o = try run()
    }
    return o
  }

  func snapshot() throws -> [String: Node] { try Tree.snapshot(base + "/root") }

  func outsideSnapshot() throws -> [String: Node] { try Tree.snapshot(outside) }
}

// MARK: - Shell words

enum Shell {
  /// Quotes a word for /bin/sh (and for gatekeeper's tokenizer).
  static func quote(_ w: String) -> String {
    let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%".unicodeScalars)
    if !w.isEmpty, w.unicodeScalars.allSatisfy({ plain.contains($0) }) { return w }
    return "'" + w.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  static func join(_ words: [String]) -> String { words.map(quote).joined(separator: " ") }

  /// Splits what `join` (or gatekeeper's shellQuote) produced.
  static func split(_ line: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var quoted = false
    var it = line.unicodeScalars.makeIterator()
    while let c = it.next() {
      if quoted {
        if c == "'" { quoted = false } else { current.unicodeScalars.append(c) }
        continue
      }
      switch c {
      case " ":
        if inWord { words.append(current) }
        current = ""
        inWord = false
      case "'":
        quoted = true
        inWord = true
      case "\\":
        if let n = it.next() { current.unicodeScalars.append(n) }
        inWord = true
      default:
        current.unicodeScalars.append(c)
        inWord = true
      }
    }
    if inWord { words.append(current) }
    return words
  }

  /// A script that runs exactly `argv`, ignoring its own arguments (what a
  /// client's `-e` program gets: the host, then the remote command).
  static func script(_ path: String, _ body: String) throws {
    try Files.write(path, "#!/bin/sh\n" + body + "\n", mode: 0o700)
  }
}

/// Prints a block of lines to the test log (one write, so it stays together).
func diffReport(_ title: String, _ lines: [String]) {
  print((["== " + title] + lines.map { "   " + $0 }).joined(separator: "\n"))
}

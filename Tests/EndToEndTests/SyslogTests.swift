// gatekeeper -> syslog(3) -> a real rsyslogd -> file, and back through
// `gatekeeper report`. glibc's syslog(3) always writes to /dev/log, so each
// call runs in a private mount namespace (`unshare -m`, root only) whose
// /dev is a small tmpfs holding null, zero, urandom and a /dev/log symlink
// to the test's own rsyslogd socket. Nothing outside the test sees it.

import Foundation
import Glibc
import Testing

/// A private rsyslogd: imuxsock on a socket in `dir`, local5 written twice,
/// raw (`%rawmsg%`) and in the traditional auth.log format, unless `rules`
/// gives the configuration after the input instead.
final class SyslogDaemon {
  let dir: String
  let socket: String
  let rawLog: String
  let traditionalLog: String
  private let pid: pid_t

  init(dir: String, rules: String? = nil) throws {
    guard let rsyslogd = Proc.which("rsyslogd") else {
      throw HarnessError("rsyslogd is not installed")
    }
    self.dir = dir
    socket = dir + "/log.sock"
    rawLog = dir + "/raw.log"
    traditionalLog = dir + "/auth.log"
    let conf = """
      global(workDirectory="\(dir)" maxMessageSize="64k")
      module(load="imuxsock" SysSock.Use="off")
      input(type="imuxsock" Socket="\(socket)" CreatePath="on")

      """
      + (rules ?? """
        template(name="gkRaw" type="string" string="%rawmsg%\\n")
        local5.* action(type="omfile" file="\(rawLog)" template="gkRaw")
        local5.* action(type="omfile" file="\(traditionalLog)" template="RSYSLOG_TraditionalFileFormat")

        """)
    try Files.write(dir + "/rsyslog.conf", conf, mode: 0o644)
    pid = try Proc.spawn(
      [rsyslogd, "-n", "-f", dir + "/rsyslog.conf", "-i", dir + "/rsyslogd.pid"],
      stdin: "/dev/null", stdout: "/dev/null", stderr: "/dev/null")
    for _ in 0..<500 where !Files.exists(socket) { usleep(10_000) }
    guard Files.exists(socket) else {
      stop()
      throw HarnessError("rsyslogd did not create \(socket)")
    }
  }

  /// SIGTERM (the spawn reset its signal mask), SIGKILL if it lingers.
  func stop() { Proc.stop(pid) }

  /// Waits until `path` holds `count` lines (rsyslogd writes asynchronously).
  func lines(_ path: String, count: Int) -> [Data] {
    var lines: [Data] = []
    for _ in 0..<500 {
      let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
      lines = data.split(separator: 0x0a).map { Data($0) }
      if lines.count >= count { break }
      usleep(20_000)
    }
    return lines
  }

  /// `unshare -m sh -c ...`: the command run with /dev/log pointing here.
  var wrapper: [String] {
    let setup = """
      mount -t tmpfs -o mode=755 gk-dev /dev && mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 \
      && mknod -m 666 /dev/urandom c 1 9 && ln -s \(socket) /dev/log && exec "$@"
      """
    return ["/usr/bin/unshare", "-m", "/bin/sh", "-c", setup, "sh"]
  }
}

@Suite(.serialized) struct SyslogTests {
  static let skipReason: String? = {
    guard isRoot else {
      return "needs root (a private mount namespace for /dev/log)"
    }
    guard Proc.which("rsyslogd") != nil else {
      return "rsyslogd is not installed (Debian package rsyslog)"
    }
    guard Proc.which("unshare") != nil else { return "unshare is not installed (util-linux)" }
    let probe = try? Proc.run(
      "/usr/bin/unshare", ["-m", "/bin/sh", "-c", "mount -t tmpfs x /mnt"])
    guard probe?.status == 0 else { return "cannot mount in a new mount namespace here" }
    return nil
  }()

  /// Commands and what the record's `command` field must say.
  static func hostileCommands() -> [(bytes: [UInt8], recorded: String, decision: String)] {
    var out: [(bytes: [UInt8], recorded: String, decision: String)] = []
    let allowed = "tar -c -f - -C /etc ."
    out.append((Array(allowed.utf8), allowed, "allow"))
    let quotes = #"tar -c -f - -C /etc 'it'\''s' "q\"uote""#
    out.append((Array(quotes.utf8), quotes, "either"))  // quoting is a policy choice
    let newline = "tar -c -f - -C /etc .\nid"
    out.append((Array(newline.utf8), newline, "deny"))
    out.append(
      (
        Array("tar -c -f - -C /etc x".utf8) + [0xff] + Array("y".utf8),
        "tar -c -f - -C /etc x\\xffy", "deny"
      ))
    let long = "tar -c -f - -C /etc " + String(repeating: "a", count: 10_000)
    out.append((Array(long.utf8), String(long.prefix(4096)) + "...[5924 more bytes]", "either"))
    let ansi = "rsync --server --sender . /etc/\u{1b}[2J\u{7f}"
    out.append((Array(ansi.utf8), ansi, "deny"))
    return out
  }

  @Test func recordsArriveIntactThroughRsyslogd() throws {
    guard Needs.check(SyslogTests.skipReason, "rsyslogd test") else { return }
    let bin = try Gatekeeper.path()
    let dir = try Files.tempDirectory("gk-syslog", mode: 0o755)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let daemon = try SyslogDaemon(dir: dir)
    defer { daemon.stop() }
    let policy = dir + "/test.policy"
    try Files.write(
      policy,
      """
      allow tar-create exec=/bin/true roots=/etc
      log file=\(dir)/audit.jsonl
      log syslog=local5 tag=gktest

      """, mode: 0o644)
    let commands = SyslogTests.hostileCommands()
    var statuses: [Int32] = []
    for (i, c) in commands.enumerated() {
      let r = try Gatekeeper.forced(
        policy: policy, command: c.bytes, client: "192.0.2.\(10 + i)", wrapper: daemon.wrapper)
      statuses.append(r.status)
    }

    let raw = daemon.lines(daemon.rawLog, count: commands.count)
    #expect(raw.count == commands.count)
    let file = try AuditRecord.all(in: dir + "/audit.jsonl").map(\.object)
    #expect(file.count == commands.count)
    let decisions = file.map { $0["decision"] as? String ?? "?" }
    for (i, c) in commands.enumerated() where i < decisions.count {
      if c.decision != "either" { #expect(decisions[i] == c.decision, "command \(i)") }
      #expect(statuses[i] == (decisions[i] == "allow" ? 0 : 1), "command \(i)")
    }
    for (i, line) in raw.enumerated() where i < commands.count && i < decisions.count {
      let text = String(decoding: line, as: UTF8.self)
      #expect(text.contains("gktest["), "tag: \(text.prefix(80))")
      // local5 = 21: <173> info (allow), <173+...>: 21*8+6 = 174, 21*8+5 = 173
      #expect(
        text.hasPrefix(decisions[i] == "allow" ? "<174>" : "<173>"), "priority: \(text.prefix(10))")
      guard let at = text.range(of: "@cee:") else {
        Issue.record("no @cee: in \(text.prefix(200))")
        continue
      }
      let cee = text[at.lowerBound...]
      #expect(cee.utf8.count <= 2048, "the syslog copy is bounded: \(cee.utf8.count) bytes")
      let record = try jsonObject(Data(text[at.upperBound...].utf8))
      #expect(record["v"] as? Int == 1)
      #expect(record["decision"] as? String == decisions[i])
      let command = record["command"] as? String ?? ""
      if record["truncated"] as? Bool == true {
        // shortened to fit: a marked prefix of what the file holds
        let kept = command.components(separatedBy: "...[").first ?? ""
        #expect(
          command.hasSuffix("more bytes]") && kept.count > 100 && commands[i].recorded.hasPrefix(kept),
          "command \(i)")
      } else {
        #expect(command == commands[i].recorded, "command \(i)")
      }
      #expect(record["client"] as? String == "192.0.2.\(10 + i)")
      // the same record went to the file
      #expect(file[i]["command"] as? String == commands[i].recorded)
      #expect(file[i]["time"] as? String == record["time"] as? String)
    }

    // `report` reads the auth.log-style file and the raw one
    let traditional = daemon.lines(daemon.traditionalLog, count: commands.count)
    #expect(traditional.count == commands.count)
    for log in [daemon.traditionalLog, daemon.rawLog] {
      // the policy's tag=gktest: report reads that tag only when told
      let other = try jsonObject(try Proc.run(bin, ["report", "--json", log]).stdout)
      #expect(other["records"] as? Int == 0 && other["not_from_gatekeeper"] as? Int == commands.count)
      let r = try Proc.run(bin, ["report", "--json", "--tag", "gktest", log])
      #expect(r.status == 0, "\(r)")
      let j = try jsonObject(r.stdout)
      #expect((j["sources"] as? [[String: Any]])?.first?["kind"] as? String == "syslog")
      #expect(j["records"] as? Int == commands.count)
      #expect(j["allowed"] as? Int == decisions.filter { $0 == "allow" }.count)
      #expect(j["denied"] as? Int == decisions.filter { $0 == "deny" }.count)
      #expect(j["malformed"] as? Int == 0)
    }
    // the terminal report never passes raw control characters through
    let text = try Proc.run(bin, ["report", "--tag", "gktest", "--client", "192.0.2.15", daemon.traditionalLog])
    #expect(!text.stdout.contains(0x1b))
    #expect(text.out.contains("/etc/\\x1b[2J\\x7f"), "\(text.out)")
  }
}

// 200 concurrent calls append to one audit file: exactly 200 intact lines.

import Foundation
import Glibc
import Testing

struct ReportConcurrencyTests {
  @Test func twoHundredConcurrentCallsGiveTwoHundredLines() throws {
    let bin = try Gatekeeper.path()
    let dir = try Files.tempDirectory("gk-concurrent", mode: 0o755)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let policy = dir + "/test.policy"
    try Files.write(
      policy,
      """
      allow rsync-sender exec=/bin/true roots=/etc
      log file=\(dir)/audit.jsonl
      log syslog=none

      """, mode: 0o644)
    // A long command makes each record several kilobytes, so interleaving
    // would show; half are allowed, half refused.
    let filler = String(repeating: "x", count: 3000)
    var pids: [pid_t] = []
    for i in 0..<200 {
      let path = i % 2 == 0 ? "/etc/\(filler)\(i)/" : "/root/\(filler)\(i)/"
      let command = "rsync --server --sender -logDtpre.iLsfxCIvu . \(path)"
      let env = [
        "PATH": "/usr/bin:/bin", "SSH_ORIGINAL_COMMAND": command,
        "SSH_CONNECTION": "192.0.2.\(i % 250) \(1000 + i) 192.0.2.1 22",
      ]
      pids.append(
        try Proc.spawn(
          [bin, "--policy", policy], stdin: "/dev/null", stdout: "/dev/null", stderr: "/dev/null",
          env: env))
    }
    // All 200 run at once; each is then reaped (killed if it hangs).
    let statuses = pids.map { Proc.wait($0, timeout: 120).0 }
    #expect(statuses.filter { $0 == 0 }.count == 100)
    #expect(statuses.filter { $0 == 1 }.count == 100)

    let data = FileManager.default.contents(atPath: dir + "/audit.jsonl") ?? Data()
    let lines = data.split(separator: 0x0a, omittingEmptySubsequences: false)
    #expect(lines.count == 201)  // 200 lines and the empty tail after the last newline
    #expect(lines.last?.isEmpty == true)
    var ports = Set<String>()
    for line in lines.dropLast() {
      let record = try jsonObject(Data(line))
      #expect(record["v"] as? Int == 1)
      ports.insert(record["client_port"] as? String ?? "")
    }
    #expect(ports.count == 200)

    // and report agrees
    let r = try Proc.run(bin, ["report", "--json", dir + "/audit.jsonl"])
    let j = try jsonObject(r.stdout)
    #expect(j["records"] as? Int == 200)
    #expect(j["allowed"] as? Int == 100)
    #expect(j["denied"] as? Int == 100)
    #expect(j["malformed"] as? Int == 0)
  }
}

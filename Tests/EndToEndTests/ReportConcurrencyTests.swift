// 200 concurrent calls append to one audit file: exactly 200 intact lines.

import Foundation
import Glibc
import Testing

struct ReportConcurrencyTests {
  @Test func twoHundredConcurrentCallsGiveTwoHundredLines() throws {
    let bin = try ReportProc.binary()
    let dir = try ReportProc.tempDir("concurrent")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let policy = try ReportProc.writePolicy(
      dir,
      """
      allow rsync-sender exec=/bin/true roots=/etc
      log file=\(dir)/audit.jsonl
      log syslog=none

      """)
    // A long command makes each record several kilobytes, so interleaving
    // would show; half are allowed, half refused.
    let filler = String(repeating: "x", count: 3000)
    var pids: [pid_t] = []
    for i in 0..<200 {
      let path = i % 2 == 0 ? "/etc/\(filler)\(i)/" : "/root/\(filler)\(i)/"
      let command = "rsync --server --sender -logDtpre.iLsfxCIvu . \(path)"
      let env = [
        "PATH=/usr/bin:/bin", "SSH_ORIGINAL_COMMAND=\(command)",
        "SSH_CONNECTION=192.0.2.\(i % 250) \(1000 + i) 192.0.2.1 22",
      ]
      let argv = [bin, "--policy", policy]
      var pid: pid_t = 0
      let cArgs = argv.map { strdup($0) } + [nil]
      let cEnv = env.map { strdup($0) } + [nil]
      defer {
        cArgs.forEach { free($0) }
        cEnv.forEach { free($0) }
      }
      var actions = posix_spawn_file_actions_t()
      posix_spawn_file_actions_init(&actions)
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
      let rc = posix_spawn(&pid, bin, &actions, nil, cArgs, cEnv)
      posix_spawn_file_actions_destroy(&actions)
      try #require(rc == 0, "posix_spawn: \(rc)")
      pids.append(pid)
    }
    var statuses: [Int32] = []
    for pid in pids {
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
      statuses.append((status >> 8) & 0xff)
    }
    #expect(statuses.filter { $0 == 0 }.count == 100)
    #expect(statuses.filter { $0 == 1 }.count == 100)

    let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/audit.jsonl"))
    let lines = data.split(separator: 0x0a, omittingEmptySubsequences: false)
    #expect(lines.count == 201)  // 200 lines and the empty tail after the last newline
    #expect(lines.last?.isEmpty == true)
    var ports = Set<String>()
    for line in lines.dropLast() {
      let record = try ReportProc.json(Data(line))
      #expect(record["v"] as? Int == 1)
      ports.insert(record["client_port"] as? String ?? "")
    }
    #expect(ports.count == 200)

    // and report agrees
    let r = try ReportProc.run(bin, ["report", "--json", dir + "/audit.jsonl"])
    let j = try ReportProc.json(r.out)
    #expect(j["records"] as? Int == 200)
    #expect(j["allowed"] as? Int == 100)
    #expect(j["denied"] as? Int == 100)
    #expect(j["malformed"] as? Int == 0)
  }
}

// What a suite needs from the machine, said once per suite. Without it the
// suite is skipped with one line naming what is missing and the command
// that installs it; under CI (CI=true) it is never skipped for a missing
// dependency: it runs and fails, so a green CI means every suite ran.

import Foundation
import Testing

enum Needs {
  /// CI=true: skipping for a missing dependency is not allowed.
  static let strict = ProcessInfo.processInfo.environment["CI"] == "true"

  static let install = "run `sudo bash Tests/run.sh` (it installs the test packages), or install/deps.sh test"

  /// The programs the end-to-end suites through sshd use, by Debian package.
  static let sshd: [String: String] = [
    "openssh-server": "/usr/sbin/sshd", "openssh-client": "/usr/bin/ssh", "rsync": "/usr/bin/rsync",
  ]

  static let rsync = ["rsync": "/usr/bin/rsync"]

  /// nil when `root` is satisfied and every package's program is there;
  /// otherwise what is missing.
  static func missing(root: Bool = false, _ packages: [String: String] = [:]) -> String? {
    if root && !isRoot { return "needs root" }
    let absent = packages.filter { !FileManager.default.isExecutableFile(atPath: $0.value) }.keys.sorted()
    return absent.isEmpty ? nil : "not installed: \(absent.joined(separator: " "))"
  }

  /// A suite trait: enabled when `reason` is nil (or under CI), otherwise
  /// skipped with the reason and how to install what is missing.
  static func trait(_ reason: String?) -> ConditionTrait {
    .enabled(if: reason == nil || strict, Comment(rawValue: "\(reason ?? ""); \(install)"))
  }

  /// For a test that finds out late what it lacks: under CI that is a
  /// failure; otherwise one line says what is skipped. Returns whether to go on.
  static func check(_ reason: String?, _ what: String) -> Bool {
    guard let reason else { return true }
    if strict {
      Issue.record("CI: \(what) cannot run: \(reason)")
    } else {
      print("skipped: \(what): \(reason); \(install)")
    }
    return false
  }
}

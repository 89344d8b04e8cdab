// Helpers for the install/deploy tests: the repository, the gatekeeper
// under test, and running a program with its output captured.

import Foundation

enum InstallPaths {
  /// The package root: the nearest directory above this file holding Package.swift.
  static let root: URL = {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" {
      if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
      dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
  }()

  /// The gatekeeper under test: $GATEKEEPER_BIN, else <package>/.build/debug/gatekeeper.
  static var binary: String {
    if let b = ProcessInfo.processInfo.environment["GATEKEEPER_BIN"], !b.isEmpty { return b }
    return root.appendingPathComponent(".build/debug/gatekeeper").path
  }

  static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

  static var isRoot: Bool { getuid() == 0 }

  /// The absolute path of `name` on PATH (or in the sbin directories), or nil.
  static func which(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
      let p = "\(dir)/\(name)"
      if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
  }

  /// A fresh private directory, removed by the caller with `cleanup`.
  static func tempDir(_ tag: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gk-install-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  static func cleanup(_ dir: URL) { try? FileManager.default.removeItem(at: dir) }
}

/// One finished process: status and both outputs.
struct InstallProc {
  var status: Int32
  var stdout: String
  var stderr: String
  var output: String { stdout + stderr }

  /// Runs `argv` (argv[0] absolute or found on PATH) with `stdin` fed in,
  /// the outputs captured through temporary files (no pipe deadlocks).
  static func run(_ argv: [String], stdin: String? = nil, cwd: URL? = nil, env: [String: String] = [:]) throws
    -> InstallProc
  {
    let exe = argv[0].hasPrefix("/") ? argv[0] : (InstallPaths.which(argv[0]) ?? argv[0])
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = "/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    for (k, v) in env { environment[k] = v }
    // Proc (Harness.swift) spawns with posix_spawn and reaps with waitpid:
    // Foundation's Process missed child exits under parallel tests here.
    let dir = (cwd ?? InstallPaths.root).path
    let o = try Proc.run(
      "/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", dir, exe] + Array(argv.dropFirst()),
      stdin: stdin.map { Data($0.utf8) }, environment: environment, timeout: 1200)
    return InstallProc(status: o.status, stdout: o.out, stderr: o.err)
  }

  /// `bash -c SCRIPT` from the package root.
  static func sh(_ script: String, env: [String: String] = [:]) throws -> InstallProc {
    try run(["/bin/bash", "-c", script], env: env)
  }
}

/// Mode and owner of a file, or nil when it does not exist.
func installStat(_ path: String) -> (mode: Int, uid: Int)? {
  guard let a = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
  let mode = (a[.posixPermissions] as? NSNumber)?.intValue ?? -1
  let uid = (a[.ownerAccountID] as? NSNumber)?.intValue ?? -1
  return (mode, uid)
}

// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "gatekeeper",
  targets: [
    // Every decision lives here: standard library only (no Glibc, no Foundation).
    .target(name: "GatekeeperCore"),
    // The admin tools (report, learn, authorize, sudoers): standard library
    // only, and the core's vocabulary.
    .target(name: "GatekeeperReport", dependencies: ["GatekeeperCore"]),
    // C shims for variadic libc calls (syslog, syscall) Swift cannot import.
    .target(name: "CSystem"),
    // The thin executable: environment, files, syslog, exec.
    .executableTarget(name: "gatekeeper", dependencies: ["GatekeeperCore", "GatekeeperReport", "CSystem"]),
    .testTarget(name: "GatekeeperCoreTests", dependencies: ["GatekeeperCore"], exclude: ["Fixtures"]),
    .testTarget(
      name: "GatekeeperReportTests", dependencies: ["GatekeeperReport", "GatekeeperCore"], exclude: ["Fixtures"]),
    .testTarget(name: "EndToEndTests", dependencies: [], exclude: ["clients"]),
  ]
)

// libFuzzer entry point for every fuzz target. Built into one binary with the
// core sources (same module, so internal tables are visible):
//
//   swiftc -sanitize=fuzzer,address -parse-as-library -module-name GatekeeperCore \
//     $(find Sources/GatekeeperCore Sources/GatekeeperReport Tests/Fuzz -name "*.swift") -o .build-fuzz/fuzz
//   FUZZ_TARGET=rsync .build-fuzz/fuzz Tests/Fuzz/corpus/rsync
//
// FUZZ_TARGET picks the target (see `FuzzTarget`). Each target checks
// invariants, not just "no crash"; a violation traps with a message that
// says which invariant broke, so libFuzzer saves the input as a crash.
// Tests/Fuzz/run.sh builds and runs them all.

#if canImport(Glibc)
  import Glibc
#endif

enum FuzzTarget: String, CaseIterable {
  /// Bytes as SSH_ORIGINAL_COMMAND: Tokenizer.words, shellQuote round trip.
  case tokenizer
  /// Bytes as a policy file: PolicyParser.parse.
  case policy
  /// NUL-separated words after the program word: RsyncSender.check.
  case rsync
  /// Bytes on stdin after `-s`: SecludedBlock, then RsyncSender.checkSecluded.
  case secluded
  /// NUL-separated words after the program word: TarCreate.check.
  case tar
  /// Bytes as SSH_ORIGINAL_COMMAND: Gatekeeper.decide under fixed policies.
  case decide
  /// NUL-separated record fields: AuditRecord.json must be valid JSON.
  case record
  /// Bytes as an audit log: the report reader (GatekeeperReport).
  case report
}

let selectedTarget: FuzzTarget = {
  guard let raw = getenv("FUZZ_TARGET"), let t = FuzzTarget(rawValue: String(cString: raw)) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    fatalError("set FUZZ_TARGET to one of: \(names)")
  }
  return t
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
  switch selectedTarget {
  case .tokenizer: FuzzTokenizer.run(bytes)
  case .policy: FuzzPolicy.run(bytes)
  case .rsync: FuzzRsync.run(bytes)
  case .secluded: FuzzSecluded.run(bytes)
  case .tar: FuzzTar.run(bytes)
  case .decide: FuzzDecide.run(bytes)
  case .record: FuzzRecord.run(bytes)
  case .report: FuzzReport.run(bytes)
  }
  return 0
}

/// Traps with a message naming the broken invariant (libFuzzer reports it
/// as a crash and keeps the input).
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
  if !condition { fatalError("INVARIANT VIOLATED: \(message())") }
}

/// NUL-separated words (every piece decoded as UTF-8, with replacement).
func nulWords(_ bytes: [UInt8]) -> [String] {
  bytes.split(separator: 0, omittingEmptySubsequences: false).map {
    String(decoding: $0, as: UTF8.self)
  }
}

/// The scopes every profile target is run under.
let fuzzScopes: [RuleScope] = [
  RuleScope(roots: ["/etc", "/home", "/srv", "/var/lib/backup"]),
  RuleScope(roots: ["/"]),
  RuleScope(roots: ["/etc", "/home", "/srv", "/srv/www"], confineRoot: true),
]

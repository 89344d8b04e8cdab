// The rsync option table: every long option and letter of rsync 3.5.0's
// popt table (`long_options[]` in options.c), with the verdict for a server
// that sends a pull. A name missing here is an unknown option; a name found
// here with a deny verdict is a known option the gatekeeper refuses, with the
// reason that says why.
//
// Where the verdicts come from (rsync's `server_options()`, which builds the
// command line a client sends):
// - allow: a pull client sends it (or it is the long spelling of a letter a
//   pull sends, as BackupPC 3 and openrsync do) and it is harmless on a
//   sender. Everything else is refused.
// - receiverOnly: only a push sends it (the server is then the receiver).
// - clientOnly: it configures the client side and is never sent.
// - unneeded: no client ever sends it (negations, `--archive`...).
// - the dangerous ones have their own reasons (FACTS.md section 4).

/// What an option takes after it.
public enum RsyncArgument: Equatable, Sendable {
  /// No value: `--numeric-ids`, `-v`. `--numeric-ids=1` is refused.
  case none
  /// Non-negative decimal, at most 9 digits, no leading zero (popt reads
  /// numbers with base 0, so `010` would be octal): `--timeout=600`.
  case number
  /// `number` with an optional leading `-`: `--compress-level=-5`.
  case signedNumber
  /// rsync's size syntax, not zero: `--max-alloc=4G`, `1.5g`, `8MiB+1`.
  case nonZeroSize
  /// An iconv charset name (letters, digits, `._:+-`, at most 64:
  /// `latin1`), or `.`, the locale's own charset (`--iconv=.`).
  case charset
  /// One or two checksum names joined by `,`: `md5`, `xxh128,md5`, `auto`.
  case checksumNames
  /// One compression name: `zstd`, `lz4`, `zlibx`, `zlib`, `none`.
  case compressName
  /// `--info` words with an optional level 0-4, joined by `,`: `NAME2,STATS3`.
  case infoFlags
  /// Exactly `-` (the list travels over the connection); anything else
  /// names a file on the server and is refused as `rsync-files-from`.
  case dashOnly
  /// A `--skip-compress` suffix list: `gz/jpg/mp[34]/7z`.
  case suffixList
  /// A value the sender never uses (`--backup-dir`, which a pull client
  /// sends as two words, `--backup-dir DIR`): any text but `!` (popt
  /// would splice the next word in for `!#:+`), at most 4,096 bytes. The
  /// next word is its value when it is not attached with `=`, as popt
  /// takes it, whatever it starts with.
  case ignoredPath
  /// A `--suffix` the sender never uses: 1 to 255 bytes, no `/` (rsync
  /// refuses those) and no `!`.
  case suffix
  /// A value the gatekeeper never accepts (the option is denied anyway).
  case text
}

/// What the gatekeeper does with an option.
public enum RsyncVerdict: Equatable, Sendable {
  case allow
  /// Follows symlinks (`-L`, `-k`, `--copy-unsafe-links`): allowed only
  /// when the roots are the whole tree, where following a link cannot leave
  /// the allowed area; refused as `rsync-follows-links` otherwise.
  case followsLinks
  /// Another spelling of the named row; verdict, value and canonical
  /// spelling come from that row.
  case same(String)
  case deny(RsyncReason)
}

public struct RsyncOption: Equatable, Sendable {
  /// Long name without dashes, nil for the letter-only rows (-D, -F, -P).
  public let long: String?
  /// Short letter, if any.
  public let short: Character?
  public let argument: RsyncArgument
  public let verdict: RsyncVerdict
}

private func o(
  _ long: String?, _ short: Character?, _ argument: RsyncArgument, _ verdict: RsyncVerdict
) -> RsyncOption {
  RsyncOption(long: long, short: short, argument: argument, verdict: verdict)
}

extension RsyncOption {
  // Legend: o(long name, letter, argument, verdict). Shorthand verdicts
  // (bottom of file): allow; recv = deny(.receiverOnly); cli =
  // deny(.clientOnly); unneeded = deny(.unneeded).
  static let table: [RsyncOption] = [
    // Output and verbosity.
    o("help", nil, .none, cli),
    o("version", "V", .none, cli),
    o("verbose", "v", .none, allow),
    o("no-verbose", nil, .none, unneeded),
    o("no-v", nil, .none, unneeded),
    o("info", nil, .infoFlags, allow),
    o("debug", nil, .text, .deny(.debug)),
    o("stderr", nil, .text, cli),
    o("msgs2stderr", nil, .none, allow),
    o("no-msgs2stderr", nil, .none, allow),
    o("quiet", "q", .none, allow),
    o("motd", nil, .none, cli),
    o("no-motd", nil, .none, cli),
    o("stats", nil, .none, recv),
    o("human-readable", "h", .none, cli),
    o("no-human-readable", nil, .none, cli),
    o("no-h", nil, .none, cli),
    o("dry-run", "n", .none, allow),
    o("archive", "a", .none, unneeded),
    // What to transfer and which attributes.
    o("recursive", "r", .none, allow),
    o("no-recursive", nil, .none, recv),
    o("no-r", nil, .none, .same("no-recursive")),
    o("inc-recursive", nil, .none, unneeded),
    o("no-inc-recursive", nil, .none, unneeded),
    o("i-r", nil, .none, unneeded),
    o("no-i-r", nil, .none, unneeded),
    o("dirs", "d", .none, allow),
    o("no-dirs", nil, .none, unneeded),
    o("no-d", nil, .none, unneeded),
    o("old-dirs", nil, .none, unneeded),
    o("old-d", nil, .none, unneeded),
    o("perms", "p", .none, allow),
    o("no-perms", nil, .none, unneeded),
    o("no-p", nil, .none, unneeded),
    o("executability", "E", .none, recv),
    o("acls", "A", .none, allow),
    o("no-acls", nil, .none, unneeded),
    o("no-A", nil, .none, unneeded),
    o("xattrs", "X", .none, allow),
    o("no-xattrs", nil, .none, unneeded),
    o("no-X", nil, .none, unneeded),
    o("times", "t", .none, allow),
    o("no-times", nil, .none, unneeded),
    o("no-t", nil, .none, unneeded),
    o("atimes", "U", .none, allow),
    o("no-atimes", nil, .none, unneeded),
    o("no-U", nil, .none, unneeded),
    o("open-noatime", nil, .none, allow),
    o("no-open-noatime", nil, .none, unneeded),
    o("crtimes", "N", .none, allow),
    o("no-crtimes", nil, .none, unneeded),
    o("no-N", nil, .none, unneeded),
    o("omit-dir-times", "O", .none, recv),
    o("no-omit-dir-times", nil, .none, unneeded),
    o("no-O", nil, .none, unneeded),
    o("omit-link-times", "J", .none, recv),
    o("no-omit-link-times", nil, .none, unneeded),
    o("no-J", nil, .none, unneeded),
    o("modify-window", "@", .text, recv),
    o("super", nil, .none, recv),
    o("no-super", nil, .none, unneeded),
    o("fake-super", nil, .none, recv),
    o("owner", "o", .none, allow),
    o("no-owner", nil, .none, unneeded),
    o("no-o", nil, .none, unneeded),
    o("group", "g", .none, allow),
    o("no-group", nil, .none, unneeded),
    o("no-g", nil, .none, unneeded),
    o(nil, "D", .none, allow),
    o("no-D", nil, .none, unneeded),
    o("devices", nil, .none, allow),
    o("no-devices", nil, .none, unneeded),
    o("copy-devices", nil, .none, .deny(.copyDevices)),
    o("write-devices", nil, .none, recv),
    o("no-write-devices", nil, .none, unneeded),
    o("specials", nil, .none, allow),
    o("no-specials", nil, .none, allow),
    o("drop-D", nil, .none, recv),
    o("no-drop-D", nil, .none, unneeded),
    o("confine-root", nil, .text, .deny(.confineRoot)),
    // Symlinks.
    o("links", "l", .none, allow),
    o("no-links", nil, .none, unneeded),
    o("no-l", nil, .none, unneeded),
    o("copy-links", "L", .none, .followsLinks),
    o("copy-unsafe-links", nil, .none, .followsLinks),
    o("safe-links", nil, .none, allow),
    o("insecure-links", nil, .none, .deny(.insecureLinks)),
    o("no-insecure-links", nil, .none, unneeded),
    o("munge-links", nil, .none, unneeded),
    o("no-munge-links", nil, .none, unneeded),
    o("copy-dirlinks", "k", .none, .followsLinks),
    o("keep-dirlinks", "K", .none, recv),
    o("hard-links", "H", .none, allow),
    o("no-hard-links", nil, .none, unneeded),
    o("no-H", nil, .none, unneeded),
    // Path handling.
    o("relative", "R", .none, allow),
    o("no-relative", nil, .none, allow),
    o("no-R", nil, .none, .same("no-relative")),
    o("implied-dirs", nil, .none, unneeded),
    o("no-implied-dirs", nil, .none, allow),
    o("i-d", nil, .none, unneeded),
    o("no-i-d", nil, .none, .same("no-implied-dirs")),
    o("chmod", nil, .text, unneeded),
    // Which files to update.
    o("ignore-times", "I", .none, allow),
    o("size-only", nil, .none, recv),
    o("one-file-system", "x", .none, allow),
    o("no-one-file-system", nil, .none, unneeded),
    o("no-x", nil, .none, unneeded),
    o("update", "u", .none, allow),
    o("existing", nil, .none, recv),
    o("ignore-non-existing", nil, .none, recv),
    o("ignore-existing", nil, .none, recv),
    o("max-size", nil, .text, recv),
    o("min-size", nil, .text, recv),
    o("max-alloc", nil, .nonZeroSize, allow),
    o("sparse", "S", .none, allow),
    o("no-sparse", nil, .none, unneeded),
    o("no-S", nil, .none, unneeded),
    o("preallocate", nil, .none, recv),
    o("inplace", nil, .none, allow),
    o("no-inplace", nil, .none, unneeded),
    o("append", nil, .none, allow),
    o("append-verify", nil, .none, unneeded),
    o("no-append", nil, .none, unneeded),
    // Deletion: openrsync sends a bare --delete on pulls (a no-op there).
    o("del", nil, .none, recv),
    o("delete", nil, .none, allow),
    o("delete-before", nil, .none, recv),
    o("delete-during", nil, .none, recv),
    o("delete-delay", nil, .none, recv),
    o("delete-after", nil, .none, recv),
    o("delete-excluded", nil, .none, recv),
    o("delete-missing-args", nil, .none, allow),
    o("ignore-missing-args", nil, .none, allow),
    o("remove-sent-files", nil, .none, .deny(.removeSource)),
    o("remove-source-files", nil, .none, .deny(.removeSource)),
    o("force", nil, .none, recv),
    o("no-force", nil, .none, unneeded),
    o("ignore-errors", nil, .none, allow),
    o("no-ignore-errors", nil, .none, unneeded),
    o("max-delete", nil, .text, recv),
    // Filter rules travel inside the protocol, never on the command line.
    o(nil, "F", .none, .deny(.filter)),
    o("filter", "f", .text, .deny(.filter)),
    o("exclude", nil, .text, .deny(.filter)),
    o("include", nil, .text, .deny(.filter)),
    o("exclude-from", nil, .text, .deny(.filter)),
    o("include-from", nil, .text, .deny(.filter)),
    o("cvs-exclude", "C", .none, allow),
    // Delta transfer and compression.
    o("whole-file", "W", .none, allow),
    o("no-whole-file", nil, .none, recv),
    o("no-W", nil, .none, .same("no-whole-file")),
    o("checksum", "c", .none, allow),
    o("no-checksum", nil, .none, unneeded),
    o("no-c", nil, .none, unneeded),
    o("checksum-choice", nil, .checksumNames, allow),
    o("cc", nil, .checksumNames, .same("checksum-choice")),
    o("block-size", "B", .number, allow),
    o("compare-dest", nil, .text, recv),
    o("copy-dest", nil, .text, recv),
    o("link-dest", nil, .text, recv),
    o("fuzzy", "y", .none, recv),
    o("no-fuzzy", nil, .none, unneeded),
    o("no-y", nil, .none, unneeded),
    o("compress", "z", .none, allow),
    o("old-compress", nil, .none, allow),
    o("new-compress", nil, .none, allow),
    o("no-compress", nil, .none, unneeded),
    o("no-z", nil, .none, unneeded),
    o("compress-choice", nil, .compressName, allow),
    o("zc", nil, .compressName, .same("compress-choice")),
    o("skip-compress", nil, .suffixList, allow),
    o("compress-level", nil, .signedNumber, allow),
    o("zl", nil, .signedNumber, .same("compress-level")),
    o("compress-threads", nil, .text, unneeded),
    o("zt", nil, .text, unneeded),
    // Progress, partial files, logging.
    o(nil, "P", .none, cli),
    o("progress", nil, .none, cli),
    o("no-progress", nil, .none, cli),
    o("partial", nil, .none, recv),
    o("no-partial", nil, .none, unneeded),
    o("partial-dir", nil, .text, recv),
    o("delay-updates", nil, .none, recv),
    o("no-delay-updates", nil, .none, unneeded),
    o("prune-empty-dirs", "m", .none, recv),
    o("no-prune-empty-dirs", nil, .none, unneeded),
    o("no-m", nil, .none, unneeded),
    o("log-file", nil, .text, .deny(.logFile)),
    o("log-file-format", nil, .text, .deny(.logFile)),
    o("out-format", nil, .text, cli),
    o("log-format", nil, .text, recv),
    o("itemize-changes", "i", .none, cli),
    o("no-itemize-changes", nil, .none, cli),
    o("no-i", nil, .none, cli),
    o("bwlimit", nil, .number, allow),
    o("no-bwlimit", nil, .none, unneeded),
    // Backups: the receiver's business, but a pull client sends them too
    // (`-b`, `--backup-dir DIR`, `--suffix=S`); the sender ignores them.
    o("backup", "b", .none, allow),
    o("no-backup", nil, .none, unneeded),
    o("backup-dir", nil, .ignoredPath, allow),
    o("suffix", nil, .suffix, allow),
    o("list-only", nil, .none, allow),
    // Batch files.
    o("read-batch", nil, .text, .deny(.batch)),
    o("write-batch", nil, .text, .deny(.batch)),
    o("only-write-batch", nil, .text, .deny(.batch)),
    // File lists.
    o("files-from", nil, .dashOnly, allow),
    o("from0", "0", .none, allow),
    o("no-from0", nil, .none, unneeded),
    // Argument passing (the `s` of the first cluster is handled apart).
    o("old-args", nil, .none, cli),
    o("no-old-args", nil, .none, cli),
    o("secluded-args", "s", .none, .deny(.secludedSpelling)),
    o("no-secluded-args", nil, .none, .deny(.secludedSpelling)),
    o("protect-args", nil, .none, .deny(.secludedSpelling)),
    o("no-protect-args", nil, .none, .deny(.secludedSpelling)),
    o("no-s", nil, .none, .deny(.secludedSpelling)),
    o("trust-sender", nil, .none, cli),
    // Identity.
    o("numeric-ids", nil, .none, allow),
    o("no-numeric-ids", nil, .none, unneeded),
    o("usermap", nil, .text, recv),
    o("groupmap", nil, .text, recv),
    o("chown", nil, .text, recv),
    // Time limits and connection.
    o("timeout", nil, .number, allow),
    o("no-timeout", nil, .none, unneeded),
    o("contimeout", nil, .text, cli),
    o("no-contimeout", nil, .none, cli),
    o("fsync", nil, .none, recv),
    o("stop-after", nil, .text, cli),
    o("time-limit", nil, .text, cli),
    o("stop-at", nil, .text, cli),
    // The `e` of the first cluster is the capability string (handled apart).
    o("rsh", "e", .text, .deny(.rsh)),
    o("rsync-path", nil, .text, cli),
    o("temp-dir", "T", .text, recv),
    o("iconv", nil, .charset, allow),
    o("no-iconv", nil, .none, unneeded),
    o("ipv4", "4", .none, cli),
    o("ipv6", "6", .none, cli),
    o("8-bit-output", "8", .none, cli),
    o("no-8-bit-output", nil, .none, cli),
    o("no-8", nil, .none, cli),
    o("mkpath", nil, .none, recv),
    o("no-mkpath", nil, .none, unneeded),
    // `--qsort` picks the sort routine. rsync 3.5.0's client sends it as
    // `--use-qsort`, a name its own server does not know; the gatekeeper
    // passes the request on under the name the server reads.
    o("qsort", nil, .none, allow),
    o("use-qsort", nil, .none, .same("qsort")),
    o("copy-as", nil, .text, .deny(.copyAs)),
    o("address", nil, .text, cli),
    o("port", nil, .text, cli),
    o("sockopts", nil, .text, cli),
    o("password-file", nil, .text, cli),
    o("early-input", nil, .text, .deny(.earlyInput)),
    o("blocking-io", nil, .none, cli),
    o("no-blocking-io", nil, .none, cli),
    o("outbuf", nil, .text, cli),
    o("remote-option", "M", .text, .deny(.remoteOption)),
    o("protocol", nil, .text, cli),
    o("checksum-seed", nil, .signedNumber, allow),
    // Only valid as the first two words.
    o("server", nil, .none, .deny(.notServer)),
    o("sender", nil, .none, .deny(.notSender)),
    // These switch rsync into daemon mode.
    o("config", nil, .text, .deny(.daemon)),
    o("daemon", nil, .none, .deny(.daemon)),
    o("dparam", nil, .text, .deny(.daemon)),
    o("detach", nil, .none, .deny(.daemon)),
    o("no-detach", nil, .none, .deny(.daemon)),
  ]

  /// Letters of a rebuilt cluster, in the order rsync's `server_options()`
  /// writes them, so the rebuilt cluster of a real client is its own.
  static let clusterOrder: [Character] = Array("vqbunldLkWHogDtUNpAXrcCIRxSz")

  /// Allowed long options that turn a cluster letter back off. Letters go
  /// first in the rebuilt argv, so such an option may not precede its letter.
  static let negationTable: KeyValuePairs<String, Character> = [
    "no-relative": "R", "no-specials": "D", "specials": "D",
  ]

  /// negationTable as a dictionary.
  static var negations: [String: Character] {
    Dictionary(uniqueKeysWithValues: negationTable.map { ($0.key, $0.value) })
  }

  /// The letter `long` turns off, if it is a negation (a short linear
  /// search: no hashing on the per-call path).
  static func negation(_ long: String) -> Character? {
    negationTable.first { $0.key == long }?.value
  }

  static func long(_ name: Substring) -> RsyncOption? {
    table.first { $0.long.map { $0[...] == name } ?? false }
  }

  static func short(_ letter: Character) -> RsyncOption? {
    table.first { $0.short == letter }
  }

  /// Follows `.same` links (one level; a test checks there are no chains).
  var resolved: RsyncOption {
    if case .same(let target) = verdict, let row = RsyncOption.long(target[...]) { return row }
    return self
  }
}

private let allow = RsyncVerdict.allow
private let recv = RsyncVerdict.deny(.receiverOnly)
private let cli = RsyncVerdict.deny(.clientOnly)
private let unneeded = RsyncVerdict.deny(.unneeded)

// Value shapes. None of them admits `!`, so popt's `!#:+` (replaced by the
// next word) cannot appear, nor spaces, quotes or control characters.
extension RsyncArgument {
  /// Why `value` does not fit this shape, nil when it fits.
  func problem(with value: Substring) -> RsyncReason? {
    let bytes = Array(value.utf8)
    switch self {
    case .none, .text: return .badValue
    case .ignoredPath:
      guard (1...4096).contains(bytes.count), !bytes.contains(UInt8(ascii: "!")) else {
        return .badValue
      }
      return nil
    case .suffix:
      guard (1...255).contains(bytes.count),
        !bytes.contains(where: { $0 == UInt8(ascii: "!") || $0 == UInt8(ascii: "/") })
      else { return .badValue }
      return nil
    case .number: return Self.isNumber(bytes[...]) ? nil : .badValue
    case .signedNumber:
      let digits = bytes.first == UInt8(ascii: "-") ? bytes.dropFirst() : bytes[...]
      return Self.isNumber(digits) ? nil : .badValue
    case .nonZeroSize: return Self.sizeProblem(bytes)
    case .charset:
      if value == "." { return nil }
      guard (1...64).contains(bytes.count), bytes.first.map(Self.isAlnum) == true,
        bytes.allSatisfy({ Self.isAlnum($0) || "._:+-".utf8.contains($0) })
      else { return .badValue }
      return nil
    case .checksumNames:
      let names = value.split(separator: ",", omittingEmptySubsequences: false)
      let known = ["auto", "xxh128", "xxh3", "xxh64", "xxhash", "md5", "md4", "sha1", "none"]
      guard (1...2).contains(names.count),
        names.allSatisfy({ name in known.contains(name.lowercased()) })
      else { return .badValue }
      return nil
    case .compressName:
      return ["zstd", "lz4", "zlibx", "zlib", "none"].contains(value.lowercased()) ? nil : .badValue
    case .infoFlags: return Self.isInfoFlags(value) ? nil : .badValue
    case .dashOnly: return value == "-" ? nil : .filesFrom
    case .suffixList:
      guard (1...1024).contains(bytes.count),
        bytes.allSatisfy({ Self.isAlnum($0) || "._/-[]".utf8.contains($0) })
      else { return .badValue }
      return nil
    }
  }

  static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  static func isAlnum(_ byte: UInt8) -> Bool {
    isDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
  }

  /// 1 to 9 decimal digits without a leading zero (or exactly `0`).
  static func isNumber(_ bytes: ArraySlice<UInt8>) -> Bool {
    guard (1...9).contains(bytes.count), bytes.allSatisfy(isDigit) else { return false }
    return bytes.count == 1 || bytes.first != UInt8(ascii: "0")
  }

  /// `--max-alloc`: judged by the value rsync computes from it (see
  /// `sizeValue`), not by its text: one that comes to 0 means "no limit"
  /// (`0`, `0.0k`, `0.0001k`, `1b-1`) and is refused; one rsync cannot read
  /// is a bad value. (rsync itself refuses the rest below 1 MiB.)
  static func sizeProblem(_ bytes: [UInt8]) -> RsyncReason? {
    guard let value = sizeValue(bytes[...], defaultSuffix: UInt8(ascii: "b")) else { return .badValue }
    if value == 0 { return .maxAllocZero }
    return value > 0 ? nil : .badValue
  }

  /// The value of a size as rsync 3.5.0's parse_size_arg computes it:
  /// DIGITS[.DIGITS] (at most 15 and 15 here), then a unit letter
  /// (b k m g t p, any case; none: `defaultSuffix`), then `b` (powers of
  /// 1000), `ib` or nothing (powers of 1024), then `+1` or `-1`. The number
  /// is read as a double, multiplied by the unit and truncated toward zero,
  /// as rsync does; nil when rsync would not read it.
  static func sizeValue(_ text: ArraySlice<UInt8>, defaultSuffix: UInt8) -> Int64? {
    var rest = text
    let whole = rest.prefix(while: isDigit)
    rest = rest.dropFirst(whole.count)
    var fraction: ArraySlice<UInt8> = []
    if rest.first == UInt8(ascii: ".") {
      rest = rest.dropFirst()
      fraction = rest.prefix(while: isDigit)
      rest = rest.dropFirst(fraction.count)
    }
    guard (1...15).contains(whole.count), fraction.count <= 15 else { return nil }
    var unit = defaultSuffix
    if let c = rest.first, c != UInt8(ascii: "+"), c != UInt8(ascii: "-") {
      unit = c
      rest = rest.dropFirst()
    }
    guard let reps = Array("bkmgtp".utf8).firstIndex(of: unit | 0x20) else { return nil }
    var base: Double = 1024
    if rest.first.map({ $0 | 0x20 }) == UInt8(ascii: "b") {
      base = 1000
      rest = rest.dropFirst()
    } else if rest.prefix(2).map({ $0 | 0x20 }).elementsEqual("ib".utf8) {
      rest = rest.dropFirst(2)
    } else if !(rest.isEmpty || rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-")) {
      return nil
    }
    var adjust: Int64 = 0
    if rest.elementsEqual("+1".utf8) {
      adjust = 1
      rest = []
    } else if rest.elementsEqual("-1".utf8) {
      adjust = -1
      rest = []
    }
    guard rest.isEmpty else { return nil }
    // The digits as a double (what atof gives for them), times the unit.
    var number: Double = 0
    for d in whole { number = number * 10 + Double(d - 0x30) }
    var scale: Double = 1
    for d in fraction {
      scale /= 10
      number += Double(d - 0x30) * scale
    }
    var size = number
    for _ in 0..<reps { size *= base }
    guard size < 9.0e18 else { return nil }  // rsync's ssize_t: "too large"
    return Int64(size) + adjust
  }

  /// Comma-separated `--info` words, each with an optional level 0-4.
  static func isInfoFlags(_ value: Substring) -> Bool {
    let words = [
      "backup", "copy", "del", "flist", "misc", "mount", "name", "nonreg", "progress", "remove",
      "skip", "stats", "symsafe", "all", "none",
    ]
    let items = value.split(separator: ",", omittingEmptySubsequences: false)
    guard value.utf8.count <= 256, !items.isEmpty else { return false }
    return items.allSatisfy { item in
      var word = item[...]
      if let last = word.utf8.last, last >= UInt8(ascii: "0"), last <= UInt8(ascii: "4") {
        word = word.dropLast()
      }
      return words.contains(word.lowercased())
    }
  }
}

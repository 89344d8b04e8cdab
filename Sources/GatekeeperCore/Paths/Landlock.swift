// Kernel confinement: the Landlock ruleset an allowed call runs under. Pure:
// a rule and the kernel's Landlock ABI in, the ruleset out. The executable
// opens each path, adds the rules and restricts itself just before execve;
// the tool inherits the ruleset and can never widen it.
//
// What the ruleset allows, and nothing else:
//   read            beneath each of the rule's roots
//   read + execute  the policy's program; the loader and libraries (/usr/lib,
//                   /lib*); for tar rules the shell GNU tar starts
//                   compressors with, and the compressors
//   read            the few files libc and the tools read (/etc/ld.so.cache,
//                   passwd, group, nsswitch.conf, localtime), locale messages
// Every other file system access is handled and so denied: writing,
// truncating, removing, creating, renaming, linking, device ioctls. With ABI
// 4+ TCP bind and connect are denied; with ABI 6+ abstract unix sockets and
// signals are scoped to the tool's own processes.

/// The policy's `confine landlock=` setting.
public enum ConfineMode: String, CaseIterable, Sendable {
  /// Confine when the kernel supports Landlock; run unconfined otherwise.
  case auto
  /// Refuse to run (reason `confine-unavailable`) when it cannot confine.
  case required
  /// Never confine.
  case off
}

public enum Landlock {
  // File system rights (uapi linux/landlock.h), by the ABI that added them.
  public static let execute: UInt64 = 1 << 0
  public static let writeFile: UInt64 = 1 << 1
  public static let readFile: UInt64 = 1 << 2
  public static let readDir: UInt64 = 1 << 3
  public static let removeDir: UInt64 = 1 << 4
  public static let removeFile: UInt64 = 1 << 5
  public static let makeChar: UInt64 = 1 << 6
  public static let makeDir: UInt64 = 1 << 7
  public static let makeReg: UInt64 = 1 << 8
  public static let makeSock: UInt64 = 1 << 9
  public static let makeFifo: UInt64 = 1 << 10
  public static let makeBlock: UInt64 = 1 << 11
  public static let makeSym: UInt64 = 1 << 12
  /// ABI 2: linking or renaming across directories.
  public static let refer: UInt64 = 1 << 13
  /// ABI 3.
  public static let truncate: UInt64 = 1 << 14
  /// ABI 5: ioctl on device files.
  public static let ioctlDev: UInt64 = 1 << 15
  // Network rights (ABI 4).
  public static let bindTCP: UInt64 = 1 << 0
  public static let connectTCP: UInt64 = 1 << 1
  // Scopes (ABI 6).
  public static let scopeAbstractUnixSocket: UInt64 = 1 << 0
  public static let scopeSignal: UInt64 = 1 << 1

  /// The rights a rule on a regular file may carry (others are EINVAL).
  public static let fileRights: UInt64 = execute | writeFile | readFile | truncate | ioctlDev
  public static let read: UInt64 = readFile | readDir
  public static let readExecute: UInt64 = read | execute

  /// The newest ABI whose rights this code knows; a newer kernel is used
  /// at this level (its ABI number is still what the record reports).
  public static let newestKnownABI = 7

  /// Every file system right of `abi`: all of them are handled, so each one
  /// not granted below is denied.
  public static func handledFS(abi: Int) -> UInt64 {
    guard abi >= 1 else { return 0 }
    var rights: UInt64 = (1 << 13) - 1  // execute ... makeSym
    if abi >= 2 { rights |= refer }
    if abi >= 3 { rights |= truncate }
    if abi >= 5 { rights |= ioctlDev }
    return rights
  }

  public static func handledNet(abi: Int) -> UInt64 { abi >= 4 ? bindTCP | connectTCP : 0 }

  public static func scoped(abi: Int) -> UInt64 { abi >= 6 ? scopeAbstractUnixSocket | scopeSignal : 0 }

  /// Directories of the loader and shared libraries (read and execute).
  public static let libraryDirectories = [
    "/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32", "/lib", "/lib64", "/lib32", "/libx32",
  ]
  /// Single files libc, NSS and the tools read (never all of /etc).
  public static let systemFiles = [
    "/etc/ld.so.cache", "/etc/ld.so.preload", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
    "/etc/localtime",
  ]
  /// Translated messages for the allowed locales.
  public static let localeDirectories = ["/usr/share/locale"]
  /// GNU tar starts a compressor with `/bin/sh -c` (tar's xexec).
  public static let tarShell = "/bin/sh"
  /// What tar's compression options run, found through the child's fixed
  /// PATH (/usr/bin:/bin).
  public static let tarCompressors = ["gzip", "bzip2", "xz", "lzip", "lzma", "lzop", "zstd", "compress"]
}

/// One path and the rights granted beneath it (or on it, for a file).
public struct LandlockGrant: Equatable, Sendable {
  public enum Purpose: String, Sendable {
    case root, program, libraries
    case system = "system file"
    case locale, shell, compressor
  }
  public var path: String
  public var access: UInt64
  public var purpose: Purpose

  public init(_ path: String, _ access: UInt64, _ purpose: Purpose) {
    self.path = path
    self.access = access
    self.purpose = purpose
  }
}

/// The whole ruleset for one allowed call.
public struct LandlockRuleset: Equatable, Sendable {
  /// The kernel's ABI (reported), used up to `Landlock.newestKnownABI`.
  public var abi: Int
  public var handledFS: UInt64
  public var handledNet: UInt64
  public var scoped: UInt64
  /// Paths that may not exist on every machine; the executable skips a
  /// missing one (nothing there to read).
  public var grants: [LandlockGrant]

  /// The ruleset for `rule` under a kernel with Landlock ABI `abi` (>= 1).
  public init(rule: Rule, abi: Int) {
    let level = min(abi, Landlock.newestKnownABI)
    self.abi = abi
    handledFS = Landlock.handledFS(abi: level)
    handledNet = Landlock.handledNet(abi: level)
    scoped = Landlock.scoped(abi: level)
    var g: [LandlockGrant] = rule.roots.map { LandlockGrant($0, Landlock.read, .root) }
    g.append(LandlockGrant(rule.exec, Landlock.readFile | Landlock.execute, .program))
    g += Landlock.libraryDirectories.map { LandlockGrant($0, Landlock.readExecute, .libraries) }
    g += Landlock.systemFiles.map { LandlockGrant($0, Landlock.readFile, .system) }
    g += Landlock.localeDirectories.map { LandlockGrant($0, Landlock.read, .locale) }
    if rule.profile == .tarCreate {
      g.append(LandlockGrant(Landlock.tarShell, Landlock.readFile | Landlock.execute, .shell))
      for name in Landlock.tarCompressors {
        for dir in ["/usr/bin/", "/bin/"] {
          g.append(LandlockGrant(dir + name, Landlock.readFile | Landlock.execute, .compressor))
        }
      }
    }
    grants = g
  }

  /// `landlock-7`: what the audit record's `confine` field says.
  public var label: String { "landlock-\(abi)" }

  /// Human lines for `gatekeeper check`: one per purpose, then what is denied.
  public func describe() -> [String] {
    var out: [String] = []
    var order: [LandlockGrant.Purpose] = []
    for g in grants where !order.contains(g.purpose) { order.append(g.purpose) }
    for purpose in order {
      let mine = grants.filter { $0.purpose == purpose }
      let rights = LandlockRuleset.rightsName(mine[0].access)
      let paths = mine.map { $0.path }.joined(separator: " ")
      out.append("  \(rights.padded(to: 10)) \(paths) (\(purpose.rawValue))")
    }
    var denied = ["writing, creating, removing, renaming, linking"]
    if handledFS & Landlock.truncate != 0 { denied.append("truncating") }
    if handledFS & Landlock.ioctlDev != 0 { denied.append("device ioctls") }
    if handledNet != 0 { denied.append("TCP bind and connect") }
    if scoped != 0 { denied.append("abstract unix sockets and signals outside the tool") }
    out.append("  denied     everything else: " + denied.joined(separator: ", "))
    return out
  }

  static func rightsName(_ access: UInt64) -> String {
    var parts: [String] = []
    if access & Landlock.read != 0 { parts.append("read") }
    if access & Landlock.execute != 0 { parts.append("exec") }
    if access & Landlock.writeFile != 0 { parts.append("write") }
    return parts.joined(separator: "+")
  }
}

extension String {
  fileprivate func padded(to width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}

// GNU tar 1.34/1.35 option table, as data. The two releases have the same
// table (src/tar.c `options[]`, src/names.c `names_options[]`) plus the
// options argp adds itself. Every long option is listed, even refused ones,
// so that abbreviations resolve exactly as getopt_long resolves them.
// The tar-create profile (TarCreate.swift) judges by this table; `gatekeeper
// learn` asks it how options take their values, and keeps no list of its own.

/// How an option takes its argument (getopt_long semantics).
public enum TarArgument: Sendable {
  /// No argument; `--name=x` is a usage error.
  case none
  /// `--name=x`, `--name x`, `-fx`, `-f x`; old style takes the next word.
  case required
  /// Only `--name=x`; a following word is never taken.
  case optional
}

/// What the tar-create profile does with an option.
public enum TarRule: Sendable {
  /// Harmless for `tar -c` to stdout: kept as is.
  case allow
  /// `--unquote` / `--no-unquote`: whether tar decodes backslash escapes in
  /// the file operands that follow (checks look at the decoded name).
  case unquote(Bool)
  /// Refused with this reason.
  case deny(TarReason)
  /// `-c`: the only mode we run.
  case create
  /// `-f`: must be `-`, and given once.
  case archive
  /// `-C`: position-sensitive change of directory; path-checked.
  case directory
  /// `--add-file`: an operand spelled as an option; path-checked.
  case addFile
  /// `-b`: a decimal number of 512-byte blocks, 1 ... the cap.
  case blocking
  /// `--record-size`: bytes (tar's size suffixes), multiple of 512, up to the cap.
  case recordSize
  /// DATE-OR-FILE: a value starting with `/` or `.` makes tar stat a file.
  case date
  /// `--pax-option`: a `{DATE-OR-FILE}` value is checked like `.date`.
  case paxOption
  /// `--atime-preserve`: only `=system` (the default, `replace`, writes atimes).
  case atimePreserve
  /// `--totals[=SIGNAL]`: one of tar's five signal names.
  case totals
  /// Follows symbolic links: allowed only when the roots are the whole tree.
  case wholeTreeOnly
  /// A file name tar opens in every directory (and archives): no `/`, not `.` or `..`.
  case tagName
  /// A file name tar opens and reads, following symlinks: `.tagName` and `.wholeTreeOnly`.
  case ignoreFile
}

/// One row of the table.
public struct TarOption: Sendable {
  /// Long names; the first is the canonical one used in the rebuilt argv,
  /// the others are argp aliases (same option, same argument kind).
  public let names: [String]
  /// The short letter, if any (ASCII).
  public let letter: UInt8?
  public let argument: TarArgument
  public let rule: TarRule
}

public enum TarOptions {
  /// Legend: `row("long alias...", "letter", argument, rule)`.
  /// - names: space-separated long names, canonical first ("" = no long name);
  /// - letter: the short option letter ("" = none);
  /// - argument: `.none`, `.required` or `.optional` (optional only with `=`);
  /// - rule: see `TarRule`; `.deny(reason)` refuses the option wherever it appears.
  static let table: [TarOption] = [
    // Main operation mode
    row("list", "t", .none, .deny(.modeNotCreate)),
    row("extract get", "x", .none, .deny(.modeNotCreate)),
    row("create", "c", .none, .create),
    row("diff compare", "d", .none, .deny(.modeNotCreate)),
    row("append", "r", .none, .deny(.modeNotCreate)),
    row("update", "u", .none, .deny(.modeNotCreate)),
    row("catenate concatenate", "A", .none, .deny(.modeNotCreate)),
    row("delete", "", .none, .deny(.modeNotCreate)),
    row("test-label", "", .none, .deny(.modeNotCreate)),
    // Operation modifiers
    row("sparse", "S", .none, .allow),
    row("hole-detection", "", .required, .allow),
    row("sparse-version", "", .required, .allow),
    row("incremental", "G", .none, .deny(.incremental)),
    row("listed-incremental", "g", .required, .deny(.writesFile)),
    row("level", "", .required, .allow),
    row("ignore-failed-read", "", .none, .allow),
    row("occurrence", "", .optional, .deny(.notCreateOption)),
    row("seek", "n", .none, .allow),
    row("no-seek", "", .none, .allow),
    row("no-check-device", "", .none, .allow),
    row("check-device", "", .none, .allow),
    // Overwrite control (extraction), verify, remove
    row("verify", "W", .none, .deny(.verify)),
    row("remove-files", "", .none, .deny(.removesFiles)),
    row("keep-old-files", "k", .none, .deny(.notCreateOption)),
    row("skip-old-files", "", .none, .deny(.notCreateOption)),
    row("keep-newer-files", "", .none, .deny(.notCreateOption)),
    row("overwrite", "", .none, .deny(.notCreateOption)),
    row("unlink-first", "U", .none, .deny(.notCreateOption)),
    row("recursive-unlink", "", .none, .deny(.notCreateOption)),
    row("no-overwrite-dir", "", .none, .deny(.notCreateOption)),
    row("overwrite-dir", "", .none, .deny(.notCreateOption)),
    row("keep-directory-symlink", "", .none, .deny(.notCreateOption)),
    row("one-top-level", "", .optional, .deny(.notCreateOption)),
    // Output stream selection (extraction)
    row("to-stdout", "O", .none, .deny(.notCreateOption)),
    row("to-command", "", .required, .deny(.runsProgram)),
    row("ignore-command-error", "", .none, .deny(.notCreateOption)),
    row("no-ignore-command-error", "", .none, .deny(.notCreateOption)),
    // File attributes
    row("owner", "", .required, .allow),
    row("group", "", .required, .allow),
    row("owner-map", "", .required, .deny(.readsFile)),
    row("group-map", "", .required, .deny(.readsFile)),
    row("mtime", "", .required, .date),
    row("clamp-mtime", "", .none, .allow),
    row("mode", "", .required, .allow),
    row("atime-preserve", "", .optional, .atimePreserve),
    row("touch", "m", .none, .deny(.notCreateOption)),
    row("same-owner", "", .none, .deny(.notCreateOption)),
    row("no-same-owner", "", .none, .deny(.notCreateOption)),
    row("numeric-owner", "", .none, .allow),
    row("preserve-permissions same-permissions", "p", .none, .allow),
    row("no-same-permissions", "", .none, .deny(.notCreateOption)),
    row("preserve-order same-order", "s", .none, .deny(.notCreateOption)),
    row("delay-directory-restore", "", .none, .deny(.notCreateOption)),
    row("no-delay-directory-restore", "", .none, .deny(.notCreateOption)),
    row("sort", "", .required, .allow),
    // Extended attributes
    row("xattrs", "", .none, .allow),
    row("no-xattrs", "", .none, .allow),
    row("xattrs-include", "", .required, .allow),
    row("xattrs-exclude", "", .required, .allow),
    row("selinux", "", .none, .allow),
    row("no-selinux", "", .none, .allow),
    row("acls", "", .none, .allow),
    row("no-acls", "", .none, .allow),
    // Device selection and switching (hidden -0 ... -9 pick a tape drive)
    row("file", "f", .required, .archive),
    row("", "0", .none, .deny(.archiveNotStdout)),
    row("", "1", .none, .deny(.archiveNotStdout)),
    row("", "2", .none, .deny(.archiveNotStdout)),
    row("", "3", .none, .deny(.archiveNotStdout)),
    row("", "4", .none, .deny(.archiveNotStdout)),
    row("", "5", .none, .deny(.archiveNotStdout)),
    row("", "6", .none, .deny(.archiveNotStdout)),
    row("", "7", .none, .deny(.archiveNotStdout)),
    row("", "8", .none, .deny(.archiveNotStdout)),
    row("", "9", .none, .deny(.archiveNotStdout)),
    row("force-local", "", .none, .allow),
    row("rmt-command", "", .required, .deny(.runsProgram)),
    row("rsh-command", "", .required, .deny(.runsProgram)),
    row("multi-volume", "M", .none, .deny(.multiVolume)),
    row("tape-length", "L", .required, .deny(.multiVolume)),
    row("info-script new-volume-script", "F", .required, .deny(.runsProgram)),
    row("volno-file", "", .required, .deny(.writesFile)),
    // Device blocking
    row("blocking-factor", "b", .required, .blocking),
    row("record-size", "", .required, .recordSize),
    row("ignore-zeros", "i", .none, .deny(.notCreateOption)),
    row("read-full-records", "B", .none, .deny(.notCreateOption)),
    // Archive format
    row("format", "H", .required, .allow),
    row("old-archive portability", "", .none, .allow),
    row("posix", "", .none, .allow),
    row("pax-option", "", .required, .paxOption),
    row("label", "V", .required, .allow),
    // Compression (the program is found through the fixed PATH of the exec)
    row("auto-compress", "a", .none, .allow),
    row("no-auto-compress", "", .none, .allow),
    row("use-compress-program", "I", .required, .deny(.runsProgram)),
    row("bzip2", "j", .none, .allow),
    row("gzip gunzip ungzip", "z", .none, .allow),
    row("compress uncompress", "Z", .none, .allow),
    row("lzip", "", .none, .allow),
    row("lzma", "", .none, .allow),
    row("lzop", "", .none, .allow),
    row("xz", "J", .none, .allow),
    row("zstd", "", .none, .allow),
    // Local file selection
    row("one-file-system", "", .none, .allow),
    row("absolute-names", "P", .none, .allow),
    row("dereference", "h", .none, .wholeTreeOnly),
    row("hard-dereference", "", .none, .allow),
    row("starting-file", "K", .required, .deny(.notCreateOption)),
    row("newer after-date", "N", .required, .date),
    row("newer-mtime", "", .required, .date),
    row("backup", "", .optional, .deny(.writesFile)),
    row("suffix", "", .required, .deny(.writesFile)),
    // File name transformations (GNU tar's s/// has no `e` flag)
    row("strip-components", "", .required, .deny(.notCreateOption)),
    row("transform xform", "", .required, .allow),
    // Informative output
    row("checkpoint", "", .optional, .deny(.checkpoint)),
    row("checkpoint-action", "", .required, .deny(.runsProgram)),
    row("check-links", "l", .none, .allow),
    row("totals", "", .optional, .totals),
    row("utc", "", .none, .allow),
    row("full-time", "", .none, .allow),
    row("index-file", "", .required, .deny(.writesFile)),
    row("block-number", "R", .none, .allow),
    row("show-defaults", "", .none, .deny(.notCreateOption)),
    row("show-snapshot-field-ranges", "", .none, .deny(.notCreateOption)),
    row("show-omitted-dirs", "", .none, .deny(.notCreateOption)),
    row("show-transformed-names show-stored-names", "", .none, .allow),
    row("quoting-style", "", .required, .allow),
    row("quote-chars", "", .required, .allow),
    row("no-quote-chars", "", .required, .allow),
    row("interactive confirmation", "w", .none, .deny(.interactive)),
    row("verbose", "v", .none, .allow),
    row("warning", "", .required, .allow),
    // Compatibility: -o has no long name (with -c it means --old-archive)
    row("", "o", .none, .allow),
    row("restrict", "", .none, .allow),
    // names.c: local file name selection
    row("add-file", "", .required, .addFile),
    row("directory", "C", .required, .directory),
    row("files-from", "T", .required, .deny(.readsFile)),
    row("null", "", .none, .allow),
    row("no-null", "", .none, .allow),
    row("unquote", "", .none, .unquote(true)),
    row("no-unquote", "", .none, .unquote(false)),
    row("verbatim-files-from", "", .none, .allow),
    row("no-verbatim-files-from", "", .none, .allow),
    row("exclude", "", .required, .allow),
    row("exclude-from", "X", .required, .deny(.readsFile)),
    row("exclude-caches", "", .none, .allow),
    row("exclude-caches-under", "", .none, .allow),
    row("exclude-caches-all", "", .none, .allow),
    row("exclude-tag", "", .required, .tagName),
    row("exclude-ignore", "", .required, .ignoreFile),
    row("exclude-ignore-recursive", "", .required, .ignoreFile),
    row("exclude-tag-under", "", .required, .tagName),
    row("exclude-tag-all", "", .required, .tagName),
    row("exclude-vcs", "", .none, .allow),
    row("exclude-vcs-ignores", "", .none, .wholeTreeOnly),
    row("exclude-backups", "", .none, .allow),
    row("recursion", "", .none, .allow),
    row("no-recursion", "", .none, .allow),
    // names.c: name matching (position-sensitive, kept in order)
    row("anchored", "", .none, .allow),
    row("no-anchored", "", .none, .allow),
    row("ignore-case", "", .none, .allow),
    row("no-ignore-case", "", .none, .allow),
    row("wildcards", "", .none, .allow),
    row("no-wildcards", "", .none, .allow),
    row("wildcards-match-slash", "", .none, .allow),
    row("no-wildcards-match-slash", "", .none, .allow),
    // Added by argp itself (--program-name and --HANG are hidden)
    row("help", "?", .none, .deny(.builtinOption)),
    row("usage", "", .none, .deny(.builtinOption)),
    row("program-name", "", .required, .deny(.builtinOption)),
    row("HANG", "", .optional, .deny(.builtinOption)),
    row("version", "", .none, .deny(.builtinOption)),
  ]

  private static func row(
    _ names: String, _ letter: String, _ argument: TarArgument, _ rule: TarRule
  ) -> TarOption {
    TarOption(
      names: names.split(separator: " ").map(String.init),
      letter: letter.utf8.first, argument: argument, rule: rule)
  }

  /// The option with this short letter (byte compare).
  public static func option(letter: UInt8) -> TarOption? {
    table.first { $0.letter == letter }
  }

  /// How getopt_long resolves `--name`: an exact name wins; otherwise a
  /// prefix of exactly one option (aliases of one option count once) is an
  /// abbreviation; a prefix of several options is ambiguous.
  public enum Lookup {
    case exact(TarOption)
    case abbreviation(TarOption, meant: String)
    case ambiguous([String])
    case unknown
  }

  /// Resolves a long option name, comparing bytes (never Unicode equivalence).
  public static func lookup<S: StringProtocol>(long name: S) -> Lookup {
    let key = Array(name.utf8)
    var matches: [(row: Int, name: String)] = []
    for (i, option) in table.enumerated() {
      for candidate in option.names {
        let bytes = Array(candidate.utf8)
        if bytes == key { return .exact(option) }
        if bytes.starts(with: key) { matches.append((i, candidate)) }
      }
    }
    guard let first = matches.first else { return .unknown }
    if matches.allSatisfy({ $0.row == first.row }) {
      return .abbreviation(table[first.row], meant: first.name)
    }
    return .ambiguous(matches.map(\.name))
  }
}

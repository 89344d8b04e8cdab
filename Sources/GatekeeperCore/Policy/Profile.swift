// The interface between the core and the two profiles (rsync-sender,
// tar-create). The core tokenizes the command, strips the prefixes it
// applies itself (env/locale, nice, ionice), identifies the program word and
// hands the remaining words to the profile together with the scope of the
// rule being tried. A profile either rebuilds the exact argument list to
// execute, or refuses with a Denial.

/// What a profile needs to know about the rule being tried.
public struct RuleScope: Equatable, Sendable {
  /// Allowed directories: absolute, without `..`, normalized (no trailing
  /// slash except for `/` itself). `["/"]` means the whole tree.
  public var roots: [String]
  /// rsync only: the policy says the installed rsync understands
  /// `--confine-root` (3.5.0+), so the profile adds it when roots are narrower
  /// than `/` and there is exactly one root that contains every path.
  public var confineRoot: Bool

  public init(roots: [String] = ["/"], confineRoot: Bool = false) {
    self.roots = roots
    self.confineRoot = confineRoot
  }

  /// True when the roots cover the whole tree.
  public var isWholeTree: Bool { Paths.isWholeTree(roots) }
}

/// What a profile decided to run.
public struct ToolPlan: Equatable, Sendable {
  /// The arguments after argv[0]. argv[0] itself is the policy's `exec=` path.
  public var arguments: [String]
  /// rsync only: the command line carried `-s` (secluded arguments). The
  /// executable must read the argument block from stdin and call
  /// `RsyncSender.checkSecluded` before anything runs.
  public var needsSecludedBlock: Bool

  /// The paths the tool opens from its command line, for the symlink check
  /// (PathResolver.judge); empty when the roots are the whole tree.
  public var reads: [ToolPath]
  /// More paths than the symlink check may look at (PathResolver.maxLookups
  /// components in all): the check refuses.
  public var readsOverflow = false

  public init(arguments: [String], needsSecludedBlock: Bool = false, reads: [ToolPath] = []) {
    self.arguments = arguments
    self.needsSecludedBlock = needsSecludedBlock
    self.reads = reads
  }
}

// Fuzz targets for the two profiles: rsync-sender (command line and secluded
// block) and tar-create.

enum FuzzRsync {
  static func run(_ bytes: [UInt8]) {
    let words = nulWords(bytes)
    for scope in fuzzScopes {
      let first = RsyncSender.check(words, scope: scope)
      invariant(first == RsyncSender.check(words, scope: scope), "rsync: two calls disagree on \(words)")
      guard case .success(let plan) = first else { continue }
      ArgvInvariants.rsync(plan.arguments, scope: scope, secluded: plan.needsSecludedBlock, context: "\(words)")
      // The rebuilt argv is accepted again and rebuilds to itself.
      let again = RsyncSender.check(plan.arguments, scope: scope)
      invariant(again == .success(plan), "rsync: rebuilt argv \(plan.arguments) is not a fixed point: \(again)")
    }
  }
}

enum FuzzSecluded {
  /// Command lines a real client sends with `-s` (the block follows on stdin).
  static let commandLines: [[String]] = [
    ["--server", "--sender", "-slogDtpre.iLsfxCIvu"],
    ["--server", "--sender", "-slHogDtprcxe.iLsfxC"],
    ["--server", "--sender", "-slogDtpre.iLsfxCIvu", "--iconv=latin1"],
  ]

  static func run(_ bytes: [UInt8]) {
    var reader = SecludedBlock()
    var step = SecludedBlock.Step.more
    var consumed = 0
    for byte in bytes {
      consumed += 1
      step = reader.feed(byte)
      if step != .more { break }
    }
    // Once finished, the reader keeps its answer and reads nothing more.
    if step != .more {
      invariant(reader.feed(0) == step && reader.feed(0x41) == step, "secluded: reader changed its answer")
    }
    guard case .done(let block) = step else { return }
    // The block ends at the first double NUL: exactly that much was consumed.
    invariant(
      consumed >= 2 && bytes[consumed - 1] == 0 && bytes[consumed - 2] == 0, "secluded: block ended off a double NUL")
    invariant(block.first == "rsync", "secluded: block without rsync")
    for commandLine in commandLines {
      for scope in fuzzScopes {
        let result = RsyncSender.checkSecluded(commandLine: commandLine, block: block, scope: scope)
        let twice = RsyncSender.checkSecluded(commandLine: commandLine, block: block, scope: scope)
        invariant(result == twice, "secluded: two calls disagree on \(block)")
        guard case .success(let plan) = result else { continue }
        invariant(!plan.needsSecludedBlock, "secluded: plan still needs a block")
        ArgvInvariants.rsync(plan.arguments, scope: scope, secluded: false, context: "secluded \(block)")
        // What runs is an ordinary command line, accepted as such.
        let again = RsyncSender.check(plan.arguments, scope: scope)
        invariant(
          again == .success(plan), "secluded: plan \(plan.arguments) is not accepted back as a command line: \(again)")
      }
    }
  }
}

enum FuzzTar {
  static func run(_ bytes: [UInt8]) {
    let words = nulWords(bytes)
    for scope in fuzzScopes {
      let first = TarCreate.check(words, scope: scope)
      invariant(first == TarCreate.check(words, scope: scope), "tar: two calls disagree on \(words)")
      guard case .success(let plan) = first else { continue }
      invariant(!plan.needsSecludedBlock, "tar: plan needs a secluded block")
      ArgvInvariants.tar(plan.arguments, scope: scope, context: "\(words)")
      let again = TarCreate.check(plan.arguments, scope: scope)
      invariant(again == .success(plan), "tar: rebuilt argv \(plan.arguments) is not a fixed point: \(again)")
    }
  }
}

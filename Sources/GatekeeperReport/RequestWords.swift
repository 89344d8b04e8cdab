// The words of a recorded command, from its program word on, as gatekeeper
// itself read them: split by the core's Tokenizer, then stripped of the
// prefixes gatekeeper applies itself (`env`, `LC_ALL=C`, `nice -n N`,
// `ionice -cN`) by the core's CommandParser. The report must also name
// requests the core refused to read:
// - a command the tokenizer refuses (shell syntax, a control character, an
//   open quote, a record cut short) is cut at blanks instead, much as sshd
//   joined the client's words;
// - when the parser refuses a prefix, every word is kept: the prefixes are
//   then part of what was asked.

import GatekeeperCore

enum RequestWords {
  /// At most the first `limit` words of `command` are read.
  static func of(_ command: ArraySlice<UInt8>, limit: Int) -> ArraySlice<String> {
    let words: [String]
    switch Tokenizer.words(Array(command)) {
    case .success(let split): words = Array(split.prefix(limit))
    case .failure:
      words = command.split(maxSplits: limit, whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0a })
        .prefix(limit).map { String(decoding: $0, as: UTF8.self) }
    }
    return CommandParser.programAndArguments(words) ?? words[...]
  }
}

// Writing audit records: one JSON line per decision to the policy's file
// (reached through trusted directories, opened O_APPEND|O_NOFOLLOW, one
// write(2) per record, so concurrent calls never interleave) and to syslog
// after an `@cee:` cookie.

import CSystem
import GatekeeperCore
import Glibc

/// Facts about the call that every record carries.
struct CallContext {
  var mode: Request.Mode
  var label: String?
  var client: String = ""
  var clientPort: String = ""
  var key: String = ""
  /// Why `key` is empty although sshd named a key file (the client can hang
  /// up before gatekeeper reads it; sshd then deletes the file).
  var keyProblem: String = ""
  var command: [UInt8]? = nil
  var argvWords: [String] = []
  /// rsync's secluded arguments, once read (every later record carries them).
  var secluded: [String]? = nil

  /// From SSH_CONNECTION (`client_ip client_port server_ip server_port`)
  /// and SSH_USER_AUTH (ExposeAuthInfo).
  static func fromEnvironment(mode: Request.Mode, label: String?) -> CallContext {
    var c = CallContext(mode: mode, label: label)
    if let conn = Sys.envString("SSH_CONNECTION") {
      let f = conn.split(separator: " ")
      if f.count >= 2 {
        c.client = String(f[0])
        c.clientPort = String(f[1])
      }
    }
    if let authFile = Sys.envString("SSH_USER_AUTH") {
      // Only a regular file owned by the account that logged in (sshd writes
      // it for that account; under sudo, SUDO_UID) is read, non-blocking and
      // capped: never a FIFO, a device or another account's file.
      switch Sys.open(authFile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) {
      case .success(let fd):
        (c.key, c.keyProblem) = readKey(fd)
        Sys.close(fd)
      case .failure(let e):
        c.keyProblem = "SSH_USER_AUTH unreadable (\(e))"
      }
    }
    return c
  }

  /// The key's fingerprint from SSH_USER_AUTH, open at `fd`, or why
  /// there is none.
  static func readKey(_ fd: Int32) -> (key: String, problem: String) {
    guard case .success(let st) = Sys.status(fd), (st.st_mode & S_IFMT) == S_IFREG else {
      return ("", "SSH_USER_AUTH is not a regular file")
    }
    if st.st_uid != loginUID() {
      return ("", "SSH_USER_AUTH is owned by uid \(st.st_uid), not the account that logged in")
    }
    guard let bytes = Sys.readAll(fd, limit: 64 << 10), let fp = Fingerprint.fromUserAuth(bytes) else {
      return ("", "SSH_USER_AUTH holds no public key")
    }
    return (fp, "")
  }

  /// The account sshd logged in: under sudo (which made us root) the one
  /// that ran sudo, else our own.
  static func loginUID() -> uid_t {
    if Sys.effectiveUID() == 0, Sys.realUID() == 0, let text = Sys.envString("SUDO_UID"), let uid = UInt32(text) {
      return uid_t(uid)
    }
    return Sys.realUID()
  }

  /// An allow record: `argv` is what runs (empty when nothing does).
  func allowRecord(_ reason: AllowReason, detail: String, rule: String, argv: [String]) -> AuditRecord {
    record(.allow, reason.rawValue, detail: detail, rule: rule, argv: argv)
  }

  /// A deny record with the refusal's code.
  func denyRecord(_ code: String, detail: String, rule: String) -> AuditRecord {
    record(.deny, code, detail: detail, rule: rule, argv: [])
  }

  /// An error record: the request was not at fault, `reason` was.
  func errorRecord(_ reason: RuntimeReason, detail: String, rule: String, argv: [String] = []) -> AuditRecord {
    record(.error, reason.rawValue, detail: detail, rule: rule, argv: argv)
  }

  private func record(
    _ decision: AuditDecision, _ reason: String, detail: String, rule: String, argv: [String]
  ) -> AuditRecord {
    var r = AuditRecord()
    r.timeMillis = Sys.nowMillis()
    r.host = Sys.hostname()
    r.pid = Sys.processID()
    r.decision = decision
    r.reason = reason
    r.detail = keyProblem.isEmpty ? detail : (detail.isEmpty ? keyProblem : detail + "; " + keyProblem)
    r.rule = rule
    r.label = label ?? ""
    r.user = Sys.userName()
    r.client = client
    r.clientPort = clientPort
    r.key = key
    r.mode = mode.rawValue
    r.command = mode == .forced ? command : Array(Tokenizer.shellQuote(argvWords).utf8)
    r.argv = argv
    r.secluded = secluded
    // sudo sets SUDO_USER; only believed when sudo made us root.
    if Sys.effectiveUID() == 0, Sys.realUID() == 0, let su = Sys.envString("SUDO_USER") { r.sudoUser = su }
    return r
  }
}

enum Audit {
  /// Appends the record to the file log, if the policy names one. Returns
  /// nil on success (or no file), else the reason and error text.
  static func writeFile(_ record: AuditRecord, settings: LogSettings) -> (RuntimeReason, String)? {
    writeFile(json: record.json(), settings: settings)
  }

  /// writeFile for a record already rendered as JSON. The file is reached
  /// through trusted directories without following a link, must be a
  /// regular file that only root (or the caller) can write, is opened
  /// non-blocking (a FIFO there cannot hang the call), and gets a newline
  /// first if a short write left its last line unfinished.
  static func writeFile(json: String, settings: LogSettings) -> (RuntimeReason, String)? {
    guard let path = settings.file else { return nil }
    let opened: Trust.Opened
    switch Trust.open(
      path, flags: O_RDWR | O_APPEND | O_CREAT | O_NONBLOCK, mode: 0o640, followLinks: false, what: "log file")
    {
    case .success(let o): opened = o
    case .failure(let f): return (f.missing ? .logUnwritable : .logUnsafe, f.message)
    }
    let fd = opened.fd
    defer { Sys.close(fd) }
    if let problem = Trust.fileProblem(opened.st, what: "log file \(path)") { return (.logUnsafe, problem) }
    var line = Array((json + "\n").utf8)
    // Writers take turns (flock) so that the last byte seen is a finished
    // write's; a lock someone else holds on (any reader can take one) is
    // waited for briefly, then the record is appended without the repair.
    if lockBriefly(fd), case .success(let st) = Sys.status(fd), st.st_size > 0,
      case .success(let last?) = Sys.readByte(fd, at: st.st_size - 1), last != UInt8(ascii: "\n")
    {
      line.insert(UInt8(ascii: "\n"), at: 0)
    }
    switch Sys.writeOnce(fd, line[...]) {
    case .success(let n) where n == line.count: return nil
    case .success(let n): return (.logUnwritable, "\(path): short write (\(n) of \(line.count) bytes)")
    case .failure(let e): return (.logUnwritable, "\(path): \(e)")
    }
  }

  /// flock(LOCK_EX) within about 200 ms; false when it was not had.
  private static func lockBriefly(_ fd: Int32) -> Bool {
    for _ in 0..<200 {
      switch Sys.tryLockExclusive(fd) {
      case .success: return true
      case .failure(let e) where e == .wouldBlock: Sys.sleep(milliseconds: 1)
      case .failure: return false
      }
    }
    return false
  }

  /// Sends the record to syslog after the `@cee:` cookie, never longer than
  /// AuditRecord.syslogLimit in all (`rendered`, the file's line, is reused
  /// when it fits).
  static func writeSyslog(_ record: AuditRecord, settings: LogSettings, rendered: String? = nil) {
    guard let facility = settings.syslogFacility else { return }
    let limit = AuditRecord.syslogLimit - 5  // "@cee:"
    var json = rendered ?? ""
    if rendered == nil || json.utf8.count > limit { json = record.json(limit: limit) }
    Sys.openlog(tag: settings.syslogTag, facility: facility)
    let priority: Int32 =
      switch record.decision {
      case .allow: LOG_INFO
      case .deny: LOG_NOTICE
      case .error: LOG_ERR
      }
    Sys.syslog(priority, "@cee:" + json)
  }

  /// Writes to both. When the file cannot be written (or is not safe to),
  /// the core's rule (AuditRecord.afterFileFailure) says what goes to
  /// syslog instead and whether the call must end: the refusal is returned
  /// (`log-unwritable`, `log-unsafe`). nil: the call may proceed.
  @discardableResult
  static func emit(_ record: AuditRecord, settings: LogSettings) -> RuntimeReason? {
    // Rendered once: the same line goes to the file and, unless the file
    // failed and the record changed, to syslog.
    let json = record.json()
    guard let (reason, failure) = writeFile(json: json, settings: settings) else {
      writeSyslog(record, settings: settings, rendered: json)
      return nil
    }
    let after = record.afterFileFailure(reason, failure, required: settings.fileRequired)
    writeSyslog(after.record, settings: settings)
    return after.refusal
  }
}

// Writing audit records: one JSON line per decision to the policy's file
// (opened O_APPEND|O_NOFOLLOW, one write(2) per record, so concurrent calls
// never interleave) and to syslog after an `@cee:` cookie.

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
      // Only a regular file is read (never a FIFO or device that could block).
      let fd = Sys.open(authFile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
      if fd >= 0 {
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG,
          let bytes = Sys.readAll(fd, limit: 1 << 20), let fp = Fingerprint.fromUserAuth(bytes)
        {
          c.key = fp
        } else {
          c.keyProblem = "SSH_USER_AUTH holds no public key"
        }
        close(fd)
      } else {
        c.keyProblem = "SSH_USER_AUTH unreadable (\(Sys.errorText(-fd)))"
      }
    }
    return c
  }

  func record(decision: String, reason: String, detail: String, rule: String, argv: [String]) -> AuditRecord {
    var r = AuditRecord()
    r.timeMillis = Sys.nowMillis()
    r.host = Sys.hostname()
    r.pid = getpid()
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
    if geteuid() == 0, getuid() == 0, let su = Sys.envString("SUDO_USER") { r.sudoUser = su }
    return r
  }
}

enum Audit {
  /// Appends the record to the file log, if the policy names one. Returns
  /// nil on success (or no file), else the error text.
  static func writeFile(_ record: AuditRecord, settings: LogSettings) -> String? {
    writeFile(json: record.json(), settings: settings)
  }

  /// writeFile for a record already rendered as JSON.
  static func writeFile(json: String, settings: LogSettings) -> String? {
    guard let path = settings.file else { return nil }
    let fd = Sys.open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o640)
    if fd < 0 { return "\(path): \(Sys.errorText(-fd))" }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) != 0 || (st.st_mode & S_IFMT) != S_IFREG { return "\(path): not a regular file" }
    let line = Array((json + "\n").utf8)
    let n = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    if n != line.count { return "\(path): \(n < 0 ? Sys.errorText(errno) : "short write")" }
    return nil
  }

  static func writeSyslog(_ record: AuditRecord, settings: LogSettings) {
    writeSyslog(json: record.json(), decision: record.decision, settings: settings)
  }

  /// writeSyslog for a record already rendered as JSON.
  static func writeSyslog(json: String, decision: String, settings: LogSettings) {
    guard let facility = settings.syslogFacility else { return }
    Sys.openlog(tag: settings.syslogTag, facility: facility)
    let priority: Int32 =
      switch decision {
      case "allow": LOG_INFO
      case "deny": LOG_NOTICE
      default: LOG_ERR
      }
    Sys.syslog(priority, "@cee:" + json)
  }

  /// Writes to both. When the file cannot be written and the policy requires
  /// it, an allowed record turns into a denial (`log-unwritable`); the return
  /// value says whether the call may proceed.
  static func emit(_ record: AuditRecord, settings: LogSettings) -> Bool {
    // Rendered once: the same line goes to the file and, unless the file
    // failed and the record changed, to syslog.
    let json = record.json()
    guard let failure = writeFile(json: json, settings: settings) else {
      writeSyslog(json: json, decision: record.decision, settings: settings)
      return true
    }
    var r = record
    var proceed = true
    if settings.fileRequired {
      if r.decision == "allow" {
        r.decision = "deny"
        r.argv = []
      }
      r.reason = r.reason.isEmpty || record.decision == "allow" ? RuntimeReason.logUnwritable.rawValue : r.reason
      r.detail = "audit file not written (\(failure)); " + record.detail
      proceed = false
    } else {
      r.detail = "audit file not written (\(failure)); required=no; " + record.detail
    }
    writeSyslog(r, settings: settings)
    return proceed
  }
}

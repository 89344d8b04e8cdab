// Per-record aggregation for `gatekeeper report`. Every field used for
// grouping is interned to a dense id (no String per record); commands are
// interned too and their shape computed once per distinct command.

public struct Counts: Equatable, Sendable {
  public var calls = 0
  public var allowed = 0
  public var denied = 0
  public var errors = 0
  public var first = Int64.max
  public var last = Int64.min
  public init() {}

  @inline(__always) mutating func add(_ v: Verdict, _ t: Int64) {
    calls += 1
    switch v {
    case .allow: allowed += 1
    case .deny: denied += 1
    case .error: errors += 1
    }
    if t < first { first = t }
    if t > last { last = t }
  }
}

/// A group that also keeps one example: the command (and who sent it) of
/// its earliest record.
struct Sample {
  var counts = Counts()
  var command = -1
  var client = -1
  var key = -1
  var label = -1

  @inline(__always) mutating func add(_ v: Verdict, _ t: Int64, _ cmd: Int, _ cl: Int, _ k: Int, _ l: Int) {
    if t < counts.first {
      command = cmd
      client = cl
      key = k
      label = l
    }
    counts.add(v, t)
  }
}

public struct Aggregator: RecordConsumer {
  public var totals = Counts()
  var clients = Interner(capacity: 256)
  var keys = Interner(capacity: 256)
  var labels = Interner(capacity: 64)
  var rules = Interner(capacity: 64)
  var reasons = Interner(capacity: 64)
  var commands = Interner(capacity: 4096)
  var shapes = Interner(capacity: 256)

  var clientCounts: [Counts] = []
  var ruleCounts: [Counts] = []
  /// (key id << 32 | label id) -> index into keyLabelCounts.
  var keyLabelIndex: [Int: Int] = Dictionary(minimumCapacity: 256)
  var keyLabels: [(key: Int, label: Int)] = []
  var keyLabelCounts: [Counts] = []
  /// Per key: 24 hourly samples, and the label of its first record.
  var keyHours: [Sample] = []
  var keyCalls: [Int] = []
  var denyReasons: [Sample] = []
  var errorReasons: [Sample] = []
  var commandShape: [Int] = []
  var shapeSamples: [Sample] = []
  /// Hour number (ms / 3600000) -> allowed, denied, errors.
  var hourly: [Int64: (Int, Int, Int)] = Dictionary(minimumCapacity: 1024)
  var lastHour = Int64.min
  var lastHourCounts = (0, 0, 0)
  var scratch: [UInt8] = []
  var nullShape = -1
  let nullCommand = -1

  public init() {}

  @inline(__always) mutating func id(_ table: inout Interner, _ b: UnsafeBufferPointer<UInt8>, _ s: Span) -> (
    id: Int, isNew: Bool
  ) {
    if !s.escaped {
      return table.intern(UnsafeBufferPointer(rebasing: b[s.start..<s.end]))
    }
    scratch.removeAll(keepingCapacity: true)
    JSONText.decode(b, s, into: &scratch)
    return scratch.withUnsafeBufferPointer { table.intern($0) }
  }

  public mutating func consume(_ v: RecordView) {
    let b = v.buffer
    let r = v.record
    let t = v.time
    let verdict = v.verdict
    totals.add(verdict, t)

    let client = id(&clients, b, r.client)
    if client.isNew { clientCounts.append(Counts()) }
    clientCounts[client.id].add(verdict, t)

    let rule = id(&rules, b, r.rule)
    if rule.isNew { ruleCounts.append(Counts()) }
    ruleCounts[rule.id].add(verdict, t)

    let label = id(&labels, b, r.label).id
    let key = id(&keys, b, r.key)
    if key.isNew {
      keyHours.append(contentsOf: repeatElement(Sample(), count: 24))
      keyCalls.append(0)
    }
    let pair = key.id << 32 | label
    let slot: Int
    if let s = keyLabelIndex[pair] {
      slot = s
    } else {
      slot = keyLabelCounts.count
      keyLabelIndex[pair] = slot
      keyLabels.append((key.id, label))
      keyLabelCounts.append(Counts())
    }
    keyLabelCounts[slot].add(verdict, t)

    var command = nullCommand
    if let c = r.command {
      let cmd = id(&commands, b, c)
      command = cmd.id
      if cmd.isNew {
        let shape = shapes.intern(Array(Shape.of(commands.bytes(cmd.id)).utf8))
        if shape >= shapeSamples.count { shapeSamples.append(Sample()) }
        commandShape.append(shape)
      }
    }
    let shape = command >= 0 ? commandShape[command] : shapeOfNull()
    shapeSamples[shape].add(verdict, t, command, client.id, key.id, label)

    keyCalls[key.id] += 1
    keyHours[key.id * 24 + Time.hourOfDay(t)].add(verdict, t, command, client.id, key.id, label)

    if verdict != .allow {
      let reason = id(&reasons, b, r.reason)
      if reason.isNew {
        denyReasons.append(Sample())
        errorReasons.append(Sample())
      }
      if verdict == .deny {
        denyReasons[reason.id].add(verdict, t, command, client.id, key.id, label)
      } else {
        errorReasons[reason.id].add(verdict, t, command, client.id, key.id, label)
      }
    }

    let h = t >= 0 ? t / Time.hour : (t - Time.hour + 1) / Time.hour
    if h != lastHour {
      if lastHour != Int64.min { hourly[lastHour] = lastHourCounts }
      lastHour = h
      lastHourCounts = hourly[h] ?? (0, 0, 0)
    }
    switch verdict {
    case .allow: lastHourCounts.0 += 1
    case .deny: lastHourCounts.1 += 1
    case .error: lastHourCounts.2 += 1
    }
  }

  /// The shape id of records whose command is null.
  mutating func shapeOfNull() -> Int {
    if nullShape >= 0 { return nullShape }
    nullShape = shapes.intern(Array("(no command)".utf8))
    if nullShape >= shapeSamples.count { shapeSamples.append(Sample()) }
    return nullShape
  }

  /// Hour number -> counts, with the pending hour flushed.
  var hourTotals: [Int64: (Int, Int, Int)] {
    var h = hourly
    if lastHour != Int64.min { h[lastHour] = lastHourCounts }
    return h
  }
}

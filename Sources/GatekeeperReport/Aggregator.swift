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

  @inline(__always) mutating func add(
    _ v: Verdict, _ t: Int64, _ cmd: Int, _ cl: Int, _ k: Int, _ l: Int
  ) {
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
  var lastPair = -1
  var lastPairSlot = 0
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

  @inline(__always) static func id(
    _ table: inout Interner, _ scratch: inout [UInt8], _ b: UnsafeBufferPointer<UInt8>, _ s: Span
  ) -> (
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

    let client = Aggregator.id(&clients, &scratch, b, r.client)
    if client.isNew { clientCounts.append(Counts()) }
    clientCounts[client.id].add(verdict, t)

    let rule = Aggregator.id(&rules, &scratch, b, r.rule)
    if rule.isNew { ruleCounts.append(Counts()) }
    ruleCounts[rule.id].add(verdict, t)

    let label = Aggregator.id(&labels, &scratch, b, r.label).id
    let key = Aggregator.id(&keys, &scratch, b, r.key)
    if key.isNew {
      keyHours.append(contentsOf: repeatElement(Sample(), count: 24))
      keyCalls.append(0)
    }
    let pair = key.id << 32 | label
    let slot: Int
    if pair == lastPair {
      slot = lastPairSlot
    } else if let s = keyLabelIndex[pair] {
      slot = s
    } else {
      slot = keyLabelCounts.count
      keyLabelIndex[pair] = slot
      keyLabels.append((key.id, label))
      keyLabelCounts.append(Counts())
    }
    lastPair = pair
    lastPairSlot = slot
    keyLabelCounts[slot].add(verdict, t)

    var command = nullCommand
    if let c = r.command {
      let cmd = Aggregator.id(&commands, &scratch, b, c)
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
      let reason = Aggregator.id(&reasons, &scratch, b, r.reason)
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

extension Counts {
  mutating func merge(_ o: Counts) {
    calls += o.calls
    allowed += o.allowed
    denied += o.denied
    errors += o.errors
    first = min(first, o.first)
    last = max(last, o.last)
  }
}

extension Aggregator {
  /// Adds another aggregator's records (used to split one input between
  /// threads): ids are mapped through this aggregator's tables.
  public mutating func merge(_ o: Aggregator) {
    totals.merge(o.totals)
    func remap(_ mine: inout Interner, _ theirs: Interner) -> [Int] {
      (0..<theirs.count).map { id in theirs.bytes(id).withUnsafeBufferPointer { mine.intern($0).id }
      }
    }
    let cl = remap(&clients, o.clients)
    while clientCounts.count < clients.count { clientCounts.append(Counts()) }
    for (i, c) in o.clientCounts.enumerated() { clientCounts[cl[i]].merge(c) }
    let ru = remap(&rules, o.rules)
    while ruleCounts.count < rules.count { ruleCounts.append(Counts()) }
    for (i, c) in o.ruleCounts.enumerated() { ruleCounts[ru[i]].merge(c) }
    let la = remap(&labels, o.labels)
    let ke = remap(&keys, o.keys)
    while keyCalls.count < keys.count {
      keyCalls.append(0)
      keyHours.append(contentsOf: repeatElement(Sample(), count: 24))
    }
    let co = remap(&commands, o.commands)
    let sh = remap(&shapes, o.shapes)
    while commandShape.count < commands.count { commandShape.append(-1) }
    for (i, s) in o.commandShape.enumerated() { commandShape[co[i]] = sh[s] }
    while shapeSamples.count < shapes.count { shapeSamples.append(Sample()) }
    if o.nullShape >= 0 { nullShape = sh[o.nullShape] }
    func mergeSample(_ mine: inout Sample, _ s: Sample) {
      guard s.counts.calls > 0 else { return }
      if s.counts.first < mine.counts.first {
        mine.command = s.command >= 0 ? co[s.command] : -1
        mine.client = s.client >= 0 ? cl[s.client] : -1
        mine.key = s.key >= 0 ? ke[s.key] : -1
        mine.label = s.label >= 0 ? la[s.label] : -1
      }
      mine.counts.merge(s.counts)
    }
    for (i, s) in o.shapeSamples.enumerated() { mergeSample(&shapeSamples[sh[i]], s) }
    for k in 0..<o.keys.count {
      keyCalls[ke[k]] += o.keyCalls[k]
      for h in 0..<24 { mergeSample(&keyHours[ke[k] * 24 + h], o.keyHours[k * 24 + h]) }
    }
    for (i, pair) in o.keyLabels.enumerated() {
      let p = ke[pair.key] << 32 | la[pair.label]
      let slot: Int
      if let s = keyLabelIndex[p] {
        slot = s
      } else {
        slot = keyLabelCounts.count
        keyLabelIndex[p] = slot
        keyLabels.append((ke[pair.key], la[pair.label]))
        keyLabelCounts.append(Counts())
      }
      keyLabelCounts[slot].merge(o.keyLabelCounts[i])
    }
    lastPair = -1
    let re = remap(&reasons, o.reasons)
    while denyReasons.count < reasons.count {
      denyReasons.append(Sample())
      errorReasons.append(Sample())
    }
    for i in 0..<o.reasons.count {
      mergeSample(&denyReasons[re[i]], o.denyReasons[i])
      mergeSample(&errorReasons[re[i]], o.errorReasons[i])
    }
    var mine = hourTotals
    for (h, c) in o.hourTotals {
      let m = mine[h] ?? (0, 0, 0)
      mine[h] = (m.0 + c.0, m.1 + c.1, m.2 + c.2)
    }
    hourly = mine
    lastHour = Int64.min
    lastHourCounts = (0, 0, 0)
  }
}

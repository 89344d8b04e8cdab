// The suites that go through a real sshd share one server (and so one
// policy and one audit file) and run one test at a time.

import Testing

@Suite(
  .serialized,
  .enabled(
    if: isRoot, "needs root: sshd lets the test key log in only as root, with its forced command"),
  .sshServer)
struct ThroughSSHD {}

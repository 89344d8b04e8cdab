#!/usr/bin/env python3
"""Writes N realistic gatekeeper audit records (JSON lines) to stdout.

usage: genrecords.py N [SEED]

Four backup servers (keys, labels, addresses) pull nightly with rsync or
tar over 30 days; about 3% of calls are refused (paths outside the roots,
write options, shell syntax), 0.2% are errors, and a few calls come at odd
hours or with a new kind of command near the end.
"""
import json
import random
import sys

n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
start = 1_793_577_600_000  # 2026-11-01T00:00:00Z
span = 30 * 86_400_000

servers = [
    ("SHA256:G5TDlJyxSMbxUojT7CVjQpSpkoC0PIuoKSJzIoBO7A4", "backuppc", "192.0.2.7", "tar-create", 2),
    ("SHA256:q3xvR0Vd1sM2m8kqJt9pZcYb4oQ1nWgH7eLrUaTfXyI", "", "192.0.2.8", "rsync-sender", 1),
    ("SHA256:Zk8bN2vC4xL6mQ9wE1rT3yU5iO7pA0sD2fG4hJ6kL8z", "borg", "2001:db8::15", "rsync-sender", 3),
    ("SHA256:aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3a4b5", "offsite", "198.51.100.20", "rsync-sender", 4),
]
rsync_cmds = [
    "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/",
    "rsync --server --sender -lHogDtpAXre.iLsfxCIvu --numeric-ids . /home/",
    "rsync --server --sender -logDtprze.iLsfxCIvu . /srv/",
    "rsync --server --sender -logDtpre.iLsfxCIvu . /var/lib/backup/",
]
tar_cmds = [
    "env LC_ALL=C /bin/tar -c -v -f - -C / --totals --exclude=./proc --exclude=./sys .",
    "env LC_ALL=C /bin/tar -c -v -f - -C /home --totals ./alice ./bob",
    "env LC_ALL=C /bin/tar -c -v -f - -C /etc --totals --newer=2026-11-%02d\\ 02:00:00 .",
]
denials = [
    ("path-outside-roots", "rsync --server --sender -logDtpre.iLsfxCIvu . /root/", "/root/"),
    ("forbidden-option", "rsync --server -logDtpre.iLsfxCIvu --remove-source-files . /etc/", "--remove-source-files"),
    ("shell-operator", "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/ && id", "at offset 53"),
    ("not-sender", "rsync --server -logDtpre.iLsfxCIvu . /etc/", "rsync without --sender writes"),
    ("tar-not-create", "tar -x -f - -C /etc", "-x extracts"),
]


def iso(ms):
    s, milli = divmod(ms, 1000)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03dZ" % milli


def argv_of(cmd, profile):
    words = cmd.replace("\\ ", "\0").split()
    words = [w.replace("\0", " ") for w in words]
    while words and (words[0] == "env" or "=" in words[0]):
        words.pop(0)
    if profile == "rsync-sender":
        dot = words.index(".")
        return ["/usr/bin/rsync"] + words[1:dot] + ["--"] + words[dot:]
    return ["/usr/bin/tar"] + words[1:]


out = sys.stdout
times = sorted(start + rng.randrange(span) for _ in range(n))
for i, t in enumerate(times):
    key, label, client, profile, hour = servers[rng.randrange(len(servers))]
    # nightly jobs: move most calls into the server's hour
    if rng.random() < 0.97:
        t = t - t % 86_400_000 + hour * 3_600_000 + t % 3_600_000
    r = rng.random()
    late = t > start + span * 0.9
    if r < 0.03:
        reason, cmd, detail = denials[rng.randrange(len(denials))]
        decision, argv, rule = "deny", [], "/etc/gatekeeper/gatekeeper.policy:%d" % (8 + servers.index((key, label, client, profile, hour)))
    elif r < 0.032:
        decision, reason, cmd, detail, argv, rule = "error", "exec-failed", rsync_cmds[0], "/usr/bin/rsync: No such file or directory", [], "/etc/gatekeeper/gatekeeper.policy:9"
    else:
        decision, reason = "allow", "allowed"
        if profile == "tar-create":
            cmd = tar_cmds[rng.randrange(len(tar_cmds))]
            if "%02d" in cmd:
                cmd = cmd % (1 + (t - start) // 86_400_000)
            if late and rng.random() < 0.001:
                cmd = "tar -c -f - -C /etc --acls --xattrs ."
        else:
            cmd = rsync_cmds[rng.randrange(len(rsync_cmds))]
            if late and rng.random() < 0.001:
                cmd = "rsync --server --sender -logDtpre.iLsfxCIvu --files-from=- --from0 . /home/"
        detail, argv = profile, argv_of(cmd, profile)
        rule = "/etc/gatekeeper/gatekeeper.policy:%d" % (8 + servers.index((key, label, client, profile, hour)))
    rec = {
        "v": 1, "time": iso(t), "host": "client1", "pid": 1000 + rng.randrange(60000),
        "decision": decision, "reason": reason, "detail": detail, "rule": rule, "label": label,
        "user": "root", "client": client, "client_port": str(30000 + rng.randrange(30000)), "key": key,
        "mode": "forced", "command": cmd, "argv": argv,
    }
    out.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False))
    out.write("\n")

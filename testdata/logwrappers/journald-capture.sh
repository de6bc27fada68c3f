#!/usr/bin/env bash
# journald-capture.sh OUT.journal [-t IDENT] -- CMD ARGS...
#
# Runs CMD with its stdout and stderr connected to a real systemd-journald
# (Debian's systemd 252) through systemd-cat, i.e. through journald's
# stdout-stream socket, the same path a systemd service with
# StandardOutput=journal / StandardError=journal uses: every line becomes one
# journal entry with _TRANSPORT=stdout. The journald is private: it runs in
# new mount, UTS and PID namespaces (unshare, needs root) with tmpfs over
# /run/systemd, /run/log and /var/log/journal, a fixed machine id
# (0123456789abcdef0123456789abcdef) and host name (buildhost), and a
# journald.conf with ReadKMsg=no and no forwarding, so nothing of the host's
# logging is touched or read. Programs that talk journald's native protocol
# (e.g. go-systemd's journal.Send) reach the same journald through
# /run/systemd/journal/socket: run them with -t - (no systemd-cat).
# When CMD ends, journald is stopped with SIGTERM (it syncs) and its runtime
# journal file is copied to OUT.journal.
set -euo pipefail
out=$1; shift
ident=myservice
if [ "${1:-}" = -t ]; then ident=$2; shift 2; fi
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "usage: $0 OUT.journal [-t IDENT] -- CMD ARGS..." >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 0123456789abcdef0123456789abcdef > "$tmp/machine-id"
printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToKMsg=no\nForwardToConsole=no\nForwardToWall=no\nAudit=no\n' > "$tmp/journald.conf"
export JC_TMP=$tmp JC_IDENT=$ident
unshare -m -u -p -f --mount-proc --propagation private bash -euc '
	hostname buildhost
	mount -t tmpfs tmpfs /run/systemd
	mkdir -p /run/systemd/journal
	mount -t tmpfs tmpfs /run/log
	mount -t tmpfs tmpfs /var/log/journal
	mount --bind "$JC_TMP/machine-id" /etc/machine-id
	mount --bind "$JC_TMP/journald.conf" /etc/systemd/journald.conf
	/lib/systemd/systemd-journald >"$JC_TMP/journald.log" 2>&1 &
	jpid=$!
	for _ in $(seq 100); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.05; done
	rc=0
	if [ "$JC_IDENT" = - ]; then "$@" || rc=$?; else systemd-cat -t "$JC_IDENT" "$@" || rc=$?; fi
	echo "journald-capture: $1 exited $rc" >&2
	sleep 0.3
	kill -TERM $jpid; wait $jpid || true
	cp /run/log/journal/*/system.journal "$JC_TMP/out.journal"
' bash "$@"
cp "$tmp/out.journal" "$out"

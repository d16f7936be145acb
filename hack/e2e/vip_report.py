#!/usr/bin/env python3
"""What a fault did to a keepalived VIP, from the lines hack/e2e/vip-observe.sh recorded.

Prints the timeline (address added/removed per node, client failures) relative to the fault, then one
summary line, and exits 1 with a FAIL line per broken gate:
  - the client of the VIP went longer than --gap-limit-ms between two answers;
  - the address view or the client view is missing or never worked before the fault (nothing was measured);
  - the address ended on no node or on several;
  - the holder changed more than once after the fault (flapping; one move, or staying put, are both fine).
usage: vip_report.py --dir DIR --fault-ms MS --holder NODE [--gap-limit-ms 3000] [--json FILE]
"""
import argparse
import glob
import json
import os
import sys


def read_address_view(directory):
    """{node: [(ms, held)]} from the addr-<node> files; a node whose watcher printed nothing is None."""
    view = {}
    for path in sorted(glob.glob(os.path.join(directory, "addr-*"))):
        node = os.path.basename(path)[len("addr-"):]
        events = []
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0].isdigit():
                    events.append((int(parts[0]), parts[2] == "1"))
        view[node] = events or None
    return view


def read_client_view(directory):
    """[(sent ms, answered ms, ok, what)] from the client file; what: the HTTP code or why there was none."""
    requests = []
    path = os.path.join(directory, "client")
    if not os.path.exists(path):
        return requests
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) in (3, 4) and parts[0].isdigit() and parts[1].isdigit():
                code, curl_exit = parts[2], parts[3] if len(parts) == 4 else ""
                ok = code.isdigit() and 200 <= int(code) < 400
                requests.append((int(parts[0]), int(parts[1]), ok, describe(code, curl_exit)))
    return requests


CURL_EXITS = {"7": "connection refused", "28": "no answer within 1 s", "52": "empty reply", "56": "connection reset"}


def describe(code, curl_exit):
    if code not in ("", "000"):
        return f"HTTP {code}"
    return CURL_EXITS.get(curl_exit, f"curl exit {curl_exit}" if curl_exit else "no answer")


def holder_sets(view):
    """[(ms, frozenset of holders)] after every change, from the merged per-node events."""
    merged = sorted((ms, node, held) for node, events in view.items() for ms, held in events)
    state, timeline = {}, []
    for ms, node, held in merged:
        state[node] = held
        timeline.append((ms, frozenset(n for n, h in state.items() if h)))
    return timeline


def set_at(timeline, ms):
    current = frozenset()
    for t, holders in timeline:
        if t > ms:
            break
        current = holders
    return current


def analyse(view, requests, fault_ms, holder, gap_limit_ms):
    failures, lines = [], []
    blind = sorted(node for node, events in view.items() if events is None)
    if not view or blind:
        failures.append(f"no address view from {', '.join(blind) or 'any node'}: the watchers did not run")
    timeline = holder_sets({n: e for n, e in view.items() if e})
    before = set_at(timeline, fault_ms)
    if before != frozenset([holder]):
        failures.append(f"at the fault the address was on [{' '.join(sorted(before))}], expected only {holder}")

    # Holder changes after the fault: a move is a new single holder differing from the last single one.
    last_single, moves, first_move_ms, empty_ms, double_ms = holder, 0, None, 0, 0
    previous_t, previous = fault_ms, before
    for t, holders in timeline:
        if t <= fault_ms:
            continue
        if not previous:
            empty_ms += t - previous_t
        if len(previous) > 1:
            double_ms += t - previous_t
        added = holders - previous
        removed = previous - holders
        for n in sorted(added):
            lines.append((t, f"{n}: address added (holders now [{' '.join(sorted(holders))}])"))
        for n in sorted(removed):
            lines.append((t, f"{n}: address removed (holders now [{' '.join(sorted(holders)) or 'none'}])"))
        if len(holders) == 1:
            (only,) = holders
            if only != last_single:
                moves += 1
                last_single = only
        if first_move_ms is None and holders - {holder}:
            first_move_ms = t - fault_ms
        previous_t, previous = t, holders
    final = timeline[-1][1] if timeline else frozenset()

    # The client: longest time between two answers, the failed requests and their span.
    answered = [r for r in requests if r[2]]
    failed = [r for r in requests if not r[2]]
    if not any(r[1] < fault_ms for r in answered):
        failures.append("the client got no answer before the fault: it measured nothing")
    gap, gap_from = 0, None
    for a, b in zip(answered, answered[1:]):
        if b[1] - a[1] > gap:
            gap, gap_from = b[1] - a[1], a[1]
    if answered and requests[-1][1] - answered[-1][1] > gap:
        gap, gap_from = requests[-1][1] - answered[-1][1], answered[-1][1]
    for sent, done, _, what in failed:
        lines.append((sent, f"client: request failed after {done - sent} ms ({what})"))
    if gap > gap_limit_ms:
        failures.append(f"the client of the VIP went {gap} ms without an answer (limit {gap_limit_ms} ms)")
    if len(final) != 1:
        failures.append(f"the address ended on [{' '.join(sorted(final)) or 'no node'}], expected exactly one node")
    if moves > 1:
        failures.append(f"the holder changed {moves} times after the fault (flapping)")

    summary = {
        "holderBefore": holder,
        "holderAfter": " ".join(sorted(final)),
        "moved": bool(final) and final != frozenset([holder]),
        "firstMoveMs": first_move_ms,
        "moves": moves,
        "noHolderMs": empty_ms,
        "twoHoldersMs": double_ms,
        "requests": len(requests),
        "failedRequests": len(failed),
        "failedSpanMs": (failed[-1][0] - failed[0][0]) if failed else 0,
        "longestGapMs": gap,
        "longestGapStartsMs": (gap_from - fault_ms) if gap_from is not None else None,
    }
    timeline_lines = [f"  {t - fault_ms:+7d} ms  {text}" for t, text in sorted(lines)]
    return summary, failures, timeline_lines


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--fault-ms", type=int, required=True)
    p.add_argument("--holder", required=True)
    p.add_argument("--gap-limit-ms", type=int, default=3000)
    p.add_argument("--json")
    a = p.parse_args()
    summary, failures, timeline_lines = analyse(read_address_view(a.dir), read_client_view(a.dir), a.fault_ms,
                                                a.holder, a.gap_limit_ms)
    print("\n".join(timeline_lines) or "  (no change of holder and no failed request after the fault)")
    where = f"moved to {summary['holderAfter']} after {summary['firstMoveMs']} ms" if summary["moved"] \
        else f"stayed on {summary['holderAfter'] or 'no node'}"
    print(f"VIP {where}; holder changes {summary['moves']}; no holder for {summary['noHolderMs']} ms, "
          f"two holders for {summary['twoHoldersMs']} ms; client: {summary['failedRequests']} of "
          f"{summary['requests']} requests failed (span {summary['failedSpanMs']} ms), longest gap without an "
          f"answer {summary['longestGapMs']} ms (limit {a.gap_limit_ms} ms)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f, indent=1)
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

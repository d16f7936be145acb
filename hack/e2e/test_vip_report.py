"""Table of recorded VIP observations and what vip_report.py must conclude (run by `make test-vip` first)."""
import os
import tempfile
import unittest

import vip_report

FAULT = 10_000


def observe(addr, client):
    """addr: {node: [(ms, held)]}; client: [(sent, answered, code)]; returns the report's (summary, failures)."""
    d = tempfile.mkdtemp()
    for node, events in addr.items():
        with open(os.path.join(d, f"addr-{node}"), "w") as f:
            f.writelines(f"{ms} {node} {1 if held else 0}\n" for ms, held in events)
    with open(os.path.join(d, "client"), "w") as f:
        f.writelines(f"{s} {a} {c}\n" for s, a, c in client)
    summary, failures, _ = vip_report.analyse(vip_report.read_address_view(d), vip_report.read_client_view(d),
                                              FAULT, "w1", 3000)
    return summary, failures


def steady_client(start, end, down=()):
    """A request every 150 ms from start to end; those sent inside a (from, to) of down get no answer."""
    out, t = [], start
    while t < end:
        failed = any(a <= t < b for a, b in down)
        out.append((t, t + (1000 if failed else 20), "000" if failed else "200"))
        t += 1150 if failed else 150
    return out


class VipReportTest(unittest.TestCase):
    def test_moved_once_with_a_short_gap_passes(self):
        s, f = observe({"w1": [(0, True), (FAULT + 700, False)], "w2": [(0, False), (FAULT + 650, True)],
                        "w3": [(0, False)]}, steady_client(8000, 20000, [(FAULT, FAULT + 700)]))
        self.assertEqual(f, [])
        self.assertTrue(s["moved"])
        self.assertEqual(s["moves"], 1)
        self.assertEqual(s["firstMoveMs"], 650)
        self.assertEqual(s["twoHoldersMs"], 50)

    def test_stayed_while_nginx_restarted_passes(self):
        s, f = observe({"w1": [(0, True)], "w2": [(0, False)], "w3": [(0, False)]},
                       steady_client(8000, 20000, [(FAULT, FAULT + 900)]))
        self.assertEqual(f, [])
        self.assertFalse(s["moved"])
        self.assertGreater(s["failedRequests"], 0)

    def test_a_long_client_gap_fails(self):
        _, f = observe({"w1": [(0, True)], "w2": [(0, False)]}, steady_client(8000, 20000, [(FAULT, FAULT + 4000)]))
        self.assertTrue(any("without an answer" in x for x in f), f)

    def test_no_holder_at_the_end_fails(self):
        _, f = observe({"w1": [(0, True), (FAULT + 500, False)], "w2": [(0, False)]}, steady_client(8000, 11000))
        self.assertTrue(any("ended on [no node]" in x for x in f), f)

    def test_flapping_fails(self):
        _, f = observe({"w1": [(0, True), (FAULT + 500, False), (FAULT + 3000, True)],
                        "w2": [(0, False), (FAULT + 600, True), (FAULT + 2900, False)]},
                       steady_client(8000, 20000))
        self.assertTrue(any("changed 2 times" in x for x in f), f)

    def test_a_blind_watcher_fails(self):
        _, f = observe({"w1": [(0, True)], "w2": []}, steady_client(8000, 20000))
        self.assertTrue(any("no address view from w2" in x for x in f), f)

    def test_a_client_that_never_answered_fails(self):
        _, f = observe({"w1": [(0, True)]}, steady_client(8000, 20000, [(0, 30000)]))
        self.assertTrue(any("no answer before the fault" in x for x in f), f)

    def test_wrong_holder_at_the_fault_fails(self):
        _, f = observe({"w1": [(0, False)], "w2": [(0, True)]}, steady_client(8000, 20000))
        self.assertTrue(any("expected only w1" in x for x in f), f)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/python3
"""Unit tests of bench/swarm.py's pure parts: sizes, the CPU line, ratios to libtorrent and the comparison with
a baseline. No network, no clients: /usr/bin/python3 -m unittest discover -s bench"""
import argparse
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm  # noqa: E402

M, G = 1 << 20, 1 << 30


def result(pair, size, mb_per_s, cpu=1.0, rss=100.0, seeds=1, leeches=1, run=1):
    r = {"pair": pair, "bytes": size, "mb_per_s": mb_per_s, "leech_cpu_s": cpu, "leech_peak_rss_mib": rss,
         "run": run}
    if (seeds, leeches) != (1, 1):
        r.update(seeds=seeds, leeches=leeches)
    return r


class SizesTest(unittest.TestCase):
    def test_a_comma_separated_list_gives_every_size_once_in_the_order_given(self):
        self.assertEqual(swarm.parse_sizes("1G,64M,256M,64M"), [G, 64 * M, 256 * M])

    def test_a_single_size_is_a_list_of_one(self):
        self.assertEqual(swarm.parse_sizes("512K"), [512 << 10])

    def test_a_bad_size_is_a_usage_error(self):
        with self.assertRaises(argparse.ArgumentTypeError):
            swarm.parse_sizes("64M,lots")

    def test_a_tolerance_is_a_percentage_or_a_fraction(self):
        self.assertAlmostEqual(swarm.parse_tolerance("10%"), 0.10)
        self.assertAlmostEqual(swarm.parse_tolerance("10"), 0.10)
        self.assertAlmostEqual(swarm.parse_tolerance("0.05"), 0.05)
        self.assertAlmostEqual(swarm.parse_tolerance("0.5%"), 0.005)


class CpuLineTest(unittest.TestCase):
    def test_the_line_goes_through_the_two_largest_sizes(self):
        # 2 s at 1 GB, 10 s at 5 GB: 2 s per GB, 0 s at 0 bytes; the 0.1 GB point is not on the line.
        slope, start = swarm.cpu_line([(int(1e8), 5.0), (int(1e9), 2.0), (int(5e9), 10.0)])
        self.assertAlmostEqual(slope, 2.0)
        self.assertAlmostEqual(start, 0.0)

    def test_the_intercept_is_the_start_up_cost(self):
        slope, start = swarm.cpu_line([(G, 3.0 + 1.5 * G / 1e9), (4 * G, 3.0 + 1.5 * 4 * G / 1e9)])
        self.assertAlmostEqual(slope, 1.5)
        self.assertAlmostEqual(start, 3.0)

    def test_one_size_has_no_line(self):
        self.assertIsNone(swarm.cpu_line([(G, 3.0)]))
        self.assertIsNone(swarm.cpu_line([]))


class RatiosTest(unittest.TestCase):
    def test_a_ratio_is_the_median_rate_over_libtorrents_at_the_same_size_and_peers(self):
        rs = [result("libtorrent", G, 200), result("libtorrent", G, 300, run=2), result("libtorrent", G, 400, run=3),
              result("spate", G, 100), result("spate", G, 150, run=2), result("spate", G, 500, run=3),
              result("spate", G, 50, seeds=8), result("libtorrent", G, 100, seeds=8)]
        r = swarm.ratios(rs)
        self.assertAlmostEqual(r[("spate", G, 1, 1)], 150 / 300)
        self.assertAlmostEqual(r[("spate", G, 8, 1)], 0.5)
        self.assertAlmostEqual(r[("libtorrent", G, 1, 1)], 1.0)

    def test_without_libtorrent_at_a_size_there_is_no_ratio(self):
        r = swarm.ratios([result("spate", G, 100), result("libtorrent", 64 * M, 50), result("spate", 64 * M, 25)])
        self.assertNotIn(("spate", G, 1, 1), r)
        self.assertAlmostEqual(r[("spate", 64 * M, 1, 1)], 0.5)

    def test_the_summary_gives_each_pair_its_ratios_and_cpu_line(self):
        rs = [result("libtorrent", 64 * M, 50, cpu=0.5), result("libtorrent", G, 100, cpu=1.5),
              result("spate", 64 * M, 25, cpu=2.0, rss=120), result("spate", G, 200, cpu=4.0, rss=150)]
        rows = {row["pair"]: row for row in swarm.summary(rs)}
        spate = rows["spate"]
        self.assertEqual([s["bytes"] for s in spate["sizes"]], [64 * M, G])
        self.assertEqual([s["ratio"] for s in spate["sizes"]], [0.5, 2.0])
        self.assertAlmostEqual(spate["leech_cpu_s_per_gb"], 2.0 / ((G - 64 * M) / 1e9))
        self.assertAlmostEqual(spate["leech_startup_cpu_s"],
                               2.0 - spate["leech_cpu_s_per_gb"] * 64 * M / 1e9)
        self.assertIn("| spate (spate -> spate, plaintext) | 0.50 | 2.00 |", swarm.summary_table(rows.values(),
                                                                                                 [G, 64 * M]))


class CompareTest(unittest.TestCase):
    baseline = [result("libtorrent", G, 100), result("spate", G, 100), result("spate-from-libtorrent", G, 80),
                result("libtorrent", G, 100, seeds=8), result("spate", G, 50, seeds=8)]

    def test_a_ratio_below_the_baselines_by_more_than_the_tolerance_fell_back(self):
        # The machine is twice as fast now; spate kept its ratio, spate-from-libtorrent lost 25%.
        now = [result("libtorrent", G, 200), result("spate", G, 190), result("spate-from-libtorrent", G, 120)]
        rows = {r["pair"]: r for r in swarm.compare(now, [self.baseline], 0.10)}
        self.assertFalse(rows["spate"]["fell"])
        self.assertAlmostEqual(rows["spate"]["change"], -0.05)
        self.assertTrue(rows["spate-from-libtorrent"]["fell"])
        self.assertAlmostEqual(rows["spate-from-libtorrent"]["now"], 0.6)
        self.assertAlmostEqual(rows["spate-from-libtorrent"]["baseline"], 0.8)
        self.assertNotIn("libtorrent", rows, "libtorrent is the yardstick")

    def test_a_wider_tolerance_lets_the_same_fall_pass(self):
        now = [result("libtorrent", G, 200), result("spate-from-libtorrent", G, 120)]
        self.assertFalse(any(r["fell"] for r in swarm.compare(now, [self.baseline], 0.30)))

    def test_sizes_and_peer_counts_are_compared_only_with_their_own(self):
        now = [result("libtorrent", G, 100, seeds=8), result("spate", G, 40, seeds=8),
               result("libtorrent", 64 * M, 100), result("spate", 64 * M, 10)]
        rows = swarm.compare(now, [self.baseline], 0.10)
        by_key = {(r["pair"], r["bytes"], r["seeds"]): r for r in rows}
        self.assertAlmostEqual(by_key[("spate", G, 8)]["baseline"], 0.5)
        self.assertTrue(by_key[("spate", G, 8)]["fell"])
        self.assertIsNone(by_key[("spate", 64 * M, 1)]["baseline"], "no 64M in the baseline")
        self.assertFalse(by_key[("spate", 64 * M, 1)]["fell"])
        self.assertIn("not in baseline", swarm.compare_table(rows, 0.10))

    def test_each_baseline_files_ratios_are_its_own_and_a_later_file_wins(self):
        # The second file has spate at 0.5 against its own libtorrent; its 1.0 from the first file is replaced,
        # and its libtorrent does not change the first file's spate-from-libtorrent ratio.
        later = [result("libtorrent", G, 400), result("spate", G, 200)]
        now = [result("libtorrent", G, 100), result("spate", G, 45), result("spate-from-libtorrent", G, 80)]
        rows = {r["pair"]: r for r in swarm.compare(now, [self.baseline, later], 0.10)}
        self.assertAlmostEqual(rows["spate"]["baseline"], 0.5)
        self.assertFalse(rows["spate"]["fell"])
        self.assertAlmostEqual(rows["spate-from-libtorrent"]["baseline"], 0.8)

    def test_an_improvement_is_not_a_fall(self):
        now = [result("libtorrent", G, 100), result("spate", G, 300)]
        (row,) = swarm.compare(now, [self.baseline], 0.10)
        self.assertFalse(row["fell"])
        self.assertAlmostEqual(row["change"], 2.0)


class SeedUploadedTest(unittest.TestCase):
    def test_a_spate_seeds_last_total_and_a_libtorrent_seeds_last_progress_are_read(self):
        spate_log = "seeding  256 MiB  uploaded 50.7 MiB\nspate-bench: seeded for 8s, uploaded 1.50 GiB (ratio 6)\n"
        self.assertEqual(swarm.seed_uploaded("spate", spate_log), int(1.5 * G))
        lt_log = "PROGRESS 1000 seeding peers=1 down=0 up=10\nPROGRESS 1000 seeding peers=0 down=0 up=96049680\n"
        self.assertEqual(swarm.seed_uploaded("libtorrent", lt_log), 96049680)
        self.assertIsNone(swarm.seed_uploaded("aria2", "anything"))

    def test_a_spate_leechs_wasted_bytes_are_read_from_its_last_line(self):
        line = "x: complete, 64/64 pieces (100.0%) in /o, 84.5 MiB received in 1.53s (55.2 MiB/s), 0 hash failures, "
        self.assertEqual(swarm.spate_wasted(line + "20.5 MiB wasted\n"), int(20.5 * M))
        self.assertEqual(swarm.spate_wasted(line + "0 B wasted\n"), 0)
        self.assertIsNone(swarm.spate_wasted("downloading 0.0%\n"))


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Times Python tokenizers over a titles file (one title per line), one
thread, and prints one JSON line per peer: Python `jieba` (pure Python) and
`rjieba` (jieba-rs behind PyO3), each in search mode with HMM, fastest of
--passes. Run by benches/peers/tokenize.sh inside its scratch virtualenv."""
import argparse
import json
import time


def fastest(passes, run):
    best, tokens = float("inf"), 0
    for _ in range(max(1, passes)):
        started = time.perf_counter()
        tokens = run()
        best = min(best, time.perf_counter() - started)
    return tokens, best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--titles", required=True, help="one title per line")
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    with open(args.titles, encoding="utf-8") as handle:
        titles = [line.rstrip("\n") for line in handle if line.strip()]
    size = sum(len(title.encode("utf-8")) for title in titles)

    def report(name, version, tokens, seconds):
        print(json.dumps({"name": name, "version": version, "titles": len(titles), "tokens": tokens,
                          "seconds": seconds, "mb_per_s": size / 1e6 / seconds}, ensure_ascii=False))

    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    tokens, seconds = fastest(args.passes, lambda: sum(len(list(jieba.cut_for_search(t, HMM=True))) for t in titles))
    report("python jieba cut_for_search", jieba.__version__, tokens, seconds)

    import importlib.metadata
    import rjieba
    tokens, seconds = fastest(args.passes, lambda: sum(len(rjieba.cut_for_search(t, True)) for t in titles))
    report("rjieba cut_for_search", importlib.metadata.version("rjieba"), tokens, seconds)


if __name__ == "__main__":
    main()

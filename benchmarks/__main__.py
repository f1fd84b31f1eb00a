"""`python -m benchmarks [--scale X] [--runs 3] [--smoke]`: run the scale benchmark
and write benchmarks/RESULTS.md (see `benchmarks.report` for what it holds)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks import dataset, suite
from benchmarks.report import write_results

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--scale", type=float, default=dataset.BENCH_SCALE,
                        help="sample-generator scale of the main dataset (100 ≈ 2M sessions)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny scale, one run, in-process, a subset of steps: checks the benchmark works")
    parser.add_argument("--no-scaling", action="store_true", help="skip the ¼× and 4× metrics runs")
    parser.add_argument("--no-exports", action="store_true", help="skip ingest of the survey tools' own layouts")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the results (default benchmarks/RESULTS.md; smoke: not written)")
    parser.add_argument("--cache", type=Path, default=dataset.CACHE, help="dataset cache folder")
    args = parser.parse_args(argv)

    config = suite.Config(scale=0.25 if args.smoke and args.scale == dataset.BENCH_SCALE else args.scale,
                          runs=1 if args.smoke else args.runs, smoke=args.smoke, cache=args.cache,
                          scaling=not args.no_scaling and not args.smoke,
                          exports=not args.no_exports and not args.smoke)
    results = suite.run(config)
    out = args.out or (None if args.smoke else HERE / "RESULTS.md")
    if out is not None:
        write_results(results, out)
        print(f"Wrote {out}")
    print(results.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())

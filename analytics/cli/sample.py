"""`python -m analytics sample --out DIR [--seed N] [--scale X]`: write the sample exports."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics.ops.sample import generate
from analytics.ops.sample_writers import describe_exports, write_exports


def register(sub) -> None:
    parser = sub.add_parser("sample", help="write sample exports (platform CSVs and survey-tool files)",
                            description="Generate the seeded sample data and write it as the files a "
                                        "program lead would upload.")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the files into")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--scale", type=_positive, default=1.0,
                        help="size relative to the demo (default 1; 100 ≈ the benchmark)")
    parser.set_defaults(run=run)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def run(args) -> int:
    data = generate(seed=args.seed, scale=args.scale)
    try:
        paths = write_exports(data, args.out)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(f"error: cannot write to {args.out}: {reason}. Choose a folder you can write to.",
              file=sys.stderr)
        return 1
    width = max(len(str(p)) for p in paths)
    for path, export in zip(paths, describe_exports(data)):
        print(f"{str(path):<{width}}  {export.rows:>9,} rows  {export.tool}")
    return 0

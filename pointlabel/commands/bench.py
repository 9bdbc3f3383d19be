"""`bench`: print the benchmark table."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("bench", help="run the benchmarks and print a table")
    p.add_argument("--only", choices=["core", "features"], help="run one part only")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args) -> int:
    from pointlabel.bench import core_rows, feature_rows, format_table
    rows = []
    if args.only in (None, "core"):
        rows += core_rows()
    if args.only in (None, "features"):
        rows += feature_rows()
    print(format_table(rows))
    return 0

"""Arguments shared by several sub-commands."""
from __future__ import annotations

from pointlabel.datasets.detect import open_dataset
from pointlabel.store import open_store


SIGNED_AXES = ("-x", "-y", "-z")


def join_signed_axes(argv: list[str]) -> list[str]:
    """`--up -y` -> `--up=-y`: argparse reads any '-word' after an option as another option
    ("expected one argument"), so a negative axis is joined to its option before parsing."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--up" and i + 1 < len(argv) and argv[i + 1].lower() in SIGNED_AXES:
            out.append(f"--up={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def add_dataset_args(p, db: bool = True) -> None:
    p.add_argument("dataset", help="dataset folder (KITTI, native multi-sensor, or scans) or one file")
    p.add_argument("--up", help="up axis of plain scans: x, y, z, -x, -y, -z (stored with the dataset)")
    p.add_argument("--units", help="units of plain scans: m, cm, mm, ft, us-ft, in (stored with the dataset)")
    p.add_argument("--level", action="store_true", default=None,
                   help="plain scans: also tilt so the dominant plane (floor, table) is level (stored)")
    if db:
        p.add_argument("--db", help="annotation store: a SQLite file or postgresql://user@host/db; "
                                    "default: pointlabel.sqlite beside the dataset")


def dataset_of(args):
    return open_dataset(args.dataset, up=getattr(args, "up", None), units=getattr(args, "units", None),
                        level=getattr(args, "level", None))


def store_of(args, dataset):
    return open_store(dataset, getattr(args, "db", None))

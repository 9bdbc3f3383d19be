"""Arguments shared by several sub-commands."""
from __future__ import annotations

from pointlabel.datasets.detect import open_dataset
from pointlabel.store import open_store


def add_dataset_args(p, db: bool = True) -> None:
    p.add_argument("dataset", help="dataset folder (KITTI, native multi-sensor, or scans) or one file")
    p.add_argument("--up", help="up axis of plain scans: x, y, z, -x, -y, -z (stored with the dataset)")
    p.add_argument("--units", help="units of plain scans: m, cm, mm, ft, us-ft, in (stored with the dataset)")
    if db:
        p.add_argument("--db", help="annotation store (SQLite); default: pointlabel.sqlite beside the dataset")


def dataset_of(args):
    return open_dataset(args.dataset, up=getattr(args, "up", None), units=getattr(args, "units", None))


def store_of(args, dataset):
    return open_store(dataset, getattr(args, "db", None))

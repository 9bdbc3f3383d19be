"""`demo` (the sample sequence, then the app) and `contact-sheet`."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("demo", help="generate (once) the sample multi-sensor sequence and open the app on it")
    p.add_argument("--out", help="write the sequence here instead of the shared cache")
    p.add_argument("--frames", type=int, default=10, help="number of sweeps (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same data)")
    p.add_argument("--no-serve", action="store_true", help="only write the data")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--db", help="annotation store (default: pointlabel.sqlite in the sequence)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("contact-sheet", help="one PNG: LiDAR BEV and every camera with projected boxes")
    p.add_argument("dataset", help="a native multi-sensor sequence (e.g. the demo's)")
    p.add_argument("--frame", help="frame id (default: the first)")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.set_defaults(func=cmd_contact_sheet)


def demo_sequence(out: str | None, frames: int, seed: int) -> Path:
    import sample_data
    if out is None and frames == 10 and seed == 0:
        return sample_data.default_sequence()
    target = Path(out) if out else sample_data.cache_dir() / f"sample-seed{seed}-{frames}"
    if not (target / "dataset.json").is_file():
        sample_data.generate_sequence(target, frames=frames, seed=seed, progress=True)
    return target


def cmd_demo(args) -> int:
    root = demo_sequence(args.out, args.frames, args.seed)
    print(f"sample sequence: {root}")
    if args.no_serve:
        return 0
    from pointlabel.app.server import serve
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.store import open_store
    dataset = open_dataset(root)
    serve(dataset, open_store(dataset, args.db), host=args.host, port=args.port)
    return 0


def cmd_contact_sheet(args) -> int:
    from sample_data.contact_sheet import make_contact_sheet
    from pointlabel.datasets.detect import open_dataset
    dataset = open_dataset(args.dataset)
    frame = args.frame or dataset.frame_ids[0]
    make_contact_sheet(Path(args.dataset), frame, Path(args.out))
    print(args.out)
    return 0

"""`info`, `import-labels` and `export`."""
from __future__ import annotations

import json
import sys

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of
from pointlabel.datasets.summary import dataset_summary
import pointlabel.formats as registry


def register(sub) -> None:
    p = sub.add_parser("info", help="frames, sensors, sync table and point counts of a dataset")
    add_dataset_args(p, db=False)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("import-labels", help="import a label set into the annotation store")
    add_dataset_args(p)
    p.add_argument("--format", required=True, choices=sorted(registry.IMPORTERS))
    p.add_argument("--from", dest="src", required=True, help="label_2 folder (or its parent), or a file")
    p.add_argument("--set", default="default", help="label set to import into (default: default)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export annotations (KITTI label_2, OpenLABEL, nuScenes, or point-wise PCD/PLY)")
    add_dataset_args(p)
    p.add_argument("--format", required=True, choices=sorted(registry.EXPORTERS))
    p.add_argument("--out", required=True, help="output folder (OpenLABEL: a .json file)")
    p.add_argument("--set", default="default", help="label set to export (default: default)")
    p.add_argument("--copy-data", action="store_true", help="KITTI: also write velodyne/ and image_2/")
    p.add_argument("--keep-imported-2d", action="store_true",
                   help="KITTI: write boxes unchanged since import exactly as imported (2D box, alpha)")
    p.add_argument("--camera", help="KITTI from a multi-camera rig: the camera that becomes image_2")
    p.add_argument("--redact", action="store_true",
                   help="KITTI --copy-data: blur faces and licence plates in the exported images")
    p.set_defaults(func=cmd_export)


def cmd_info(args) -> int:
    from pointlabel.privacy.access_log import log_if_stored
    from pointlabel.store import default_db_path
    dataset = dataset_of(args)
    log_if_stored(default_db_path(dataset.root), "open", dataset.root, {"command": "info"})
    summary = dataset_summary(dataset)
    for skip in summary["skipped"]:
        print(f"pointlabel: warning: {skip['file']}: skipped ({skip['reason']})", file=sys.stderr)
    for err in summary["errors"]:
        print(f"pointlabel: error: {err['file']}: {err['error']}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary))
    else:
        print(format_summary(summary))
    return 1 if summary["errors"] or summary["skipped"] else 0


def format_summary(s: dict) -> str:
    lines = [f"dataset  {s['root']}  ({s['kind']}, {len(s['frames'])} frames)"]
    if s["cameras"]:
        lines.append("cameras  " + ", ".join(f"{c['name']} {c['width']}x{c['height']}"
                                             + (" distorted" if c["distorted"] else "") for c in s["cameras"]))
    lines.append(f"{'frame':<24} {'points':>9} {'dropped':<18} {'fields':<16} sync")
    for f in s["frames"]:
        dropped = ",".join(f"{k}={v}" for k, v in f["dropped"].items() if v) or "-"
        sync = "  ".join(f"{c}:{'ok' if m['ok'] else 'MISSING'}" + (f"({m['dt'] * 1000:+.0f}ms)" if m["dt"] is not None else "")
                         for c, m in f.get("sync", {}).items()) or "-"
        lines.append(f"{f['id']:<24} {f['points']:>9} {dropped:<18} {','.join(f['fields']) or '-':<16} {sync}")
    for e in s["errors"]:
        lines.append(f"{e['id']:<24} ERROR {e['error']}")
    for k in s.get("skipped", []):
        lines.append(f"{'-':<24} SKIPPED {k['file']}: {k['reason']}")
    return "\n".join(lines)


def cmd_import(args) -> int:
    dataset = dataset_of(args)
    store = store_of(args, dataset)
    result = registry.IMPORTERS[args.format](dataset, store, args.src, args.set)
    print(json.dumps(result))
    return 0


def cmd_export(args) -> int:
    from pointlabel.privacy.access_log import log_store_access
    from pointlabel.privacy.redact import check_redact_export
    dataset = dataset_of(args)
    store = store_of(args, dataset)
    check_redact_export(args.format, args.copy_data, args.redact)
    result = registry.EXPORTERS[args.format](dataset, store, args)
    log_store_access(store, "export", dataset.root, {"format": args.format, "set": args.set, "out": str(args.out),
                                                     "copy_data": args.copy_data, "redacted": args.redact})
    print(json.dumps(result))
    return 0

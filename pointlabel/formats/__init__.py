"""The explicit registry of label formats: name -> importer / exporter."""
from __future__ import annotations

from dataclasses import asdict


def _import_kitti(dataset, store, src, label_set):
    from pointlabel.formats.kitti_io import import_kitti_labels
    return import_kitti_labels(dataset, store, src, label_set)


def _import_openpcdet(dataset, store, src, label_set):
    from pointlabel.formats.openpcdet import import_openpcdet
    return import_openpcdet(dataset, store, src, label_set)


def _export_kitti(dataset, store, args):
    from pointlabel.formats.kitti_io import export_kitti
    s = export_kitti(dataset, store, args.out, args.set, copy_data=args.copy_data,
                     keep_imported_2d=args.keep_imported_2d, camera=args.camera)
    return {k: v for k, v in asdict(s).items() if k != "files"}


def _export_pointwise(fmt):
    def run(dataset, store, args):
        from pointlabel.formats.pointwise import export_pointwise
        return export_pointwise(dataset, store, args.out, fmt, args.set)
    return run


IMPORTERS = {"kitti": _import_kitti, "openpcdet": _import_openpcdet}
EXPORTERS = {"kitti": _export_kitti, "pcd": _export_pointwise("pcd"), "ply": _export_pointwise("ply")}

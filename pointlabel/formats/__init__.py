"""The explicit registry of label formats: name -> importer / exporter."""
from __future__ import annotations

from dataclasses import asdict


def _import_kitti(dataset, store, src, label_set):
    from pointlabel.formats.kitti_io import import_kitti_labels
    return import_kitti_labels(dataset, store, src, label_set)


def _import_openpcdet(dataset, store, src, label_set):
    from pointlabel.formats.openpcdet import import_openpcdet
    return import_openpcdet(dataset, store, src, label_set)


def _import_semantickitti(dataset, store, src, label_set):
    from pointlabel.formats.semantickitti import import_semantickitti
    return import_semantickitti(dataset, store, src, label_set)


def _import_openlabel(dataset, store, src, label_set):
    from pointlabel.formats.openlabel import import_openlabel
    return import_openlabel(dataset, store, src, label_set)


def _import_nuscenes(dataset, store, src, label_set):
    from pointlabel.formats.nuscenes_import import import_nuscenes
    return import_nuscenes(dataset, store, src, label_set)


def _labels(dataset, store, spec):
    """What `--set` names: a store label set, `reference` (the dataset's ground truth), or a
    label_2 / per-frame JSON folder."""
    from pointlabel.labelsets import open_label_set
    return open_label_set(spec, dataset, lambda: store, must_exist=False)


def _export_kitti(dataset, store, args):
    from pointlabel.formats.kitti_io import export_kitti
    labels = _labels(dataset, store, args.set)
    s = export_kitti(dataset, labels, args.out, copy_data=args.copy_data,
                     keep_imported_2d=args.keep_imported_2d, camera=args.camera,
                     redact=_redactor(dataset, store, labels, getattr(args, "redact", False)))
    return {k: v for k, v in asdict(s).items() if k != "files"}


def _redactor(dataset, store, labels, redact: bool):
    """`--redact`: faces and plates blurred in the images the export writes (pointlabel.privacy)."""
    if not redact:
        return None
    from pointlabel.privacy.redact import Redactor
    return Redactor(dataset, labels, drawn=store)


def _export_openlabel(dataset, store, args):
    from pointlabel.formats.atomic import export_file
    from pointlabel.formats.openlabel import export_openlabel
    return export_file(lambda a: export_openlabel(dataset, _labels(dataset, store, a.set), a.out), args, "openlabel.json")


def _export_nuscenes(dataset, store, args):
    from pointlabel.formats.atomic import export_folder
    from pointlabel.formats.nuscenes import export_nuscenes
    return export_folder(lambda a: export_nuscenes(dataset, _labels(dataset, store, a.set), a.out), args,
                         {"v1.0-*", "maps", "samples", "sweeps"}, "nuscenes")


def _export_pointwise(fmt):
    def run(dataset, store, args):
        from pointlabel.formats.pointwise import export_pointwise
        return export_pointwise(dataset, _labels(dataset, store, args.set), args.out, fmt)
    return run


def _export_semantickitti(dataset, store, args):
    from pointlabel.formats.atomic import export_folder
    from pointlabel.formats.semantickitti import export_semantickitti
    from pointlabel.pointlabels.storage import PointLabelStore
    return export_folder(lambda a: export_semantickitti(dataset, _labels(dataset, store, a.set),
                                                        PointLabelStore.for_store(store), a.out, a.set),
                         args, {"labels", "classes.yaml"}, "semantickitti")


IMPORTERS = {"kitti": _import_kitti, "openpcdet": _import_openpcdet, "semantickitti": _import_semantickitti,
             "openlabel": _import_openlabel, "nuscenes": _import_nuscenes}
EXPORTERS = {"kitti": _export_kitti, "pcd": _export_pointwise("pcd"), "ply": _export_pointwise("ply"),
             "semantickitti": _export_semantickitti, "openlabel": _export_openlabel, "nuscenes": _export_nuscenes}

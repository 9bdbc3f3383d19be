"""Point-wise labels: a semantic class (uint16) and an instance id (uint16) per point per frame.

- `codec`: compact bytes for label arrays (run-length, then zlib) and for sparse diffs.
- `classmap`: the class table (id, name, colour), SemanticKITTI's by default; box classes.
- `select`: the selection tools as pure numpy functions on `(N, 3)` pts_lidar: brush, lasso /
  polygon in screen space, fill-this-cluster, points-in-box, ground.
- `storage`: `PointLabelStore`, the labels in their own tables of the annotation database,
  versioned per frame, every operation one undoable step (per client), history as diffs.
- `ops`: a tool request (`{"tool": ..., "params": ...}`) -> a point mask -> one stored op.
- `propagate`: labels carried to the next sweep (static points through the poses, points in
  tracked boxes with their box).
- `http`: a Flask blueprint serving label arrays and taking operations (no Dash).

Point order: a frame's arrays follow `dataset.load_cloud(frame).xyz` (the full loaded cloud,
the order the app receives); file formats that count the points the reader drops
(SemanticKITTI `.label`) are mapped at the edge (`pointlabel.formats.semantickitti`).
"""

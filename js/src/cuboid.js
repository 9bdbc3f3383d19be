// Cuboid math in the browser, the same as pointlabel.model / pointlabel.app.editing (LiDAR
// frame: x forward, y left, z up; a cuboid's centre is its geometric centre, size [l, w, h],
// rotation Rz(yaw) Ry(pitch) Rx(roll)). The corner order, edge list and nudge steps come from
// the server (config store: calibration.cuboid_topology, app.editing), never re-typed here.

export function rotation(c) {
  const cy = Math.cos(c.yaw), sy = Math.sin(c.yaw);
  const cp = Math.cos(c.pitch || 0), sp = Math.sin(c.pitch || 0);
  const cr = Math.cos(c.roll || 0), sr = Math.sin(c.roll || 0);
  // Rz(yaw) @ Ry(pitch) @ Rx(roll), row-major 3x3
  return [
    cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr,
    sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr,
    -sp, cp * sr, cp * cr,
  ];
}

// A point of the box's own frame -> LiDAR frame.
export function toWorld(c, local, R = rotation(c)) {
  const [x, y, z] = local;
  return [
    c.center[0] + R[0] * x + R[1] * y + R[2] * z,
    c.center[1] + R[3] * x + R[4] * y + R[5] * z,
    c.center[2] + R[6] * x + R[7] * y + R[8] * z,
  ];
}

// A LiDAR-frame point -> the box's own frame.
export function toLocal(c, p, R = rotation(c)) {
  const dx = p[0] - c.center[0], dy = p[1] - c.center[1], dz = p[2] - c.center[2];
  return [R[0] * dx + R[3] * dy + R[6] * dz, R[1] * dx + R[4] * dy + R[7] * dz, R[2] * dx + R[5] * dy + R[8] * dz];
}

export function corners(c, topology) {
  const R = rotation(c);
  return topology.unit_corners.map((u) => toWorld(c, [u[0] * c.size_lwh[0], u[1] * c.size_lwh[1], u[2] * c.size_lwh[2]], R));
}

// (12 edges + the heading tick) as pairs of points; bottomOnly: the 4 bottom edges + tick.
export function segments(c, topology, bottomOnly = false) {
  const k = corners(c, topology);
  const edges = bottomOnly ? topology.edges.slice(0, 4) : topology.edges;
  const out = edges.map(([a, b]) => [k[a], k[b]]);
  const mid = (ps) => [0, 1, 2].map((i) => ps.reduce((s, p) => s + p[i], 0) / ps.length);
  out.push([mid(k.slice(0, 4)), mid([k[0], k[1]])]);
  return out;
}

export function wrapAngle(a) {
  return a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));
}

// One key step (app.editing.nudge_cuboid): moves in the box's own axes, turns about z,
// resizes about the centre.
export function nudge(c, action, coarse, steps) {
  const k = coarse ? 1 : 0;
  if (steps.moves[action]) {
    const d = steps.moves[action].map((v) => v * steps.move[k]);
    const w = toWorld({ ...c, center: [0, 0, 0] }, d);
    return { ...c, center: [c.center[0] + w[0], c.center[1] + w[1], c.center[2] + w[2]] };
  }
  if (steps.turns[action] !== undefined) {
    return { ...c, yaw: wrapAngle(c.yaw + steps.turns[action] * steps.turn[k]) };
  }
  if (steps.resizes[action]) {
    const [axis, sign] = steps.resizes[action];
    const size = c.size_lwh.slice();
    size[axis] = Math.max(steps.min_size, size[axis] + sign * steps.size[k]);
    return { ...c, size_lwh: size };
  }
  return c;
}

export function nudgeVertex(p, vertex, action, coarse, steps) {
  if (!steps.moves[action]) { return p; }
  const d = steps.moves[action].map((v) => v * steps.move[coarse ? 1 : 0]);
  const vs = p.vertices.map((v, i) => (i === vertex ? [v[0] + d[0], v[1] + d[1], v[2] + d[2]] : v));
  return { ...p, vertices: vs };
}

// The box after its outline was dragged in a box view (app.editing.cuboid_from_view_rect):
// rect in the view's axes of the box frame (top: x, y; side: x, z; front: -y, z).
export function fromViewRect(c, view, x0, x1, y0, y1, minSize) {
  const xa = Math.min(x0, x1), xb = Math.max(x0, x1), ya = Math.min(y0, y1), yb = Math.max(y0, y1);
  const mh = (xa + xb) / 2, mv = (ya + yb) / 2;
  const size = c.size_lwh.slice();
  let shift;
  if (view === "top") { shift = [mh, mv, 0]; size[0] = xb - xa; size[1] = yb - ya; }
  else if (view === "side") { shift = [mh, 0, mv]; size[0] = xb - xa; size[2] = yb - ya; }
  else { shift = [0, -mh, mv]; size[1] = xb - xa; size[2] = yb - ya; }
  const w = toWorld({ ...c, center: [0, 0, 0] }, shift);
  return { ...c, center: [c.center[0] + w[0], c.center[1] + w[1], c.center[2] + w[2]],
           size_lwh: size.map((s) => Math.max(minSize, s)) };
}

// Does the ray (origin o, direction d, LiDAR frame) hit the box? -> distance along d or null.
export function rayHit(c, o, d) {
  const R = rotation(c);
  const lo = toLocal(c, o, R);
  const ld = [R[0] * d[0] + R[3] * d[1] + R[6] * d[2], R[1] * d[0] + R[4] * d[1] + R[7] * d[2],
              R[2] * d[0] + R[5] * d[1] + R[8] * d[2]];
  let t0 = -Infinity, t1 = Infinity;
  for (let i = 0; i < 3; i++) {
    const h = c.size_lwh[i] / 2;
    if (Math.abs(ld[i]) < 1e-12) {
      if (lo[i] < -h || lo[i] > h) { return null; }
    } else {
      let a = (-h - lo[i]) / ld[i], b = (h - lo[i]) / ld[i];
      if (a > b) { [a, b] = [b, a]; }
      t0 = Math.max(t0, a); t1 = Math.min(t1, b);
      if (t0 > t1) { return null; }
    }
  }
  return t1 < 0 ? null : Math.max(t0, 0);
}

export function containsXY(c, x, y, margin = 0) {
  const l = toLocal(c, [x, y, c.center[2]]);
  return Math.abs(l[0]) <= c.size_lwh[0] / 2 + margin && Math.abs(l[1]) <= c.size_lwh[1] / 2 + margin;
}

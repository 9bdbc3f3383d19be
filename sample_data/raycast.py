"""The scene frozen at one instant, as one Open3D RaycastingScene, and what a ray hits in it.

Static triangles and every actor's mesh (moved to its pose at that time) go into a single
triangle soup, so one `cast` answers for all rays at once; per-triangle arrays say which actor
(-1: the static world), which colour and which LiDAR reflectivity a hit has.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import open3d as o3d

from sample_data.meshes import GLASS, TYRE
from sample_data.scene import GLASS_SHADE, TYRE_REFLECTIVITY, TYRE_RGB, Scene

NO_HIT = -2  # actor value of a ray that hits nothing


@dataclass(frozen=True)
class Hits:
    """Per ray: distance (inf on a miss), unit normal facing the ray (world frame), actor index
    (-1 static world, NO_HIT nothing), surface colour (uint8) and reflectivity."""

    distance: np.ndarray  # (N,)
    normal_world: np.ndarray  # (N, 3)
    actor: np.ndarray  # (N,) int
    rgb: np.ndarray  # (N, 3) uint8
    reflectivity: np.ndarray  # (N,)

    @property
    def hit(self) -> np.ndarray:
        return np.isfinite(self.distance)


class ActorMeshes:
    """All actors' meshes concatenated once, with their per-triangle colours and reflectivity."""

    def __init__(self, scene: Scene):
        verts, tris, owner_v, owner_t, rgb, refl, offset = [], [], [], [], [], [], 0
        for k, actor in enumerate(scene.actors):
            m = actor.mesh
            verts.append(m.vertices)
            tris.append(m.triangles + offset)
            owner_v.append(np.full(len(m.vertices), k))
            owner_t.append(np.full(len(m.triangles), k))
            colour = np.tile(np.asarray(actor.colour, float), (len(m.triangles), 1))
            colour[m.part == GLASS] *= GLASS_SHADE
            colour[m.part == TYRE] = TYRE_RGB
            rgb.append(np.round(colour).astype(np.uint8))
            r = np.full(len(m.triangles), actor.reflectivity)
            r[m.part == GLASS] = 0.1
            r[m.part == TYRE] = TYRE_REFLECTIVITY
            refl.append(r)
            offset += len(m.vertices)
        self.vertices_obj = np.concatenate(verts)  # (V, 3) each in its own object frame
        self.triangles = np.concatenate(tris)
        self.vertex_owner = np.concatenate(owner_v)
        self.triangle_owner = np.concatenate(owner_t)
        self.rgb = np.concatenate(rgb)
        self.reflectivity = np.concatenate(refl)


class Snapshot:
    """The scene at time t (seconds from the sequence start), ready to cast rays into."""

    def __init__(self, scene: Scene, actor_meshes: ActorMeshes, t: float):
        self.t = t
        self.poses = np.stack([a.pose(t) for a in scene.actors])  # (A, 4, 4) T_world_from_object
        R = self.poses[actor_meshes.vertex_owner, :3, :3]
        pts_world = np.einsum("vij,vj->vi", R, actor_meshes.vertices_obj)
        pts_world += self.poses[actor_meshes.vertex_owner, :3, 3]
        static = scene.static
        n_static = len(static.vertices)
        vertices = np.vstack([static.vertices, pts_world]).astype(np.float32)
        triangles = np.vstack([static.triangles, actor_meshes.triangles + n_static]).astype(np.uint32)
        self._actor = np.concatenate([np.full(len(static.triangles), -1), actor_meshes.triangle_owner])
        self._rgb = np.vstack([static.rgb, actor_meshes.rgb])
        self._refl = np.concatenate([static.reflectivity, actor_meshes.reflectivity])
        self._scene = o3d.t.geometry.RaycastingScene()
        self._scene.add_triangles(o3d.core.Tensor(vertices), o3d.core.Tensor(triangles))

    def cast(self, origins_world: np.ndarray, dirs_world: np.ndarray) -> Hits:
        """origins_world, dirs_world: (N, 3) world frame, dirs of unit length -> Hits."""
        n = len(dirs_world)
        rays = np.empty((n, 6), np.float32)
        rays[:, :3] = origins_world
        rays[:, 3:] = dirs_world
        ans = self._scene.cast_rays(o3d.core.Tensor(rays))
        distance = ans["t_hit"].numpy().astype(float)
        tri = ans["primitive_ids"].numpy().astype(np.int64)
        hit = np.isfinite(distance)
        tri[~hit] = 0
        normal = ans["primitive_normals"].numpy().astype(float)
        flip = (normal * dirs_world).sum(1) > 0
        normal[flip] *= -1
        actor = np.where(hit, self._actor[tri], NO_HIT)
        rgb = np.where(hit[:, None], self._rgb[tri], 0).astype(np.uint8)
        refl = np.where(hit, self._refl[tri], 0.0)
        return Hits(distance, normal, actor, rgb, refl)

    def occluded(self, origins_world: np.ndarray, dirs_world: np.ndarray) -> np.ndarray:
        """(N,) bool: something lies along each ray (for shadows)."""
        rays = np.empty((len(dirs_world), 6), np.float32)
        rays[:, :3] = origins_world
        rays[:, 3:] = dirs_world
        return self._scene.test_occlusions(o3d.core.Tensor(rays)).numpy().astype(bool)

"""Our classes and attributes <-> nuScenes categories, attributes and visibility levels.

nuScenes has 23 object categories and 8 attributes (tables `category`, `attribute`); the
devkit colours boxes by category name, so only these names may be written. The mapping:

| ours | nuScenes category | attribute from ours |
|---|---|---|
| Car, Van | vehicle.car (it includes vans) | moving -> vehicle.moving / .stopped, parked -> .parked |
| Truck | vehicle.truck | as Car |
| Pedestrian | human.pedestrian.adult | moving -> pedestrian.moving / pedestrian.standing |
| Person_sitting | human.pedestrian.adult | pedestrian.sitting_lying_down |
| Cyclist | vehicle.bicycle | cycle.with_rider |
| Tram | vehicle.bus.rigid (no rail class in nuScenes) | as Car |
| Misc | movable_object.pushable_pullable | |
| a nuScenes category name | itself | |
| anything else | movable_object.pushable_pullable (reported as unmapped) | |

Back from nuScenes: vehicle.car -> Car, vehicle.truck -> Truck, human.pedestrian.* ->
Pedestrian (Person_sitting with pedestrian.sitting_lying_down), vehicle.bicycle and
vehicle.motorcycle with cycle.with_rider -> Cyclist; any other category keeps its nuScenes
name. Attributes come back as `moving` / `parked` and the list `nuscenes_attributes`;
visibility as KITTI's `occluded` (4: 80-100 % visible -> 0, 3 -> 1, 2 -> 1, 1 -> 2).
Our own exports also carry a sidecar (see `nuscenes.py`) so their labels return exactly.
"""
from __future__ import annotations

from typing import Mapping

CATEGORIES = {
    "animal": "All animals, e.g. cats, rats, dogs, deer, birds.",
    "human.pedestrian.adult": "Adult subcategory.",
    "human.pedestrian.child": "Child subcategory.",
    "human.pedestrian.construction_worker": "Construction worker",
    "human.pedestrian.personal_mobility": "A small electric or self-propelled vehicle.",
    "human.pedestrian.police_officer": "Police officer.",
    "human.pedestrian.stroller": "Strollers.",
    "human.pedestrian.wheelchair": "Wheelchairs.",
    "movable_object.barrier": "Temporary road barrier placed in the scene.",
    "movable_object.debris": "Movable object that is left on the driveable surface.",
    "movable_object.pushable_pullable": "Objects that a pedestrian may push or pull.",
    "movable_object.trafficcone": "All types of traffic cone.",
    "static_object.bicycle_rack": "Area or device intended to park or secure the bicycles in a row.",
    "vehicle.bicycle": "Human or electric powered 2-wheeled vehicle designed to travel at lower speeds.",
    "vehicle.bus.bendy": "Bendy bus subcategory.",
    "vehicle.bus.rigid": "Rigid bus subcategory.",
    "vehicle.car": "Vehicle designed primarily for personal use, e.g. sedans, hatch-backs, wagons, vans, "
                   "mini-vans, SUVs and jeeps.",
    "vehicle.construction": "Vehicles primarily designed for construction.",
    "vehicle.emergency.ambulance": "All types of ambulances.",
    "vehicle.emergency.police": "All types of police vehicles.",
    "vehicle.motorcycle": "Gasoline or electric powered 2-wheeled vehicle designed to move rapidly.",
    "vehicle.trailer": "Any vehicle trailer.",
    "vehicle.truck": "Vehicles primarily designed to haul cargo.",
}
ATTRIBUTES = {
    "vehicle.moving": "Vehicle is moving.",
    "vehicle.stopped": "Vehicle, with a driver/rider in/on it, is currently stationary but has an intent to move.",
    "vehicle.parked": "Vehicle is stationary (usually for longer duration) with no immediate intent to move.",
    "cycle.with_rider": "There is someone riding the cycle.",
    "cycle.without_rider": "There is NO rider on the cycle.",
    "pedestrian.sitting_lying_down": "The human is sitting or lying down.",
    "pedestrian.standing": "The human is standing.",
    "pedestrian.moving": "The human is moving.",
}
VISIBILITY = {"1": ("v0-40", "visibility of whole object is between 0 and 40%"),
              "2": ("v40-60", "visibility of whole object is between 40 and 60%"),
              "3": ("v60-80", "visibility of whole object is between 60 and 80%"),
              "4": ("v80-100", "visibility of whole object is between 80 and 100%")}

TO_NUSCENES = {"Car": "vehicle.car", "Van": "vehicle.car", "Truck": "vehicle.truck",
               "Pedestrian": "human.pedestrian.adult", "Person_sitting": "human.pedestrian.adult",
               "Cyclist": "vehicle.bicycle", "Tram": "vehicle.bus.rigid", "Misc": "movable_object.pushable_pullable"}
FALLBACK = "movable_object.pushable_pullable"
CYCLES = ("vehicle.bicycle", "vehicle.motorcycle")
OCCLUDED_TO_VISIBILITY = {0: "4", 1: "3", 2: "1"}
VISIBILITY_TO_OCCLUDED = {"4": 0, "3": 1, "2": 1, "1": 2}


def category_of(label: str) -> str | None:
    """Our label -> nuScenes category, None when nothing fits (the caller uses FALLBACK)."""
    return TO_NUSCENES.get(label) or (label if label in CATEGORIES else None)


def attributes_of(label: str, category: str, attributes: Mapping) -> list[str]:
    """nuScenes attribute names of one of our boxes."""
    given = attributes.get("nuscenes_attributes")
    if isinstance(given, (list, tuple)) and all(a in ATTRIBUTES for a in given):
        return list(given)
    moving = attributes.get("moving")
    if category in CYCLES:
        return ["cycle.with_rider" if label == "Cyclist" or attributes.get("rider") else "cycle.without_rider"]
    if category.startswith("human.pedestrian"):
        if label == "Person_sitting":
            return ["pedestrian.sitting_lying_down"]
        return [] if moving is None else ["pedestrian.moving" if moving else "pedestrian.standing"]
    if category.startswith("vehicle."):
        if attributes.get("parked"):
            return ["vehicle.parked"]
        return [] if moving is None else ["vehicle.moving" if moving else "vehicle.stopped"]
    return []


def visibility_of(attributes: Mapping) -> str:
    """KITTI-style `occluded` (0, 1, 2; missing or 3 = unknown, taken as 0 as the KITTI export
    does) -> visibility token."""
    try:
        return OCCLUDED_TO_VISIBILITY.get(int(attributes.get("occluded", 0)), "4")
    except (TypeError, ValueError):
        return "4"


def from_nuscenes(category: str, attribute_names: list[str], visibility: str | None) -> tuple[str, dict]:
    """A nuScenes box's category, attribute names and visibility -> (our label, attributes)."""
    names = set(attribute_names)
    if category == "vehicle.car":
        label = "Car"
    elif category == "vehicle.truck":
        label = "Truck"
    elif category.startswith("human.pedestrian") and category != "human.pedestrian.stroller":
        label = "Person_sitting" if "pedestrian.sitting_lying_down" in names else "Pedestrian"
    elif category in CYCLES and "cycle.with_rider" in names:
        label = "Cyclist"
    else:
        label = category
    attrs: dict = {}
    if names & {"vehicle.moving", "pedestrian.moving"}:
        attrs["moving"] = True
    elif names & {"vehicle.stopped", "vehicle.parked", "pedestrian.standing"}:
        attrs["moving"] = False
    if "vehicle.parked" in names:
        attrs["parked"] = True
    if attribute_names:
        attrs["nuscenes_attributes"] = sorted(names)
    if visibility in VISIBILITY_TO_OCCLUDED:
        attrs["occluded"] = VISIBILITY_TO_OCCLUDED[visibility]
    return label, attrs

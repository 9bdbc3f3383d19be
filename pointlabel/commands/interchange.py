"""`ingest`: a ROS 2 bag or an MCAP recording into the native layout. (OpenLABEL and nuScenes
labels go through `export` / `import-labels --format openlabel|nuscenes`.)"""
from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("ingest", help="convert a ROS 2 bag folder or an .mcap file into the native layout")
    p.add_argument("recording", help="rosbag2 folder (metadata.yaml) or .mcap file")
    p.add_argument("--out", required=True, help="new native dataset folder")
    p.add_argument("--lidar", help="PointCloud2 topic of the LiDAR (default: the only one)")
    p.add_argument("--camera", action="append", dest="cameras", metavar="TOPIC",
                   help="Image / CompressedImage topic (repeat; default: every image topic)")
    p.add_argument("--world-frame", help="tf frame for poses.json (T_world_from_lidar per sweep), e.g. odom")
    p.add_argument("--sync-tolerance", type=float, default=0.05, help="seconds (default 0.05)")
    p.set_defaults(func=cmd_ingest)


def cmd_ingest(args) -> int:
    from pointlabel.ingest.to_native import ingest
    print(json.dumps(ingest(args.recording, args.out, args.lidar, args.cameras, args.world_frame,
                            args.sync_tolerance)))
    return 0

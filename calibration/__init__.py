"""Sensor models, rigid transforms, calibration files and projection.

Frames (see ../shared/CONVENTIONS.md):
- LiDAR (`lidar`): x forward, y left, z up, metres.
- camera (`cam`): x right, y down, z forward (optical axis), metres.
- rectified camera 0 (`rect`): as camera, after KITTI's R0_rect.
- image (`img`): u right, v down, pixels, origin at the top-left pixel's centre.

Projection chain: pts_lidar --T_cam_from_lidar--> pts_cam --K (+ distortion)--> uv_img.
Transforms are 4x4 homogeneous matrices named T_<to>_from_<from>. This package imports only
numpy, scipy and pyquaternion: no Dash, no Open3D, no app state.
"""

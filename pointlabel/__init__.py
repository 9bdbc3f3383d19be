"""pointlabel: 3D point-cloud and multi-sensor annotation (LiDAR + cameras)."""

__version__ = "0.1.0"

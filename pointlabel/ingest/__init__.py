"""Robot recordings (ROS 2 bags, MCAP) into the native layout: `to_native.ingest`."""

"""One interface over recorded ROS 2 messages: a rosbag2 folder (read with `rosbags`, sqlite3
or mcap storage) or a single `.mcap` file (read with `mcap` + `mcap-ros2-support`).

`topics()` gives {topic: message type} ("sensor_msgs/msg/PointCloud2"); `messages(topics)`
yields (topic, message type, log time in ns, decoded message) in log-time order. Decoded
messages are attribute trees as ROS defines them (msg.header.stamp.sec, msg.data, ...) from
either library; `messages.py` reads both.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from pointlabel.errors import PointlabelError


def _normal_type(name: str) -> str:
    """'sensor_msgs/PointCloud2' and 'sensor_msgs/msg/PointCloud2' -> the latter."""
    parts = name.split("/")
    return f"{parts[0]}/msg/{parts[-1]}" if len(parts) == 2 else name


class BagRecording:
    """A rosbag2 folder (metadata.yaml beside its storage files)."""

    def __init__(self, path: Path):
        from rosbags.highlevel import AnyReader
        from rosbags.typesys import Stores, get_typestore
        self.path = path
        self._open = lambda: AnyReader([path], default_typestore=get_typestore(Stores.ROS2_HUMBLE))
        try:
            with self._open() as reader:
                self._topics = {c.topic: _normal_type(c.msgtype) for c in reader.connections}
        except Exception as e:  # rosbags raises its own error types for broken bags
            raise PointlabelError(f"cannot read the ROS 2 bag ({e.__class__.__name__}: {e})", path) from None

    def topics(self) -> dict[str, str]:
        return dict(self._topics)

    def messages(self, topics: Iterable[str]) -> Iterator[tuple[str, str, int, object]]:
        wanted = set(topics)
        with self._open() as reader:
            conns = [c for c in reader.connections if c.topic in wanted]
            for conn, t_ns, raw in reader.messages(connections=conns):
                try:
                    msg = reader.deserialize(raw, conn.msgtype)
                except Exception as e:  # rosbags' SerdeError and friends
                    raise PointlabelError(f"{conn.topic} at {t_ns} ns: cannot decode "
                                          f"({e.__class__.__name__}: {e})", self.path) from None
                yield conn.topic, _normal_type(conn.msgtype), int(t_ns), msg


class McapRecording:
    """A single .mcap file with the ros2 profile (cdr-encoded messages)."""

    def __init__(self, path: Path):
        from mcap.reader import make_reader
        self.path = path
        try:
            with open(path, "rb") as f:
                summary = make_reader(f).get_summary()
        except Exception as e:  # the mcap package raises several types for broken files
            raise PointlabelError(f"cannot read the MCAP file ({e.__class__.__name__}: {e})", path) from None
        if summary is None:
            raise PointlabelError("the MCAP file has no summary section (not finished?)", path)
        self._topics = {ch.topic: _normal_type(summary.schemas[ch.schema_id].name)
                        for ch in summary.channels.values() if ch.schema_id in summary.schemas}

    def topics(self) -> dict[str, str]:
        return dict(self._topics)

    def messages(self, topics: Iterable[str]) -> Iterator[tuple[str, str, int, object]]:
        from mcap.reader import make_reader
        from mcap_ros2.decoder import DecoderFactory
        with open(self.path, "rb") as f:
            reader = make_reader(f, decoder_factories=[DecoderFactory()])
            messages = reader.iter_decoded_messages(topics=list(topics))
            while True:
                try:
                    schema, channel, message, decoded = next(messages)
                except StopIteration:
                    return
                except Exception as e:  # the mcap package's record and decoding errors
                    raise PointlabelError(f"cannot read a message ({e.__class__.__name__}: {e})",
                                          self.path) from None
                yield channel.topic, _normal_type(schema.name), int(message.log_time), decoded


def open_recording(path: str | Path):
    """A rosbag2 folder or an .mcap file."""
    path = Path(path)
    if path.is_dir() and (path / "metadata.yaml").is_file():
        return BagRecording(path)
    if path.is_file() and path.suffix.lower() == ".mcap":
        return McapRecording(path)
    if not path.exists():
        raise PointlabelError("no such recording", path)
    raise PointlabelError("not a ROS 2 bag folder (metadata.yaml) or an .mcap file", path)

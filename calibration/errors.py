"""Errors raised for bad calibration input."""


class CalibrationError(ValueError):
    """A calibration file or rig that cannot be used; the message names the file and the problem."""

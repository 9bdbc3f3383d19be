"""Pure figure builders: domain objects and numpy arrays in, Plotly traces and figures out.

Every figure has a fixed list of traces (`*_BASE` point traces, then the overlay slots of
`overlays.OVERLAY_SLOTS`), so an edit re-sends only the overlay traces with a dash Patch.
"""

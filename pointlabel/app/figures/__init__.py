"""What the server draws for the canvas: the annotations projected into the cameras
(overlays), and the colours every view shares (style)."""

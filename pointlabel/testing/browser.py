"""A served app and a real headless Chromium, for the browser tests and benchmarks.

Debian's chromium and chromium-driver (scripts/setup.sh installs them) drive the page as a
person would: real key presses and pointer events through the DevTools protocol. Long tasks
are read with a PerformanceObserver installed before the page's own scripts run.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--window-size=1366,900", "--enable-unsafe-swiftshader")

# Installed before any script of the page: every long task (> 50 ms of main-thread work) and
# every animation frame the page gets, timestamped on the page's clock.
PROBE = """
window.__longtasks = [];
new PerformanceObserver(function (l) {
  l.getEntries().forEach(function (e) { window.__longtasks.push([e.startTime, e.duration]); });
}).observe({entryTypes: ['longtask']});
window.__keys = [];
document.addEventListener('keydown', function (e) { window.__keys.push([performance.now(), e.key]); }, true);
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A Dash app served from a thread (werkzeug, threaded) on a free local port."""

    def __init__(self, app):
        from werkzeug.serving import make_server
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._server = make_server("127.0.0.1", self.port, app.server, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


def chrome(timeout: float = 60.0):
    """A headless Chromium (selenium WebDriver) with a 1366x768 viewport and the probe."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(exe):
            raise RuntimeError(f"{exe} is missing: run scripts/setup.sh (installs chromium and chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in CHROME_ARGS:
        opts.add_argument(a)
    opts.add_argument(f"--user-data-dir={os.path.join(os.environ.get('TMPDIR', '/tmp'), f'pointlabel-chrome-{os.getpid()}-{time.monotonic_ns()}')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(timeout)
    driver.set_script_timeout(timeout)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
    return driver


def wait(driver, script: str, timeout: float = 60.0, what: str = "", *args):
    """Poll a JS expression (`return ...`) until truthy; its value."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = driver.execute_script(script, *args)
        except Exception as e:  # the page (re)loading
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or script} (last: {last!r})")


CANVAS_READY = "var c = window.pointlabelCanvas; return !!(c && c.loads > 0 && c.hub.cloud) && c.hub.frameId"


def key(driver, k: str, modifiers: int = 0, code: str | None = None, vk: int | None = None) -> None:
    """One real key press (down + up) through the DevTools protocol. modifiers: 2 Ctrl, 8 Shift."""
    text = k if len(k) == 1 and not modifiers & 2 else ""
    base = {"key": k, "modifiers": modifiers, "code": code or (f"Key{k.upper()}" if len(k) == 1 and k.isalpha() else k)}
    if vk is not None:
        base["windowsVirtualKeyCode"] = vk
    elif len(k) == 1:
        base["windowsVirtualKeyCode"] = ord(k.upper())
    driver.execute_cdp_cmd("Input.dispatchKeyEvent", {"type": "keyDown", "text": text, **base})
    driver.execute_cdp_cmd("Input.dispatchKeyEvent", {"type": "keyUp", **base})


def mouse(driver, kind: str, x: float, y: float, button: str = "left", buttons: int = 1, modifiers: int = 0,
          delta_y: float = 0.0, click_count: int = 1) -> None:
    """A real pointer event at page pixels (x, y): kind mousePressed / mouseMoved /
    mouseReleased / mouseWheel."""
    e = {"type": kind, "x": float(x), "y": float(y), "modifiers": modifiers}
    if kind in ("mousePressed", "mouseReleased"):
        e.update(button=button, clickCount=click_count, buttons=buttons if kind == "mousePressed" else 0)
    elif kind == "mouseMoved":
        e.update(button=button if buttons else "none", buttons=buttons)
    elif kind == "mouseWheel":
        e.update(deltaX=0, deltaY=float(delta_y))
    driver.execute_cdp_cmd("Input.dispatchMouseEvent", e)


def drag(driver, start, end, steps: int = 10, button: str = "left", pause: float = 0.0) -> None:
    """Press at start, move to end in `steps`, release: as a hand does."""
    buttons = {"left": 1, "right": 2, "middle": 4}[button]
    mouse(driver, "mouseMoved", *start, buttons=0)
    mouse(driver, "mousePressed", *start, button=button, buttons=buttons)
    for i in range(1, steps + 1):
        t = i / steps
        mouse(driver, "mouseMoved", start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t,
              button=button, buttons=buttons)
        if pause:
            time.sleep(pause)
    mouse(driver, "mouseReleased", *end, button=button)


def click(driver, x: float, y: float) -> None:
    mouse(driver, "mouseMoved", x, y, buttons=0)
    mouse(driver, "mousePressed", x, y)
    mouse(driver, "mouseReleased", x, y)


def rect(driver, element_id: str) -> tuple[float, float, float, float]:
    """(left, top, width, height) of an element, page pixels."""
    return tuple(driver.execute_script(
        "var r = document.getElementById(arguments[0]).getBoundingClientRect(); return [r.left, r.top, r.width, r.height]",
        element_id))


def screen_of(driver, xyz, view: str = "view3d") -> tuple[float, float]:
    """Page pixels where a LiDAR-frame point shows in the 3D view (or the BEV)."""
    if view == "bev":
        return tuple(driver.execute_script("return window.pointlabelCanvas.bev.toScreen(arguments[0], arguments[1])",
                                           float(xyz[0]), float(xyz[1])))
    return tuple(driver.execute_script("""
      var c = window.pointlabelCanvas, v = c[arguments[1]], p = arguments[0];
      var r = v.renderer.domElement.getBoundingClientRect();
      v.camera.updateMatrixWorld();
      var m = v.camera.projectionMatrix.clone().multiply(v.camera.matrixWorldInverse).elements;
      var w = m[3]*p[0] + m[7]*p[1] + m[11]*p[2] + m[15];
      var x = (m[0]*p[0] + m[4]*p[1] + m[8]*p[2] + m[12]) / w, y = (m[1]*p[0] + m[5]*p[1] + m[9]*p[2] + m[13]) / w;
      return [r.left + (x * 0.5 + 0.5) * r.width, r.top + (0.5 - y * 0.5) * r.height];""", list(map(float, xyz)), view))

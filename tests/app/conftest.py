"""Fixtures of the app tests: a served app in a thread, and a real headless Chromium.

Browser tests are marked `browser`; they need Debian's chromium and chromium-driver, which
scripts/setup.sh installs. Software WebGL paints a 3D scatter slowly on this CPU-only
machine, so waits are generous (60 s) and the tests use a small 3D point budget.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--window-size=1366,900", "--enable-unsafe-swiftshader")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
DOCS = Path(__file__).resolve().parents[2] / "docs"
WAIT = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A Dash app served from a thread (werkzeug, threaded) on a free local port."""

    def __init__(self, app):
        from werkzeug.serving import make_server
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._server = make_server("127.0.0.1", self.port, app.server, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture
def serve_app():
    servers = []

    def start(app) -> LiveServer:
        s = LiveServer(app)
        servers.append(s)
        return s
    yield start
    for s in servers:
        s.stop()


class Page:
    """A Chromium page with the few probes the app tests need."""

    def __init__(self, driver):
        self.d = driver

    def js(self, script: str, *args):
        return self.d.execute_script(script, *args)

    def wait(self, script: str, timeout: float = WAIT, what: str = "", *args):
        """Poll a JS expression (`return ...`) until it is truthy; its value."""
        end = time.monotonic() + timeout
        last = None
        while time.monotonic() < end:
            try:
                last = self.d.execute_script(script, *args)
            except Exception as e:  # page (re)loading
                last = e
            if last and not isinstance(last, Exception):
                return last
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or script} (last: {last!r})")

    def wait_until(self, predicate, timeout: float = WAIT, what: str = ""):
        """Poll a Python predicate until truthy; its value."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            v = predicate()
            if v:
                return v
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")

    GRAPH = """
      var el = arguments[0] instanceof Element ? arguments[0] : document.getElementById(arguments[0]);
      var g = el && (el.classList.contains('js-plotly-plot') ? el : el.querySelector('.js-plotly-plot'));
    """

    def trace_length(self, graph, index: int) -> int:
        """Points Plotly drew for trace `index` of a graph (-1: not drawn yet)."""
        return self.js(self.GRAPH + """
          if (!g || !g._fullData || !g._fullData[arguments[1]]) { return -1; }
          var t = g._fullData[arguments[1]];
          return t._length != null ? t._length : (t.x ? t.x.length : 0);""", graph, index)

    def finite_points(self, graph, index: int) -> int:
        """Finite (x, y) pairs of trace `index` (overlay paths have NaN gaps)."""
        return self.js(self.GRAPH + """
          if (!g || !g._fullData || !g._fullData[arguments[1]]) { return -1; }
          var t = g._fullData[arguments[1]], n = 0;
          if (!t.x) { return 0; }
          for (var i = 0; i < t.x.length; i++) { if (isFinite(t.x[i]) && t.x[i] !== null && isFinite(t.y[i]) && t.y[i] !== null) { n++; } }
          return n;""", graph, index)

    def cameras(self):
        return self.d.find_elements("css selector", ".camera .js-plotly-plot")

    def press(self, *keys, ctrl: bool = False, shift: bool = False):
        """Real key presses on the page (focus taken off any field first)."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys
        self.js("if (document.activeElement) { document.activeElement.blur(); }")
        chain = ActionChains(self.d)
        for k in keys:
            if ctrl:
                chain.key_down(Keys.CONTROL)
            if shift:
                chain.key_down(Keys.SHIFT)
            chain.send_keys(k)
            if shift:
                chain.key_up(Keys.SHIFT)
            if ctrl:
                chain.key_up(Keys.CONTROL)
        chain.perform()

    def element(self, element_id: str):
        """By id, also Dash's JSON ids of pattern-matching components (not valid CSS)."""
        el = self.js("return document.getElementById(arguments[0])", element_id)
        assert el is not None, f"no element {element_id}"
        return el

    def click(self, element_id: str):
        self.element(element_id).click()

    def type_into(self, element_id: str, text: str, enter: bool = True):
        from selenium.webdriver.common.keys import Keys
        el = self.element(element_id)
        el.click()
        el.send_keys(Keys.CONTROL, "a")  # select and replace: clear() bypasses React's onChange
        el.send_keys(Keys.BACKSPACE)
        el.send_keys(text + (Keys.ENTER if enter else ""))

    def screenshot(self, name: str, also=None) -> Path:
        """Saved under artifacts/; `also` (a docs/ picture) is refreshed only when
        POINTLABEL_UPDATE_DOCS=1, so a test run leaves the checkout clean."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.d.save_screenshot(str(path))
        if also is not None and os.environ.get("POINTLABEL_UPDATE_DOCS") == "1":
            Path(also).parent.mkdir(parents=True, exist_ok=True)
            Path(also).write_bytes(path.read_bytes())
        return path

    def errors(self) -> list[str]:
        """Severe browser console messages and Dash front-end errors."""
        logs = [e["message"] for e in self.d.get_log("browser") if e["level"] == "SEVERE"]
        fe = self.js("var e = document.querySelector('.dash-fe-error__title'); return e ? e.innerText : null")
        return logs + ([fe] if fe else [])


@pytest.fixture(scope="session")
def chrome():
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(exe):
            pytest.fail(f"{exe} is missing: run scripts/setup.sh (installs chromium and chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in CHROME_ARGS:
        opts.add_argument(a)
    opts.add_argument(f"--user-data-dir={os.path.join(os.environ.get('TMPDIR', '/tmp'), f'pointlabel-chrome-{os.getpid()}')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    # The viewport a labeller's 1366x768 screen gives, exactly.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    yield driver
    driver.quit()


@pytest.fixture
def page(chrome):
    return Page(chrome)


LIFTED_FRAME = "000008"


@pytest.fixture
def lifted_car(kitti_root, tmp_path):
    """A label set with one fault for the review workflow: the KITTI reference boxes of frame
    000008 and its neighbours in the store's 'default' set, the car with the most returns in
    000008 lifted by 1 m -> (dataset, store, the lifted car)."""
    import numpy as np

    from pointlabel.datasets.detect import open_dataset
    from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array
    from pointlabel.store import open_store
    dataset = open_dataset(kitti_root)
    store = open_store(dataset, tmp_path / "labels.sqlite")
    i = dataset.frame_ids.index(LIFTED_FRAME)
    for fid in dataset.frame_ids[i - 1:i + 2]:
        store.apply(fid, upserts=list(dataset.reference(fid).cuboids))
    cars = [c for c in store.frame(LIFTED_FRAME).cuboids if c.label == "Car"]
    xyz = dataset.load_cloud(LIFTED_FRAME).xyz
    car = cars[int(np.argmax(count_points_in_boxes(xyz, cuboids_to_array(cars))))]
    lifted = car.replace(center=np.add(car.center, [0.0, 0.0, 1.0]))
    store.apply(LIFTED_FRAME, upserts=[lifted])
    return dataset, store, lifted

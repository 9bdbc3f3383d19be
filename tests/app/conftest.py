"""Fixtures of the app tests: a served app in a thread, and a real headless Chromium
(pointlabel.testing.browser) with probes of what the canvas draws.

Browser tests are marked `browser`; they need Debian's chromium and chromium-driver, which
scripts/setup.sh installs. Waits are generous (60 s): the machine is small and shared.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pointlabel.testing import browser
from pointlabel.testing.browser import CHROME_ARGS, LiveServer  # noqa: F401  (benchmarks import them from here)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
DOCS = Path(__file__).resolve().parents[2] / "docs"
WAIT = 60.0


@pytest.fixture
def session(kitti_root, tmp_path):
    """The app's session on the real KITTI frames, an empty store, exports under tmp_path."""
    from pointlabel.app import create_app
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.store import open_store
    ds = open_dataset(kitti_root)
    app = create_app(ds, open_store(ds, tmp_path / "labels.sqlite"), export_dir=tmp_path / "export")
    return app.pointlabel_session


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

    # -- the canvas (js/src): what it has drawn, read from the page -------------------------
    def canvas(self, expr: str, *args):
        """A JS expression over `c` (window.pointlabelCanvas) and `h` (its hub)."""
        return self.js("var c = window.pointlabelCanvas, h = c && c.hub; return " + expr, *args)

    def wait_canvas(self, expr: str, what: str = "", *args, timeout: float = WAIT):
        return self.wait("var c = window.pointlabelCanvas, h = c && c.hub; return " + expr, timeout, what, *args)

    def wait_frame(self, frame_id: str):
        """The canvas shows frame_id: its sweep is on the GPU of the 3D view and the BEV."""
        self.wait_canvas("c.loads > 0 && h.frameId === arguments[0] && c.view3d.points && c.bev.points && "
                         "c.view3d.points.geometry.attributes.position.count === h.cloud.n", f"frame {frame_id}", frame_id)

    def points_drawn(self, view: str = "view3d") -> int:
        return self.canvas(f"c.{view}.points ? c.{view}.points.geometry.attributes.position.count : -1")

    def selected_drawn(self, view: str = "view3d"):
        """The id of the annotation a view draws as selected (None: none)."""
        return self.canvas(f"c.{view}.overlay.userData.selected ? c.{view}.overlay.userData.selected.id : null")

    def camera_items(self, name: str = None) -> list:
        """[(id, kind)] of what a camera draws over its image."""
        return [tuple(x) for x in self.canvas(
            "Object.values(c.cameras.views).filter(v => !arguments[0] || v.name === arguments[0])"
            ".flatMap(v => v.paths.map(p => [p.id, p.kind]))", name)]

    def camera_px(self, camera: str, u: float, v: float):
        """Page pixels where pixel (u, v) of a camera's recorded image shows (zoom, pan and the
        downscaled display included)."""
        return self.js("""var v = window.pointlabelCanvas.cameras.views[arguments[0]], t = v.transform();
          var r = v.overlay.getBoundingClientRect(), p = t.toEl(arguments[1], arguments[2]);
          return [r.left + p[0], r.top + p[1]];""", camera, float(u), float(v))

    def screen_of(self, xyz, view: str = "view3d"):
        return browser.screen_of(self.d, xyz, view)

    def click_at(self, x: float, y: float):
        browser.click(self.d, x, y)

    def key(self, k: str, ctrl: bool = False, shift: bool = False):
        """One real key press (DevTools input events: as from a keyboard)."""
        codes = {"Tab": ("Tab", 9), "Escape": ("Escape", 27), "ArrowRight": ("ArrowRight", 39),
                 "ArrowLeft": ("ArrowLeft", 37), "Enter": ("Enter", 13), "Delete": ("Delete", 46)}
        code, vk = codes.get(k, (None, None))
        self.js("if (document.activeElement) { document.activeElement.blur(); }")  # as a click outside a field
        browser.key(self.d, k, modifiers=(2 if ctrl else 0) | (8 if shift else 0), code=code, vk=vk)

    def drag(self, start, end, steps: int = 12, button: str = "left"):
        browser.drag(self.d, start, end, steps=steps, button=button)

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
    driver = browser.chrome(WAIT)
    yield driver
    driver.quit()


@pytest.fixture
def page(chrome):
    """The shared Chromium, its console emptied of what earlier tests left (requests of a page
    whose server their teardown stopped), so Page.errors() speaks of this test only."""
    chrome.get("about:blank")
    chrome.get_log("browser")
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

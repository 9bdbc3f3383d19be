// Team mode: a reviewer opens a submitted task from the queue at `/?frame=<first>&tab=review`:
// once the page is up, show its Review tab (the tab button of layout/__init__.py).
(function () {
  if (new URLSearchParams(window.location.search).get("tab") !== "review") return;
  var tries = 0;
  var timer = setInterval(function () {
    var button = document.getElementById("tab-review-btn");
    if (button && button.offsetParent !== null && window.dash_clientside !== undefined) {
      clearInterval(timer);
      setTimeout(function () { button.click(); }, 300);
    } else if (++tries > 200) {
      clearInterval(timer);
    }
  }, 150);
})();

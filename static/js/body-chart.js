// Makes each body chart's figure a set of checkboxes that mirror the list under it, so a
// therapist can tap the regions (or Tab to them and press Space). Without this script the
// list works on its own and the figure only shows what is marked.
(function () {
  "use strict";

  var PHONE = "(max-width: 575.98px)";

  function setUp(chart) {
    var svg = chart.querySelector("svg");
    var summary = chart.querySelector("[data-body-chart-summary]");
    var markClass = chart.dataset.marks;
    var inputs = Array.prototype.slice.call(chart.querySelectorAll("input[type=checkbox]"));
    var byRegion = {};
    inputs.forEach(function (input) { byRegion[input.value] = input; });

    function summarise() {
      var marked = inputs.filter(function (input) { return input.checked; }).map(function (input) {
        return input.labels[0].textContent;
      });
      summary.textContent = "Marked: " + (marked.length ? marked.join("; ") : "none");
    }

    svg.removeAttribute("aria-hidden");
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", chart.querySelector("legend").textContent.replace("*", "") + ": body chart");
    svg.querySelectorAll("[data-region]").forEach(function (region) {
      var input = byRegion[region.dataset.region];
      function show() {
        region.classList.toggle(markClass, input.checked);
        region.setAttribute("aria-checked", input.checked ? "true" : "false");
      }
      function toggle() {
        input.checked = !input.checked;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
      region.setAttribute("role", "checkbox");
      region.setAttribute("tabindex", "0");
      region.setAttribute("aria-label", region.dataset.label);
      region.addEventListener("click", toggle);
      region.addEventListener("keydown", function (event) {
        if (event.key === " ") {
          event.preventDefault(); // Space would scroll the page
          toggle();
        }
      });
      input.addEventListener("change", function () { show(); summarise(); });
      show();
    });
    chart.querySelector("[data-body-chart-hint]").hidden = false;
    // The figure is the main way in now; the list stays one tap away. It stays open when
    // there is an error to read beside it, and on a phone, where some regions are smaller
    // than a fingertip and the list (shown first there, static/css/clinic.css) is the way in.
    if (!chart.querySelector(".invalid-feedback") && !window.matchMedia(PHONE).matches) {
      chart.querySelector(".body-chart-list").open = false;
    }
  }

  document.querySelectorAll("[data-body-chart]").forEach(setUp);
})();

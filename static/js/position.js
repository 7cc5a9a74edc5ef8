/* The position picker of the group form (templates/groups/group_form.html).
 *
 * The latitude and longitude stay plain number fields (they work without script). With script,
 * a small map appears under them: a tap sets both fields (rounded to six decimals, about 10 cm)
 * and puts a dot there; typing in the fields moves the dot. Settings (tile server, first view)
 * come from the picker's data-position-config (groups/maps.py position_picker). With no tile server
 * the map is a plain ground, still tappable. The form is swapped by htmx when it has errors:
 * a new form's picker starts after the swap.
 */
(function () {
  "use strict";

  var DIGITS = 1e6;

  function dot() {
    return L.divIcon({
      className: "map-marker position-marker",
      html: '<svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">' +
        '<circle class="cm-node-dot" cx="10" cy="10" r="8"></circle></svg>',
      iconSize: [20, 20],
      iconAnchor: [10, 10]
    });
  }

  function start(box) {
    var form = box.closest("form");
    var settings = box.getAttribute("data-position-config");
    var canvas = box.querySelector("[data-position-canvas]");
    var lat = form && form.querySelector("input[name=latitude]");
    var lng = form && form.querySelector("input[name=longitude]");
    if (!window.L || !settings || !canvas || !lat || !lng) return;
    var config = JSON.parse(settings);
    var said = box.querySelector("[data-position-said]");
    canvas.textContent = "";
    box.hidden = false;
    var map = L.map(canvas, { scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    if (config.tiles) {
      L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    }
    var marker = null;

    function typed() {
      var a = parseFloat(lat.value), b = parseFloat(lng.value);
      if (!isFinite(a) || !isFinite(b) || Math.abs(a) > 90 || Math.abs(b) > 180) return null;
      return [a, b];
    }

    function place(position) {
      if (!position) {
        if (marker) map.removeLayer(marker);
        marker = null;
      } else if (marker) {
        marker.setLatLng(position);
      } else {
        marker = L.marker(position, { icon: dot(), keyboard: false, interactive: false }).addTo(map);
      }
    }

    var here = typed();
    map.setView(here || config.centre, here ? 16 : config.zoom);
    place(here);
    map.on("click", function (event) {
      var position = [
        Math.round(event.latlng.lat * DIGITS) / DIGITS,
        Math.round(L.Util.wrapNum(event.latlng.lng, [-180, 180], true) * DIGITS) / DIGITS
      ];
      lat.value = String(position[0]);
      lng.value = String(position[1]);
      place(position);
      if (said) said.textContent = said.getAttribute("data-msg-set") + " " + lat.value + ", " + lng.value;
    });
    [lat, lng].forEach(function (input) {
      input.addEventListener("input", function () { place(typed()); });
    });
  }

  function startAll() {
    document.querySelectorAll("[data-position-picker]").forEach(function (box) {
      var canvas = box.querySelector("[data-position-canvas]");
      if (canvas && !canvas._leaflet_id) start(box);
    });
  }

  document.addEventListener("DOMContentLoaded", startAll);
  document.addEventListener("htmx:afterSettle", startAll);
  document.addEventListener("htmx:historyRestore", startAll);
})();

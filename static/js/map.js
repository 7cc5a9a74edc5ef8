/* The map of groups on an area's page (templates/groups/partials/area_map.html).
 *
 * Reads its settings from the JSON in the canvas' data-map-config (the GeoJSON addresses, the tile
 * URL and attribution, the legend's words), fetches the area's groups and village outlines as
 * GeoJSON and draws each group with a position as a dot, clustered when close together. A dot
 * opens the group's report. Dots are coloured by kind or by one indicator's band against the
 * median (computed by the server: groups/scores/pages/map.py), grey when too few records; the
 * legend says each colour in words and the tooltip gives the value with its base. With no tile
 * server the dots still show over the outlines on a plain ground. Without script the page shows
 * the table of the groups instead; with it the table folds away under the map.
 */
(function () {
  "use strict";

  var BANDS = ["lower", "same", "higher", "few", "none"];

  function dotIcon(className) {
    return L.divIcon({
      className: "map-marker " + className,
      html: '<svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">' +
        '<circle class="cm-node-dot" cx="10" cy="10" r="8"></circle></svg>',
      iconSize: [20, 20],
      iconAnchor: [10, 10],
      tooltipAnchor: [10, 0]
    });
  }

  function classFor(props, colour) {
    if (colour === "kind") return "kind-" + props.kind;
    return "band-" + ((props.bands || {})[colour] || "none");
  }

  function tooltipFor(props, colour, figureLabel) {
    var text = props.name + " · " + (props.kind_label || "");
    if (colour !== "kind") text += " · " + figureLabel + ": " + ((props.shown || {})[colour] || "–");
    return text;
  }

  function swatch(list, className, text) {
    var item = document.createElement("li");
    var dot = document.createElement("span");
    dot.className = "swatch " + className;
    dot.setAttribute("aria-hidden", "true");
    item.appendChild(dot);
    item.appendChild(document.createTextNode(text));
    list.appendChild(item);
  }

  function drawLegend(list, features, colour, config, medians) {
    list.textContent = "";
    if (colour === "kind") {
      var seen = {};
      features.forEach(function (f) {
        if (!seen[f.properties.kind]) {
          seen[f.properties.kind] = true;
          swatch(list, "kind-" + f.properties.kind, f.properties.kind_label);
        }
      });
      return;
    }
    var counts = {};
    features.forEach(function (f) {
      var band = (f.properties.bands || {})[colour] || "none";
      counts[band] = (counts[band] || 0) + 1;
    });
    BANDS.forEach(function (band) {
      if (counts[band]) swatch(list, "band-" + band, config.labels[band] + " (" + counts[band] + ")");
    });
    var median = medians[colour];
    if (median && median.value !== null) {
      var item = document.createElement("li");
      item.textContent = config.labels.median + ": " + median.shown;
      list.appendChild(item);
    }
  }

  function start(canvas) {
    var figure = canvas.closest("[data-map-figure]");
    var section = canvas.closest(".area-map");
    var settings = canvas.getAttribute("data-map-config");
    if (!window.L || !settings || !figure) return;
    var config = JSON.parse(settings);
    canvas.textContent = "";  // no old map's parts stay (the page is kept out of htmx's history)
    figure.hidden = false;
    var table = section.querySelector("[data-map-table]");
    var map = L.map(canvas, { scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix(false);
    if (config.tiles) {
      L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    }
    var select = section.querySelector("[data-map-colour]");
    var legend = section.querySelector("[data-map-legend]");
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
    var markers = [];
    var medians = {};
    var bounds = L.latLngBounds([]);

    function colour() {
      return select ? select.value : "kind";
    }

    function paint() {
      var key = colour();
      var label = select ? select.options[select.selectedIndex].text : "";
      markers.forEach(function (m) {
        m.setIcon(dotIcon(classFor(m.feature.properties, key)));
        m.setTooltipContent(tooltipFor(m.feature.properties, key, label));
      });
      cluster.refreshClusters();
      drawLegend(legend, markers.map(function (m) { return m.feature; }), key, config, medians);
    }

    function failed() {
      var note = document.createElement("li");
      note.textContent = legend.getAttribute("data-msg-failed") || "";
      legend.appendChild(note);
      if (table) table.open = true;
    }

    fetch(config.outlines, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.features.length) return;
        var layer = L.geoJSON(data, { style: { className: "map-outline" }, interactive: false }).addTo(map);
        layer.bringToBack();
        if (!markers.length) map.fitBounds(layer.getBounds());
      })
      .catch(function () { /* the outlines are a background: the dots show without them */ });

    fetch(config.geojson, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        medians = data.medians || {};
        data.features.forEach(function (f) {
          if (!f.geometry) return;
          var position = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
          var marker = L.marker(position, {
            icon: dotIcon(classFor(f.properties, "kind")),
            title: f.properties.name,
            alt: f.properties.name,
            keyboard: true
          });
          marker.feature = f;
          marker.bindTooltip(tooltipFor(f.properties, "kind", ""), { direction: "auto" });
          marker.on("click", function () { window.location.assign(f.properties.url); });
          markers.push(marker);
          bounds.extend(position);
        });
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
        else map.setView([-2.5, 118], 4);  // Indonesia
        cluster.addLayers(markers);
        map.addLayer(cluster);
        paint();
        if (table) table.open = false;
        canvas.setAttribute("data-map-ready", String(markers.length));
      })
      .catch(failed);

    if (select) select.addEventListener("change", paint);
  }

  function startAll() {
    var canvas = document.getElementById("group-map");
    if (canvas && !canvas._leaflet_id) start(canvas);
  }

  document.addEventListener("DOMContentLoaded", startAll);
  document.addEventListener("htmx:historyRestore", startAll);
})();

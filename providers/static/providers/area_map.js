/* The service areas page's map: click the corners of an area, and its GeoJSON box fills in.
   The page works without this file: the box takes GeoJSON typed or pasted, and the server checks it.
   Every text comes from the box's data attributes, translated by the server (no inline script: the CSP). */
(function () {
  "use strict";

  // Shown instead of a tile that failed, so a missing network leaves a plain background, not broken images.
  var BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
  var CONTIGUOUS_US = [[24.5, -125], [49.5, -66.9]];
  var POLYGON_KIND = "geojson";

  function rounded(number) {
    return Math.round(number * 1e6) / 1e6; // about 10 cm: enough for an area, short to read
  }

  function isPoint(point) {
    return Array.isArray(point) && typeof point[0] === "number" && typeof point[1] === "number";
  }

  // The rings of a GeoJSON Polygon or MultiPolygon as Leaflet's [latitude, longitude] lists, or null.
  function readRings(text) {
    var geometry;
    try {
      geometry = JSON.parse(text);
    } catch (error) {
      return null;
    }
    if (geometry && geometry.type === "Feature") {
      geometry = geometry.geometry;
    }
    if (!geometry || !Array.isArray(geometry.coordinates)) {
      return null;
    }
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : null;
    if (!polygons) {
      return null;
    }
    var valid = polygons.every(function (rings) {
      return Array.isArray(rings) && rings.every(function (ring) {
        return Array.isArray(ring) && ring.every(isPoint);
      });
    });
    if (!valid) {
      return null;
    }
    return polygons.map(function (rings) {
      return rings.map(function (ring) {
        return ring.map(function (point) {
          return [point[1], point[0]];
        });
      });
    });
  }

  function button(label) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button button--secondary";
    element.textContent = label;
    return element;
  }

  function addTiles(map, textarea, box) {
    var url = textarea.dataset.tileUrl;
    if (!url) {
      return;
    }
    var warned = false;
    L.tileLayer(url, { attribution: textarea.dataset.tileAttribution, maxZoom: 19, errorTileUrl: BLANK_TILE })
      .on("tileerror", function () {
        if (warned) {
          return;
        }
        warned = true;
        var note = document.createElement("p");
        note.className = "hint area-map__offline";
        note.textContent = textarea.dataset.offlineMessage;
        box.appendChild(note);
      })
      .addTo(map);
  }

  function setUp(textarea) {
    var row = textarea.closest("fieldset") || textarea.form;
    var kind = row ? row.querySelector("select[name$='extent_type']") : null;

    var box = document.createElement("div");
    box.className = "area-map";
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = textarea.dataset.hint;
    var container = document.createElement("div");
    container.className = "area-map__map";
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", textarea.dataset.mapLabel);
    var tools = document.createElement("p");
    tools.className = "area-map__tools";
    var undo = button(textarea.dataset.undoLabel);
    var clear = button(textarea.dataset.clearLabel);
    tools.appendChild(undo);
    tools.appendChild(clear);
    box.appendChild(hint);
    box.appendChild(container);
    box.appendChild(tools);
    textarea.parentNode.insertBefore(box, textarea);

    var map = null;
    var drawn = null;
    var corners = []; // the polygon being drawn, [latitude, longitude] each
    var shown = null; // an area read from the box that is not one simple polygon (holes, several parts)

    function readBox() {
      var rings = readRings(textarea.value);
      corners = [];
      shown = null;
      if (rings && rings.length === 1 && rings[0].length === 1 && rings[0][0].length >= 4) {
        corners = rings[0][0].slice(0, -1); // the closing point is written back on each change
      } else if (rings) {
        shown = rings;
      }
    }

    function writeBox() {
      if (corners.length < 3) {
        textarea.value = "";
        return;
      }
      var ring = corners.map(function (corner) {
        return [rounded(corner[1]), rounded(corner[0])];
      });
      ring.push(ring[0].slice());
      textarea.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    }

    function draw() {
      drawn.clearLayers();
      if (shown) {
        L.polygon(shown).addTo(drawn);
      } else if (corners.length >= 3) {
        L.polygon(corners).addTo(drawn);
      } else if (corners.length === 2) {
        L.polyline(corners).addTo(drawn);
      }
      corners.forEach(function (corner) {
        L.circleMarker(corner, { radius: 5, weight: 2, color: "#ffffff", fillColor: "#0b5394", fillOpacity: 1 }).addTo(drawn);
      });
      undo.disabled = corners.length === 0;
      clear.disabled = corners.length === 0 && !shown;
    }

    function fit() {
      var bounds = drawn.getLayers().length ? L.featureGroup(drawn.getLayers()).getBounds() : null;
      var center = (textarea.dataset.center || "").split(",").map(Number);
      if (bounds && bounds.isValid()) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
      } else if (center.length === 2 && !isNaN(center[0]) && !isNaN(center[1])) {
        map.setView(center, 11);
      } else {
        map.fitBounds(CONTIGUOUS_US);
      }
    }

    function start() {
      // Leaflet measures its container: make the map only once it is shown.
      map = L.map(container, { scrollWheelZoom: false, doubleClickZoom: false });
      addTiles(map, textarea, box);
      drawn = L.layerGroup().addTo(map);
      readBox();
      draw();
      fit();
      map.on("click", function (event) {
        if (shown) {
          shown = null; // clicking starts a new area in place of the one shown
        }
        corners.push([event.latlng.lat, event.latlng.lng]);
        writeBox();
        draw();
      });
      undo.addEventListener("click", function () {
        corners.pop();
        writeBox();
        draw();
      });
      clear.addEventListener("click", function () {
        corners = [];
        shown = null;
        textarea.value = "";
        draw();
      });
      textarea.addEventListener("change", function () {
        readBox();
        draw();
        fit();
      });
    }

    function showForKind() {
      box.hidden = Boolean(kind) && kind.value !== POLYGON_KIND;
      if (box.hidden) {
        return;
      }
      if (map === null) {
        start();
      } else {
        map.invalidateSize();
      }
    }

    if (kind) {
      kind.addEventListener("change", showForKind);
    }
    showForKind();
  }

  function start() {
    if (!window.L) {
      return;
    }
    document.querySelectorAll("textarea[data-area-map]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

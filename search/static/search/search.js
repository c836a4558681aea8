/* The search page's enhancements: a map of the results (markers clustered with Leaflet.markercluster),
   and the form and its sections open on wide screens.
   The page works without this file: the list is the result, and the map stays hidden. */
(function () {
  "use strict";

  var WIDE = "(min-width: 56rem)";
  // Shown instead of a tile that failed, so a missing network leaves a plain background, not broken images.
  var BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";

  function openSectionsOnWideScreens() {
    if (!window.matchMedia(WIDE).matches) {
      return;
    }
    document.querySelectorAll("details[data-open-wide]").forEach(function (section) {
      section.open = true;
    });
  }

  function popupFor(marker) {
    var content = document.createElement("div");
    var link = document.createElement("a");
    link.href = marker.url;
    link.textContent = marker.number + ". " + marker.name;
    content.appendChild(link);
    if (marker.address) {
      var address = document.createElement("div");
      address.textContent = marker.address;
      content.appendChild(address);
    }
    return content;
  }

  function iconFor(number) {
    var pin = document.createElement("span");
    pin.className = "result-marker__pin";
    var label = document.createElement("span");
    label.textContent = String(number);
    pin.appendChild(label);
    // The pin is a square turned 45°: its tip is half a diagonal (about 20px) below its centre.
    return L.divIcon({ className: "result-marker", html: pin, iconSize: [28, 28], iconAnchor: [14, 34], popupAnchor: [0, -32] });
  }

  // A cluster of markers that would overlap: its count, and what that count is for screen readers.
  function clusterIconFor(cluster, label) {
    var badge = document.createElement("span");
    badge.className = "result-cluster__badge";
    var words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = label + " ";
    var count = document.createElement("span");
    count.className = "result-cluster__count";
    count.textContent = String(cluster.getChildCount());
    badge.appendChild(words);
    badge.appendChild(count);
    return L.divIcon({ className: "result-cluster", html: badge, iconSize: [40, 40] });
  }

  // Leaflet's own words are English: the page's language comes from the container's data attributes.
  function speakThePageLanguage(map, container) {
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    L.control.zoom({ zoomInTitle: container.dataset.zoomInLabel, zoomOutTitle: container.dataset.zoomOutLabel }).addTo(map);
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) {
        close.setAttribute("aria-label", container.dataset.closeLabel);
        close.title = container.dataset.closeLabel;
      }
    });
  }

  function addTiles(map, container) {
    var url = container.dataset.tileUrl;
    if (!url) {
      return;
    }
    var warned = false;
    L.tileLayer(url, { attribution: container.dataset.tileAttribution, maxZoom: 19, errorTileUrl: BLANK_TILE })
      .on("tileerror", function () {
        if (warned) {
          return;
        }
        warned = true;
        var note = document.createElement("p");
        note.className = "results-map__offline";
        note.textContent = container.dataset.offlineMessage;
        container.parentNode.insertBefore(note, container.nextSibling); // beside the map, not over a marker
      })
      .addTo(map);
  }

  function drawMap() {
    var container = document.getElementById("results-map");
    var source = document.getElementById("search-results");
    if (!container || !source || !window.L || !L.markerClusterGroup) {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.markers.length) {
      return;
    }
    container.hidden = false; // Leaflet measures the container: show it first.
    // Clustering needs a highest zoom even with no tiles; 19 is the tiles' own.
    var map = L.map(container, { scrollWheelZoom: false, zoomControl: false, maxZoom: 19 });
    speakThePageLanguage(map, container);
    addTiles(map, container);
    // Markers that would overlap gather into one numbered cluster; a click (or Enter) zooms in to them,
    // and those at the very same address spread out at the highest zoom.
    var clusters = L.markerClusterGroup({
      maxClusterRadius: 36,
      showCoverageOnHover: false,
      iconCreateFunction: function (cluster) {
        return clusterIconFor(cluster, container.dataset.clusterLabel);
      },
    });
    var points = [];
    data.markers.forEach(function (marker) {
      var point = [marker.latitude, marker.longitude];
      points.push(point);
      // The first results stay on top where markers come close.
      var options = { icon: iconFor(marker.number), title: marker.number + ". " + marker.name, zIndexOffset: -marker.number };
      clusters.addLayer(L.marker(point, options).bindPopup(popupFor(marker)));
    });
    if (data.origin) {
      var origin = [data.origin.latitude, data.origin.longitude];
      points.push(origin);
      L.circleMarker(origin, { radius: 7, color: "#ffffff", weight: 2, fillColor: "#b3261e", fillOpacity: 1 })
        .bindTooltip(container.dataset.originLabel + " " + data.origin.label)
        .addTo(map);
    }
    map.fitBounds(L.latLngBounds(points), { padding: [36, 36], maxZoom: 15 });
    map.addLayer(clusters); // after the view is set: the clusters are made for its zoom
  }

  function start() {
    openSectionsOnWideScreens();
    drawMap();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

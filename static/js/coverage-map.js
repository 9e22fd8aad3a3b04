/* The coverage map: districts shaded by a measure, centres as markers (Leaflet).
 *
 * Reads the JSON block #coverage-map-data written by reports/coverage.html
 * (built in vaerested/reports/maps.py from the suppressed report tables): the
 * shading class of every district for every measure is worked out on the
 * server, so this script only draws. Colours are CSS classes (reports.css);
 * popups are built with textContent (no HTML from data). No tile layer unless
 * the deployment configures one (MAP_TILE_URL).
 */
(function () {
  "use strict";

  var dataEl = document.getElementById("coverage-map-data");
  var mapEl = document.getElementById("coverage-map");
  if (!dataEl || !mapEl || !window.L) {
    return;
  }
  var data = JSON.parse(dataEl.textContent);
  var names = data.labels.names;
  var columns = data.labels.columns;
  var select = document.getElementById("map-measure");
  var measure = data.measure;
  var SVG_NS = "http://www.w3.org/2000/svg";

  var map = L.map(mapEl, {
    zoomSnap: 0.25,
    attributionControl: Boolean(data.tiles.url),
  });
  if (data.tiles.url) {
    L.tileLayer(data.tiles.url, {
      attribution: data.tiles.attribution,
      maxZoom: 18,
    }).addTo(map);
  }

  function label(key) {
    return names[key] || key;
  }

  function shown(value) {
    return value === "" || value === null || value === undefined
      ? names.no_value
      : String(value);
  }

  function popup(title, rows) {
    var box = document.createElement("div");
    box.className = "map-popup";
    box.setAttribute("data-testid", "map-popup");
    var heading = document.createElement("strong");
    heading.textContent = title;
    box.appendChild(heading);
    var list = document.createElement("dl");
    rows.forEach(function (row) {
      var dt = document.createElement("dt");
      dt.textContent = row[0];
      var dd = document.createElement("dd");
      dd.textContent = row[1];
      if (row[2]) {
        dt.className = dd.className = "current";
      }
      list.appendChild(dt);
      list.appendChild(dd);
    });
    box.appendChild(list);
    return box;
  }

  // A cell as the page writes it (names, the locale's numbers), else as stored.
  function text(p, key) {
    return p.text && p.text[key] !== undefined ? shown(p.text[key]) : shown(p[key]);
  }

  function districtPopup(p) {
    var rows = [[label(measure), text(p, measure), true]];
    if (p.schematic) {
      rows.push([names.schematic, names.yes]);
    }
    columns.district.forEach(function (c) {
      if (c !== measure) {
        rows.push([label(c), text(p, c)]);
      }
    });
    return popup(p.name + " (" + p.code + ")", rows);
  }

  var YES_NO = { active: true, cat1: true, cat2: true, cat3: true };

  function centrePopup(c) {
    var rows = [[names.profile, label("profile_" + c.profile)]];
    columns.centre.forEach(function (col) {
      var value = YES_NO[col] ? (c[col] ? names.yes : names.no) : text(c, col);
      rows.push([label(col), value]);
    });
    return popup(c.name + " (" + c.centre + ")", rows);
  }

  function shadeClass(feature) {
    var k = feature.properties.classes[measure];
    return k === null || k === undefined ? "shade-none" : "shade-" + k;
  }

  var districts = L.geoJSON(data.districts, {
    style: function (feature) {
      var p = feature.properties;
      return {
        className: "district " + shadeClass(feature) + (p.schematic ? " schematic" : ""),
        weight: 1,
      };
    },
    onEachFeature: function (feature, layer) {
      layer.bindPopup(function () {
        return districtPopup(feature.properties);
      });
      layer.mapLabel = feature.properties.name;
      // The district's name on the map itself, so it reads at a glance.
      layer.bindTooltip(feature.properties.name, {
        permanent: true,
        direction: "center",
        className: "district-label",
        interactive: false,
      });
    },
  });

  var centres = L.featureGroup();
  data.centres.forEach(function (c) {
    var marker = L.circleMarker([c.latitude, c.longitude], {
      radius: c.radius,
      weight: 1.5,
      className: "centre profile-" + c.profile + (c.active ? "" : " inactive"),
    });
    marker.bindPopup(function () {
      return centrePopup(c);
    });
    marker.mapLabel = c.name;
    marker.addTo(centres);
  });

  // Leaflet draws layers once the map has a view: set it first.
  var bounds = L.featureGroup([districts, centres]).getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [12, 12], maxZoom: 15 });
  } else {
    map.setView([55.68, 12.57], 11);
  }
  districts.addTo(map);
  centres.addTo(map);

  // Hatching for districts without a value: a pattern in the map's own SVG.
  var svg = mapEl.querySelector(".leaflet-overlay-pane svg");
  if (svg) {
    var defs = document.createElementNS(SVG_NS, "defs");
    var pattern = document.createElementNS(SVG_NS, "pattern");
    pattern.setAttribute("id", "map-hatch");
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "8");
    pattern.setAttribute("height", "8");
    pattern.setAttribute("patternTransform", "rotate(45)");
    var back = document.createElementNS(SVG_NS, "rect");
    back.setAttribute("width", "8");
    back.setAttribute("height", "8");
    back.setAttribute("class", "hatch-back");
    var line = document.createElementNS(SVG_NS, "line");
    line.setAttribute("x1", "0");
    line.setAttribute("y1", "0");
    line.setAttribute("x2", "0");
    line.setAttribute("y2", "8");
    line.setAttribute("class", "hatch-line");
    pattern.appendChild(back);
    pattern.appendChild(line);
    defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }

  // Keyboard: every district and centre is a focusable button opening its popup.
  function focusable(layer) {
    var el = layer.getElement && layer.getElement();
    if (!el) {
      return;
    }
    el.setAttribute("tabindex", "0");
    el.setAttribute("role", "button");
    el.setAttribute("aria-label", layer.mapLabel || "");
    el.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        layer.openPopup();
      }
    });
  }
  districts.eachLayer(function (layer) {
    focusable(layer);
    layer.getElement().setAttribute("data-district", layer.feature.properties.code);
  });
  centres.eachLayer(focusable);

  function shade() {
    districts.eachLayer(function (layer) {
      var el = layer.getElement();
      Array.prototype.slice.call(el.classList).forEach(function (name) {
        if (name.indexOf("shade-") === 0) {
          el.classList.remove(name);
        }
      });
      el.classList.add(shadeClass(layer.feature));
    });
    document.querySelectorAll(".legend-classes").forEach(function (list) {
      list.hidden = list.getAttribute("data-measure") !== measure;
    });
    mapEl.setAttribute("data-measure", measure);
  }

  if (select) {
    select.addEventListener("change", function () {
      measure = select.value;
      map.closePopup();
      shade();
    });
  }
  shade();

  // Print: the page is narrower (and the map lower) than the screen, and
  // Leaflet keeps its top-left corner, cutting the districts on the right and
  // top. Fit the map to its printed size, and back to the screen afterwards.
  // Chromium lays the page out for print when the print media query starts
  // to match (its "change" event); data-print-width records the fitted width.
  var printing = window.matchMedia ? window.matchMedia("print") : null;
  function refit() {
    map.invalidateSize({ animate: false, pan: false });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12], maxZoom: 15, animate: false });
    }
    if (printing && printing.matches) {
      mapEl.setAttribute("data-print-width", String(mapEl.clientWidth));
    }
  }
  window.addEventListener("beforeprint", refit);
  window.addEventListener("afterprint", refit);
  if (printing && printing.addEventListener) {
    printing.addEventListener("change", refit);
  }
  mapEl.setAttribute("data-ready", "1");
})();

/* modelatlas dashboard: draws the charts and fills in the model check.
 *
 * Served from /static/ under the Content-Security-Policy "script-src 'self'":
 * no inline script exists, and this file never turns data into markup. Chart
 * specs are read as JSON from <script type="application/json"> blocks; check
 * results come from GET /api/check/..., a model's RAM from GET /api/ram/...
 * (both can take longer than the page); every string from data is placed with
 * textContent. Vega runs with its expression interpreter (ast: true), so no
 * eval is needed.
 */
(function () {
  "use strict";

  function drawCharts() {
    var boxes = document.querySelectorAll(".chart[data-spec]");
    var pending = [];
    boxes.forEach(function (box) {
      var holder = document.getElementById(box.getAttribute("data-spec"));
      if (!holder) { return; }
      var spec;
      try {
        spec = JSON.parse(holder.textContent);
      } catch (err) {
        box.setAttribute("data-rendered", "error");
        box.textContent = "chart data unreadable";
        return;
      }
      var opts = { actions: false, renderer: "svg", ast: true, defaultStyle: false,
                   tooltip: { disableDefaultStyle: true } };
      pending.push(window.vegaEmbed(box, spec, opts).then(function () {
        box.setAttribute("data-rendered", "true");
        var note = box.querySelector(".loading");
        if (note) { note.remove(); }
      }).catch(function (err) {
        box.setAttribute("data-rendered", "error");
        box.textContent = "chart failed: " + String(err && err.message || err);
      }));
    });
    Promise.all(pending).then(function () {
      document.body.setAttribute("data-charts", "drawn");
      if (window.performance && performance.mark) { performance.mark("charts-drawn"); }
    });
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function show(value) {
    if (value === null || value === undefined) { return "–"; }
    if (typeof value === "object") { return JSON.stringify(value); }
    return String(value);
  }

  function table(rows) {
    var cols = [];
    rows.forEach(function (r) {
      Object.keys(r).forEach(function (k) { if (cols.indexOf(k) < 0) { cols.push(k); } });
    });
    var wrap = el("div", null, "tablewrap");
    var t = el("table");
    var head = el("tr");
    cols.forEach(function (c) { head.appendChild(el("th", c)); });
    var thead = el("thead");
    thead.appendChild(head);
    t.appendChild(thead);
    var body = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr");
      cols.forEach(function (c) {
        var v = r[c];
        tr.appendChild(el("td", Array.isArray(v) ? v.map(show).join(", ") : show(v)));
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    return wrap;
  }

  function keyValues(obj) {
    var rows = Object.keys(obj).map(function (k) {
      var v = obj[k];
      return { field: k, value: Array.isArray(v) ? v.map(show).join(", ") : show(v) };
    });
    return table(rows);
  }

  function section(parent, title, value) {
    var block = el("section", null, "check-part");
    block.setAttribute("data-part", title);
    block.appendChild(el("h3", title));
    if (Array.isArray(value)) {
      if (!value.length) {
        block.appendChild(el("p", "none", "empty"));
      } else if (typeof value[0] === "object" && value[0] !== null) {
        block.appendChild(table(value));
      } else {
        var ul = el("ul");
        value.forEach(function (v) { ul.appendChild(el("li", show(v))); });
        block.appendChild(ul);
      }
    } else if (value && typeof value === "object") {
      var flat = {};
      var nested = [];
      Object.keys(value).forEach(function (k) {
        var v = value[k];
        var isObj = v && typeof v === "object" && !Array.isArray(v);
        var isRows = Array.isArray(v) && v.length && typeof v[0] === "object" && v[0] !== null;
        if (isObj || isRows) { nested.push(k); } else { flat[k] = v; }
      });
      if (Object.keys(flat).length) { block.appendChild(keyValues(flat)); }
      nested.forEach(function (k) {
        var v = value[k];
        block.appendChild(el("h4", k));
        block.appendChild(Array.isArray(v) ? table(v) : keyValues(v));
      });
    } else {
      block.appendChild(el("p", show(value)));
    }
    parent.appendChild(block);
  }

  var CHECK_ORDER = ["reasons", "duties", "licenses", "conflicts", "lineage", "origin",
                     "license", "security", "openness", "notes"];

  function renderCheck(box, doc) {
    box.textContent = "";
    var verdict = el("p", null, "verdict verdict-" + String(doc.verdict));
    verdict.appendChild(el("b", "Verdict: " + String(doc.verdict).toUpperCase()));
    verdict.appendChild(document.createTextNode(" for " + show(doc.use) + " use" +
      (doc.users !== null && doc.users !== undefined ? ", " + show(doc.users) + " monthly users" : "")));
    box.appendChild(verdict);
    var skip = { id: 1, verdict: 1, use: 1, users: 1, source: 1, path: 1 };
    var keys = CHECK_ORDER.filter(function (k) { return k in doc; });
    Object.keys(doc).forEach(function (k) {
      if (keys.indexOf(k) < 0 && !skip[k]) { keys.push(k); }
    });
    keys.forEach(function (k) { section(box, k, doc[k]); });
    box.setAttribute("data-loaded", "true");
  }

  function checkDone() {
    if (window.performance && performance.mark) { performance.mark("check-loaded"); }
  }

  function loadCheck() {
    var box = document.getElementById("check");
    if (!box) { return; }
    var id = box.getAttribute("data-model") || "";
    var query = box.getAttribute("data-query") || "";
    var url = "/api/check/" + id.split("/").map(encodeURIComponent).join("/") + query;
    fetch(url, { headers: { "Accept": "application/json" } }).then(function (resp) {
      return resp.json().then(function (body) { return { status: resp.status, body: body }; });
    }).then(function (res) {
      if (res.status !== 200) {
        box.textContent = "";
        box.appendChild(el("p", "The check could not run: " + show(res.body && res.body.error) +
          " (HTTP " + res.status + ")", "error"));
        box.setAttribute("data-loaded", "error");
        return;
      }
      renderCheck(box, res.body);
    }).catch(function (err) {
      box.textContent = "";
      box.appendChild(el("p", "The check could not run: " + String(err), "error"));
      box.setAttribute("data-loaded", "error");
    }).then(checkDone);
  }

  function loadRam() {
    var box = document.getElementById("ram");
    if (!box) { return; }
    var id = box.getAttribute("data-model") || "";
    var url = "/api/ram/" + id.split("/").map(encodeURIComponent).join("/");
    fetch(url, { headers: { "Accept": "application/json" } }).then(function (resp) {
      return resp.json().then(function (body) { return { status: resp.status, body: body }; });
    }).then(function (res) {
      box.textContent = "";
      if (res.status !== 200) {
        box.appendChild(el("p", "No RAM: " + show(res.body && res.body.error) +
          " (HTTP " + res.status + ")", "empty"));
        box.setAttribute("data-loaded", "error");
        return;
      }
      var rows = Array.isArray(res.body) ? res.body : [];
      box.appendChild(rows.length ? table(rows) : el("p", "No rows.", "empty"));
      box.setAttribute("data-loaded", "true");
    }).catch(function (err) {
      box.textContent = "";
      box.appendChild(el("p", "No RAM: " + String(err), "error"));
      box.setAttribute("data-loaded", "error");
    }).then(function () {
      if (window.performance && performance.mark) { performance.mark("ram-loaded"); }
    });
  }

  function autoSubmit() {
    document.querySelectorAll("form.filters select").forEach(function (s) {
      s.addEventListener("change", function () {
        if (s.form.requestSubmit) { s.form.requestSubmit(); } else { s.form.submit(); }
      });
    });
  }

  function start() {
    autoSubmit();
    loadCheck();
    loadRam();
    var boxes = document.querySelectorAll(".chart[data-spec]").length;
    if (!boxes || window.vegaEmbed) { drawCharts(); } else {
      document.body.setAttribute("data-charts", "no-runtime");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());

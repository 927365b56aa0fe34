/* 流程预测: ask the API for the route again as the start form (or an assumed number) changes, and redraw the
   list the server rendered. Without this script the page shows the route for the form as it was loaded. */
(function () {
  "use strict";

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : String(values[key]); });
  }

  function setup(panel) {
    var source = panel.getAttribute("data-source");
    var form = source ? document.querySelector(source) : null;
    var zh = (panel.getAttribute("data-lang") || "").indexOf("zh") === 0;
    var timer = null;

    function collect() {
      var data = {};
      if (form) {
        new FormData(form).forEach(function (value, key) {
          if (key === "csrf_token" || key === "request_key" || typeof value !== "string" || value === "") { return; }
          data[key] = value;
        });
      }
      panel.querySelectorAll("[data-assume]").forEach(function (input) {
        if (input.value !== "" && !isNaN(Number(input.value))) { data[input.getAttribute("data-assume")] = Number(input.value); }
      });
      return data;
    }

    var labels = JSON.parse(panel.getAttribute("data-labels") || "{}");
    function named(kind, key) { return (labels[kind] && labels[kind][key]) || key; }

    function draw(route) {
      var holder = panel.querySelector("[data-route]");
      var list = document.createElement("ol");
      list.className = "route-steps";
      route.steps.forEach(function (step) {
        var item = document.createElement("li");
        item.setAttribute("data-step", step.step);
        var title = document.createElement("strong");
        title.textContent = zh && step.title_zh ? step.title_zh : step.title;
        item.appendChild(title);
        var who = step.person ? step.people.join(", ")
          : fill(panel.getAttribute("data-role-text"), { role: named("roles", step.role) }) + (step.people.length ? " (" + step.people.join(", ") + ")" : "");
        item.appendChild(document.createTextNode(" — " + who + " · " + fill(panel.getAttribute("data-hours-text"), { hours: step.expected_hours })));
        list.appendChild(item);
      });
      var total = document.createElement("p");
      total.setAttribute("data-total", "");
      total.textContent = fill(panel.getAttribute("data-total-text"), {
        end: route.end_event ? named("ends", route.end_event) : "—", hours: route.expected_hours,
        when: new Date(route.expected_done).toLocaleString(zh ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short" })
      });
      holder.replaceChildren(list, total);
      panel.setAttribute("data-updated", String(Date.now()));
    }

    /* A panel served without its route (data-load): the "what if" numbers come with the first answer. */
    function addAssumptions(route) {
      if (!panel.hasAttribute("data-what-if") || panel.querySelector(".what-if") || !route.what_if || !route.what_if.length) { return; }
      var box = document.createElement("div");
      box.className = "what-if";
      route.what_if.forEach(function (field) {
        var label = document.createElement("label");
        label.textContent = fill(panel.getAttribute("data-assume-text"), { field: zh && field.title_zh ? field.title_zh : field.title }) + " ";
        var input = document.createElement("input");
        input.type = "number";
        input.setAttribute("inputmode", "decimal");
        input.setAttribute("data-assume", field.name);
        var assumed = (route.assumed[field.step] || {})[field.name];
        if (assumed !== undefined && assumed !== null) { input.value = String(assumed); }
        input.addEventListener("input", later);
        label.appendChild(input);
        box.appendChild(label);
      });
      panel.insertBefore(box, panel.querySelector("[data-route]"));
    }

    function nothing() {
      var holder = panel.querySelector("[data-route]");
      if (!holder.querySelector("[data-pending]")) { return; }  /* a route already shown stays */
      var note = document.createElement("p");
      note.className = "note";
      note.textContent = panel.getAttribute("data-empty-text");
      holder.replaceChildren(note);
    }

    function ask() {
      fetch(panel.getAttribute("data-preview-url"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": panel.getAttribute("data-csrf") },
        body: JSON.stringify({ data: collect() })
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (route) {
        if (route) { addAssumptions(route); draw(route); } else { nothing(); }
      }).catch(nothing);
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 300);
    }

    if (form) { form.addEventListener("input", later); form.addEventListener("change", later); }
    panel.querySelectorAll("[data-assume]").forEach(function (input) { input.addEventListener("input", later); });
    if (panel.hasAttribute("data-load")) { ask(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-preview-url]").forEach(setup);
  });
}());

/* opsflow: progressive enhancement only. Without this script every form still works:
   arrays offer a fixed number of empty rows and empty rows are ignored by the server. */
(function () {
  "use strict";

  function renumber(html, index) {
    return html.split("__i__").join(String(index));
  }

  function setupArray(fieldset) {
    var rows = fieldset.querySelector("[data-rows]");
    var template = fieldset.querySelector("template[data-template]");
    var add = fieldset.querySelector("[data-add]");
    if (!rows || !template || !add) { return; }
    var max = parseInt(fieldset.getAttribute("data-max") || "0", 10);
    var next = parseInt(fieldset.getAttribute("data-next") || "0", 10);
    var hint = fieldset.querySelector(".no-script-hint");
    if (hint) { hint.hidden = true; }

    function refresh() {
      var count = rows.querySelectorAll("[data-row]").length;
      add.disabled = max > 0 && count >= max;
    }

    function wire(row) {
      var remove = row.querySelector("[data-remove]");
      if (!remove) { return; }
      remove.hidden = false;
      remove.addEventListener("click", function () {
        var focusTarget = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        refresh();
        var input = focusTarget && focusTarget.querySelector("input, textarea, select");
        (input || add).focus();
      });
    }

    add.hidden = false;
    Array.prototype.forEach.call(rows.querySelectorAll("[data-row]"), wire);
    add.addEventListener("click", function () {
      var holder = document.createElement("div");
      holder.innerHTML = renumber(template.innerHTML, next);
      next += 1;
      var row = holder.querySelector("[data-row]");
      rows.appendChild(row);
      wire(row);
      refresh();
      var first = row.querySelector("input, textarea, select");
      if (first) { first.focus(); }
    });
    refresh();
  }

  function focusErrors() {
    var summary = document.getElementById("form-errors");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-array]"), setupArray);
    focusErrors();
  });
})();

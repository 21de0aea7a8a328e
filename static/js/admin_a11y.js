// Names for the admin's controls that Django and its bundled widgets leave unnamed, so that a
// screen reader says what each box is for (axe-core: label, aria-input-field-name). Loaded on
// every admin page by templates/admin/base_site.html; no inline script, as the CSP requires.
// Controls the portal's own forms already name (aria-label) are left as they are.
// 1. select2 (autocomplete fields): the combobox, its selection and its search boxes take
//    their field's <label>; the open combobox names the list it controls.
// 2. A box in a list or inline table (list_editable, TabularInline) takes its column's
//    heading and its row's object: "Rank: Premium".
// 3. The two-box filter's search icon (filter_horizontal) may carry its aria-label as an image.
(function () {
  "use strict";

  function labelOf(id) {
    return id ? document.querySelector('label[for="' + CSS.escape(id) + '"]') : null;
  }

  function idOf(label) {
    if (!label.id) label.id = label.htmlFor + "_label";
    return label.id;
  }

  function set(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function hasName(el) {
    return el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby") || (el.labels && el.labels.length);
  }

  function nameSelect2(container) {
    const select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") return;
    const label = labelOf(select.id);
    if (!label) return;
    const labelId = idOf(label);
    const selection = container.querySelector(".select2-selection");
    const rendered = container.querySelector(".select2-selection__rendered[id]");
    if (selection) {
      set(selection, "aria-labelledby", rendered ? labelId + " " + rendered.id : labelId);
      // Open, select2 says which list it owns (aria-owns); ARIA 1.2 asks a combobox for aria-controls.
      const owns = selection.getAttribute("aria-owns");
      if (owns) set(selection, "aria-controls", owns);
      else selection.removeAttribute("aria-controls");
    }
    if (rendered) set(rendered, "aria-labelledby", labelId);
    container.querySelectorAll(".select2-search__field").forEach(function (field) { set(field, "aria-labelledby", labelId); });
  }

  // The open dropdown hangs from <body>; its results list is "select2-<select id>-results".
  function nameSelect2Dropdown(dropdown) {
    const results = dropdown.querySelector(".select2-results__options[id]");
    const match = results && /^select2-(.+)-results$/.exec(results.id);
    const label = match && labelOf(match[1]);
    if (!label) return;
    dropdown.querySelectorAll(".select2-search__field").forEach(function (field) { set(field, "aria-labelledby", idOf(label)); });
  }

  function nameTableControls(table) {
    table.querySelectorAll("td input:not([type=hidden]), td select, td textarea").forEach(function (control) {
      if (hasName(control)) return;
      const cell = control.closest("td");
      const column = Array.from(cell.classList).find(function (c) { return c.indexOf("field-") === 0; });
      const heading = column && table.querySelector("thead th.column-" + CSS.escape(column.slice(6)));
      if (!heading) return;
      const row = cell.closest("tr");
      const object = row.querySelector("th a, th, td.original p");
      const what = heading.textContent.trim();
      set(control, "aria-label", object ? what + ": " + object.textContent.trim() : what);
    });
  }

  function nameAll() {
    document.querySelectorAll(".select2-container").forEach(function (container) {
      if (container.classList.contains("select2-container--open") && container.querySelector(".select2-dropdown")) {
        nameSelect2Dropdown(container);
      } else {
        nameSelect2(container);
      }
    });
    document.querySelectorAll("#result_list, .tabular table").forEach(nameTableControls);
    document.querySelectorAll(".search-label-icon[aria-label]").forEach(function (icon) { set(icon, "role", "img"); });
  }

  // select2 and the inlines build and rebuild their boxes after load: name them as they come.
  let pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; nameAll(); });
  }
  function start() {
    nameAll();
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

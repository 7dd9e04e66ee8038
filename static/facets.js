// A filter box in each facet: type the start of a name to list the matching values of the whole
// search (not only those shown), from the API's prefix search. Without JavaScript the facets
// still list their values and "More" links.
(function () {
  "use strict";
  const search = new URLSearchParams(window.location.search);
  search.delete("page");
  document.querySelectorAll(".facet[data-facet]").forEach(function (section) {
    const name = section.dataset.facet;
    const list = section.querySelector("ul");
    if (!list) return;
    const original = list.innerHTML;
    const label = document.createElement("label");
    label.className = "facet-filter";
    label.textContent = "Filter " + section.dataset.label.toLowerCase() + " ";
    const input = document.createElement("input");
    input.type = "search";
    input.autocomplete = "off";
    label.appendChild(input);
    list.before(label);
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    list.after(status);
    let timer = 0;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { show(input.value.trim()); }, 200);
    });
    function show(prefix) {
      if (!prefix) {
        list.innerHTML = original;
        status.textContent = "";
        return;
      }
      const params = new URLSearchParams(search);
      params.set("facet_prefix", prefix);
      params.set("facet_limit", "20");
      fetch("/api/facets/" + encodeURIComponent(name) + "?" + params.toString())
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || input.value.trim() !== prefix) return;
          list.replaceChildren();
          data.values.forEach(function (value) {
            const link = new URLSearchParams(search);
            if (!value.selected) link.append(name, value.value);
            const item = document.createElement("li");
            const anchor = document.createElement("a");
            anchor.href = "/search?" + link.toString();
            const text = document.createElement("span");
            text.className = "facet-value";
            text.textContent = value.value;
            const count = document.createElement("span");
            count.className = "count";
            count.textContent = String(value.count);
            anchor.append(text, count);
            item.appendChild(anchor);
            list.appendChild(item);
          });
          status.textContent = data.values.length + " of " + data.total_values + " values";
        });
    }
  });
})();

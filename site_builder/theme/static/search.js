// The search page: Pagefind's search box over the newest issues' index, merged with the older shards'
// (see site_builder/outputs/search.py). A query in the address (search/?q=perplexity) is searched at once, and what
// the reader types is kept there, so that a search can be shared and reloaded.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  const baseUrl = box.dataset.baseUrl;
  const merged = (box.dataset.merge || "").split(" ").filter(Boolean);
  const search = new PagefindUI({
    element: "#search",
    bundlePath: box.dataset.bundle,
    baseUrl,
    mergeIndex: merged.map((bundlePath) => ({ bundlePath, baseUrl })),
    showImages: false,
    showSubResults: true,
    resetStyles: false,
    autofocus: true,
  });
  // Pagefind's box is labelled by its placeholder only: the page's heading, right above it, is its visible label.
  const input = box.querySelector(".pagefind-ui__search-input");
  if (input) {
    input.setAttribute("aria-labelledby", "search-title");
    // Once typing pauses: each change of address makes the browser ask for the page's icon again.
    let pending;
    input.addEventListener("input", () => {
      clearTimeout(pending);
      pending = setTimeout(() => {
        const address = new URL(window.location.href);
        if (input.value.trim()) address.searchParams.set("q", input.value);
        else address.searchParams.delete("q");
        window.history.replaceState(window.history.state, "", address);
      }, 400);
    });
  }
  const query = new URLSearchParams(window.location.search).get("q");
  if (query) search.triggerSearch(query);
});

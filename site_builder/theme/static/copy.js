// build-site: a "Copy" button on every code block. Progressive enhancement: without JavaScript
// the code is still there to select; with it, one click puts the block's text on the clipboard.
"use strict";

(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Pages opened over plain http have no Clipboard API: copy through a selected, off-screen text area.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "copy-source";
      document.body.appendChild(area);
      area.select();
      var copied = document.execCommand("copy");
      document.body.removeChild(area);
      if (copied) {
        resolve();
      } else {
        reject(new Error("copy refused"));
      }
    });
  }

  function addButton(pre) {
    var code = pre.querySelector("code") || pre;
    var wrapper = document.createElement("div");
    wrapper.className = "code-block";
    pre.parentNode.insertBefore(wrapper, pre);
    wrapper.appendChild(pre);
    // A scrolling block must be reachable by keyboard; the solution's is focusable already, author blocks may not be.
    if (!pre.hasAttribute("tabindex")) {
      pre.setAttribute("tabindex", "0");
    }

    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    var label = pre.getAttribute("aria-label");
    button.setAttribute("aria-label", label ? "Copy " + label.charAt(0).toLowerCase() + label.slice(1) : "Copy code");
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    wrapper.appendChild(button);
    wrapper.appendChild(status);

    var reset = null;
    button.addEventListener("click", function () {
      copyText(code.textContent).then(
        function () { status.textContent = "Copied"; },
        function () { status.textContent = "Press Ctrl+C to copy"; selectContents(code); }
      );
      clearTimeout(reset);
      reset = setTimeout(function () { status.textContent = ""; }, 2000);
    });
  }

  function selectContents(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("pre").forEach(addButton);
})();

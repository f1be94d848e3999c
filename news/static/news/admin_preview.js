// Live preview of the Markdown body in the admin: the server renders and sanitizes it, so the
// preview is exactly what the article page shows (scripts and foreign iframes already gone).
(function () {
  "use strict";
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function setup(textarea) {
    var url = textarea.getAttribute("data-preview-url");
    var box = document.createElement("div");
    box.className = "news-preview";
    box.setAttribute("aria-live", "polite");
    var title = document.createElement("p");
    title.className = "news-preview-title";
    title.textContent = "Preview / 预览";
    var body = document.createElement("div");
    body.className = "news-preview-body";
    box.appendChild(title);
    box.appendChild(body);
    // Below the whole form row (the row lays label and field side by side).
    var row = textarea.closest(".form-row") || textarea.parentNode;
    row.appendChild(box);
    var timer = null;
    function refresh() {
      var data = new FormData();
      data.append("markdown", textarea.value);
      fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } })
        .then(function (r) { return r.ok ? r.json() : { html: "" }; })
        .then(function (json) { body.innerHTML = json.html; })  // sanitized by the server
        .catch(function () { body.textContent = ""; });
    }
    textarea.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
    refresh();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-preview-url]").forEach(setup);
  });
}());

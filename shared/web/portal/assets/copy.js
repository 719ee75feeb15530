// Copy buttons: the one script of the portal. Without it the links are
// still shown in full, selectable.
document.addEventListener("click", function (e) {
  var b = e.target.closest("button[data-copy]");
  if (!b || !navigator.clipboard) return;
  navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
    var was = b.textContent;
    b.textContent = "Copied";
    setTimeout(function () { b.textContent = was; }, 1500);
  });
});
document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });

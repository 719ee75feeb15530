// A page that reloads itself while the work it shows runs (a large
// import's progress), until the owner stops it. Without it the page still
// has an "Update now" link.
(function () {
  var note = document.querySelector("[data-refresh]");
  if (!note) return;
  var secs = parseInt(note.getAttribute("data-refresh"), 10) || 3;
  var timer = setTimeout(function () { location.reload(); }, secs * 1000);
  var pause = document.getElementById("refresh-pause");
  if (!pause) return;
  pause.hidden = false;
  pause.addEventListener("click", function () {
    clearTimeout(timer);
    pause.hidden = true;
    note.textContent = "Updates stopped. Use \u201cUpdate now\u201d to see the progress.";
  });
})();

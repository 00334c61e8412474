// nekg query page: Ctrl+Enter (or Cmd+Enter) runs the query; Tab indents.
// The page works without this script: the form submits by GET.
(function () {
  var area = document.getElementById("query");
  if (!area) { return; }
  area.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      area.form.submit();
    } else if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      var start = area.selectionStart, end = area.selectionEnd;
      area.value = area.value.slice(0, start) + "  " + area.value.slice(end);
      area.selectionStart = area.selectionEnd = start + 2;
    }
  });
})();

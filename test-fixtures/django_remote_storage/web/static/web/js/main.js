/* Served from the bucket, not by the app. */
document.addEventListener("DOMContentLoaded", function () {
  var notices = document.querySelectorAll(".notice[data-dismissible]");
  Array.prototype.forEach.call(notices, function (notice) {
    notice.addEventListener("click", function () {
      notice.parentNode.removeChild(notice);
    });
  });
});

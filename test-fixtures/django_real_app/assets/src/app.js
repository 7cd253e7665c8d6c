document.addEventListener("DOMContentLoaded", () => {
  document.body.dataset.ready = "yes";
});

/* vendor/lib.js: a tiny DOM helper library, vendored. */
(function (global) {
  "use strict";

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $$(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function on(element, type, handler) {
    element.addEventListener(type, handler, false);
    return function off() {
      element.removeEventListener(type, handler, false);
    };
  }

  global.lib = { $: $, $$: $$, on: on, version: "1.4.2" };
})(window);

/* Shop front end: catalogue, basket and price formatting. */
(function (lib) {
  "use strict";

  var STORAGE_KEY = "shop.basket.v2";
  var CURRENCY_SYMBOLS = { EUR: "\u20ac", GBP: "\u00a3", USD: "$", CHF: "CHF " };

  function formatPrice(cents, currency) {
    var symbol = CURRENCY_SYMBOLS[currency] || currency + " ";
    var sign = cents < 0 ? "-" : "";
    var whole = Math.floor(Math.abs(cents) / 100);
    var fraction = String(Math.abs(cents) % 100);
    if (fraction.length < 2) {
      fraction = "0" + fraction;
    }
    var grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + symbol + grouped + "." + fraction;
  }

  function Basket(storage) {
    this.storage = storage;
    this.items = [];
    this.listeners = [];
    this.load();
  }

  Basket.prototype.load = function () {
    var raw = null;
    try {
      raw = this.storage.getItem(STORAGE_KEY);
    } catch (error) {
      raw = null;
    }
    if (!raw) {
      this.items = [];
      return;
    }
    try {
      var parsed = JSON.parse(raw);
      this.items = Array.isArray(parsed.items) ? parsed.items : [];
    } catch (error) {
      this.items = [];
    }
  };

  Basket.prototype.save = function () {
    var payload = JSON.stringify({ items: this.items, savedAt: Date.now() });
    try {
      this.storage.setItem(STORAGE_KEY, payload);
    } catch (error) {
      /* Storage full or disabled: keep the basket in memory only. */
    }
    this.notify();
  };

  Basket.prototype.find = function (sku) {
    for (var i = 0; i < this.items.length; i++) {
      if (this.items[i].sku === sku) {
        return this.items[i];
      }
    }
    return null;
  };

  Basket.prototype.add = function (product, quantity) {
    var existing = this.find(product.sku);
    var amount = quantity || 1;
    if (existing) {
      existing.quantity += amount;
    } else {
      this.items.push({
        sku: product.sku,
        name: product.name,
        unitPrice: product.unitPrice,
        quantity: amount
      });
    }
    this.save();
  };

  Basket.prototype.remove = function (sku) {
    this.items = this.items.filter(function (item) {
      return item.sku !== sku;
    });
    this.save();
  };

  Basket.prototype.total = function () {
    return this.items.reduce(function (sum, item) {
      return sum + item.unitPrice * item.quantity;
    }, 0);
  };

  Basket.prototype.count = function () {
    return this.items.reduce(function (sum, item) {
      return sum + item.quantity;
    }, 0);
  };

  Basket.prototype.subscribe = function (listener) {
    this.listeners.push(listener);
    var listeners = this.listeners;
    return function unsubscribe() {
      var index = listeners.indexOf(listener);
      if (index !== -1) {
        listeners.splice(index, 1);
      }
    };
  };

  Basket.prototype.notify = function () {
    var snapshot = this.items.slice();
    this.listeners.forEach(function (listener) {
      listener(snapshot);
    });
  };

  function renderSummary(container, basket, currency) {
    var count = basket.count();
    if (count === 0) {
      container.textContent = "Your basket is empty.";
      return;
    }
    var noun = count === 1 ? "item" : "items";
    container.textContent =
      count + " " + noun + " \u2014 " + formatPrice(basket.total(), currency);
  }

  function readProduct(button) {
    return {
      sku: button.getAttribute("data-sku"),
      name: button.getAttribute("data-name"),
      unitPrice: parseInt(button.getAttribute("data-price"), 10) || 0
    };
  }

  function init() {
    var catalogue = lib.$("#catalogue");
    if (!catalogue) {
      return;
    }
    var currency = catalogue.getAttribute("data-currency") || "EUR";
    var basket = new Basket(window.localStorage);
    var summary = document.createElement("p");
    summary.className = "basket-summary";
    catalogue.appendChild(summary);

    basket.subscribe(function () {
      renderSummary(summary, basket, currency);
    });
    renderSummary(summary, basket, currency);

    lib.$$("[data-add-to-basket]", catalogue).forEach(function (button) {
      lib.on(button, "click", function (event) {
        event.preventDefault();
        basket.add(readProduct(button), 1);
      });
    });

    lib.$$("[data-remove-from-basket]", catalogue).forEach(function (button) {
      lib.on(button, "click", function (event) {
        event.preventDefault();
        basket.remove(button.getAttribute("data-sku"));
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }

  window.shop = { Basket: Basket, formatPrice: formatPrice };
})(window.lib);

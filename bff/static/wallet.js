// The wallet's total follows its cards as their balances arrive (each card loads itself with htmx).
// Without JS this never runs: the page's <noscript> refresh asks the server for the complete page.
(function () {
  "use strict";
  function yuan(fen, box) {
    // the server's own rendering of zero (its symbol and order) with this amount in place of 0.00;
    // fen are integers: /100 only to hand Intl a number to show with two decimals and grouping
    var format = new Intl.NumberFormat(box.dataset.locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return box.dataset.moneyZero.replace(/0[.,]00/, format.format(fen / 100));
  }
  function failed(card) {
    return card.dataset.state === "known" || card.dataset.state === "unknown";
  }
  function stateOf(list, cards) {
    if (list.querySelector("[data-list-loading]")) return "loading";
    if (list.querySelector(".state-unavailable")) return "unavailable";
    if (cards.some(function (c) { return c.dataset.state === "loading"; })) return "loading";
    if (!cards.some(failed)) return "live";
    return cards.every(function (c) { return c.dataset.fen; }) ? "known" : "unavailable";
  }
  function showTotal(box, state, cards) {
    box.dataset.state = state;
    box.setAttribute("aria-busy", state === "loading" ? "true" : "false");
    box.querySelectorAll("[data-when]").forEach(function (el) {
      el.hidden = el.dataset.when.split(" ").indexOf(state) < 0;
    });
    if (state !== "live" && state !== "known") return;
    var sum = cards.reduce(function (acc, c) { return acc + parseInt(c.dataset.fen, 10); }, 0);
    box.querySelector("[data-testid=total]").textContent = yuan(sum, box);
    var stale = cards.filter(function (c) { return c.dataset.at; });
    stale.sort(function (a, b) { return parseInt(a.dataset.at, 10) - parseInt(b.dataset.at, 10); });
    var slot = box.querySelector("[data-slot=time]");
    if (slot) slot.textContent = stale.length ? " · " + stale[0].dataset.atText : "";
  }
  function update() {
    var list = document.getElementById("wallet-cards");
    if (!list) return;
    var cards = Array.prototype.slice.call(list.querySelectorAll(".wallet-card[data-usable='1']"));
    var notice = list.querySelector("[data-page-notice]");
    if (notice) notice.hidden = !cards.some(failed);
    var box = document.getElementById("wallet-total");
    if (!box) return;
    var empty = !list.querySelector("[data-list-loading], .state-unavailable, .wallet-card");
    box.hidden = empty;
    if (!empty) showTotal(box, stateOf(list, cards), cards);
  }
  function unknown(card) {
    card.dataset.state = "unknown";
    card.removeAttribute("hx-get");
    card.querySelectorAll(".face-balance-loading").forEach(function (el) { el.remove(); });
    card.querySelectorAll("[data-failed]").forEach(function (el) { el.hidden = false; });
  }
  function giveUp(event) {
    // a request that failed outright (4xx/5xx/network): what waited for it says so and stops waiting
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.matches) return;
    if (elt.matches(".wallet-card")) unknown(elt);
    if (elt.matches("[data-list-loading]")) {  // a first visit's list never came: say so, show the rest of the page
      elt.removeAttribute("data-list-loading");
      elt.removeAttribute("hx-get");
      elt.classList.replace("state-loading", "state-unavailable");
      elt.querySelectorAll("[data-while-loading]").forEach(function (el) { el.remove(); });
      elt.querySelectorAll("[data-failed]").forEach(function (el) { el.hidden = false; });
    }
    if (elt.matches("[data-list-check]")) {  // balances that were to come with the list
      document.querySelectorAll(".wallet-card[data-state=loading]:not([hx-get])").forEach(unknown);
    }
    update();
  }
  // A press on a card whose balance then arrives lands on a card htmx has since replaced: the release is on
  // the new card, and a mouse counts that as no click at all (a tap on a touch screen still clicks, so
  // only the mouse is helped here). Follow the link the press began on.
  var pressed = null;
  function cardFace(event) {
    return event.target.closest ? event.target.closest(".wallet-card .card-face") : null;
  }
  document.addEventListener("pointerdown", function (event) {
    var face = cardFace(event);
    pressed = face && event.pointerType === "mouse" && event.button === 0 ? { face: face, x: event.clientX, y: event.clientY } : null;
  });
  document.addEventListener("pointercancel", function () { pressed = null; });
  document.addEventListener("pointerup", function (event) {
    var was = pressed, face = cardFace(event);
    pressed = null;
    if (!was || was.face.isConnected || !face) return;  // not replaced: the browser's own click follows it
    var moved = Math.abs(event.clientX - was.x) + Math.abs(event.clientY - was.y);
    if (moved < 10 && face.getAttribute("href") === was.face.getAttribute("href")) {
      face.click();
    }
  });
  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:afterSettle", update);
  document.addEventListener("htmx:responseError", giveUp);
  document.addEventListener("htmx:sendError", giveUp);
  document.addEventListener("htmx:timeout", giveUp);
})();

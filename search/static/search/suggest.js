/* Suggestions as one types in the search box (GET /api/v1/search/suggest/): a combobox with a listbox, as
   the WAI-ARIA Authoring Practices describe it. Arrow keys move through the suggestions, Enter opens the
   one chosen, Escape closes the list; how many there are is announced. Without this file the box is a
   plain text field and the form works as it always did. */
(function () {
  "use strict";

  var WAIT_MS = 150; // after the last keystroke
  var MIN_LETTERS = 2;

  function setUp(form) {
    var input = form.querySelector("input[name=q]");
    if (!input) {
      return;
    }
    var labels = JSON.parse(form.getAttribute("data-suggest-labels"));
    var list = document.createElement("ul");
    list.id = input.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", labels.list);
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    input.parentNode.classList.add("suggest");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0; // the latest request: answers to older ones are dropped

    function close() {
      list.hidden = true;
      list.replaceChildren();
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(index) {
      window.location.assign(items[index].url);
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, position) {
        option.setAttribute("aria-selected", position === index ? "true" : "false");
      });
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
      } else {
        input.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({ block: "nearest" });
      }
    }

    function show(suggestions) {
      close();
      items = suggestions;
      suggestions.forEach(function (suggestion, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.className = "suggestions__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var kind = document.createElement("span");
        kind.className = "suggestions__kind";
        kind.textContent = labels[suggestion.kind];
        var name = document.createElement("span");
        name.className = "suggestions__name";
        name.textContent = suggestion.name;
        option.append(kind, " ", name);
        if (suggestion.detail) {
          var detail = document.createElement("span");
          detail.className = "suggestions__detail";
          detail.textContent = suggestion.detail;
          option.append(" ", detail);
        }
        // mousedown, not click: the box keeps its focus, so the list is still there to be clicked.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(index);
        });
        list.appendChild(option);
      });
      status.textContent = suggestions.length ? labels.count.replace("{count}", suggestions.length) : "";
      if (suggestions.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function ask() {
      var text = input.value.trim();
      if (text.replace(/\W/g, "").length < MIN_LETTERS) {
        close();
        status.textContent = "";
        return;
      }
      var number = ++asked;
      fetch(form.getAttribute("data-suggest") + "?" + new URLSearchParams({ q: text }), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (answer) {
          if (number === asked && document.activeElement === input) {
            show(answer.suggestions);
          }
        })
        .catch(function () {
          close(); // offline, or throttled: the box still searches
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, WAIT_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        // Positions -1 (back in the box) to the last suggestion, round and round.
        var next = active + (event.key === "ArrowDown" ? 1 : -1);
        highlight(next >= items.length ? -1 : next < -1 ? items.length - 1 : next);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("form[data-suggest]").forEach(setUp);
})();

// Quoting a passage: selecting text in the item's body shows a button, "Commenta questo
// passaggio", that copies the selection into the comment form's quote field and moves the
// focus to the comment. Without JavaScript the quote field is an ordinary textarea.
// An external file: the Content-Security-Policy refuses inline scripts.
(function () {
  "use strict";
  var section = document.getElementById("commenti");
  var button = document.getElementById("comment-quote-button");
  if (!section || !button) {
    return;
  }
  var quoteField = document.getElementById(section.getAttribute("data-quote-field"));
  var textField = document.getElementById(section.getAttribute("data-text-field"));
  // The item's text: the article the page starts with (title, description, body).
  var source = document.querySelector("main article");
  if (!quoteField || !textField || !source) {
    return;
  }
  var chosen = "";

  function selectedPassage() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
      return null;
    }
    var range = selection.getRangeAt(0);
    if (!source.contains(range.commonAncestorContainer)) {
      return null;
    }
    var text = selection.toString().replace(/\s+/g, " ").trim();
    return text ? { text: text, rect: range.getBoundingClientRect() } : null;
  }

  function update() {
    var passage = selectedPassage();
    if (!passage) {
      // Keep the button while it has the focus (keyboard users tab to it).
      if (document.activeElement !== button) {
        button.hidden = true;
      }
      return;
    }
    chosen = passage.text.slice(0, Number(quoteField.getAttribute("maxlength")) || 1000);
    // Placed below the selection; CSSOM styles are allowed by the CSP.
    button.style.position = "absolute";
    button.style.zIndex = "10";
    button.style.top = window.scrollY + passage.rect.bottom + 6 + "px";
    button.style.left = Math.max(window.scrollX + passage.rect.left, 8) + "px";
    button.hidden = false;
  }

  document.addEventListener("selectionchange", update);
  // After the selection is made with the keyboard, Tab reaches the button at once: it is
  // moved into the article's reading order end (just after the source).
  source.insertAdjacentElement("afterend", button);

  button.addEventListener("click", function () {
    if (!chosen) {
      return;
    }
    quoteField.value = chosen;
    button.hidden = true;
    textField.focus();
  });
})();

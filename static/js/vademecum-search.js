// Search within the Vademecum's page (consolidated text, editions): as the reader types,
// chapters and sections without every word are hidden (and their lines in the index), and
// the words are highlighted in what remains. Accents and case are ignored, as on the
// server. Without this script the box sends ?q= and the server does the same filtering.
(function () {
  "use strict";

  var form = document.querySelector("[data-vm-search]");
  var input = form && form.querySelector("[data-vm-filter]");
  if (!input) {
    return;
  }
  var status = document.getElementById("tavolo-vm-status");
  var results = form.querySelector("[data-vm-results]");
  var entries = Array.prototype.slice.call(document.querySelectorAll("[data-vm-entry]"));
  var timer = null;

  function fold(text) {
    // One folded character per source character, so positions map back for highlighting.
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
      out += c.length === 1 ? c : text.charAt(i).toLowerCase().charAt(0);
    }
    return out;
  }

  function clearMarks(root) {
    var marks = root.querySelectorAll("mark.tavolo-vm-hit");
    for (var i = 0; i < marks.length; i++) {
      var mark = marks[i];
      var parent = mark.parentNode;
      parent.replaceChild(document.createTextNode(mark.textContent), mark);
      parent.normalize();
    }
  }

  function highlight(root, words) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, null);
    var nodes = [];
    while (walker.nextNode()) {
      nodes.push(walker.currentNode);
    }
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var folded = fold(text);
      var ranges = [];
      words.forEach(function (word) {
        var at = folded.indexOf(word);
        while (at !== -1) {
          ranges.push([at, at + word.length]);
          at = folded.indexOf(word, at + word.length);
        }
      });
      if (!ranges.length) {
        return;
      }
      ranges.sort(function (a, b) { return a[0] - b[0]; });
      var fragment = document.createDocumentFragment();
      var last = 0;
      ranges.forEach(function (range) {
        if (range[0] < last) {
          return; // overlaps the previous highlight
        }
        fragment.appendChild(document.createTextNode(text.slice(last, range[0])));
        var mark = document.createElement("mark");
        mark.className = "tavolo-vm-hit";
        mark.textContent = text.slice(range[0], range[1]);
        fragment.appendChild(mark);
        last = range[1];
      });
      fragment.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(fragment, node);
    });
  }

  function apply() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    entries.forEach(function (entry) {
      clearMarks(entry);
      var text = fold(entry.textContent);
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      entry.hidden = !match;
      var line = document.querySelector('[data-vm-toc="' + entry.id + '"]');
      if (line) {
        line.hidden = !match;
      }
      if (match) {
        shown += 1;
        if (words.length) {
          highlight(entry, words);
        }
      }
    });
    if (results) {
      results.hidden = true; // the server's list of a ?q= search: the page now filters live
    }
    if (status) {
      if (!words.length) {
        status.textContent = "";
      } else if (shown) {
        status.textContent = form.getAttribute("data-vm-found") + " " + shown;
      } else {
        status.textContent = form.getAttribute("data-vm-none");
      }
    }
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(apply, 200);
  });
  form.addEventListener("submit", function (event) {
    // With the script the page is already filtered; a reload would only lose the place.
    // A page the server filtered (?q=) holds only its matches: that one asks again.
    if (entries.length && !results) {
      event.preventDefault();
      apply();
    }
  });
})();

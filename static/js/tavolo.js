// Page start-up. Kept out of the HTML so that the Content-Security-Policy needs no inline
// scripts. Bootstrap Italia loads its fonts from JavaScript: tell it where ours are.
(function () {
  "use strict";
  var fonts = document.documentElement.getAttribute("data-fonts-path");
  if (window.bootstrap && typeof window.bootstrap.loadFonts === "function" && fonts) {
    window.bootstrap.loadFonts(fonts);
  }
})();

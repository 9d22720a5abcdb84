// Start the widgets of deform forms from data- attributes, so that the
// Content-Security-Policy (script-src 'self') needs no inline script. Loaded, with jQuery 3,
// deform.js and TinyMCE, by the pages that show a form (templates/content/editing/).
(function () {
  "use strict";

  // The toolbar offers only what the sanitiser keeps (tavolo.content.richtext): headings
  // h2-h6, bold, italic, lists, links, tables, quotations. No colours, no inline styles.
  function startRichText() {
    var areas = document.querySelectorAll("textarea[data-tavolo-richtext]");
    if (!areas.length || !window.tinymce) {
      return;
    }
    var script = document.querySelector("script[data-tinymce-base]");
    var italian = document.documentElement.lang !== "en";
    window.tinymce.init({
      selector: "textarea[data-tavolo-richtext]",
      base_url: script ? script.getAttribute("data-tinymce-base") : undefined,
      suffix: ".min",
      language: italian ? "it" : undefined,
      promotion: false,
      branding: false,
      menubar: false,
      statusbar: true,
      elementpath: false,
      plugins: "lists link table autoresize",
      // Our own heading buttons rather than the "blocks" menu or TinyMCE's h2-h6 buttons,
      // whose visible text ("Paragrafo", "H2") is not part of their accessible name
      // ("Blocchi", "Titolo 2"): axe's label-content-name-mismatch (WCAG 2.5.3).
      toolbar:
        "undo redo | tavoloh2 tavoloh3 tavoloh4 tavoloh5 tavoloh6 | bold italic | " +
        "bullist numlist | link blockquote | table",
      // Nothing the sanitiser would drop anyway: no style attributes, no colours, no fonts.
      valid_styles: {},
      invalid_styles: "*",
      paste_data_images: false,
      convert_urls: false,
      link_default_protocol: "https",
      table_default_styles: {},
      table_advtab: false,
      table_cell_advtab: false,
      table_row_advtab: false,
      table_appearance_options: false,
      content_css: false,
      setup: function (editor) {
        ["h2", "h3", "h4", "h5", "h6"].forEach(function (tag) {
          var label = tag.toUpperCase();
          editor.ui.registry.addToggleButton("tavolo" + tag, {
            text: label,
            tooltip:
              label + (italian ? ": titolo di livello " : ": heading level ") + tag.charAt(1),
            onAction: function () {
              editor.execCommand("mceToggleFormat", false, tag);
            },
            onSetup: function (api) {
              var binding = editor.formatter.formatChanged(tag, function (state) {
                api.setActive(state);
              });
              return function () {
                binding.unbind();
              };
            },
          });
        });
        // TinyMCE names the editable <body> with aria-label, which ARIA does not allow on
        // an element without a role (axe flags it while the editor is empty). The iframe
        // around it carries the same text as its title, which names it for screen readers.
        editor.on("init", function () {
          editor.getBody().removeAttribute("aria-label");
        });
        // Keep the textarea up to date, so that a plain submit always sends the text.
        editor.on("change input", function () {
          editor.save();
        });
      },
    });
  }

  function start() {
    if (window.deform && window.jQuery) {
      window.deform.load();
    }
    startRichText();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* The creative's body editor (TinyMCE, started by django-tinymce with this function as its "setup"): a
   "Personalise" menu that inserts the template's fields, and the text's direction following the creative's
   language as it is changed on the page (Persian and Arabic right to left). */
(function () {
  "use strict";

  function fieldsOf(textarea) {
    try {
      return JSON.parse(textarea.dataset.personalisation || "[]");
    } catch (e) {
      return [];
    }
  }

  function insertField(editor, field) {
    var variable = "{{ " + field.expression + " }}";
    if (!field.link) {
      editor.insertContent(editor.dom.encode(variable));
      return;
    }
    // A link: the selected words, else the field's own name, leading to the address the variable holds.
    var words = editor.selection.getContent({format: "text"}) || field.label;
    editor.insertContent(editor.dom.createHTML("a", {href: variable}, editor.dom.encode(words)));
  }

  function followLanguage(editor, textarea) {
    var select = document.getElementById("id_language");
    if (!select) { return; }
    var rtl = (textarea.dataset.rtlLanguages || "").split(" ");
    select.addEventListener("change", function () {
      var body = editor.getBody();
      if (body) { body.setAttribute("dir", rtl.indexOf(select.value) >= 0 ? "rtl" : "ltr"); }
    });
  }

  window.emarketingCreativeEditorSetup = function (editor) {
    var textarea = editor.getElement();
    var fields = fieldsOf(textarea);
    editor.ui.registry.addMenuButton("personalise", {
      text: textarea.dataset.personaliseLabel || "Personalise",
      fetch: function (callback) {
        callback(fields.map(function (field) {
          return {
            type: "menuitem",
            text: field.label,
            onAction: function () { insertField(editor, field); }
          };
        }));
      }
    });
    editor.on("init", function () { followLanguage(editor, textarea); });
  };
})();

/* The programme editor: what is typed is not lost without asking. Loading a template (a link
 * to the editor with the template's rows) and leaving the page both throw away the rows typed
 * below; once any of them has changed, the physio is asked first. Saving asks nothing.
 * Without JavaScript the hint by "Load the template" says the same. */
(function () {
  "use strict";
  const editor = document.querySelector("form[data-programme-editor]");
  const picker = document.querySelector("form.template-pick");
  if (!editor) return;
  // A page shown again after a save was refused holds rows that are not saved yet.
  let changed = editor.hasAttribute("data-unsaved");
  let saving = false;
  const mark = () => { changed = true; };
  editor.addEventListener("input", mark);
  editor.addEventListener("change", mark);
  editor.addEventListener("submit", () => { saving = true; });
  if (picker) {
    picker.addEventListener("submit", (event) => {
      if (changed && !window.confirm(
        "Loading the template replaces the exercises below, and what you have typed there " +
        "is not saved. Load the template?")) {
        event.preventDefault();
        return;
      }
      saving = true; // asked already: leaving for the template asks nothing more
    });
  }
  window.addEventListener("beforeunload", (event) => {
    if (!changed || saving) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers show their own words only when this is set
  });
}());

/* A log's checklist (a correction, or a routine sent back with errors, which routine.js leaves
 * as a checklist): "Why skipped?" and "Why stopped?" are offered only while "How did it go?"
 * says skipped or stopped. Shown for an exercise logged Done, a reason chosen there was only
 * refused on saving. A menu that already has an answer or an error stays, to be put right.
 * Without JavaScript every menu is shown, and the server says which answer does not fit. */
(function () {
  "use strict";
  const form = document.querySelector("form[data-routine]");
  if (!form || form.classList.contains("is-guided")) return;
  const FOR = { skip: "skipped", stop: "stopped" };
  form.querySelectorAll("fieldset.log-fields").forEach((fields) => {
    const status = fields.querySelector("[data-field='status']");
    if (!status) return;
    const menus = Object.keys(FOR).map((kind) => fields.querySelector(`[data-field='${kind}']`))
      .filter(Boolean);
    const update = () => {
      menus.forEach((menu) => {
        const wanted = status.value === FOR[menu.dataset.field];
        const keep = wanted || menu.value !== "" || menu.getAttribute("aria-invalid") === "true";
        menu.disabled = !keep;
        menu.closest(".field").hidden = !keep;
      });
    };
    status.addEventListener("change", update);
    update();
  });
}());

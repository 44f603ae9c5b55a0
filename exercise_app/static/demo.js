/* The exercise page's animated figure can be paused (WCAG 2.2.2: it moves for ever): a button
 * swaps it for the still frames of its poses, which a device set to reduce motion shows from
 * the start, and back. Without JavaScript the animation plays, as before. */
(function () {
  "use strict";
  document.querySelectorAll("figure.demo").forEach((figure) => {
    const stills = figure.querySelector(".demo-stills");
    if (!figure.querySelector(".demo-anim") || !stills) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button small demo-toggle";
    const show = (still) => {
      figure.classList.toggle("is-still", still);
      button.textContent = still ? "Play the animation" : "Pause: show still pictures";
      if (still) stills.removeAttribute("aria-hidden");
      else stills.setAttribute("aria-hidden", "true");
    };
    button.addEventListener("click", () => show(!figure.classList.contains("is-still")));
    show(false);
    figure.append(button);
  });
}());

/* An animated figure can be paused (WCAG 2.2.2: it moves for ever). On an exercise's page a
 * button swaps it for the still frames of its poses, which a device set to reduce motion shows
 * from the start; in the routine, for its first pose (the image's ``data-still``). Without
 * JavaScript the animation plays, as before. */
(function () {
  "use strict";
  document.querySelectorAll("figure.demo").forEach((figure) => {
    const anim = figure.querySelector(".demo-anim");
    const stills = figure.querySelector(".demo-stills");
    if (!anim || (!stills && !anim.dataset.still)) return;
    const moving = anim.getAttribute("src");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button small demo-toggle";
    const show = (still) => {
      figure.classList.toggle("is-still", still);
      button.textContent = still ? "Play the animation"
        : stills ? "Pause: show still pictures" : "Pause the animation";
      if (!stills) anim.setAttribute("src", still ? anim.dataset.still : moving);
      else if (still) stills.removeAttribute("aria-hidden");
      else stills.setAttribute("aria-hidden", "true");
    };
    button.addEventListener("click", () => show(!figure.classList.contains("is-still")));
    show(false);
    figure.append(button);
  });
}());

/* The time zone a new account starts in, and a quicker way to change it: the browser knows its
 * device's zone (Intl). Accepting an invitation, the list starts at the device's zone instead
 * of the app's default (a patient in New York who did not notice it would have had every day
 * counted in London); on the time zone page, a button offers it. Without JavaScript, or when
 * the device's zone is not in the list, the page is as the server sent it. */
(function () {
  "use strict";
  const form = document.querySelector("form[data-device-zone]");
  const select = form && form.querySelector("select[name='time_zone']");
  if (!select || !window.Intl || !Intl.DateTimeFormat) return;
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  const known = Array.prototype.some.call(select.options, (option) => option.value === zone);
  if (!known || zone === select.value) return;
  const name = zone.replace(/_/g, " ");
  const note = document.createElement("p");
  note.className = "hint";
  note.id = select.id + "-device";
  if (form.dataset.deviceZone === "choose") {
    select.value = zone;
    note.textContent = "Set to this device's time zone, " + name + ". Change it if it is wrong.";
  } else {
    const use = document.createElement("button");
    use.type = "button";
    use.className = "button";
    use.textContent = "Use this device's time zone: " + name;
    use.addEventListener("click", () => {
      select.value = zone;
      select.focus();
    });
    note.append(use);
  }
  select.after(note);
  const described = select.getAttribute("aria-describedby");
  select.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
}());

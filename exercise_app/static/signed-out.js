/* On the sign-in page (where signing out, or being signed out, lands): forget any routine kept
 * in this tab (routine.js, "progress kept in the tab"), so a shared phone keeps nothing of the
 * last patient's answers. */
(function () {
  "use strict";
  let store = null;
  try {
    store = window.sessionStorage;
  } catch (error) {
    return;
  }
  if (!store) return;
  for (let i = store.length - 1; i >= 0; i -= 1) {
    const key = store.key(i);
    if (key && key.indexOf("routine-progress:") === 0) store.removeItem(key);
  }
}());

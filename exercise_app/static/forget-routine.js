/* Forget any routine kept in this tab (routine.js, "progress kept in the tab"). Loaded on the
 * sign-in page (where signing out, or being signed out, lands), so a shared phone keeps
 * nothing of the last patient's answers; and on a session's page just after it was saved, so
 * the next routine starts afresh (until then a send whose answer was lost is taken up again,
 * with its client id, and stored once). */
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

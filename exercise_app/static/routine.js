/* Guided routine: a progressive enhancement of the routine checklist form.
 *
 * Without JavaScript the page is a plain checklist that posts the log. With it, the same form
 * becomes one step at a time (pain before, each exercise, how it went) with set and rep counters,
 * hold and rest timers, "Skip" and "Stop: this hurts". Every answer is written back into the
 * form's own fields (hidden, not removed), so the server receives exactly what the checklist
 * would send. No innerHTML: all text is set with textContent.
 */
(function () {
  "use strict";

  const form = document.querySelector("form[data-routine]");
  if (!form || !("classList" in form) || typeof Date.now !== "function") return;
  // Corrections of a saved log, and a form the server sent back with errors, stay a checklist:
  // every answer is visible at once and the error messages sit next to their fields.
  if (form.dataset.mode === "correct") return;
  if (form.querySelector(".error, .error-summary")) return;

  const stepEls = Array.from(form.querySelectorAll(".routine-step"));
  const submitButton = form.querySelector("[data-submit]");
  if (stepEls.length < 2 || !submitButton) return;
  const submitText = submitButton.textContent;
  // Every exercise needs the log fields the guide writes to; otherwise stay a checklist.
  const hasLogFields = (step) => ["status", "sets", "skip", "stop"]
    .every((name) => step.querySelector('[data-field="' + name + '"]'));
  if (!stepEls.filter((step) => step.hasAttribute("data-exercise")).every(hasLogFields)) return;

  const TICK_MS = 200;

  // ---------------------------------------------------------------- small helpers

  function h(tag, attrs, children) {
    const el = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach((child) => {
      if (child !== null && child !== undefined) el.append(child);
    });
    return el;
  }

  function button(text, cls, onclick, attrs) {
    return h("button", Object.assign({ type: "button", class: "button " + (cls || ""), text: text, onclick: onclick }, attrs || {}));
  }

  function show(el, visible) {
    if (el) el.hidden = !visible;
  }

  function isShown(el) {
    return !!el && el.isConnected && el.getClientRects().length > 0;
  }

  function int(value) {
    const n = parseInt(value, 10);
    return Number.isFinite(n) ? n : 0;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function capital(word) {
    return word.charAt(0).toUpperCase() + word.slice(1);
  }

  function selectedText(select) {
    if (!select || select.selectedIndex < 0) return "";
    return select.options[select.selectedIndex].text;
  }

  // ---------------------------------------------------------------- sound, speech, wake lock

  let audio = null;

  function unlockAudio() {
    // Browsers only let a page make sound after a tap: create the context inside one.
    if (audio) {
      if (audio.state === "suspended" && audio.resume) audio.resume().catch(() => {});
      return;
    }
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = new Context();
    } catch (error) {
      audio = null;
    }
  }

  function beep() {
    if (!audio) return;
    try {
      const start = audio.currentTime;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.25);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.3);
    } catch (error) {
      /* no sound: the screen still shows it */
    }
  }

  const canSpeak = "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function";
  let speakOn = false;

  function speak(text) {
    if (!canSpeak || !speakOn || !text) return;
    try {
      window.speechSynthesis.cancel();
      const utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = document.documentElement.lang || "en";
      window.speechSynthesis.speak(utterance);
    } catch (error) {
      /* speech is optional */
    }
  }

  let wakeLock = null;
  let wantWakeLock = false;

  function requestWakeLock() {
    if (!wantWakeLock || wakeLock || !navigator.wakeLock || document.visibilityState !== "visible") return;
    try {
      navigator.wakeLock.request("screen").then((lock) => {
        wakeLock = lock;
        lock.addEventListener("release", () => {
          if (wakeLock === lock) wakeLock = null;
        });
      }).catch(() => {});
    } catch (error) {
      /* not allowed here: the screen may dim, nothing else changes */
    }
  }

  function releaseWakeLock() {
    wantWakeLock = false;
    if (wakeLock) {
      wakeLock.release().catch(() => {});
      wakeLock = null;
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") requestWakeLock();
  });

  // ---------------------------------------------------------------- timers (Date-based)

  /* A countdown that reads the clock on every tick, so a throttled or fast-forwarded timer
   * still ends at the right moment. It tells ``onEnd`` when it ended: on a hidden tab the
   * browser runs the tick late (up to a minute late), and what follows (the rest after a
   * hold) counts from then, not from the late tick. */
  class Countdown {
    constructor(seconds, onTick, onEnd) {
      this.remainingMs = seconds * 1000;
      this.onTick = onTick;
      this.onEnd = onEnd;
      this.id = null;
      this.endsAt = 0;
    }

    get running() {
      return this.id !== null;
    }

    get secondsLeft() {
      const ms = this.running ? this.endsAt - Date.now() : this.remainingMs;
      return Math.max(0, Math.ceil(ms / 1000));
    }

    start(from) {
      if (this.running) return;
      this.endsAt = (from === undefined ? Date.now() : from) + this.remainingMs;
      this.id = window.setInterval(() => this.tick(), TICK_MS);
      this.onTick(this.secondsLeft);
    }

    tick() {
      if (!this.running) return;
      if (Date.now() >= this.endsAt) {
        this.cancel();
        this.remainingMs = 0;
        this.onTick(0);
        this.onEnd(this.endsAt);
      } else {
        this.onTick(this.secondsLeft);
      }
    }

    pause() {
      if (!this.running) return;
      this.remainingMs = Math.max(0, this.endsAt - Date.now());
      this.cancel();
    }

    cancel() {
      if (this.id !== null) window.clearInterval(this.id);
      this.id = null;
    }
  }

  // ---------------------------------------------------------------- the page frame

  let current = 0;
  let started = false;
  let submitting = false;
  let notice = "";
  // The routine so far, kept in the tab (see "progress kept in the tab" below).
  const PROGRESS_HOURS = 12;
  const RESTART_AFTER_HOURS = 2; // a routine taken up later than this starts its clock again
  const SET_TAP_MS = 700; // no set takes less: a second Set done sooner is the same tap twice
  const PROGRESS_PREFIX = "routine-progress:"; // forget-routine.js forgets these
  const progressKey = PROGRESS_PREFIX + Array.from(
    form.querySelectorAll('input[name$="prescription_id"]')).map((input) => input.value).join(",");
  let restoring = false;
  let sent = false; // once submitted, never kept again (a page shown again keeps its id)
  let sentBefore = false; // taken up after it was sent once (its answer lost): see saveProgress

  const live = h("div", { class: "visually-hidden", "aria-live": "polite", "aria-atomic": "true" });
  const stepCount = h("p", { class: "guide-count", id: "guide-count" });
  const progress = h("progress", { class: "guide-progress", max: stepEls.length, value: 1, "aria-labelledby": "guide-count" });
  const speakBox = h("input", { type: "checkbox", id: "guide-speak", class: "guide-check" });
  const speakLabel = h("label", { class: "guide-speak", for: "guide-speak" }, [speakBox, h("span", { text: "Speak cues" })]);
  const bar = h("div", { class: "guide-bar" }, [
    h("div", { class: "guide-bar-row" }, [stepCount, canSpeak ? speakLabel : null]),
    progress,
  ]);
  const noticeEl = h("p", { class: "guide-notice", hidden: true });
  // After "Stop: this hurts", the patient may end the session there rather than go on.
  const endNowButton = button("End the session here", "danger guide-end-now", () => endNow());
  endNowButton.hidden = true;
  const backButton = button("Back", "guide-back", () => back());
  const nextButton = button("Next", "primary guide-next", () => next());
  const nav = h("div", { class: "guide-nav" }, [backButton, nextButton]);

  function announce(text) {
    live.textContent = "";
    // A fresh node each time makes screen readers repeat identical messages too.
    live.append(h("span", { text: text }));
  }

  try {
    speakOn = canSpeak && window.localStorage.getItem("routine-speak") === "1";
  } catch (error) {
    speakOn = false;
  }
  speakBox.checked = speakOn;
  speakBox.addEventListener("change", () => {
    speakOn = speakBox.checked;
    try {
      window.localStorage.setItem("routine-speak", speakOn ? "1" : "0");
    } catch (error) {
      /* private mode: the choice lasts for this page */
    }
    if (speakOn) speak("Cues will be spoken.");
    else if (canSpeak) window.speechSynthesis.cancel();
  });

  // ---------------------------------------------------------------- pain scales

  function scaleAnswered(fieldset) {
    return !!fieldset.querySelector("input[type=radio]:checked");
  }

  function setScaleError(fieldset, message) {
    const id = (fieldset.id || "scale") + "-guide-error";
    let error = fieldset.querySelector(".guide-error");
    if (!message) {
      if (error) error.remove();
      fieldset.classList.remove("field-error");
      fieldset.removeAttribute("aria-describedby");
      return;
    }
    if (!error) {
      error = h("p", { class: "error guide-error", id: id });
      const anchor = fieldset.querySelector(".hint") || fieldset.querySelector("legend");
      anchor.after(error);
    }
    error.textContent = message;
    fieldset.classList.add("field-error");
    fieldset.setAttribute("aria-describedby", id);
  }

  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest && event.target.closest("fieldset.scale");
    if (fieldset && scaleAnswered(fieldset)) setScaleError(fieldset, "");
  });

  function checkScales(stepEl) {
    const missing = Array.from(stepEl.querySelectorAll("fieldset.scale")).filter((f) => !scaleAnswered(f));
    missing.forEach((f) => setScaleError(f, "Choose a number from 0 to 10."));
    if (missing.length) {
      const first = missing[0].querySelector("input[type=radio]");
      if (first) first.focus();
      announce("Choose a number from 0 to 10 for: " + missing.map((f) => f.querySelector("legend").textContent.trim()).join(", ") + ".");
    }
    return missing.length === 0;
  }

  // ---------------------------------------------------------------- exercises

  const SIDE_NAMES = { left: "Left side only", right: "Right side only" };

  function makeExercise(section) {
    const d = section.dataset;
    const field = (name) => section.querySelector('[data-field="' + name + '"]');
    const ex = {
      section: section,
      name: d.name || "This exercise",
      sets: Math.max(1, int(d.sets)),
      reps: int(d.reps),
      hold: int(d.hold),
      setWord: d.bout || "hold", // what a timed set is called: "hold", or the exercise's ("walk")
      rest: int(d.rest),
      side: d.side || "both",
      cues: Array.from(section.querySelectorAll("[data-cue]")).map((li) => li.textContent.trim()).filter(Boolean),
      cueIndex: 0,
      fields: {
        status: field("status"), sets: field("sets"), reps: field("reps"),
        repsOther: field("reps-other"), skip: field("skip"), stop: field("stop"),
      },
      timer: null,
    };
    ex.sides = ex.side === "each" ? 2 : 1;
    ex.bouts = ex.sets * ex.sides;
    reset(ex);
    buildTrainer(ex);
    return ex;
  }

  function reset(ex) {
    if (ex.timer) ex.timer.cancel();
    ex.timer = null;
    ex.bout = 0; // which set, counting the left side's sets then the right side's
    ex.setsBySide = [0, 0];
    ex.repsBySide = [0, 0];
    ex.count = 0; // reps counted in the set under way
    ex.secondsLeft = ex.hold;
    ex.phase = "ready"; // ready | holding | resting | finished
    ex.outcome = null; // done | skipped | stopped once settled
    ex.touched = false;
  }

  function sideIndex(ex, bout) {
    return ex.side === "each" ? Math.floor((bout === undefined ? ex.bout : bout) / ex.sets) : 0;
  }

  function sideText(ex, bout) {
    if (ex.side === "each") return sideIndex(ex, bout) === 0 ? "Left side" : "Right side";
    return SIDE_NAMES[ex.side] || "";
  }

  function setText(ex, bout) {
    const b = bout === undefined ? ex.bout : bout;
    return "Set " + ((b % ex.sets) + 1) + " of " + ex.sets;
  }

  function setsDone(ex) {
    // With one side then the other, a set counts once on the side that got furthest.
    return Math.min(ex.sets, Math.max(ex.setsBySide[0], ex.setsBySide[1]));
  }

  function nextCue(ex) {
    if (!ex.cues.length) return "";
    const cue = ex.cues[ex.cueIndex % ex.cues.length];
    ex.cueIndex += 1;
    return cue;
  }

  function buildTrainer(ex) {
    const ui = {};
    const repsMode = ex.reps > 0;
    const holdMode = ex.hold > 0;
    ui.setLabel = h("span", { class: "trainer-set-number" });
    ui.sideLabel = h("span", { class: "side-tag" });
    ui.head = h("p", { class: "trainer-set" }, [ui.setLabel, " ", ui.sideLabel]);

    if (repsMode) {
      ui.countValue = h("span", { class: "count-value", text: "0" });
      ui.count = h("p", { class: "count", "aria-live": "polite", "aria-atomic": "true" },
        [ui.countValue, h("span", { class: "count-of", text: " of " + plural(ex.reps, "rep") })]);
      ui.minus = button("\u2212", "counter-button", () => changeCount(ex, -1), { "aria-label": "Take off a rep" });
      ui.plus = button("+", "counter-button", () => changeCount(ex, 1), { "aria-label": "Add a rep" });
      ui.counter = h("div", { class: "counter" }, [ui.minus, ui.count, ui.plus]);
      ui.countHint = h("p", { class: "hint counter-hint", text: holdMode
        ? "Each hold counts as a rep. Press Set done when you finish the set."
        : "Tap + after each rep, or press Set done when you finish the set." });
    }
    if (holdMode) {
      ui.clockValue = h("span", { class: "clock-value", text: String(ex.hold) });
      // The number is the timer's content, not hidden behind a label that would be read
      // instead of it: a visually hidden prefix says what it counts.
      ui.clock = h("p", { class: "clock", role: "timer" },
        [h("span", { class: "visually-hidden", text: (repsMode ? "Hold" : capital(ex.setWord)) + " time left: " }), ui.clockValue,
          h("span", { class: "clock-unit", text: " seconds" })]);
      ui.start = button(repsMode ? "Start a " + ex.hold + "-second hold" : "Start the " + ex.setWord, "primary trainer-main", once(ex, () => startHold(ex)));
    }
    ui.pause = button("Pause", "trainer-pause", once(ex, () => pauseTimer(ex)));
    ui.resume = button("Resume", "primary trainer-resume", once(ex, () => resumeTimer(ex)));
    ui.setDone = repsMode ? button("Set done", "primary trainer-main", once(ex, () => finishSet(ex))) : null;
    ui.work = h("div", { class: "trainer-work" }, [
      ui.counter || null, ui.countHint || null, ui.clock || null,
      h("div", { class: "trainer-actions" }, [ui.start || null, ui.pause, ui.resume, ui.setDone]),
    ]);

    ui.restValue = h("span", { class: "clock-value", text: String(ex.rest) });
    ui.restNext = h("p", { class: "rest-next" });
    ui.skipRest = button("Skip rest", "primary", once(ex, () => endRest(ex, false)));
    ui.restPause = button("Pause", "trainer-pause", once(ex, () => pauseTimer(ex)));
    ui.restResume = button("Resume", "trainer-resume", once(ex, () => resumeTimer(ex)));
    ui.rest = h("div", { class: "trainer-rest" }, [
      h("p", { class: "rest-title", text: "Rest" }),
      h("p", { class: "clock", role: "timer" },
        [h("span", { class: "visually-hidden", text: "Rest time left: " }), ui.restValue,
          h("span", { class: "clock-unit", text: " seconds" })]),
      ui.restNext,
      h("div", { class: "trainer-actions" }, [ui.restPause, ui.restResume, ui.skipRest]),
    ]);

    ui.finishedText = h("p", { class: "finished-text", tabindex: "-1" });
    ui.again = button("Start this exercise again", "", () => startAgain(ex));
    ui.finished = h("div", { class: "trainer-finished" }, [ui.finishedText, ui.again]);

    ui.skipOpen = button("Skip this exercise", "", () => openPanel(ex, "skip"));
    ui.stopOpen = button("Stop: this hurts", "danger", () => openPanel(ex, "stop"));
    ui.options = h("div", { class: "trainer-options" }, [ui.skipOpen, ui.stopOpen]);

    // The reasons are the form's own skip and stop selects, shown as big radio buttons.
    ui.skipChoices = choiceList(ex.fields.skip, "Why are you skipping it?");
    ui.skipError = h("p", { class: "error", hidden: true, id: ex.fields.skip.id + "-guide-error" });
    ui.skipPanel = h("div", { class: "panel skip-panel", role: "group", "aria-label": "Skip " + ex.name }, [
      h("p", { class: "panel-title", text: "Skip " + ex.name + "?" }),
      ui.skipError,
      ui.skipChoices.el,
      h("div", { class: "trainer-actions" }, [
        button("Skip it", "primary", () => confirmSkip(ex), { "data-confirm": true }),
        button("Cancel", "", () => cancelReason(ex, ex.fields.skip, ui.skipChoices)),
      ]),
    ]);
    ui.stopChoices = choiceList(ex.fields.stop, "What happened?");
    ui.stopError = h("p", { class: "error", hidden: true, id: ex.fields.stop.id + "-guide-error" });
    ui.stopPanel = h("div", { class: "panel stop-panel", role: "group", "aria-label": "Stop " + ex.name }, [
      h("p", { class: "panel-title", text: "Stop this exercise now." }),
      h("p", { text: "Rest in a comfortable position. Say what happened: it will be recorded for your physio." }),
      ui.stopError,
      ui.stopChoices.el,
      h("div", { class: "trainer-actions" }, [
        button("Stop and record it", "danger", () => confirmStop(ex), { "data-confirm": true }),
        button("Cancel", "", () => cancelReason(ex, ex.fields.stop, ui.stopChoices)),
      ]),
    ]);
    ui.leavePanel = h("div", { class: "panel leave-panel", role: "group", "aria-label": "No sets recorded" }, [
      h("p", { class: "panel-title", text: "No sets are recorded for " + ex.name + " yet." }),
      h("div", { class: "trainer-actions" }, [
        button("I did all the sets", "primary", () => didAll(ex)),
        button("Skip this exercise", "", () => openPanel(ex, "skip")),
        button("Stay here", "", () => closePanels(ex, true)),
      ]),
    ]);
    ui.panel = null;

    ui.root = h("div", { class: "trainer", role: "group", "aria-label": "Counter for " + ex.name }, [
      ui.head, ui.work, ui.rest, ui.finished, ui.options, ui.skipPanel, ui.stopPanel, ui.leavePanel,
    ]);
    [ui.skipPanel, ui.stopPanel, ui.leavePanel].forEach((p) => show(p, false));
    const dose = ex.section.querySelector(".dose");
    if (dose) dose.after(ui.root);
    else ex.section.querySelector("h2").after(ui.root);
    ex.ui = ui;
    [[ex.fields.skip, ui.skipError, ui.skipChoices], [ex.fields.stop, ui.stopError, ui.stopChoices]]
      .forEach(([select, error, choices]) => {
        select.addEventListener("change", () => {
          show(error, false);
          choices.el.removeAttribute("aria-describedby");
        });
      });
  }

  /* Big radio buttons for a reason, mirroring one of the form's own selects (which stays the
   * value that is posted). The radios belong to no form, so they are not posted themselves. */
  function choiceList(select, legendText) {
    const fieldset = h("fieldset", { class: "choices" }, [h("legend", { class: "label", text: legendText })]);
    const radios = [];
    Array.from(select.options).forEach((option, i) => {
      if (!option.value) return;
      const radio = h("input", {
        type: "radio", name: select.id + "-guide", value: option.value, id: select.id + "-guide-" + i,
        form: "guided-routine-not-posted",
      });
      radio.addEventListener("change", () => {
        if (!radio.checked) return;
        select.value = radio.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
      radios.push(radio);
      fieldset.append(h("label", { class: "choice", for: radio.id }, [radio, h("span", { text: option.text })]));
    });
    return {
      el: fieldset,
      radios: radios,
      sync() {
        radios.forEach((radio) => {
          radio.checked = radio.value === select.value;
        });
      },
      focus() {
        (radios.find((r) => r.checked) || radios[0]).focus();
      },
    };
  }

  function render(ex) {
    const ui = ex.ui;
    const finished = ex.phase === "finished";
    const resting = ex.phase === "resting";
    const running = !!(ex.timer && ex.timer.running);
    ui.setLabel.textContent = finished ? plural(setsDone(ex), "set") + " of " + ex.sets + " done" : setText(ex);
    ui.sideLabel.textContent = finished ? "" : sideText(ex);
    show(ui.sideLabel, !finished && !!sideText(ex));
    show(ui.head, !resting); // the rest panel says what comes next
    show(ui.work, !finished && !resting);
    show(ui.rest, resting);
    show(ui.finished, finished);
    // A stop is not undone by starting again: the patient was told not to carry on today,
    // and the stop and its reason are for the physio.
    show(ui.again, ex.outcome !== "stopped");
    show(ui.options, !finished && !ui.panel);
    // Set only when it changes: the count is a live region, and text set again (the same
    // number, on every Pause and Resume) is read out again.
    if (ui.countValue && ui.countValue.textContent !== String(ex.count)) ui.countValue.textContent = String(ex.count);
    // During a hold counted as a rep, the hold's end counts it: + then would count it twice.
    if (ui.minus) ui.minus.disabled = ex.count === 0 || ex.phase === "holding";
    if (ui.plus) ui.plus.disabled = ex.phase === "holding";
    if (ui.clockValue) ui.clockValue.textContent = String(ex.phase === "holding" ? ex.secondsLeft : ex.hold);
    if (ui.start) show(ui.start, ex.phase === "ready");
    show(ui.pause, ex.phase === "holding" && running);
    show(ui.resume, ex.phase === "holding" && !running);
    if (ui.setDone) ui.setDone.classList.toggle("is-ready", ex.count >= ex.reps);
    if (resting) {
      ui.restValue.textContent = String(ex.secondsLeft);
      const side = sideText(ex);
      ui.restNext.textContent = "Next: " + setText(ex) + (side && ex.side === "each" ? ", " + side.toLowerCase() : "") + ".";
      show(ui.restPause, running);
      show(ui.restResume, !running);
    }
    if (finished) ui.finishedText.textContent = finishedText(ex);
    ex.section.classList.toggle("is-finished", finished);
    saveProgress();
  }

  function finishedText(ex) {
    if (ex.outcome === "skipped") return "Skipped (" + selectedText(ex.fields.skip).toLowerCase() + ").";
    if (ex.outcome === "stopped") {
      return "Stopped: " + selectedText(ex.fields.stop).toLowerCase() + ". Do not carry on with this exercise today; it is recorded for your physio.";
    }
    return "All sets done. Well done! Press Next when you are ready.";
  }

  /* Run a change to the trainer; if it hid the control that had focus, put focus on the control
   * the patient most likely wants next, so keyboard and screen-reader users are not lost. */
  /* The trainer's controls take each other's place (Start the hold becomes Pause, Set done
   * becomes Skip rest, Skip rest becomes Set done): a double tap, or Enter pressed twice on the
   * control that focus moves to, would press the new control too (a set logged that was
   * never done, a hold paused as it began). A tap that changed the controls shown makes the
   * next within SET_TAP_MS the same tap. */
  function controlsShown(ex) {
    return ex.phase + (ex.timer && ex.timer.running ? ":running" : "");
  }

  function once(ex, action) {
    return () => {
      const now = Date.now();
      if (ex.swappedAt && now - ex.swappedAt < SET_TAP_MS) return;
      const before = controlsShown(ex);
      action();
      if (controlsShown(ex) !== before) ex.swappedAt = now;
    };
  }

  function changing(ex, fn) {
    const active = document.activeElement;
    const hadFocus = ex.ui.root.contains(active);
    fn();
    render(ex);
    const lost = !isShown(active) || active.disabled;
    if (hadFocus && lost && stepEls[current] === ex.section) focusMain(ex);
  }

  function focusMain(ex) {
    const ui = ex.ui;
    const candidates = ex.phase === "finished" ? [nextButton, ui.finishedText]
      : ex.phase === "resting" ? [ui.skipRest, ui.restResume]
        : ex.phase === "holding" ? [ui.pause, ui.resume, ui.setDone]
          : [ui.start, ui.plus, ui.setDone];
    const target = candidates.find((el) => el && isShown(el) && !el.disabled);
    if (target) target.focus();
  }

  function touch(ex) {
    ex.touched = true;
    startRoutine();
  }

  /* Reps counted in a set: up to twice those prescribed, which is what the server takes (more
   * is a slip of the finger, and the whole log was refused for it). */
  function maxCount(ex) {
    return 2 * ex.reps;
  }

  function changeCount(ex, delta) {
    touch(ex);
    changing(ex, () => {
      ex.count = Math.max(0, Math.min(ex.count + delta, maxCount(ex)));
    });
  }

  function startHold(ex) {
    unlockAudio();
    touch(ex);
    cancelTimer(ex);
    ex.secondsLeft = ex.hold;
    const cue = nextCue(ex);
    const word = ex.reps > 0 ? "Hold" : capital(ex.setWord); // a hold inside a rep is a hold
    speak(word + ". " + cue);
    announce(word + " for " + plural(ex.hold, "second") + ". " + cue);
    ex.timer = new Countdown(ex.hold, (s) => {
      ex.secondsLeft = s;
      if (ex.ui.clockValue) ex.ui.clockValue.textContent = String(s);
    }, (endedAt) => endHold(ex, endedAt));
    changing(ex, () => {
      ex.phase = "holding";
      ex.timer.start();
    });
  }

  function endHold(ex, endedAt) {
    beep();
    ex.timer = null;
    if (ex.reps > 0) {
      // A hold inside a rep: count the rep; the patient says when the set is done. The
      // count, a live region, says the new number; the announcement only what it cannot.
      const before = ex.count;
      changing(ex, () => {
        ex.phase = "ready";
        ex.count = Math.min(ex.count + 1, maxCount(ex));
      });
      speak("Relax.");
      if (ex.count === before) announce("Hold done.");
    } else {
      speak("Relax.");
      finishSet(ex, endedAt);
    }
  }

  /* ``endedAt``: when a timed set's hold ended, which the rest counts from (the tick that
   * ended it ran late on a hidden tab); a tap's set ends now. */
  function finishSet(ex, endedAt) {
    // A double tap on Set done (which stays in place when there is no rest) logged two sets.
    const now = Date.now();
    if (ex.rest === 0 && ex.lastSetAt && now - ex.lastSetAt < SET_TAP_MS) return;
    ex.lastSetAt = now;
    unlockAudio();
    touch(ex);
    cancelTimer(ex);
    const side = sideIndex(ex);
    const reps = ex.reps > 0 ? (ex.count > 0 ? ex.count : ex.reps) : 0;
    const doneText = setText(ex) + (ex.side === "each" ? ", " + sideText(ex).toLowerCase() : "") + " done.";
    changing(ex, () => {
      ex.setsBySide[side] += 1;
      ex.repsBySide[side] += reps;
      ex.count = 0;
      ex.bout += 1;
      ex.secondsLeft = ex.hold;
      if (ex.bout >= ex.bouts) {
        ex.phase = "finished";
        ex.outcome = "done";
        writeFields(ex);
      } else if (ex.rest > 0) {
        ex.phase = "resting";
        ex.secondsLeft = ex.rest;
        ex.timer = new Countdown(ex.rest, (s) => {
          ex.secondsLeft = s;
          ex.ui.restValue.textContent = String(s);
        }, () => endRest(ex, true));
        ex.timer.start(endedAt);
      } else {
        ex.phase = "ready";
      }
    });
    if (ex.phase === "finished") {
      speak("All sets done. Well done.");
      announce(doneText + " All sets of " + ex.name + " are done. Press Next when you are ready.");
    } else if (ex.phase === "resting" && ex.secondsLeft > 0) {
      // The rest left, which is less than the rest when it counts from a hold that ended
      // while the tab was hidden (it ends at the next tick if none is left).
      speak("Rest " + plural(ex.secondsLeft, "second") + ".");
      announce(doneText + " Rest for " + plural(ex.secondsLeft, "second") + ".");
    } else if (ex.phase === "resting") {
      announce(doneText);
    } else {
      const next = setText(ex) + (ex.side === "each" ? ", " + sideText(ex).toLowerCase() : "");
      speak(next + ". " + nextCue(ex));
      announce(doneText + " Next: " + next + ".");
    }
  }

  function endRest(ex, fromTimer) {
    if (fromTimer) beep();
    cancelTimer(ex);
    changing(ex, () => {
      ex.phase = "ready";
      ex.secondsLeft = ex.hold;
    });
    const next = setText(ex) + (ex.side === "each" ? ", " + sideText(ex).toLowerCase() : "");
    speak(next + ". " + nextCue(ex));
    announce("Rest over. " + next + ".");
  }

  function pauseTimer(ex) {
    if (!ex.timer) return;
    changing(ex, () => ex.timer.pause());
    announce("Paused.");
    const resume = ex.phase === "resting" ? ex.ui.restResume : ex.ui.resume;
    resume.focus();
  }

  function resumeTimer(ex) {
    if (!ex.timer) return;
    unlockAudio();
    changing(ex, () => ex.timer.start());
    announce("Carrying on.");
    const pause = ex.phase === "resting" ? ex.ui.restPause : ex.ui.pause;
    pause.focus();
  }

  function cancelTimer(ex) {
    if (ex.timer) ex.timer.cancel();
    ex.timer = null;
  }

  /* Leaving the step stops any clock: an unfinished hold does not count, a rest is over. */
  function settle(ex) {
    cancelTimer(ex);
    if (ex.phase === "holding" || ex.phase === "resting") {
      ex.phase = "ready";
      ex.secondsLeft = ex.hold;
    }
    closePanels(ex, false);
    render(ex);
  }

  function openPanel(ex, which) {
    unlockAudio();
    const ui = ex.ui;
    if (ex.timer && ex.timer.running) ex.timer.pause();
    const panel = which === "skip" ? ui.skipPanel : which === "stop" ? ui.stopPanel : ui.leavePanel;
    [ui.skipPanel, ui.stopPanel, ui.leavePanel].forEach((p) => show(p, p === panel));
    ui.panel = panel;
    render(ex);
    if (which === "skip" || which === "stop") {
      const choices = which === "skip" ? ui.skipChoices : ui.stopChoices;
      choices.sync();
      choices.focus();
    } else {
      panel.querySelector("button").focus();
    }
    if (which === "stop") announce("Stop this exercise now. Choose what happened; it will be recorded.");
    else if (which === "leave") announce("No sets are recorded for " + ex.name + " yet.");
  }

  function closePanels(ex, refocus) {
    const ui = ex.ui;
    const had = ui.panel;
    [ui.skipPanel, ui.stopPanel, ui.leavePanel].forEach((p) => show(p, false));
    ui.panel = null;
    render(ex);
    if (refocus && had) focusMain(ex);
  }

  /* Cancel forgets a reason picked in the panel: posted with another status, the server
   * refuses a skip or stop reason, as the checklist's own selects would be. */
  function cancelReason(ex, select, choices) {
    select.value = "";
    choices.sync();
    closePanels(ex, true);
  }

  function clearStaleReasons(ex) {
    const status = ex.fields.status ? ex.fields.status.value : "";
    if (status !== "skipped") setValue(ex.fields.skip, "");
    if (status !== "stopped") setValue(ex.fields.stop, "");
  }

  function reasonMissing(error, choices, message) {
    error.textContent = message;
    show(error, true);
    choices.el.setAttribute("aria-describedby", error.id);
    choices.focus();
    announce(message);
  }

  function confirmSkip(ex) {
    const select = ex.fields.skip;
    if (!select.value) {
      reasonMissing(ex.ui.skipError, ex.ui.skipChoices, "Choose why you are skipping it.");
      return;
    }
    cancelTimer(ex);
    ex.outcome = "skipped";
    ex.phase = "finished";
    writeFields(ex);
    closePanels(ex, false);
    notice = ex.name + " is skipped (" + selectedText(select).toLowerCase() + ").";
    goTo(current + 1);
  }

  function confirmStop(ex) {
    const select = ex.fields.stop;
    if (!select.value) {
      reasonMissing(ex.ui.stopError, ex.ui.stopChoices, "Choose what happened.");
      return;
    }
    cancelTimer(ex);
    ex.touched = true;
    ex.outcome = "stopped";
    ex.phase = "finished";
    writeFields(ex);
    closePanels(ex, false);
    speak("Stop this exercise. It is recorded.");
    notice = "You stopped " + ex.name + ": do not carry on with it today. It is recorded for your physio, with the reason.";
    goTo(current + 1, { danger: true });
  }

  function didAll(ex) {
    touch(ex);
    cancelTimer(ex);
    ex.setsBySide = [ex.sets, ex.side === "each" ? ex.sets : 0];
    ex.repsBySide = ex.reps > 0 ? [ex.reps * ex.sets, ex.side === "each" ? ex.reps * ex.sets : 0] : [0, 0];
    ex.bout = ex.bouts;
    ex.count = 0;
    ex.outcome = "done";
    ex.phase = "finished";
    writeFields(ex);
    closePanels(ex, false);
    goTo(current + 1);
  }

  function startAgain(ex) {
    reset(ex);
    render(ex);
    announce(ex.name + ": starting again from set 1.");
    focusMain(ex);
  }

  function setValue(input, value) {
    if (input) input.value = value === null || value === undefined ? "" : String(value);
  }

  /* Write what happened into the form's own fields: the checklist the server reads. */
  function writeFields(ex) {
    const f = ex.fields;
    const status = ex.outcome || "partial";
    setValue(f.status, status);
    if (status === "skipped") {
      setValue(f.sets, 0);
      setValue(f.reps, "");
      setValue(f.repsOther, "");
    } else {
      const inSet = ex.outcome === "done" ? 0 : ex.count;
      const side = sideIndex(ex, Math.min(ex.bout, ex.bouts - 1));
      setValue(f.sets, setsDone(ex));
      setValue(f.reps, ex.repsBySide[0] + (side === 0 ? inSet : 0));
      setValue(f.repsOther, ex.repsBySide[1] + (side === 1 ? inSet : 0));
    }
    if (status !== "skipped") setValue(f.skip, "");
    if (status !== "stopped") setValue(f.stop, "");
  }

  const exercises = new Map();
  stepEls.forEach((step) => {
    if (step.hasAttribute("data-exercise")) exercises.set(step, makeExercise(step));
  });

  // ---------------------------------------------------------------- steps

  function headingOf(step) {
    let heading = step.querySelector("h2");
    if (!heading) {
      // The pain-before step has no heading of its own: give it one to land on.
      heading = h("h2", { text: "Before you start" });
      step.prepend(heading, h("p", {
        class: "guide-intro",
        text: "One step at a time. If an exercise hurts above 5 out of 10, press the red Stop button and say why.",
      }));
    }
    heading.setAttribute("tabindex", "-1");
    heading.classList.add("guide-heading");
    return heading;
  }

  const headings = stepEls.map(headingOf);

  function stepName(i) {
    const step = stepEls[i];
    const ex = exercises.get(step);
    if (ex) return ex.name;
    return headings[i].textContent.trim();
  }

  function startRoutine() {
    if (started) return;
    started = true;
    const startedAt = form.querySelector('input[name="started_at"]');
    if (startedAt && !startedAt.value) startedAt.value = new Date().toISOString();
    wantWakeLock = true;
    requestWakeLock();
  }

  function renderSummary(step) {
    let list = step.querySelector(".guide-summary");
    if (!list) {
      list = h("ul", { class: "guide-summary", "aria-label": "Your exercises today" });
      headings[stepEls.indexOf(step)].after(list);
    }
    list.textContent = "";
    exercises.forEach((ex) => {
      const parts = [selectedText(ex.fields.status)];
      const status = ex.fields.status ? ex.fields.status.value : "";
      if (status !== "skipped") {
        parts.push(plural(int(ex.fields.sets && ex.fields.sets.value), "set"));
        if (ex.fields.reps && ex.fields.reps.value !== "") {
          parts.push(ex.fields.repsOther ? ex.fields.reps.value + " reps left, " + ex.fields.repsOther.value + " right"
            : ex.fields.reps.value + " reps");
        }
      }
      list.append(h("li", {}, [h("strong", { text: ex.name + ": " }), parts.join(", ")]));
    });
  }

  function goTo(index, options) {
    const opts = options || {};
    const target = Math.max(0, Math.min(index, stepEls.length - 1));
    const leaving = exercises.get(stepEls[current]);
    if (leaving) settle(leaving);
    current = target;
    stepEls.forEach((step, i) => {
      step.hidden = i !== current;
      step.classList.toggle("is-current", i === current);
    });
    const last = current === stepEls.length - 1;
    const text = "Step " + (current + 1) + " of " + stepEls.length;
    stepCount.textContent = text;
    progress.value = current + 1;
    progress.setAttribute("aria-valuetext", text);
    backButton.disabled = current === 0;
    show(nextButton, !last);
    noticeEl.textContent = notice;
    noticeEl.classList.toggle("is-danger", !!opts.danger);
    show(noticeEl, !!notice);
    const canEnd = !!opts.danger && !last && exercisesLeft().length > 0;
    show(endNowButton, canEnd);
    const ex = exercises.get(stepEls[current]);
    if (ex) {
      render(ex);
      speak(ex.name + ". " + ((ex.section.querySelector(".dose strong") || {}).textContent || ""));
    }
    if (last) renderSummary(stepEls[current]);
    // Focus goes to the next step's heading, after the button: say it is there, or a screen
    // reader user hears only that the routine goes on.
    const endHint = canEnd ? "You can end the session here with the button above. " : "";
    announce((notice ? notice + " " : "") + endHint + text + ": " + stepName(current) + ".");
    notice = "";
    saveProgress();
    if (opts.focus !== false) {
      const top = bar.getBoundingClientRect().top + window.scrollY - 8;
      window.scrollTo({ top: Math.max(0, top), behavior: "auto" });
      headings[current].focus({ preventScroll: true });
    }
  }

  /* The exercises from the current step on that have no outcome yet. */
  function exercisesLeft() {
    return stepEls.slice(current).map((step) => exercises.get(step)).filter((ex) => ex && !ex.outcome);
  }

  /* End the session after a stop: what was started is kept as partly done, the rest is
   * recorded as skipped because it was too painful, and the last step asks how it went. */
  function endNow() {
    exercisesLeft().forEach((ex) => {
      settle(ex);
      if (ex.touched && ex.setsBySide[0] + ex.setsBySide[1] + ex.count > 0) {
        writeFields(ex);
        return;
      }
      ex.fields.skip.value = "pain";
      ex.outcome = "skipped";
      ex.phase = "finished";
      writeFields(ex);
    });
    notice = "The session ends here: the exercises left are recorded as skipped, too painful to start.";
    goTo(stepEls.length - 1, { danger: true });
  }

  function next() {
    unlockAudio();
    const step = stepEls[current];
    if (current === 0) {
      if (!checkScales(step)) return;
      startRoutine();
    }
    const ex = exercises.get(step);
    if (ex && !ex.outcome) {
      const anything = ex.touched && (ex.setsBySide[0] + ex.setsBySide[1] + ex.count > 0);
      if (!anything) {
        settle(ex);
        openPanel(ex, "leave");
        return;
      }
      writeFields(ex); // left early: partly done, with what was done
      notice = ex.name + " is recorded as partly done.";
    }
    goTo(current + 1);
  }

  function back() {
    if (current > 0) goTo(current - 1);
  }

  // Before the last step, Enter in a field never posts the form early: on a pain scale it
  // means Next, on a reason it confirms the reason, elsewhere (Speak cues) nothing.
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    const target = event.target;
    if (target === speakBox) {
      event.preventDefault(); // Enter on a checkbox sends its form, on the last step too
      return;
    }
    if (current === stepEls.length - 1) return;
    if (!(target instanceof HTMLInputElement)) return;
    event.preventDefault();
    const panel = target.closest(".panel");
    if (panel) {
      const confirm = panel.querySelector("[data-confirm]");
      if (confirm) confirm.click();
    } else if (target.closest("fieldset.scale")) {
      next();
    }
  });

  form.addEventListener("submit", (event) => {
    if (submitting) {
      event.preventDefault();
      return;
    }
    if (current !== stepEls.length - 1) {
      event.preventDefault();
      next();
      return;
    }
    const before = stepEls[0];
    if (Array.from(before.querySelectorAll("fieldset.scale")).some((f) => !scaleAnswered(f))) {
      event.preventDefault(); // only if the page was tampered with: step 1 checks this
      goTo(0, { focus: false });
      checkScales(before);
      return;
    }
    if (!checkScales(stepEls[current])) {
      event.preventDefault();
      return;
    }
    exercises.forEach((ex) => {
      if (!ex.outcome && ex.touched) writeFields(ex);
      clearStaleReasons(ex);
    });
    startRoutine();
    saveProgress(true); // as sent: kept until the session's page says it is saved (forget-routine.js)
    submitting = true;
    // Disabled after the browser has taken the submission: a second click does nothing.
    submitButton.disabled = true;
    submitButton.setAttribute("aria-disabled", "true");
    submitButton.textContent = "Saving\u2026";
    form.setAttribute("aria-busy", "true");
    releaseWakeLock();
    exercises.forEach(cancelTimer);
  });

  window.addEventListener("pageshow", (event) => {
    if (event.persisted && submitting) {
      submitting = false;
      submitButton.disabled = false;
      submitButton.removeAttribute("aria-disabled");
      submitButton.textContent = submitText; // not "Saving…" on a page shown again
      form.removeAttribute("aria-busy");
    }
  });

  // ---------------------------------------------------------------- progress kept in the tab

  /* A phone may discard a background tab, and a patient may close one by mistake: the routine
   * so far (answers, counts, the step) is kept in the tab's sessionStorage and taken up again
   * when the same routine opens within PROGRESS_HOURS, with the same client id, so a log sent
   * twice is still stored once. Running clocks are not kept: a hold starts again. */
  function storage() {
    try {
      return window.sessionStorage || null;
    } catch (error) {
      return null; // storage switched off: the routine still works, without this
    }
  }

  function formValues() {
    const values = {};
    Array.from(form.elements).forEach((el) => {
      if (!el.name || el.name === "csrf_token" || el.form !== form) return;
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) values[el.name] = el.value;
      } else if (el.type !== "submit" && el.type !== "button") {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  /* ``asSent``: the routine as it is being sent; taken up again (its answer lost), it is sent
   * again as it was, start time and all, so that the server knows it for the same log. */
  function saveProgress(asSent) {
    if (!started || restoring || submitting || sent) return;
    const store = storage();
    if (!store) return;
    const state = {
      at: Date.now(), day: new Date().toDateString(), current: current, values: formValues(),
      sent: asSent === true || sentBefore,
      exercises: Array.from(exercises.values()).map((ex) => ({
        bout: ex.bout, setsBySide: ex.setsBySide, repsBySide: ex.repsBySide, count: ex.count,
        outcome: ex.outcome, touched: ex.touched, finished: ex.phase === "finished", cueIndex: ex.cueIndex,
      })),
    };
    try {
      store.setItem(progressKey, JSON.stringify(state));
    } catch (error) {
      // full or refused: nothing to do
    }
  }

  /* Put a kept routine back; the step to go to, or null when there is none to take up. */
  function restoreProgress() {
    const store = storage();
    let state = null;
    try {
      state = store ? JSON.parse(store.getItem(progressKey) || "null") : null;
    } catch (error) {
      state = null;
    }
    const kept = Array.from(exercises.values());
    // Taken up the same day only: the start time is kept with it, and the server dates a log
    // from it (a routine left last night and finished this morning would be last night's).
    if (!state || typeof state.at !== "number" || Date.now() - state.at > PROGRESS_HOURS * 3600 * 1000
        || state.day !== new Date().toDateString()
        || !Array.isArray(state.exercises) || state.exercises.length !== kept.length) {
      if (store) store.removeItem(progressKey);
      return null;
    }
    restoring = true;
    Array.from(form.elements).forEach((el) => {
      if (!el.name || el.name === "csrf_token" || !(el.name in state.values)) return;
      if (el.type === "radio" || el.type === "checkbox") el.checked = state.values[el.name] === el.value;
      else el.value = state.values[el.name];
    });
    kept.forEach((ex, i) => {
      const saved = state.exercises[i];
      ex.bout = Math.min(int(saved.bout), ex.bouts);
      ex.setsBySide = [int(saved.setsBySide && saved.setsBySide[0]), int(saved.setsBySide && saved.setsBySide[1])];
      ex.repsBySide = [int(saved.repsBySide && saved.repsBySide[0]), int(saved.repsBySide && saved.repsBySide[1])];
      ex.count = int(saved.count);
      ex.cueIndex = int(saved.cueIndex);
      ex.outcome = ["done", "skipped", "stopped"].indexOf(saved.outcome) >= 0 ? saved.outcome : null;
      ex.touched = !!saved.touched;
      ex.phase = saved.finished ? "finished" : "ready";
      ex.secondsLeft = ex.hold;
      ex.ui.skipChoices.sync();
      ex.ui.stopChoices.sync();
    });
    // A start long past is not this sitting's: the log takes its date from the start time.
    // A routine sent before keeps its own (the same log sent again must say the same).
    const startedAt = form.querySelector('input[name="started_at"]');
    sentBefore = state.sent === true;
    if (startedAt && startedAt.value && !sentBefore) {
      const then = Date.parse(startedAt.value);
      if (!Number.isFinite(then) || Date.now() - then > RESTART_AFTER_HOURS * 3600 * 1000) {
        startedAt.value = new Date().toISOString();
      }
    }
    started = true;
    wantWakeLock = true;
    requestWakeLock();
    restoring = false;
    return Math.max(0, Math.min(int(state.current), stepEls.length - 1));
  }

  form.addEventListener("change", saveProgress);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveProgress();
  });
  window.addEventListener("pagehide", saveProgress);
  form.addEventListener("submit", () => {
    if (!submitting) return;
    // Not forgotten yet: if the answer never comes (the connection dropped, and the log may
    // or may not be stored), the routine opened again takes it up with the same client id,
    // so sending it again stores it once. The session's page forgets it once it is saved.
    sent = true;
  });

  // ---------------------------------------------------------------- switch the page over

  stepEls[0].before(bar, noticeEl, endNowButton, live);
  form.append(nav);
  document.querySelectorAll(".no-js-only").forEach((el) => {
    el.hidden = true;
  });
  form.classList.add("is-guided");
  const resumeAt = restoreProgress();
  if (resumeAt !== null && resumeAt > 0) {
    // A stop is said again, with the way to end the session there: a patient in pain who
    // reloaded the page need not step through the rest.
    const stopped = Array.from(exercises.values()).filter((ex) => ex.outcome === "stopped");
    notice = "Welcome back: your routine is where you left it." + (stopped.length
      ? " You stopped " + stopped.map((ex) => ex.name).join(" and ") + ": do not carry on with "
        + (stopped.length > 1 ? "them" : "it") + " today."
      : "");
    goTo(resumeAt, { focus: false, danger: stopped.length > 0 });
  } else {
    goTo(0, { focus: false });
  }
}());

// The booking form's details step (templates/bookings/_details_fields.html). Without this file
// every question is shown and the error summary is read out by its role; with it:
// - the error summary takes focus, so a keyboard or screen-reader user starts at the mistakes;
// - a question marked data-shown-after="name=value ..." is shown only once one of those answers
//   is chosen (the trimester after "pregnant", the doctor's agreement after an answer that
//   needs it, the history list after "something has changed"). One marked data-cleared-when-hidden
//   is cleared when hidden, so an answer nobody can see is never sent; the history list keeps
//   last time's answers, a start for saying what changed. One with a mistake on it stays shown.
(function () {
  "use strict";
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  const form = document.querySelector("form[data-details-form]");
  if (!form) {
    return;
  }
  const dependent = Array.from(form.querySelectorAll("[data-shown-after]"));

  function chosen() {
    const answers = new Set();
    form.querySelectorAll("input[type=checkbox]:checked, input[type=radio]:checked").forEach(function (input) {
      answers.add(input.name + "=" + input.value);
    });
    return answers;
  }

  function clear(container) {
    container.querySelectorAll("input[type=checkbox]").forEach(function (input) {
      input.checked = false;
    });
    container.querySelectorAll("select").forEach(function (select) {
      select.value = "";
    });
  }

  function update() {
    const answers = chosen();
    dependent.forEach(function (container) {
      const after = container.dataset.shownAfter.split(" ").filter(Boolean);
      const show = after.some(function (answer) { return answers.has(answer); }) || container.querySelector(".is-invalid");
      if (!show && "clearedWhenHidden" in container.dataset) {
        clear(container);
      }
      container.hidden = !show;
    });
  }

  form.addEventListener("change", update);
  update();
})();

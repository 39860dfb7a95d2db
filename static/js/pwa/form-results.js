// fieldapp inspector app: the visit form's result per task. One result block per task shows its own
// findings and suggested result (a first reading; the server's checklist engine suggests again from
// that task's checklists only), and gives the result chosen, the reason for overriding the
// suggestion and the follow-up measures to the submission.
(function () {
  "use strict";
  var Checks = window.FieldappFormChecks;
  var $ = window.FieldappUtil.$, $$ = window.FieldappUtil.$$;

  function listFindings(visit, list, found) {
    list.innerHTML = "";
    found.forEach(function (f) { var li = document.createElement("li"); li.textContent = f.text; list.appendChild(li); });
    if (!found.length) { var li = document.createElement("li"); li.textContent = visit.t("no-findings"); list.appendChild(li); }
  }

  // A task marked "no activity" hides its checklists and has no findings.
  function renderTask(visit, section) {
    var block = $("[data-task-result]", section);
    var noActivity = $("[data-no-activity]", section);
    var holder = $("[data-task-checklists]", section);
    if (holder) holder.hidden = !!(noActivity && noActivity.checked);
    if (!block) return [];
    var found = holder && holder.hidden ? [] : Checks.findings(section);
    listFindings(visit, $("[data-findings]", block), found);
    var code = found.length ? "A" : "1";
    $("[data-suggested]", block).value = code;
    var option = $('[data-result-code] option[value="' + code + '"]', block);
    $("[data-suggested-text]", block).textContent = option ? option.textContent : code;
    return found;
  }

  // Every task's block drawn again; the findings of all tasks.
  function render(visit) {
    var found = [];
    $$("[data-task-id]", visit.form).forEach(function (section) { found = found.concat(renderTask(visit, section)); });
    return found;
  }

  function followUps(block) {
    return $$('input[type=checkbox][name^="follow_up."]:checked', block).map(function (el) { return el.value; });
  }

  // Each task's result for the submission; a result other than the suggested one without a
  // reason adds its message to errors.
  function collect(visit, errors) {
    return $$("[data-task-id]", visit.form).map(function (section) {
      var taskId = Number(section.getAttribute("data-task-id"));
      var noActivity = $("[data-no-activity]", section);
      var block = $("[data-task-result]", section);
      if (noActivity && noActivity.checked || !block) return { task_id: taskId, no_activity: !!(noActivity && noActivity.checked) };
      var suggested = $("[data-suggested]", block).value;
      var chosen = $("[data-result-code]", block).value;
      var reason = $("[data-override-reason]", block).value.trim();
      if (chosen && chosen !== suggested && !reason) errors.push(visit.t("err-override"));
      return { task_id: taskId, no_activity: false, suggested_result: suggested, result_code: chosen, override_reason: reason,
               follow_up_measures: followUps(block) };
    });
  }

  window.FieldappFormResults = { render: render, collect: collect };
})();

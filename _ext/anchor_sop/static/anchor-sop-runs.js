// Checklist runs: an operator records a run of a checklist for a managed system.
// The answers stay in this browser (per checklist and run) until the run is reset.
// A downloaded run is finished: "Start run" begins a new one, and a run is taken
// up again only by choosing it. The record is the checklist-run page the build
// reads (evidence/records.py): option values and answers are written as JSON
// strings, so nothing typed can end or change the directive. Its number is
// provisional: `python3 noxw.py -s record` gives it its final one in the checkout.
"use strict";

(function () {
  const RESULTS = ["done", "not applicable", "failed"];

  const { storage, quoted, nextNumber, saveFile, now: isoNow } = window.anchorSopRecords;

  function setUp(form) {
    const checklist = form.closest(".anchor-checklist");
    const prefix = form.dataset.checklist;
    const title = form.dataset.checklistTitle;
    const needsSignOff = form.dataset.signOff === "yes";
    const systems = new Map(JSON.parse(form.dataset.systems));
    const key = `anchor-sop-runs:${prefix}`;
    const items = Array.from(checklist.querySelectorAll("li.anchor-item[id]"));
    const $ = (selector) => form.querySelector(selector);
    const current = $(".anchor-run-current");
    const message = $(".anchor-run-message");

    // runs are kept by their ID (they were once kept by system: read those too)
    const load = () => {
      const kept = storage((s) => JSON.parse(s.getItem(key) || "null")) || { runs: {} };
      const runs = {};
      for (const [name, run] of Object.entries(kept.runs)) runs[run.id] = run;
      const current = kept.runs[kept.current];
      return { runs, current: current ? current.id : undefined };
    };
    const save = (state) => storage((s) => s.setItem(key, JSON.stringify(state)));
    let state = load();

    // the answer controls of every item, shown while a run is open
    const answers = new Map();
    for (const item of items) {
      const id = item.id;
      const box = document.createElement("fieldset");
      box.className = "anchor-run-answer";
      box.hidden = true;
      const legend = document.createElement("legend");
      legend.textContent = `Result of ${id}`;
      box.append(legend);
      const radios = RESULTS.map((result) => {
        const label = document.createElement("label");
        const radio = document.createElement("input");
        radio.type = "radio";
        radio.name = `anchor-run-${prefix}-${id}`;
        radio.value = result;
        label.append(radio, ` ${result}`);
        box.append(label, " ");
        return radio;
      });
      const field = (name, text, tag) => {
        const label = document.createElement("label");
        label.className = `anchor-run-${name}`;
        const input = document.createElement(tag);
        if (tag === "input") input.type = "text";
        label.append(`${text} `, input);
        box.append(label);
        return input;
      };
      const note = field("note", "Note (why not applicable, or what failed)", "textarea");
      const evidence = field("evidence", "Evidence (a link or a note)", "input");
      item.append(box);
      answers.set(id, { box, radios, note, evidence });
      const record = () => {
        const run = state.runs[state.current];
        if (!run) return;
        const chosen = radios.find((radio) => radio.checked);
        run.answers[id] = {
          result: chosen ? chosen.value : "",
          note: note.value,
          evidence: evidence.value,
        };
        save(state);
        show();
      };
      for (const control of [...radios, note, evidence]) {
        control.addEventListener("change", record);
        control.addEventListener("input", record);
      }
    }

    function counts(run) {
      const tally = { done: 0, "not applicable": 0, failed: 0, unanswered: 0 };
      for (const item of items) {
        const answer = run.answers[item.id];
        tally[answer && answer.result ? answer.result : "unanswered"] += 1;
      }
      return tally;
    }

    function problems(run) {
      const found = [];
      for (const item of items) {
        const answer = run.answers[item.id] || {};
        if (!answer.result) found.push(`${item.id} has no result`);
        else if (answer.result !== "done" && !answer.note.trim())
          found.push(`${item.id} is ${answer.result} without a note`);
      }
      if (needsSignOff && !(run.signer && run.signedAt))
        found.push("the run is not signed off");
      return found;
    }

    function recordText(run) {
      const lines = [
        `# ${title} run for ${run.systemTitle}`,
        "",
        `:::{checklist-run} ${run.id}`,
        `:checklist: ${prefix}`,
        `:system: ${run.system}`,
        `:run-by: ${quoted(run.by)}`,
        `:run-at: ${run.at}`,
      ];
      if (needsSignOff) {
        lines.push(`:signed-off-by: ${quoted(run.signer)}`, `:signed-off-at: ${run.signedAt}`);
      }
      for (const item of items) {
        const answer = run.answers[item.id];
        const written = { result: answer.result };
        // JSON: a line break, a quote or a fence in a note stays inside its string
        if (answer.note.trim()) written.note = answer.note.trim();
        if (answer.evidence.trim()) written.evidence = answer.evidence.replace(/\s+/g, " ").trim();
        lines.push(`${item.id}: ${JSON.stringify(written)}`);
      }
      lines.push(":::", "");
      return lines.join("\n");
    }

    // downloaded (or copied): the run is finished, and kept until reset
    function finish(run) {
      run.downloaded = run.downloaded || isoNow();
      save(state);
      show();
    }

    function complete(run) {
      const found = problems(run);
      message.textContent = found.length
        ? `Not complete: ${found.join("; ")}.`
        : "";
      return found.length === 0;
    }

    function show() {
      const list = $(".anchor-run-list");
      list.replaceChildren();
      for (const [id, run] of Object.entries(state.runs)) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "anchor-run-switch";
        button.textContent =
          `${run.id}: ${run.system} ${run.systemTitle}` + (run.downloaded ? " (downloaded)" : "");
        button.setAttribute("aria-pressed", String(id === state.current));
        button.addEventListener("click", () => {
          state.current = id;
          save(state);
          message.textContent = "";
          show();
        });
        list.append(button);
      }
      const run = state.runs[state.current];
      current.hidden = !run;
      for (const { box } of answers.values()) box.hidden = !run;
      if (!run) return;
      for (const [id, { radios, note, evidence }] of answers) {
        const answer = run.answers[id] || { result: "", note: "", evidence: "" };
        for (const radio of radios) radio.checked = radio.value === answer.result;
        if (note.value !== answer.note) note.value = answer.note;
        if (evidence.value !== answer.evidence) evidence.value = answer.evidence;
      }
      const tally = counts(run);
      $(".anchor-run-progress").textContent =
        `${run.id} for ${run.system} ${run.systemTitle}, run by ${run.by} at ${run.at}: ` +
        `${tally.done} done, ${tally["not applicable"]} not applicable, ` +
        `${tally.failed} failed, ${tally.unanswered} unanswered of ${items.length}` +
        (run.downloaded
          ? `. Downloaded at ${run.downloaded}: this run is finished; Start run begins a new one.`
          : "");
      if (needsSignOff) {
        const signer = $(".anchor-run-signer");
        if (document.activeElement !== signer) signer.value = run.signer || "";
        $(".anchor-run-signed").textContent = run.signedAt
          ? `Signed off by ${run.signer} at ${run.signedAt}`
          : "Not signed off";
      }
      const git = $(".anchor-run-git");
      git.textContent = `${git.dataset.command} ~/Downloads/${run.id}.md`;
    }

    $(".anchor-run-begin").addEventListener("click", () => {
      const system = $(".anchor-run-system").value;
      const by = $(".anchor-run-by").value.trim();
      if (!system || !by) {
        message.textContent = "Choose the system and say who runs the checklist.";
        return;
      }
      // always a new run: one in progress is taken up by choosing it in the list
      const run = {
        // runs of every checklist share one sequence
        id: nextNumber("anchor-sop-runs:next", "RUN", form.dataset.next, form.dataset.width),
        system,
        systemTitle: systems.get(system),
        by,
        at: isoNow(),
        answers: {},
      };
      state.runs[run.id] = run;
      state.current = run.id;
      save(state);
      message.textContent = "";
      show();
    });

    if (needsSignOff) {
      $(".anchor-run-signer").addEventListener("input", (event) => {
        const run = state.runs[state.current];
        run.signer = event.target.value;
        run.signedAt = "";
        save(state);
        show();
      });
      $(".anchor-run-sign").addEventListener("click", () => {
        const run = state.runs[state.current];
        if (!(run.signer || "").trim()) {
          message.textContent = "Say who signs the run off.";
          return;
        }
        run.signedAt = isoNow();
        save(state);
        show();
      });
    }

    $(".anchor-run-download").addEventListener("click", () => {
      const run = state.runs[state.current];
      if (!complete(run)) return;
      finish(run);
      saveFile(`${run.id}.md`, recordText(run));
    });

    $(".anchor-run-copy").addEventListener("click", async () => {
      const run = state.runs[state.current];
      if (!complete(run)) return;
      try {
        await navigator.clipboard.writeText(recordText(run));
        finish(run);
        message.textContent = "Copied.";
      } catch (error) {
        message.textContent = "The browser refused the clipboard: use Download.";
      }
    });

    $(".anchor-run-print").addEventListener("click", () => window.print());

    $(".anchor-run-reset").addEventListener("click", () => {
      const run = state.runs[state.current];
      const lost = run.downloaded ? "" : " It has not been downloaded: its answers are lost.";
      if (!window.confirm(`Reset ${run.id} for ${run.system}?${lost}`)) return;
      delete state.runs[state.current];
      state.current = Object.keys(state.runs)[0];
      save(state);
      message.textContent = "";
      show();
    });

    form.hidden = systems.size === 0;
    show();
  }

  document.querySelectorAll(".anchor-run").forEach(setUp);
})();

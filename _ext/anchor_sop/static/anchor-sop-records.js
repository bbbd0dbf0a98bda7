// Writing an operating record in the browser: the form above each register
// (evidence/recordform.py writes it from the kind's fields). What is typed stays in
// this browser, per kind, until "Start a new ..." clears it. A field that applies
// only when another has some value shows only then; what the build would reject
// is named before the download. The download is the record's page in the build's
// syntax: text options are JSON strings and the title and sections have Markdown's
// punctuation escaped, so nothing typed can end or change the directive. Its
// number is provisional: `python3 noxw.py -s record` gives it its final one in the checkout.
"use strict";

(function () {
  function storage(action) {
    // localStorage is missing or refused in some private modes: the form still works
    try {
      return action(window.localStorage);
    } catch (error) {
      return null;
    }
  }

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  // the offset from UTC the browser has at that local moment (summer time included)
  function offsetAt(moment) {
    const offset = -moment.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    return `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  }

  // a local YYYY-MM-DDTHH:MM, as the build reads it: with its offset
  function withOffset(local) {
    return `${local}${offsetAt(new Date(local))}`;
  }

  function localNow() {
    const now = new Date();
    return (
      `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` +
      `T${pad(now.getHours())}:${pad(now.getMinutes())}`
    );
  }

  function oneLine(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  // one line of text, as a JSON string (MyST reads it back unchanged)
  function quoted(text) {
    return JSON.stringify(oneLine(text));
  }

  // the next provisional number: what this browser numbered already (kept under
  // `counter`), after the last the build knows of
  function nextNumber(counter, prefix, next, width) {
    const stored = Number(storage((s) => s.getItem(counter)) || 0);
    const number = Math.max(Number(next), stored);
    storage((s) => s.setItem(counter, String(number + 1)));
    return `${prefix}-${String(number).padStart(Number(width), "0")}`;
  }

  function saveFile(name, text) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/markdown" }));
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  // the checklist-run form (anchor-sop-runs.js) writes its records with these too
  window.anchorSopRecords = {
    storage,
    quoted,
    nextNumber,
    saveFile,
    now: () => withOffset(localNow()),
  };

  // Markdown that shows what was typed: every ASCII punctuation mark escaped (no
  // heading, fence, list, role or HTML can begin) and no line indented into code
  function escaped(text) {
    return text
      .split(/\r?\n/)
      .map((line) => line.trim().replace(/[!-/:-@[-`{-~]/g, "\\$&"))
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }

  function setUp(form) {
    const kind = form.dataset.kind;
    const prefix = form.dataset.prefix;
    const sections = JSON.parse(form.dataset.sections);
    const key = `anchor-sop-record:${kind}`;
    const $ = (selector) => form.querySelector(selector);
    const message = $(".anchor-form-message");

    const fields = Array.from(form.querySelectorAll(".anchor-form-field")).map((box) => {
      const data = box.dataset;
      return {
        box,
        name: data.name,
        type: data.type,
        label: data.label,
        required: data.required === "yes",
        requiredWhen: data.requiredWhen ? JSON.parse(data.requiredWhen) : null,
        when: data.when ? JSON.parse(data.when) : null,
        many: data.many === "yes",
        boxes: Array.from(box.querySelectorAll("input[type=checkbox]")),
        control: box.querySelector("input:not([type=checkbox]), select, textarea"),
        mark: box.querySelector(".anchor-form-required"),
      };
    });
    const byName = new Map(fields.map((field) => [field.name, field]));

    function valueOf(field) {
      if (field.many) return field.boxes.filter((b) => b.checked).map((b) => b.value);
      return field.type === "text" || field.type === "person" || field.type === "section"
        ? field.control.value
        : field.control.value.trim();
    }

    function isEmpty(field) {
      const value = valueOf(field);
      return field.many ? value.length === 0 : !value.trim();
    }

    // whether (field, values) holds: "*" for any value
    function holds([name, values]) {
      const other = byName.get(name);
      if (!other || !applies(other) || isEmpty(other)) return false;
      if (values.includes("*")) return true;
      const written = other.many ? valueOf(other) : [valueOf(other)];
      return written.some((value) => values.includes(value));
    }

    function applies(field) {
      return !field.when || holds(field.when);
    }

    function required(field) {
      return applies(field) && (field.required || (!!field.requiredWhen && holds(field.requiredWhen)));
    }

    function options(field) {
      const list = field.control.list || field.control;
      return Array.from(list.options || []).map((option) => option.value).filter(Boolean);
    }

    function problems() {
      const found = [];
      for (const field of fields) {
        let wrong = "";
        if (!applies(field)) {
          wrong = "";
        } else if (isEmpty(field)) {
          if (required(field))
            wrong =
              field.type === "link" && options(field).length === 0
                ? `${field.label} is required, and there is none to choose yet: record it first`
                : `${field.label} is missing`;
        } else if (field.type === "page" && !options(field).includes(valueOf(field))) {
          wrong = `${field.label} ${JSON.stringify(valueOf(field))} is not a page of the manual`;
        }
        field.box.classList.toggle("anchor-form-invalid", !!wrong);
        if (field.control) field.control.setAttribute("aria-invalid", String(!!wrong));
        if (wrong) found.push(wrong);
      }
      return found;
    }

    // what the form holds, kept in this browser
    const load = () => storage((s) => JSON.parse(s.getItem(key) || "null")) || { values: {} };
    const save = () => storage((s) => s.setItem(key, JSON.stringify(state)));
    let state = load();

    function read() {
      for (const field of fields) state.values[field.name] = valueOf(field);
    }

    function fill() {
      for (const field of fields) {
        const value = state.values[field.name];
        if (field.many) {
          for (const b of field.boxes) b.checked = Array.isArray(value) && value.includes(b.value);
        } else {
          field.control.value = typeof value === "string" ? value : "";
        }
      }
    }

    function show() {
      for (const field of fields) {
        field.box.hidden = !applies(field);
        if (field.mark) field.mark.hidden = !required(field);
        if (field.control) field.control.setAttribute("aria-required", String(required(field)));
      }
      const commit = $(".anchor-form-commit");
      commit.hidden = !state.downloaded;
      const git = $(".anchor-form-git");
      git.textContent = state.id ? `${git.dataset.command} ~/Downloads/${state.id}.md` : "";
    }

    // a choice, a page or an ID as it is when nothing in it needs quoting; text quoted
    const PLAIN = /^[A-Za-z0-9/][\w /,.-]*$/;

    function written(field) {
      const value = valueOf(field);
      if (field.type === "datetime") return withOffset(value);
      const text = field.many ? value.join(", ") : value;
      const typed = field.type === "text" || field.type === "person";
      return !typed && PLAIN.test(text) ? text : quoted(text);
    }

    function recordText() {
      const title = fields.find((field) => field.name === "title");
      const lines = [`# ${escaped(oneLine(valueOf(title)))}`, "", `:::{${kind}} ${state.id}`];
      for (const field of fields) {
        if (field === title || field.type === "section") continue;
        if (applies(field) && !isEmpty(field)) lines.push(`:${field.name}: ${written(field)}`);
      }
      lines.push(":::", "");
      for (const name of sections) {
        const text = escaped(valueOf(byName.get(name)));
        lines.push(`## ${name}`, "");
        if (text) lines.push(text, "");
      }
      return lines.join("\n");
    }

    function ready() {
      const found = problems();
      message.textContent = found.length ? `Not complete: ${found.join("; ")}.` : "";
      if (found.length) return false;
      state.id =
        state.id ||
        nextNumber(`anchor-sop-records:next:${prefix}`, prefix, form.dataset.next, form.dataset.width);
      state.downloaded = true;
      save();
      show();
      return true;
    }

    // an edit after a download makes a record to download again
    function edited(event) {
      if (!event.target.closest(".anchor-form-field")) return;
      read();
      state.downloaded = false;
      save();
      show();
    }
    form.addEventListener("input", edited);
    form.addEventListener("change", edited);

    for (const button of form.querySelectorAll(".anchor-form-now")) {
      button.addEventListener("click", () => {
        const input = button.parentElement.querySelector("input");
        input.value = localNow();
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    }

    $(".anchor-form-download").addEventListener("click", () => {
      if (!ready()) return;
      saveFile(`${state.id}.md`, recordText());
      message.textContent = `Downloaded ${state.id}.md.`;
    });

    $(".anchor-form-copy").addEventListener("click", async () => {
      if (!ready()) return;
      try {
        await navigator.clipboard.writeText(recordText());
        message.textContent = "Copied.";
      } catch (error) {
        message.textContent = "The browser refused the clipboard: use Download.";
      }
    });

    $(".anchor-form-new").addEventListener("click", () => {
      read();
      const typed = fields.some((field) => !isEmpty(field));
      if (typed && !state.downloaded) {
        const ask = "Start a new record? This one has not been downloaded: what you typed is lost.";
        if (!window.confirm(ask)) return;
      }
      state = { values: {} };
      save();
      fill();
      message.textContent = "";
      show();
    });

    fill();
    show();
    form.hidden = false;
  }

  document.querySelectorAll(".anchor-record-form").forEach(setUp);
})();

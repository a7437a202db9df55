import { JOB_STATUSES } from "@converter/shared/jobs";
import type { PresetView } from "../views/preset-view.js";
import { Field, fieldId, optionSpecs, submissionSpecs } from "./option-inputs.js";
import { PageShell } from "./page-shell.js";

/**
 * The converter's page, rendered on the server; the module script
 * (public/ui/app.js) fills in what changes: the jobs, the workers, the
 * folder listing, the probe, the upload's progress.
 */
export function AppPage(props: { presets: PresetView[]; loggedIn: boolean }) {
  return (
    <PageShell title="FFmpeg Converter" loggedIn={props.loggedIn} script={true}>
      <div class="layout">
        <div class="column">
          <SourceSection />
          <OptionsSection presets={props.presets} />
        </div>
        <div class="column wide">
          <JobsSection />
          <WorkersSection />
        </div>
      </div>
    </PageShell>
  );
}

function SourceSection() {
  return (
    <section class="card" aria-labelledby="source-heading">
      <h2 id="source-heading">1. Source</h2>
      <div id="drop" class="drop">
        <label for="file">Drop a file here, or choose one to upload</label>
        <input id="file" type="file" />
        <progress id="upload-progress" max="100" value="0" hidden aria-label="Upload progress" />
        <p id="upload-status" role="status" aria-live="polite" />
      </div>
      <details id="browser">
        <summary>Or pick a file already under the media root</summary>
        <p id="folder-path" class="muted" />
        <ul id="entries" class="entries" aria-label="Folder contents" />
        <button type="button" id="more-entries" hidden>
          More files
        </button>
      </details>
      <div id="probe" aria-live="polite" />
    </section>
  );
}

function OptionsSection(props: { presets: PresetView[] }) {
  const inputId = fieldId("input");
  return (
    <section class="card" aria-labelledby="options-heading">
      <h2 id="options-heading">2. Convert</h2>
      <form id="convert-form" class="stack" novalidate>
        <div class="field">
          <label for={inputId}>Input (path under the media root)</label>
          <input id={inputId} name="input" data-kind="text" required aria-describedby={`${inputId}-error`} />
          <p class="error" id={`${inputId}-error`} data-error-for="input" />
        </div>
        <div class="field">
          <label for={fieldId("preset")}>Preset</label>
          <select
            id={fieldId("preset")}
            name="preset"
            data-kind="choice"
            aria-describedby={`${fieldId("preset")}-error`}
          >
            {props.presets.map((preset) => (
              <option value={preset.name} selected={preset.name === "h264"}>
                {preset.name} — {preset.description}
              </option>
            ))}
          </select>
          <p class="error" id={`${fieldId("preset")}-error`} data-error-for="preset" />
        </div>
        <Field
          spec={{ name: "output", label: "Output (optional)", kind: "text" }}
          placeholder="converted/<name>.<ext>"
        />
        <details>
          <summary>Adjust the options</summary>
          <div class="grid">
            {optionSpecs().map((spec) => (
              <Field spec={spec} />
            ))}
            {submissionSpecs().map((spec) => (
              <Field spec={spec} placeholder="(default)" />
            ))}
            <div class="field check">
              <input id={fieldId("overwrite")} name="overwrite" type="checkbox" data-kind="flag" />
              <label for={fieldId("overwrite")}>Overwrite the output if it exists</label>
              <p class="error" id={`${fieldId("overwrite")}-error`} data-error-for="overwrite" />
            </div>
          </div>
        </details>
        <button type="submit" class="primary">
          Convert
        </button>
        <p id="form-error" class="error" role="alert" />
      </form>
    </section>
  );
}

function JobsSection() {
  return (
    <section class="card" aria-labelledby="jobs-heading">
      <div class="row">
        <h2 id="jobs-heading">Jobs</h2>
        <label for="status-filter">Status</label>
        <select id="status-filter">
          <option value="">all</option>
          {JOB_STATUSES.map((status) => (
            <option value={status}>{status.replace("_", " ")}</option>
          ))}
        </select>
        <span id="live" class="muted" role="status" />
      </div>
      <ul id="jobs" class="jobs" aria-live="off" />
      <p id="no-jobs" class="muted" hidden>
        No jobs here.
      </p>
      <button type="button" id="more-jobs" hidden>
        Older jobs
      </button>
    </section>
  );
}

function WorkersSection() {
  return (
    <section class="card" aria-labelledby="workers-heading">
      <h2 id="workers-heading">Workers</h2>
      <p id="queue-depth" class="muted" />
      <ul id="workers" class="workers" />
      <p class="links">
        <a href="/admin/queues">Bull Board</a> · <a href="/docs">API docs (/docs)</a>
      </p>
    </section>
  );
}

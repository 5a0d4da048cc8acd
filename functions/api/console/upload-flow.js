// Validate, then Upload: the file goes validate-only through the presigned form straight to the bucket,
// its findings and plan come back on the page, and the same upload is applied without sending it again.
import { ApiError, segment } from './api.js';
import { csvRecords } from './csv.js';
import { byId, focusOn, h, saveBlob, showMessage } from './dom.js';
import {
  APPLYING_STATES, BEFORE_REPORT_STATES, approversText, doneText, fileStem, formatCount, formatProgress, isSettled,
  plural, stateLabel,
} from './format.js';
import { PlanView } from './plan-view.js';
import { SessionEndedError } from './session.js';
import { SortableTable, compareCells } from './table.js';

const SEVERITY_ORDER = { error: 0, warning: 1 };
const bySeverityThenLine = (a, b) =>
  (SEVERITY_ORDER[a.Severity?.toLowerCase()] ?? 2) - (SEVERITY_ORDER[b.Severity?.toLowerCase()] ?? 2)
  || compareCells(a.Line, b.Line);

const POLL_FIRST_MS = 500;
const POLL_MAX_MS = 5_000;
const GIVE_UP_MS = 10 * 60_000;

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

export class UploadFlow {
  /** `announce(text)` speaks through the page's live region; `uploadsChanged()` asks Uploads to look again. */
  constructor(api, { announce, uploadsChanged }) {
    this.api = api;
    this.announce = announce;
    this.uploadsChanged = uploadsChanged;
    this.form = byId('validate-form');
    this.fileInput = byId('csv-file');
    this.validateButton = byId('validate');
    this.applyButton = byId('apply');
    this.applyHint = byId('apply-hint');
    this.status = byId('validation-status');
    this.error = byId('validation-error');
    this.validation = byId('validation');
    this.outcome = byId('validation-outcome');
    this.more = byId('validation-more');
    this.download = byId('validation-download');
    this.plan = byId('plan');
    this.applyPlan = byId('apply-plan');
    this.approvalAhead = byId('approval-ahead');
    this.result = byId('apply-result');
    this.attempt = 0; // a newer file or sign-out makes older answers stale
    this.upload = null; // the upload that passed validation, ready to apply
    this.busy = false;

    const announceSort = (label, direction) => this.announce(`Sorted by ${label}, ${direction}.`);
    this.findings = new SortableTable(byId('validation-table'), [
      { key: 'Line', label: 'Line', className: 'numeric' },
      { key: 'Column', label: 'Column' },
      { key: 'Value', label: 'Value', className: 'value' },
      { key: 'Severity', label: 'Severity', compare: bySeverityThenLine },
      { key: 'Message', label: 'Message', className: 'message' },
    ], { sort: { key: 'Severity', direction: 'ascending' }, emptyText: 'No errors or warnings.', onSorted: announceSort });
    this.planView = new PlanView(byId('plan-view'), { name: 'Plan', idPrefix: 'plan', announce: (text) => this.announce(text) });
    byId('apply-plan-download').addEventListener('click', (event) => {
      event.preventDefault();
      this.planView.download();
    });

    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.validate();
    });
    this.fileInput.addEventListener('change', () => this.reset());
    this.applyButton.addEventListener('click', () => this.apply());
    this.download.addEventListener('click', (event) => {
      event.preventDefault();
      this.downloadReport();
    });
  }

  /** Forget the previous file's outcome (a new file was chosen, or the administrator signed out). */
  reset() {
    this.attempt += 1;
    this.upload = null;
    this.reportUpload = null;
    this.setBusy(false);
    this.applyButton.disabled = true;
    this.applyHint.textContent = 'Becomes available once the chosen file has passed validation.';
    showMessage(this.error, '');
    this.status.textContent = '';
    this.validation.hidden = true;
    this.plan.hidden = true;
    this.applyPlan.hidden = true;
    showMessage(this.approvalAhead, '');
    this.result.replaceChildren();
    this.result.hidden = true;
    this.findings.clear();
    this.planView.clear();
    showMessage(this.outcome, '');
  }

  clearFile() {
    this.fileInput.value = '';
    this.reset();
  }

  setBusy(busy) {
    this.busy = busy;
    // aria-disabled, not disabled: the button keeps focus while the file is checked.
    this.validateButton.setAttribute('aria-disabled', String(busy));
    this.form.setAttribute('aria-busy', String(busy));
  }

  async validate() {
    if (this.busy) return;
    const file = this.fileInput.files?.[0];
    if (!file) {
      showMessage(this.error, 'Choose a CSV file or an Excel workbook first.');
      this.fileInput.focus();
      return;
    }
    this.reset();
    await this.runAttempt(async (stale) => {
      this.status.textContent = `Sending ${file.name}…`;
      const created = await this.api.postJson('uploads', { file_name: file.name, validate_only: true });
      if (stale()) return;
      await sendToBucket(created.form, file);
      if (stale()) return;
      this.uploadsChanged();
      this.status.textContent = `Validating ${file.name}…`;
      const upload = await this.waitForReport(created.upload_id, stale);
      if (stale() || upload === null) return;
      await this.showOutcome(upload, file.name, stale);
      this.uploadsChanged(); // Uploads shows the new state at once rather than at its next poll
    });
  }

  /** An undo upload (docs/approval-and-plan.md#undo): its validation and plan shown as a file's are,
   * and the Upload button applies it; nothing changes before that. */
  async followUndo(uploadId, fileName) {
    this.clearFile();
    await this.runAttempt(async (stale) => {
      this.status.textContent = `Preparing ${fileName}…`;
      const upload = await this.waitForReport(uploadId, stale);
      if (stale() || upload === null) return;
      await this.showOutcome(upload, fileName, stale);
      this.uploadsChanged();
      this.plan.scrollIntoView?.({ block: 'nearest' });
    });
  }

  /** One attempt at a file: the form busy while it runs; its error shown, unless a newer attempt
   * (another file chosen) or signing out has taken over. `work` is given `stale()` to check. */
  async runAttempt(work) {
    const attempt = this.attempt;
    const stale = () => attempt !== this.attempt;
    this.setBusy(true);
    try {
      await work(stale);
    } catch (error) {
      if (stale() || error instanceof SessionEndedError) return;
      this.status.textContent = '';
      showMessage(this.error, error.message);
    } finally {
      if (!stale()) this.setBusy(false);
    }
  }

  /** Poll the upload, backing off, until validation has an outcome; null if it went stale. */
  async waitForReport(uploadId, stale) {
    const started = Date.now();
    let wait = POLL_FIRST_MS;
    for (;;) {
      let upload = null;
      try {
        upload = await this.api.getJson(`uploads/${segment(uploadId)}`);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 0)) throw error;
        // The connection dropped for a moment: the file is already with Roster, so keep looking.
        this.status.textContent = `${error.message} Trying again…`;
      }
      if (stale()) return null;
      if (upload && !BEFORE_REPORT_STATES.has(upload.state)) return upload;
      if (upload) {
        const rows = Number(upload.progress?.rows);
        const size = Number.isFinite(rows) && rows > 0 ? ` (${plural(rows, 'row')})` : '';
        this.status.textContent = `${stateLabel(upload.state)}: ${upload.file_name ?? 'your file'}${size}…`;
      }
      if (Date.now() - started > GIVE_UP_MS) {
        throw new Error('Roster has not finished validating the file after ten minutes. Its state is in Uploads below.');
      }
      await sleep(wait);
      if (stale()) return null;
      wait = Math.min(wait * 1.5, POLL_MAX_MS);
    }
  }

  async showOutcome(upload, fileName, stale) {
    const id = segment(upload.upload_id);
    const report = await this.api.getTextIfAny(`uploads/${id}/validation.csv`);
    if (stale()) return;
    const findings = report === null ? [] : csvRecords(report);
    const errors = findings.filter((finding) => finding.Severity?.toLowerCase() === 'error').length;
    const warnings = findings.filter((finding) => finding.Severity?.toLowerCase() === 'warning').length;
    const passed = upload.state !== 'INVALID' && upload.state !== 'FAILED' && errors === 0;
    const rows = upload.counts?.rows ?? upload.progress?.rows;
    const rowsText = rows === undefined || rows === null ? '' : `${plural(rows, 'row')}, `;

    let outcome;
    if (passed) {
      outcome = `${fileName} passed validation: ${rowsText}no errors, ${plural(warnings, 'warning')}.`;
    } else if (upload.state === 'FAILED' && errors === 0) {
      outcome = `${fileName} could not be validated (state ${stateLabel(upload.state)}). Nothing was changed; try again.`;
    } else {
      outcome = `${fileName} failed validation: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}. Nothing was changed. Correct the file and validate it again.`;
    }
    showMessage(this.outcome, outcome);
    this.outcome.classList.toggle('outcome--passed', passed);
    this.outcome.classList.toggle('outcome--failed', !passed);
    const shown = this.findings.show(findings);
    showMessage(this.more, shown < findings.length
      ? `Showing the first ${formatCount(shown)} of ${formatCount(findings.length)} findings. The report has them all.`
      : '');
    this.reportUpload = { id, stem: fileStem(fileName) };
    this.download.href = `uploads/${id}/validation.csv`;
    this.download.hidden = report === null;
    this.validation.hidden = false;
    this.status.textContent = '';

    if (passed && upload.state === 'VALIDATED') {
      await this.showPlan(id, fileName, stale);
      if (stale()) return;
      this.upload = { id, fileName };
      this.applyButton.disabled = false;
      this.applyHint.textContent = `Applies ${fileName} as validated, without sending it again.`;
      const approval = upload.approval;
      showMessage(this.approvalAhead, approval?.needed_on_apply
        ? `Applying it will wait for another administrator's approval before anything changes: ${approval.reasons.join('; ')} `
          + `Who may approve: ${approversText(approval, upload.uploader)}.`
        : '');
    }
  }

  async showPlan(id, fileName, stale) {
    let text;
    try {
      text = await this.api.getTextIfAny(`uploads/${id}/plan.csv`);
    } catch (error) {
      if (error instanceof SessionEndedError) throw error;
      text = null; // the plan helps; its absence must not block the upload
    }
    if (stale() || text === null) {
      this.plan.hidden = true;
      return;
    }
    this.planView.show(text, `${fileStem(fileName)}-plan.csv`);
    this.plan.hidden = false;
    this.applyPlan.hidden = false;
  }

  async apply() {
    if (!this.upload || this.applyButton.disabled) return;
    const { id, fileName } = this.upload;
    const attempt = this.attempt;
    // Focus moves to the outcome before the button is disabled, so keyboard users are not dropped on <body>.
    this.outcome.classList.remove('outcome--failed');
    showMessage(this.outcome, `Starting the upload of ${fileName}…`);
    focusOn(this.outcome);
    this.applyButton.disabled = true;
    showMessage(this.error, '');
    try {
      const upload = await this.api.postJson(`uploads/${id}/apply`);
      if (attempt !== this.attempt) return;
      this.upload = null;
      this.outcome.textContent = `Upload of ${fileName} started.`;
      this.uploadsChanged();
      await this.follow(upload, fileName, () => attempt !== this.attempt);
    } catch (error) {
      if (attempt !== this.attempt || error instanceof SessionEndedError) return;
      showMessage(this.outcome, '');
      showMessage(this.error, error.message);
      // A refusal that may pass on a second try (network) leaves the button usable; a 409 does not.
      if (!(error instanceof ApiError) || error.status === 0) this.applyButton.disabled = false;
    }
  }

  /** Show the applied upload's progress here until it settles, then its result: counts, failed rows, results. */
  async follow(first, fileName, stale) {
    let upload = first;
    let wait = POLL_FIRST_MS;
    const started = Date.now();
    while (upload && !isSettled(upload) && Date.now() - started < GIVE_UP_MS) {
      this.showResult(upload, fileName);
      await sleep(wait);
      if (stale()) return;
      wait = Math.min(wait * 1.5, POLL_MAX_MS);
      try {
        upload = await this.api.getJson(`uploads/${segment(upload.upload_id)}`);
      } catch (error) {
        if (stale() || error instanceof SessionEndedError) return;
        if (!(error instanceof ApiError && error.status === 0)) throw error;
      }
      if (stale()) return;
    }
    this.showResult(upload, fileName);
    this.uploadsChanged();
  }

  showResult(upload, fileName) {
    this.result.hidden = false;
    this.result.className = 'result';
    const state = upload?.state;
    if (!isSettled(upload ?? {})) {
      const progress = APPLYING_STATES.has(state) ? `: ${formatProgress(upload.progress)} rows applied` : '';
      this.result.replaceChildren(`Applying ${fileName}: ${stateLabel(state)}${progress}.`);
      return;
    }
    const counts = upload.counts ?? {};
    const failed = Number(counts.failed) || 0;
    const results = upload.links?.results ? this.resultsLink(upload, fileName) : null;
    if (state === 'COMPLETED' && !failed) {
      this.result.classList.add('result--success');
      this.result.replaceChildren(h('strong', {}, `Upload complete: ${fileName}.`), ` ${doneText(counts) || 'Nothing to change'}. `,
        'What happened to each row (new accounts\' addresses and temporary passwords included): ', results ?? 'in your email.');
    } else if (state === 'COMPLETED' || state === 'FAILED') {
      this.result.classList.add('result--failed');
      const what = state === 'FAILED' ? `Upload stopped by a system error: ${fileName}.` : `Upload complete with failed rows: ${fileName}.`;
      this.result.replaceChildren(h('strong', {}, what), ` ${doneText(counts)}. `,
        h('strong', {}, `${plural(failed, 'row')} failed`), ': the Message column of the results says why; fix those rows in the results file and upload it again. ',
        results ?? '');
    } else if (state === 'AWAITING_APPROVAL') {
      this.result.classList.add('result--waiting');
      this.result.replaceChildren(h('strong', {}, `${fileName} waits for approval.`), ' Nothing is applied until then. ',
        `${upload.approval?.reasons?.join('; ') ?? ''} Who may approve: ${approversText(upload.approval, upload.uploader) || 'another administrator'}.`);
    } else {
      this.result.classList.add('result--failed');
      this.result.replaceChildren(h('strong', {}, `${fileName}: ${stateLabel(state)}.`), upload.error ? ` ${upload.error}` : ' Its validation report says why.');
    }
  }

  resultsLink(upload, fileName) {
    const path = `uploads/${segment(upload.upload_id)}/results.csv`;
    return h('a', { href: path, class: 'download', onclick: async (event) => {
      event.preventDefault();
      try {
        saveBlob(await this.api.getBlob(path), `${fileStem(fileName)}-results.csv`);
      } catch (error) {
        if (!(error instanceof SessionEndedError)) showMessage(this.error, error.message);
      }
    } }, 'Download results');
  }

  async downloadReport() {
    if (!this.reportUpload) return;
    const { id, stem } = this.reportUpload;
    try {
      saveBlob(await this.api.getBlob(`uploads/${id}/validation.csv`), `${stem}-validation.csv`);
    } catch (error) {
      if (!(error instanceof SessionEndedError)) showMessage(this.error, error.message);
    }
  }
}

/** POST the presigned form to the bucket: every field the API gave, then the file, last, as S3 requires. */
async function sendToBucket(form, file) {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields ?? {})) body.append(name, value);
  body.append('file', file, file.name);
  let response;
  try {
    response = await fetch(form.url, { method: 'POST', body, credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new Error('The file could not be sent to Roster’s storage. Check your connection and try again.');
  }
  if (response.ok) return;
  const answer = await response.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(answer)?.[1] ?? '';
  if (code === 'EntityTooLarge') throw new ApiError(413, 'The file is larger than Roster accepts. Split it into smaller files and upload each.');
  if (code === 'AccessDenied' && /expired/i.test(answer)) throw new ApiError(403, 'The upload form expired before the file was sent. Validate again.');
  throw new ApiError(response.status, `Roster’s storage refused the file (${code || response.status}). Validate again.`);
}

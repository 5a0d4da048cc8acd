// Uploads (the notifications): every upload of the administrator's organisations, newest first, kept up to
// date by polling that is quick while something runs and backs off while nothing changes. Rows are updated in
// place, so progress never shifts the layout and a focused link or button stays focused.
import { segment } from './api.js';
import { byId, focusOn, h, saveBlob, showMessage } from './dom.js';
import {
  APPLYING_STATES, BEFORE_REPORT_STATES, approversText, doneText, isSettled, fileStem, formatCount, formatProgress,
  formatWhen, plural, stateLabel,
} from './format.js';
import { SessionEndedError } from './session.js';

const PAGE_SIZE = 25;
const FAST_MS = 1_000; // something is running and just changed
const SLOW_MS = 10_000; // something is running but has not changed for a while
const IDLE_MS = 30_000; // nothing runs: only other administrators' new uploads or approvals can appear
const FAILING_MAX_MS = 60_000;
const RESULTS_STATES = new Set(['COMPLETED', 'FAILED']);
const COUNTED = ['created', 'updated', 'leavers', 'joiners', 'unchanged', 'failed']; // job.json's counts

function countsText(counts) {
  if (!counts) return '';
  const parts = COUNTED.filter((key) => Number(counts[key]) > 0).map((key) => `${formatCount(counts[key])} ${key}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export class UploadsPanel {
  /** `review(upload)` opens the approval panel; `changed(uploads)` tells the notifications what is on screen; `undone(id, name)` follows an undo upload. */
  constructor(api, { announce, review = () => {}, changed = () => {}, undone = () => {} }) {
    this.api = api;
    this.announce = announce;
    this.undone = undone;
    this.review = review;
    this.changed = changed;
    this.actionError = byId('uploads-action-error');
    this.actionStatus = byId('uploads-action-status');
    this.body = byId('uploads-body');
    this.status = byId('uploads-status');
    this.error = byId('uploads-error');
    this.empty = byId('uploads-empty');
    this.moreButton = byId('uploads-more');
    this.moreButton.addEventListener('click', () => this.showOlder());
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && this.running) this.refreshNow();
    });
    this.running = false;
    this.reset();
  }

  reset() {
    this.uploads = new Map(); // upload_id -> the API's upload
    this.rows = new Map(); // upload_id -> {row, cells...}
    this.order = [];
    this.olderCursor = null;
    this.loaded = false;
    this.inFlight = false;
    this.again = false;
    this.delay = FAST_MS;
    this.generation = (this.generation ?? 0) + 1;
    clearTimeout(this.timer);
    this.body.replaceChildren();
    this.moreButton.hidden = true;
    this.empty.hidden = true;
    this.status.textContent = '';
    showMessage(this.error, '');
    showMessage(this.actionError, '');
    this.actionStatus.textContent = '';
  }

  /** Begin showing the uploads of `email`'s organisations. */
  start(email) {
    this.reset();
    this.email = String(email ?? '').toLowerCase();
    this.running = true;
    this.status.textContent = 'Loading uploads…';
    this.poll();
  }

  /** Stop polling and take every upload off the page (sign-out). */
  stop() {
    this.running = false;
    this.reset();
  }

  /** Look now and poll quickly again (the administrator just did something). */
  refreshNow() {
    this.delay = FAST_MS;
    this.poll();
  }

  async poll() {
    if (!this.running) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    if (document.hidden) return; // resumed by visibilitychange
    const generation = this.generation;
    this.inFlight = true;
    try {
      const page = await this.api.getJson(`uploads?limit=${PAGE_SIZE}`);
      if (generation !== this.generation) return;
      const changed = this.merge(page?.uploads ?? [], true);
      if (!this.loaded) {
        this.loaded = true;
        this.olderCursor = page?.next_cursor ?? page?.cursor ?? null;
        this.moreButton.hidden = !this.olderCursor;
      }
      this.status.textContent = '';
      showMessage(this.error, '');
      const active = [...this.uploads.values()].some((upload) => !isSettled(upload));
      if (!active) this.delay = IDLE_MS;
      else if (changed || this.delay >= IDLE_MS) this.delay = FAST_MS;
      else this.delay = Math.min(this.delay * 1.5, SLOW_MS);
    } catch (error) {
      if (generation !== this.generation || error instanceof SessionEndedError) return;
      this.delay = Math.min(Math.max(this.delay, 1_000) * 2, FAILING_MAX_MS);
      this.status.textContent = '';
      showMessage(this.error, `Uploads could not be refreshed: ${error.message} Trying again in ${Math.round(this.delay / 1000)} seconds.`);
    } finally {
      if (generation === this.generation) {
        this.inFlight = false;
        if (this.running) {
          const wait = this.again ? 0 : this.delay;
          this.again = false;
          this.timer = setTimeout(() => this.poll(), wait);
        }
      }
    }
  }

  async showOlder() {
    if (!this.olderCursor) return;
    const generation = this.generation;
    try {
      const page = await this.api.getJson(`uploads?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(this.olderCursor)}`);
      if (generation !== this.generation) return;
      const before = this.order.length;
      this.merge(page?.uploads ?? [], false);
      this.olderCursor = page?.next_cursor ?? page?.cursor ?? null;
      this.announce(`${plural(this.order.length - before, 'older upload')} shown.`);
      if (!this.olderCursor) {
        // The button goes away: give focus to the first of the uploads it brought.
        const first = this.rows.get(this.order[before]);
        this.moreButton.hidden = true;
        focusOn(first ? first.file : byId('uploads-heading'));
      }
    } catch (error) {
      if (generation === this.generation && !(error instanceof SessionEndedError)) showMessage(this.error, error.message);
    }
  }

  /** Take in a page of uploads; `newest` pages lead the order. True when anything on screen changed. */
  merge(uploads, newest) {
    let changed = false;
    const transitions = [];
    const ids = [];
    for (const upload of uploads) {
      if (!upload || upload.upload_id === undefined) continue;
      const id = String(upload.upload_id);
      ids.push(id);
      const before = this.uploads.get(id);
      if (before && this.loaded && before.state !== upload.state) {
        transitions.push(`${upload.file_name ?? 'Upload'}: ${stateLabel(upload.state)}${isSettled(upload) ? countsText(upload.counts) : ''}.`);
      }
      if (!before || JSON.stringify(before) !== JSON.stringify(upload)) changed = true;
      this.uploads.set(id, upload);
    }
    const listed = new Set(ids);
    // The newest page leads; an older page adds only what is not on screen yet.
    this.order = newest
      ? [...ids, ...this.order.filter((id) => !listed.has(id))]
      : [...this.order, ...ids.filter((id) => !this.order.includes(id))];
    this.render();
    if (transitions.length) this.announce(transitions.join(' '));
    this.changed([...this.uploads.values()]);
    return changed;
  }

  render() {
    this.order.forEach((id, index) => {
      const row = this.rows.get(id) ?? this.createRow(id);
      this.updateRow(row, this.uploads.get(id));
      // Move a row only when it is out of place: moving the focused element would blur it.
      if (this.body.children[index] !== row.row) this.body.insertBefore(row.row, this.body.children[index] ?? null);
    });
    this.empty.hidden = this.order.length > 0;
  }

  createRow(id) {
    const key = `upload-${this.rows.size + 1}`;
    const row = {
      file: h('th', { scope: 'row', id: `${key}-file`, class: 'uploads__file-cell' }),
      state: h('span', { class: 'state' }),
      actions: h('span', { class: 'row-actions' }),
      progressText: h('span', { class: 'progress__text' }),
      bar: h('progress', { class: 'progress__bar', max: '1', value: '0', 'aria-hidden': 'true' }),
      started: h('td', { class: 'uploads__started-cell' }),
      results: h('td', { class: 'uploads__results-cell' }),
      fileId: `${key}-file`,
      summary: h('span', { class: 'result-summary' }),
      links: h('span', { class: 'result-links' }),
      actionsKey: null,
    };
    row.results.append(row.summary, row.links);
    row.started.setAttribute('data-label', 'Started');
    row.results.setAttribute('data-label', 'Results');
    row.row = h('tr', {},
      row.file,
      h('td', { 'data-label': 'State' }, row.state, row.actions),
      h('td', { class: 'progress', 'data-label': 'Progress' }, row.progressText, row.bar),
      row.started,
      row.results);
    this.rows.set(id, row);
    return row;
  }

  updateRow(row, upload) {
    const setText = (element, text) => {
      if (element.textContent !== text) element.textContent = text;
    };
    const uploader = String(upload.uploader ?? '');
    const mine = uploader.toLowerCase() === this.email;
    // Another administrator's upload says whose it is (they get its results, not you).
    const fileName = upload.file_name ?? '(unnamed file)';
    const byline = mine || !uploader ? '' : ` by ${uploader}`;
    if (row.file.textContent !== fileName + byline) {
      row.file.replaceChildren(fileName, byline && h('span', { class: 'uploader' }, byline));
    }
    setText(row.state, stateLabel(upload.state));
    row.row.dataset.state = String(upload.state ?? '');

    // Progress means rows applied: before anything is applied there is none to show, and no bar.
    const applying = APPLYING_STATES.has(upload.state) && !upload.validate_only;
    setText(row.progressText, applying ? formatProgress(upload.progress) : (BEFORE_REPORT_STATES.has(upload.state) ? '–' : 'Not applied'));
    row.bar.hidden = !applying;
    const rows = Number(upload.progress?.rows);
    const applied = Number(upload.progress?.applied);
    row.bar.max = Number.isFinite(rows) && rows > 0 ? rows : 1;
    row.bar.value = Number.isFinite(applied) && Number.isFinite(rows) && rows > 0 ? Math.min(applied, rows) : 0;

    const started = formatWhen(upload.created_at);
    if (row.started.textContent !== started) {
      row.started.replaceChildren(upload.created_at ? h('time', { datetime: upload.created_at }, started) : started);
    }

    this.showSummary(row, upload);
    const mayHaveResults = mine && RESULTS_STATES.has(upload.state) && upload.results_available !== false;
    const hasReport = upload.state && !BEFORE_REPORT_STATES.has(upload.state);
    const approval = upload.approval ?? {};
    const waiting = upload.state === 'AWAITING_APPROVAL';
    // Offered only to those who may: an API without `approval` details leaves the decision to its answer.
    const mayApprove = waiting && (upload.approval ? Boolean(approval.may_approve) : true);
    const mayCancel = waiting && (upload.approval ? Boolean(approval.may_cancel) : true);
    const mayApply = mine && upload.state === 'VALIDATED' && Boolean(upload.validate_only);
    // What an applied upload changed (docs/approval-and-plan.md#changes-and-history): its administrators' to read.
    const wasApplied = RESULTS_STATES.has(upload.state);
    const actionsKey = `${mayHaveResults}|${hasReport}|${waiting}|${mayApprove}|${mayCancel}|${mayApply}|${wasApplied}`;
    if (row.actionsKey !== actionsKey) {
      row.actionsKey = actionsKey;
      this.keepingFocus(row, () => this.buildActions(row, upload, { mayHaveResults, hasReport, waiting, mayApprove, mayCancel, mayApply, wasApplied }));
    }
    row.current = upload;
  }

  buildActions(row, upload, { mayHaveResults, hasReport, waiting, mayApprove, mayCancel, mayApply, wasApplied }) {
    const name = upload.file_name ?? 'the upload';
    row.links.replaceChildren(...[
      mayHaveResults && this.downloadLink(row, upload, resultsFile(upload), 'results', 'Download results'),
      hasReport && this.downloadLink(row, upload, 'validation.csv', 'validation', 'Validation report'),
      wasApplied && this.downloadLink(row, upload, 'changes.csv', 'changes', 'Download changes'),
      // Undo (docs/approval-and-plan.md#undo): nothing changes here; the undo's plan is shown and its
      // Upload button applies it. The API refuses, saying why, anyone who may not undo it.
      wasApplied && h('button', { type: 'button', class: 'button button--small button--secondary', 'aria-describedby': row.fileId, onclick: () => this.undo(upload) }, 'Undo'),
    ].filter(Boolean));
    const waitingFor = waiting && !mayApprove && upload.approval
      ? h('span', { class: 'approval-note' }, `Waiting for approval by ${approversText(upload.approval, upload.uploader)}`) : null;
    row.actions.replaceChildren(...[
      mayApply && h('button', { type: 'button', class: 'button button--small', 'aria-label': `Upload ${name}`, onclick: () => this.decide(row, 'apply') }, 'Upload'),
      waiting && this.downloadLink(row, upload, 'plan.csv', 'plan', 'Download plan'),
      mayApprove && h('button', { type: 'button', class: 'button button--small', 'aria-describedby': row.fileId, onclick: () => this.review(row.current ?? upload) }, 'Approve'),
      mayCancel && h('button', { type: 'button', class: 'button button--small button--secondary', 'aria-describedby': row.fileId, onclick: () => this.decide(row, 'cancel') }, 'Cancel'),
      waitingFor,
    ].filter(Boolean));
  }

  /** The upload's outcome in words, beside its links: counts done, failed rows called out. */
  showSummary(row, upload) {
    const counts = upload.counts ?? {};
    const failed = Number(counts.failed) || 0;
    let text = '';
    if (RESULTS_STATES.has(upload.state)) text = doneText({ ...counts, failed: 0 }) || 'Nothing changed';
    else if (upload.state === 'INVALID') text = `${plural(counts.errors ?? 0, 'error')}: nothing changed`;
    else if (upload.state === 'VALIDATED' && upload.validate_only) text = 'Passed: ready to upload';
    const key = `${text}|${failed}`;
    if (row.summaryKey === key) return;
    row.summaryKey = key;
    row.summary.replaceChildren(...[text, failed && RESULTS_STATES.has(upload.state)
      ? h('strong', { class: 'failed-rows' }, `${text ? ', ' : ''}${plural(failed, 'row')} failed`) : null].filter(Boolean));
    row.summary.hidden = !text && !failed;
  }

  /** Rebuild part of a row; if focus was inside, put it back on the control of the same name, or the row. */
  keepingFocus(row, rebuild) {
    const focused = document.activeElement;
    const inside = focused && (row.links.contains(focused) || row.actions.contains(focused));
    const name = inside ? focused.textContent : null;
    rebuild();
    if (!inside) return;
    const same = [...row.links.children, ...row.actions.children].find((element) => element.textContent === name);
    focusOn(same ?? row.file);
  }

  downloadLink(row, upload, report, suffix, label) {
    const path = `uploads/${segment(upload.upload_id)}/${report}`;
    const fileName = `${fileStem(upload.file_name)}-${suffix}.${report.endsWith('.xlsx') ? 'xlsx' : 'csv'}`;
    return h('a', {
      href: path,
      download: fileName,
      class: 'download',
      'aria-describedby': row.fileId,
      onclick: (event) => {
        event.preventDefault();
        this.download(path, fileName);
      },
    }, label);
  }

  async download(path, fileName) {
    try {
      saveBlob(await this.api.getBlob(path), fileName);
      showMessage(this.error, '');
    } catch (error) {
      if (!(error instanceof SessionEndedError)) showMessage(this.error, error.message);
    }
  }

  /** Ask for an applied upload's undo (a new upload, nothing applied yet) and show its plan. */
  async undo(upload) {
    try {
      const undo = await this.api.postJson(`uploads/${segment(upload.upload_id)}/undo`);
      showMessage(this.actionError, '');
      this.announce(`Undo of ${upload.file_name ?? 'the upload'} prepared: its plan follows; nothing has changed yet.`);
      this.refreshNow();
      await this.undone(undo.upload_id, `${fileStem(upload.file_name)}-undo.csv`);
    } catch (error) {
      if (!(error instanceof SessionEndedError)) showMessage(this.actionError, error.message);
    }
  }

  /** Apply or cancel the row's upload. Its answer, refusal included, stays on screen until the next action. */
  async decide(row, decision) {
    const upload = row.current;
    const name = upload.file_name ?? 'The upload';
    showMessage(this.actionError, '');
    try {
      await this.api.postJson(`uploads/${segment(upload.upload_id)}/${decision}`);
      this.actionStatus.textContent = decision === 'apply' ? `Upload of ${name} started.` : `${name} cancelled: nothing in it was applied.`;
    } catch (error) {
      if (!(error instanceof SessionEndedError)) {
        this.actionStatus.textContent = '';
        showMessage(this.actionError, `${name}: ${error.message}`);
      }
    }
    this.refreshNow();
  }
}

/** The results of a workbook upload are a workbook (docs/csv-format.md): the API's link says which. */
function resultsFile(upload) {
  return String(upload.links?.results ?? '').endsWith('.xlsx') ? 'results.xlsx' : 'results.csv';
}

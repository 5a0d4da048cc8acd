// Numbers, dates and states as people read them. English (UK) throughout: the contract's `1,200 / 10,000`.

const counts = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const dates = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
});

/** `1,200`; a dash when the number is not known. */
export function formatCount(value) {
  const number = Number(value);
  return value === null || value === undefined || value === '' || !Number.isFinite(number) ? '–' : counts.format(number);
}

/** `1,200 / 10,000` from an upload's `progress: {applied, rows}`; a dash until the rows are counted. */
export function formatProgress(progress) {
  const rows = Number(progress?.rows);
  if (!Number.isFinite(rows) || rows <= 0) return '–';
  const applied = Number(progress?.applied);
  return `${formatCount(Number.isFinite(applied) ? applied : 0)} / ${formatCount(rows)}`;
}

/** `3 errors`, `1 warning`. */
export function plural(count, one, many = `${one}s`) {
  return `${formatCount(count)} ${Number(count) === 1 ? one : many}`;
}

/** `25 Nov 2025, 14:03` in the reader's time zone; the text as given when it is not a date. */
export function formatWhen(iso) {
  if (!iso) return '–';
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? String(iso) : dates.format(when);
}

/** The API's states, in words. */
const STATES = {
  AWAITING_FILE: 'Awaiting file',
  RECEIVED: 'Received',
  VALIDATING: 'Validating',
  INVALID: 'Invalid',
  VALIDATED: 'Validated',
  AWAITING_APPROVAL: 'Awaiting approval',
  QUEUED: 'Queued',
  CREATING: 'Creating',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

export function stateLabel(state) {
  if (!state) return 'Unknown';
  const known = STATES[state];
  if (known) return known;
  const words = String(state).toLowerCase().replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** States after which an upload changes no more by itself (AWAITING_APPROVAL waits for a person). */
// Settled: final (the API says which states are) or waiting for a person's approval.
export const isSettled = (upload) => Boolean(upload.final) || upload.state === 'AWAITING_APPROVAL';

/** States before validation has a report. */
export const BEFORE_REPORT_STATES = new Set(['AWAITING_FILE', 'RECEIVED', 'VALIDATING']);

/** `users` from `users.csv`, for the names of downloaded files. */
export function fileStem(fileName) {
  const name = String(fileName ?? 'upload').split(/[\\/]/).pop() || 'upload';
  return name.replace(/\.(csv|xlsx)$/i, '') || 'upload';
}

/** States in which rows are being, or have been, applied: only then does `applied / rows` mean anything. */
export const APPLYING_STATES = new Set(['QUEUED', 'CREATING', 'COMPLETED', 'FAILED']);

const DONE = [['created', 'created'], ['updated', 'updated'], ['leavers', 'leavers'], ['joiners', 'joiners'],
  ['unchanged', 'unchanged'], ['failed', 'failed']];

/** '29 created, 1 updated, 2 failed' for an applied upload's counts ('' when nothing is counted yet). */
export function doneText(counts) {
  return DONE.filter(([key]) => Number(counts?.[key]) > 0).map(([key, word]) => `${formatCount(counts[key])} ${word}`).join(', ');
}

/** Who may approve an upload, from the API's `approval` (reasons, approvers, uploader_approves). */
export function approversText(approval, uploader) {
  return Object.entries(approval?.approvers ?? {}).map(([ods, who]) => (
    (approval.uploader_approves ?? []).includes(ods)
      ? `${ods}: ${uploader}, the uploader (${ods} has no other administrator)`
      : `${ods}: ${who.join(', ')}`)).join('; ');
}

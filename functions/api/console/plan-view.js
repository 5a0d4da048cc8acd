// A plan (docs/approval-and-plan.md#the-plan) as an administrator reads it: counts per action, the changed
// rows first and Unchanged folded away, a Show filter by action, and the whole plan to download. Used by the
// upload panel (a validated file) and the approval panel (an upload waiting for approval).
import { csvRecords } from './csv.js';
import { h, saveBlob, showMessage } from './dom.js';
import { formatCount, plural } from './format.js';
import { SortableTable, compareCells } from './table.js';

export const ACTIONS = ['Create', 'Update', 'Leaver', 'Joiner', 'Unchanged'];
const WORDS = { Create: 'to create', Update: 'to update', Leaver: 'to mark as leavers', Joiner: 'to take back as joiners', Unchanged: 'unchanged' };
const WORD = { Leaver: 'to mark as leaver', Joiner: 'to take back as joiner' }; // one row
const rank = (action) => (action === 'Unchanged' ? 1 : 0);
// Changed rows first, then by line: what an administrator must check comes before what stays as it is.
const changedFirst = (a, b) => rank(a.Action) - rank(b.Action) || compareCells(a.Line, b.Line);

/** Rows per action of a plan's lines (an update has one line per field, one row). */
export function rowsByAction(lines) {
  const rows = new Map();
  for (const line of lines) {
    if (!rows.has(line.Action)) rows.set(line.Action, new Set());
    rows.get(line.Action).add(line.Line);
  }
  const ordered = [...ACTIONS, ...[...rows.keys()].filter((action) => !ACTIONS.includes(action))];
  return ordered.filter((action) => rows.has(action)).map((action) => [action, rows.get(action).size]);
}

/** '29 to create, 3 to mark as leavers, 5,515 unchanged' */
export function planSentence(counts) {
  return counts.map(([action, n]) => `${formatCount(n)} ${(n === 1 && WORD[action]) || WORDS[action] || action}`).join(', ');
}

export class PlanView {
  /** `container` receives the view; `name` is the table's accessible name; `announce` speaks sort changes. */
  constructor(container, { name, idPrefix, announce }) {
    this.idPrefix = idPrefix;
    this.summary = h('p', { id: `${idPrefix}-summary`, class: 'plan__summary' });
    this.filter = h('select', { id: `${idPrefix}-show`, class: 'plan__show', onchange: () => this.render() });
    this.downloadLink = h('a', { href: '#', class: 'download', onclick: (event) => { event.preventDefault(); this.download(); } }, 'Download plan');
    this.folded = h('p', { id: `${idPrefix}-folded`, class: 'hint' });
    this.more = h('p', { class: 'hint', hidden: true });
    const caption = h('caption', { id: `${idPrefix}-caption` }, name);
    const table = h('table', { class: 'data-table plan-table' }, caption);
    this.table = new SortableTable(table, [
      { key: 'Line', label: 'Line', className: 'numeric' },
      { key: 'Action', label: 'Action', compare: changedFirst },
      { key: 'Email Address', label: 'Email Address', className: 'value' },
      { key: 'Field', label: 'Field' },
      { key: 'Old', label: 'Old', className: 'value' },
      { key: 'New', label: 'New', className: 'value' },
    ], { sort: { key: 'Action', direction: 'ascending' }, emptyText: 'No rows to show.', onSorted: (label, direction) => announce(`Sorted by ${label}, ${direction}.`) });
    container.replaceChildren(
      this.summary,
      h('div', { class: 'form form--inline plan__tools' },
        h('div', { class: 'field' }, h('label', { for: `${idPrefix}-show` }, 'Show'), this.filter),
        h('p', { class: 'plan__download' }, this.downloadLink)),
      this.folded,
      h('div', { class: 'table-scroll', role: 'group', 'aria-labelledby': `${idPrefix}-caption`, tabindex: '0' }, table),
      this.more);
    this.lines = [];
  }

  /** Show a plan's CSV text; `fileName` names the download. Returns the counts per action. */
  show(text, fileName) {
    this.text = text;
    this.fileName = fileName;
    this.lines = csvRecords(text);
    this.counts = rowsByAction(this.lines);
    const changed = this.counts.filter(([action]) => action !== 'Unchanged').reduce((sum, [, n]) => sum + n, 0);
    const all = this.counts.reduce((sum, [, n]) => sum + n, 0);
    this.summary.textContent = all ? `Applying it will: ${planSentence(this.counts)}.` : 'The file changes nothing.';
    const options = [];
    if (changed && changed < all) options.push(h('option', { value: 'changes' }, `Changes only (${plural(changed, 'row')})`));
    options.push(h('option', { value: 'all' }, `All rows (${plural(all, 'row')})`));
    for (const [action, n] of this.counts) options.push(h('option', { value: action }, `${action} (${plural(n, 'row')})`));
    this.filter.replaceChildren(...options);
    this.filter.value = options[0].value;
    this.render();
    return this.counts;
  }

  render() {
    const choice = this.filter.value;
    const shownLines = this.lines.filter((line) => choice === 'all' || (choice === 'changes' ? line.Action !== 'Unchanged' : line.Action === choice));
    const unchanged = this.counts.find(([action]) => action === 'Unchanged')?.[1] ?? 0;
    showMessage(this.folded, choice === 'changes' && unchanged
      ? `${plural(unchanged, 'unchanged row')} folded away: choose All rows or Unchanged in Show to see them.`
      : '');
    const shown = this.table.show(shownLines);
    showMessage(this.more, shown < shownLines.length
      ? `Showing the first ${formatCount(shown)} of ${formatCount(shownLines.length)} plan lines; Download plan has them all.`
      : '');
  }

  download() {
    if (this.text === undefined) return;
    // As Roster wrote it: with the byte-order mark (fetch's text() drops it), so that Excel opens it as it is.
    const body = this.text.startsWith('\ufeff') ? this.text : `\ufeff${this.text}`;
    saveBlob(new Blob([body], { type: 'text/csv;charset=utf-8' }), this.fileName);
  }

  clear() {
    this.lines = [];
    this.text = undefined;
    this.table.clear();
  }
}

// A table of records whose column headers sort it (the WAI-ARIA sortable table pattern: a button in each
// header, aria-sort on the sorted one). Very long reports show their first rows; the download has them all.
import { h } from './dom.js';

const collator = new Intl.Collator('en-GB', { numeric: true, sensitivity: 'base' });

/** Compare two cells as numbers when both are numbers, as text otherwise; blanks first. */
export function compareCells(a, b) {
  const x = String(a ?? '');
  const y = String(b ?? '');
  if (x === '' || y === '') return (x === '' ? 0 : 1) - (y === '' ? 0 : 1);
  const nx = Number(x);
  const ny = Number(y);
  if (Number.isFinite(nx) && Number.isFinite(ny)) return nx - ny;
  return collator.compare(x, y);
}

export class SortableTable {
  /**
   * columns: [{key, label, compare?(a, b) on records, className?}]; sort: {key, direction}.
   * onSorted(label, direction) lets the page announce the new order.
   */
  constructor(table, columns, { sort, limit = 500, emptyText = 'Nothing to show.', onSorted } = {}) {
    this.table = table;
    this.columns = columns;
    this.initialSort = sort ?? { key: columns[0].key, direction: 'ascending' };
    this.sort = { ...this.initialSort };
    this.limit = limit;
    this.emptyText = emptyText;
    this.onSorted = onSorted ?? (() => {});
    this.records = [];
    this.headers = new Map();
    this.head = h('thead', {}, h('tr', {}, columns.map((column) => this.headerCell(column))));
    this.body = h('tbody');
    table.append(this.head, this.body);
  }

  headerCell(column) {
    const button = h('button', { type: 'button', class: 'sort', onclick: () => this.sortBy(column.key) }, column.label);
    const cell = h('th', { scope: 'col', class: column.className }, button);
    this.headers.set(column.key, cell);
    return cell;
  }

  sortBy(key) {
    const direction = this.sort.key === key && this.sort.direction === 'ascending' ? 'descending' : 'ascending';
    this.sort = { key, direction };
    this.render();
    const column = this.columns.find((candidate) => candidate.key === key);
    this.onSorted(column.label, direction);
  }

  /** Show these records (in the table's initial order); returns how many are on screen. */
  show(records) {
    this.records = records.map((record, index) => ({ record, index }));
    this.sort = { ...this.initialSort };
    return this.render();
  }

  clear() {
    this.records = [];
    this.body.replaceChildren();
  }

  render() {
    const column = this.columns.find((candidate) => candidate.key === this.sort.key);
    const compare = column.compare ?? ((a, b) => compareCells(a[column.key], b[column.key]));
    const sign = this.sort.direction === 'ascending' ? 1 : -1;
    // Ties keep the order the API gave, whichever direction.
    const sorted = [...this.records].sort((a, b) => sign * compare(a.record, b.record) || a.index - b.index);
    for (const [key, cell] of this.headers) {
      if (key === this.sort.key) cell.setAttribute('aria-sort', this.sort.direction);
      else cell.removeAttribute('aria-sort');
    }
    const shown = sorted.slice(0, this.limit);
    // data-label names each cell's column where a narrow screen stacks the cells (console.css, reflow).
    const rows = shown.map(({ record }) => h('tr', {}, this.columns.map((col) => h('td', { class: col.className, 'data-label': col.label }, record[col.key] ?? ''))));
    if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: this.columns.length, class: 'empty' }, this.emptyText)));
    this.body.replaceChildren(...rows);
    return shown.length;
  }
}

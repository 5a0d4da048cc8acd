// Reading the CSV files Roster writes (UTF-8, maybe with a byte-order mark, CRLF, RFC 4180 quoting).

/** Rows of cells. Quoted cells may hold commas, quotes and line breaks. */
export function parseCsv(text) {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  let start = 0; // beginning of the plain run being read; copied in slices, not a character at a time
  for (let i = 0; i < source.length; i += 1) {
    const ch = source[i];
    if (quoted) {
      if (ch !== '"') continue;
      cell += source.slice(start, i);
      if (source[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else {
        quoted = false;
      }
      start = i + 1;
    } else if (ch === '"') {
      cell += source.slice(start, i);
      quoted = true;
      start = i + 1;
    } else if (ch === ',') {
      row.push(cell + source.slice(start, i));
      cell = '';
      start = i + 1;
    } else if (ch === '\r' || ch === '\n') {
      row.push(cell + source.slice(start, i));
      rows.push(row);
      row = [];
      cell = '';
      if (ch === '\r' && source[i + 1] === '\n') i += 1;
      start = i + 1;
    }
  }
  const last = cell + source.slice(start);
  if (last !== '' || row.length > 0) {
    row.push(last);
    rows.push(row);
  }
  return rows;
}

/** Records keyed by the header row's names; missing cells are empty strings. */
export function csvRecords(text) {
  const [header = [], ...rows] = parseCsv(text);
  const names = header.map((name) => name.trim());
  return rows
    .filter((cells) => cells.some((value) => value !== ''))
    .map((cells) => Object.fromEntries(names.map((name, index) => [name, cells[index] ?? ''])));
}

// Roster's HTTP API, every call with the bearer token. Paths are relative to the page, so a stage prefix
// (`/prod/`) in front of the API works as well as none.
import { SessionEndedError } from './session.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

const FALLBACK_MESSAGES = {
  400: 'Roster refused the request.',
  403: 'You are not allowed to do that.',
  404: 'Roster has no such thing, or no longer has it.',
  409: 'That cannot be done in the upload’s current state.',
  413: 'The file is too large.',
};

async function messageOf(response) {
  const body = await response.text().catch(() => '');
  try {
    const { message } = JSON.parse(body);
    if (typeof message === 'string' && message.trim()) return message;
  } catch {
    // not JSON: fall through
  }
  if (response.status >= 500) return 'Roster had a problem answering. Try again in a minute.';
  return FALLBACK_MESSAGES[response.status] ?? `Roster answered ${response.status}.`;
}

/** `GET config`: everything the page needs to sign in; no token. */
export async function fetchConfig() {
  const response = await fetch(new URL('config', document.baseURI), { credentials: 'omit', cache: 'no-store' });
  if (!response.ok) throw new ApiError(response.status, await messageOf(response));
  return response.json();
}

export class Api {
  constructor(session) {
    this.session = session;
  }

  async request(method, path, { json, accept = 'application/json' } = {}) {
    const token = await this.session.bearer();
    const headers = { Authorization: `Bearer ${token}`, Accept: accept };
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(new URL(path, document.baseURI), {
        method,
        headers,
        body: json === undefined ? undefined : JSON.stringify(json),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'Roster could not be reached. Check your connection.');
    }
    if (response.status === 401) {
      this.session.end('expired');
      throw new SessionEndedError();
    }
    if (!response.ok) throw new ApiError(response.status, await messageOf(response));
    return response;
  }

  async getJson(path) {
    return (await this.request('GET', path)).json();
  }

  /** POST a JSON body; the answer's JSON, or null when it has none. */
  async postJson(path, body = {}) {
    const response = await this.request('POST', path, { json: body });
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  async getText(path) {
    return (await this.request('GET', path, { accept: 'text/csv' })).text();
  }

  /** The text, or null when the API answers 404 (a report that does not exist, or not yet). */
  async getTextIfAny(path) {
    try {
      return await this.getText(path);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async getBlob(path) {
    const response = await this.request('GET', path, { accept: 'text/csv' });
    // A workbook upload's results are a workbook: the blob keeps the type the API gave.
    const type = response.headers.get('content-type') || 'text/csv;charset=utf-8';
    return new Blob([await response.arrayBuffer()], { type });
  }
}

/** A path segment from an id the API gave: never lets it reach another path. */
export function segment(value) {
  return encodeURIComponent(String(value));
}

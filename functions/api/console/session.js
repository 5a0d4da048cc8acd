// The signed-in session: Cognito's tokens in memory and in sessionStorage (this tab only, gone when it closes;
// never localStorage), renewed before they expire while the administrator is active, ended on sign-out (the
// refresh token revoked), after IDLE_LIMIT_MS without a key or pointer press, or when the API says 401.
// ID and access tokens live 15 minutes (template.yaml), so an idle page holds nothing usable for long.
import { claimsOf, refreshTokens, revokeRefreshToken } from './cognito.js';

const STORAGE_KEY = 'roster.session';
const RENEW_BEFORE_MS = 5 * 60_000; // renew five minutes before expiry
const FRESH_FOR_MS = 60_000; // a token with less than this left is renewed before it is sent
export const IDLE_LIMIT_MS = 15 * 60_000; // no key or pointer press this long: the session is not renewed

export class SessionEndedError extends Error {
  constructor() {
    super('Your session has ended; sign in again.');
    this.name = 'SessionEndedError';
  }
}

export class Session {
  /** `onEnded(reason)`: reason is 'signed-out' or 'expired'. */
  constructor(config, onEnded) {
    this.config = config;
    this.onEnded = onEnded;
    this.tokens = null;
    this.renewal = null; // the refresh in flight, shared by every caller
    this.timer = null;
    this.lastActivity = Date.now();
  }

  /** The administrator pressed a key or the pointer: the session is renewed while this keeps happening. */
  noteActivity() {
    this.lastActivity = Date.now();
  }

  get idle() {
    return Date.now() - this.lastActivity > IDLE_LIMIT_MS;
  }

  get active() {
    return this.tokens !== null;
  }

  /** The email claim of the ID token (the API's idea of who is calling). */
  get email() {
    return this.tokens ? String(claimsOf(this.tokens.idToken).email ?? '') : '';
  }

  begin(tokens) {
    this.tokens = tokens;
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
    } catch {
      // Storage refused (private mode, quota): the session lives in memory and ends with the page.
    }
    this.scheduleRenewal();
  }

  /** Take up the session this tab had before a reload; false when there is none. */
  restore() {
    let stored = null;
    try {
      stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    } catch {
      stored = null;
    }
    if (!stored?.idToken || !stored?.refreshToken) return false;
    this.tokens = stored;
    this.scheduleRenewal();
    return true;
  }

  /** The ID token to send as the bearer, renewed first when it is about to expire. */
  async bearer() {
    if (!this.tokens) throw new SessionEndedError();
    if (this.tokens.expiresAt - Date.now() < FRESH_FOR_MS) await this.renew();
    return this.tokens.idToken;
  }

  renew() {
    if (this.idle) {
      // Nobody has used the page for IDLE_LIMIT_MS: end the session (and revoke it) rather than renew it.
      this.signOut('expired');
      return Promise.reject(new SessionEndedError());
    }
    if (!this.renewal) {
      const { refreshToken } = this.tokens ?? {};
      this.renewal = refreshTokens(this.config, refreshToken)
        .then((tokens) => {
          if (this.tokens) this.begin(tokens); // unless signed out meanwhile
        })
        .catch((error) => {
          // Unreachable Cognito while the token still works: keep it and try again later, not sign out.
          if (error?.type === 'NetworkError' && this.tokens && this.tokens.expiresAt > Date.now()) {
            this.retryRenewalSoon();
            return;
          }
          this.end('expired');
          throw new SessionEndedError();
        })
        .finally(() => {
          this.renewal = null;
        });
    }
    return this.renewal;
  }

  scheduleRenewal() {
    clearTimeout(this.timer);
    const wait = Math.max(this.tokens.expiresAt - Date.now() - RENEW_BEFORE_MS, 10_000);
    this.timer = setTimeout(() => this.renew().catch(() => {}), wait);
  }

  retryRenewalSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.renew().catch(() => {}), 30_000);
  }

  /** Forget every token and tell the page; a second call does nothing. */
  end(reason) {
    if (!this.tokens) return;
    this.tokens = null;
    clearTimeout(this.timer);
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // nothing stored
    }
    this.onEnded(reason);
  }

  /** End the session and revoke its refresh token with Cognito (in the background). */
  signOut(reason = 'signed-out') {
    const refreshToken = this.tokens?.refreshToken;
    this.end(reason);
    if (refreshToken) revokeRefreshToken(this.config, refreshToken).catch(() => {});
  }
}

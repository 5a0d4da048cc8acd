// The seed's notifications icon: how many uploads changed state since the administrator last looked at Uploads.
// What was seen is kept per administrator in this browser (localStorage); the first visit sees everything.
import { byId } from './dom.js';
import { isSettled, stateLabel } from './format.js';

// The key hashes the address: the browser keeps which uploads were seen, never who signed in, nor any token.
const KEY = 'roster.seen.';

async function keyFor(email) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(email));
  return KEY + [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export class Notifications {
  constructor() {
    this.link = byId('notifications');
    this.count = byId('notifications-count');
    this.link.addEventListener('click', () => this.markSeen());
    this.key = null;
    this.uploads = [];
    this.link.hidden = true;
  }

  async start(email) {
    this.key = null;
    this.polled = false;
    this.uploads = [];
    const key = await keyFor(email);
    this.key = key;
    this.seen = this.load();
    this.first = this.seen === null;
    this.seen = this.seen ?? {};
    this.link.hidden = false;
    if (this.polled) this.update(this.uploads); // the first page of Uploads came while the key was computed
    else this.show();
  }

  stop() {
    this.key = null;
    this.uploads = [];
    this.link.hidden = true;
  }

  /** The uploads on screen: those whose settled state differs from the one last seen are new. */
  update(uploads) {
    this.uploads = uploads;
    this.polled = true;
    if (!this.key) return;
    if (this.first) { // nothing seen before in this browser: start from what is there now
      this.first = false;
      this.markSeen();
      return;
    }
    this.show();
  }

  changed() {
    return this.uploads.filter((upload) => isSettled(upload) && this.seen[upload.upload_id] !== upload.state);
  }

  show() {
    const changed = this.changed();
    this.count.textContent = changed.length ? `${changed.length} new` : 'nothing new';
    this.link.classList.toggle('notifications--new', changed.length > 0);
    this.link.title = changed.map((upload) => `${upload.file_name}: ${stateLabel(upload.state)}`).join('\n');
  }

  markSeen() {
    if (!this.key) return;
    for (const upload of this.uploads) if (isSettled(upload)) this.seen[upload.upload_id] = upload.state;
    this.save();
    this.show();
  }

  load() {
    try {
      const text = localStorage.getItem(this.key);
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  save() {
    try {
      localStorage.setItem(this.key, JSON.stringify(this.seen));
    } catch {
      // storage full or refused: the indicator still works for this visit
    }
  }
}

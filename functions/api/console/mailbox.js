// Local mode only (`roster local serve`, whose /config names `local_mailbox`): every email Roster sent the
// signed-in administrator, newest first, with its text, its attachments and the whole .eml to download.
// A deployment sends email through SES instead, and this panel never shows there.
import { byId, h, saveBlob, showMessage } from './dom.js';
import { SessionEndedError } from './session.js';

export class Mailbox {
  constructor(api, config) {
    this.api = api;
    this.path = typeof config?.local_mailbox === 'string' ? config.local_mailbox : null;
    this.panel = byId('mailbox-panel');
    this.hint = byId('mailbox-hint');
    this.error = byId('mailbox-error');
    this.list = byId('mailbox-list');
    byId('mailbox-refresh').addEventListener('click', () => this.refresh());
    this.shown = '';
  }

  get enabled() {
    return this.path !== null;
  }

  start() {
    if (!this.enabled) return;
    this.panel.hidden = false;
    this.refresh();
  }

  stop() {
    this.panel.hidden = true;
    this.list.replaceChildren();
    this.shown = '';
  }

  async refresh() {
    if (!this.enabled || this.panel.hidden) return;
    try {
      const box = await this.api.getJson(this.path);
      showMessage(this.error, '');
      this.hint.textContent = `Local mode: roster local serve keeps every email Roster sends in ${box.folder} `
        + '(open the .eml files in a mail client). Yours are here, newest first.';
      const key = JSON.stringify(box.emails.map((mail) => mail.id));
      if (key === this.shown) return; // nothing new: leave open emails open
      this.shown = key;
      this.list.replaceChildren(...(box.emails.length ? box.emails.map((mail) => this.item(mail)) : [h('li', { class: 'hint' }, 'No emails yet.')]));
    } catch (error) {
      if (!(error instanceof SessionEndedError)) showMessage(this.error, `The mailbox could not be loaded: ${error.message}`);
    }
  }

  item(mail) {
    const download = (path, name) => h('a', { href: path, class: 'download', onclick: async (event) => {
      event.preventDefault();
      try {
        saveBlob(await this.api.getBlob(path), name);
      } catch (error) {
        if (!(error instanceof SessionEndedError)) showMessage(this.error, error.message);
      }
    } }, name);
    return h('li', { class: 'mailbox__item' },
      h('details', {},
        h('summary', {}, h('strong', {}, mail.subject), h('span', { class: 'mailbox__meta' }, ` to ${mail.to}, ${mail.date}`)),
        h('pre', { class: 'mailbox__body' }, mail.body),
        h('p', {}, 'Attachments: ', mail.attachments.length ? mail.attachments.map((part, index) => [index ? ', ' : '', download(part.href, part.name)]) : 'none',
          ' · ', download(mail.eml, `roster-email-${mail.id}.eml`))));
  }
}

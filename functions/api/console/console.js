// Roster's console: the page's entry module. Loads /config, signs in against the user pool, and shows the
// organisation picker, the upload flow and the uploads of a signed-in administrator; nothing before.
//
//   console.js      this file: sign-in, sign-out, organisations, wiring
//   cognito.js      InitiateAuth, RespondToAuthChallenge, refresh and revoke against Cognito
//   session.js      the tokens (memory + sessionStorage), renewal, the end of a session
//   api.js          Roster's HTTP API with the bearer token; its error messages
//   upload-flow.js  Validate (presigned POST to the bucket), Validation results, Plan, Upload
//   uploads.js      the Uploads table, polling with back-off, Upload, Approve and Cancel, downloads
//   plan-view.js    a plan: counts per action, changes first, Show filter, download
//   approval.js     the approval panel: why, who may approve, the plan, a confirmation
//   notifications.js  uploads changed since last seen;  mailbox.js  local mode's sent emails
//   table.js        sortable tables;  csv.js  reading CSV;  format.js  numbers, dates, states;  dom.js  DOM
import { Api, ApiError, fetchConfig } from './api.js';
import { answerChallenge, signIn } from './cognito.js';
import { byId, focusOn, h, saveBlob, showMessage } from './dom.js';
import { Session, SessionEndedError } from './session.js';
import { ApprovalPanel } from './approval.js';
import { Mailbox } from './mailbox.js';
import { Notifications } from './notifications.js';
import { UploadFlow } from './upload-flow.js';
import { UploadsPanel } from './uploads.js';

const ENDED_MESSAGES = {
  expired: 'Your session has ended; sign in again.',
  'signed-out': 'You have signed out.',
};

/** Speak through the page's polite live region; messages that arrive together are read together. */
const announce = (() => {
  const region = byId('announcer');
  let pending = [];
  let timer = null;
  return (message) => {
    pending.push(message);
    clearTimeout(timer);
    region.textContent = '';
    timer = setTimeout(() => {
      region.textContent = pending.join(' ');
      pending = [];
    }, 150);
  };
})();

class Console {
  constructor(config) {
    this.config = config;
    this.session = new Session(config, (reason) => this.leave(reason));
    this.api = new Api(this.session);
    this.notifications = new Notifications();
    this.mailbox = new Mailbox(this.api, config);
    this.approval = new ApprovalPanel(this.api, {
      announce,
      decided: (text) => {
        announce(text);
        byId('uploads-action-status').textContent = text;
        this.uploads.refreshNow();
      },
    });
    let states = '';
    this.uploads = new UploadsPanel(this.api, {
      announce,
      review: (upload) => this.approval.open(upload),
      // Undo (docs/approval-and-plan.md#undo): the undo upload's plan is shown where a validated file's is.
      undone: (id, fileName) => this.flow.followUndo(id, fileName),
      changed: (uploads) => {
        this.notifications.update(uploads);
        const now = uploads.map((upload) => `${upload.upload_id}:${upload.state}`).join();
        if (now !== states) this.mailbox.refresh(); // a new state may have sent an email
        states = now;
      },
    });
    this.flow = new UploadFlow(this.api, { announce, uploadsChanged: () => this.uploads.refreshNow() });
    this.signingIn = false;

    this.signInSection = byId('sign-in');
    this.signInForm = byId('sign-in-form');
    this.signInMessage = byId('sign-in-message');
    this.signInError = byId('sign-in-error');
    this.email = byId('email');
    this.password = byId('password');
    this.challenge = byId('challenge');
    this.account = byId('account');
    this.accountEmail = byId('account-email');
    this.workspace = byId('workspace');
    this.organisation = byId('organisation');
    this.organisationError = byId('organisation-error');
    this.reportForm = byId('report-form');
    this.reportButton = byId('download-report');

    this.email.setAttribute('aria-describedby', 'sign-in-message');
    this.signInForm.addEventListener('submit', (event) => {
      event.preventDefault();
      this.signIn();
    });
    byId('sign-out').addEventListener('click', () => this.session.signOut());
    for (const kind of ['keydown', 'pointerdown']) {
      document.addEventListener(kind, () => this.session.noteActivity(), { passive: true, capture: true });
    }
    this.reportForm.addEventListener('submit', (event) => {
      event.preventDefault();
      this.downloadReport();
    });
  }

  start() {
    if (this.session.restore()) this.enter(false);
    else this.showSignIn('', false);
  }

  // ---- signing in ----

  showSignIn(message, moveFocus) {
    this.workspace.hidden = true;
    this.account.hidden = true;
    this.signInSection.hidden = false;
    this.signInForm.hidden = false;
    this.challenge.replaceChildren();
    this.password.value = '';
    showMessage(this.signInError, '');
    this.signInMessage.textContent = message;
    if (moveFocus) this.email.focus();
  }

  async signIn() {
    if (this.signingIn) return;
    const email = this.email.value.trim();
    const password = this.password.value;
    this.email.removeAttribute('aria-invalid');
    this.password.removeAttribute('aria-invalid');
    if (!email || !password) {
      const missing = email ? this.password : this.email;
      missing.setAttribute('aria-invalid', 'true');
      showMessage(this.signInError, email ? 'Enter your password.' : 'Enter your email address.');
      missing.focus();
      return;
    }
    await this.withSignInBusy(this.signInForm, async () => {
      this.signInMessage.textContent = 'Signing in…';
      const outcome = await signIn(this.config, email, password);
      this.password.value = '';
      this.proceed(outcome);
    }, () => {
      this.password.setAttribute('aria-invalid', 'true');
      this.password.select();
      this.password.focus();
    });
  }

  /** Run a sign-in step with its button marked busy; a refusal is shown and `onRefused` decides the focus. */
  async withSignInBusy(form, step, onRefused) {
    const button = form.querySelector('button[type=submit]');
    this.signingIn = true;
    button.setAttribute('aria-disabled', 'true');
    showMessage(this.signInError, '');
    try {
      await step();
    } catch (error) {
      this.signInMessage.textContent = '';
      showMessage(this.signInError, error.message);
      onRefused(error);
    } finally {
      this.signingIn = false;
      button.removeAttribute('aria-disabled');
    }
  }

  proceed(outcome) {
    if (outcome.tokens) {
      this.session.begin(outcome.tokens);
      this.enter(true);
    } else {
      this.askChallenge(outcome.challenge);
    }
  }

  /** The user pool wants one more answer: a new password, or a code from an authenticator app. */
  askChallenge(challenge) {
    const questions = {
      NEW_PASSWORD_REQUIRED: {
        intro: 'Your password is temporary. Choose a new one to finish signing in: at least 12 characters, '
          + 'with lower and upper case letters, a digit and a symbol.',
        fields: [
          { id: 'new-password', label: 'New password', type: 'password', autocomplete: 'new-password' },
          { id: 'confirm-password', label: 'Confirm new password', type: 'password', autocomplete: 'new-password' },
        ],
        submit: 'Set password and sign in',
        answers: (values) => {
          if (values['new-password'] !== values['confirm-password']) throw new Error('The two passwords are not the same.');
          return { NEW_PASSWORD: values['new-password'] };
        },
      },
      SOFTWARE_TOKEN_MFA: {
        intro: 'Enter the 6-digit code your authenticator app shows for Roster.',
        fields: [{ id: 'mfa-code', label: 'Authentication code', type: 'text', autocomplete: 'one-time-code', inputmode: 'numeric' }],
        submit: 'Verify code',
        answers: (values) => ({ SOFTWARE_TOKEN_MFA_CODE: values['mfa-code'].replace(/\s+/g, '') }),
      },
    };
    const question = questions[challenge.name];
    this.signInMessage.textContent = '';
    if (!question) {
      showMessage(this.signInError, `This account needs a sign-in step the console does not offer (${challenge.name}). `
        + 'Ask your Roster administrator.');
      return;
    }
    this.signInForm.hidden = true;
    const inputs = question.fields.map((field) => h('input', {
      id: field.id, name: field.id, type: field.type, autocomplete: field.autocomplete, inputmode: field.inputmode,
      required: true, spellcheck: 'false',
    }));
    const form = h('form', { class: 'form', method: 'post', novalidate: true },
      h('p', { id: 'challenge-intro' }, question.intro),
      question.fields.map((field, index) => h('div', { class: 'field' }, h('label', { for: field.id }, field.label), inputs[index])),
      h('div', { class: 'form__buttons' },
        h('button', { type: 'submit', class: 'button' }, question.submit),
        h('button', { type: 'button', class: 'button button--secondary', onclick: () => this.showSignIn('', true) }, 'Back to sign in')));
    inputs[0].setAttribute('aria-describedby', 'challenge-intro');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (this.signingIn) return;
      const values = Object.fromEntries(inputs.map((input) => [input.id, input.value]));
      this.withSignInBusy(form, async () => {
        const outcome = await answerChallenge(this.config, challenge, question.answers(values));
        this.proceed(outcome);
      }, (error) => {
        // A session Cognito no longer knows (they last three minutes) means starting over.
        if (error.type === 'NotAuthorizedException') this.showSignIn('That step took too long; sign in again.', true);
        else inputs[0].focus();
      });
    });
    this.challenge.replaceChildren(form);
    inputs[0].focus();
  }

  // ---- signed in ----

  async enter(justSignedIn) {
    this.signInSection.hidden = true;
    this.challenge.replaceChildren();
    this.workspace.hidden = false;
    this.account.hidden = false;
    this.accountEmail.textContent = this.session.email;
    if (justSignedIn) focusOn(byId('workspace-heading'));

    const me = await this.whoAmI();
    if (!this.session.active || me === null) return;
    const email = me.email || this.session.email;
    this.accountEmail.textContent = email;
    this.showOrganisations(me.organisations);
    if (justSignedIn) announce('You are signed in.');
    // An administrator of no organisation gets 403 everywhere: say so once instead of in every panel.
    const administersNone = Array.isArray(me.organisations) && me.organisations.length === 0;
    byId('upload-panel').hidden = administersNone;
    byId('uploads-panel').hidden = administersNone;
    if (!administersNone) {
      this.notifications.start(email);
      this.uploads.start(email);
    }
    this.mailbox.start();
  }

  /** `GET me`: who the API says is calling, and the organisations they administer; null once signed out. */
  async whoAmI() {
    try {
      return await this.api.getJson('me');
    } catch (error) {
      if (error instanceof SessionEndedError) return null;
      showMessage(this.organisationError, `Your organisations could not be loaded: ${error.message}`);
      return { email: this.session.email, organisations: null };
    }
  }

  showOrganisations(organisations) {
    this.organisation.replaceChildren();
    if (!Array.isArray(organisations)) return; // the message already says why
    if (organisations.length === 0) {
      showMessage(this.organisationError, 'You administer no organisation in Roster, so there are no uploads or '
        + 'reports to show. Ask the people who run Roster to add you to your organisation.');
      return;
    }
    showMessage(this.organisationError, '');
    for (const { ods, name } of organisations) {
      this.organisation.append(h('option', { value: ods }, name ? `${name} (${ods})` : ods));
    }
  }

  async downloadReport() {
    const ods = this.organisation.value;
    if (!ods) {
      showMessage(this.organisationError, 'Choose an organisation first.');
      return;
    }
    if (this.reportButton.getAttribute('aria-disabled') === 'true') return;
    this.reportButton.setAttribute('aria-disabled', 'true');
    try {
      const report = await this.api.getBlob(`report.csv?ods=${encodeURIComponent(ods)}`);
      saveBlob(report, `mailbox-report-${ods.replace(/[^A-Za-z0-9]/g, '')}.csv`);
      showMessage(this.organisationError, '');
      announce(`Report for ${ods} downloaded.`);
    } catch (error) {
      if (!(error instanceof SessionEndedError)) showMessage(this.organisationError, error.message);
    } finally {
      this.reportButton.removeAttribute('aria-disabled');
    }
  }

  /** The session ended: take every bit of the API's data off the page and ask to sign in. */
  leave(reason) {
    this.uploads.stop();
    this.notifications.stop();
    this.mailbox.stop();
    this.approval.close();
    this.flow.clearFile();
    this.organisation.replaceChildren();
    showMessage(this.organisationError, '');
    this.accountEmail.textContent = '';
    this.showSignIn(ENDED_MESSAGES[reason] ?? ENDED_MESSAGES.expired, true);
  }
}

async function main() {
  const loading = byId('page-loading');
  let config;
  try {
    config = await fetchConfig();
  } catch (error) {
    loading.hidden = true;
    const detail = error instanceof ApiError ? error.message : 'Roster could not be reached.';
    showMessage(byId('page-error'), `The console could not start: ${detail} Reload the page to try again.`);
    return;
  }
  loading.hidden = true;
  new Console(config).start();
}

main();

// Approving an upload that waits for a second administrator (docs/approval-and-plan.md): the panel says why it
// waits, who may approve it for each organisation, until when, shows its plan, and asks for a confirmation
// before anything is sent. Refusals stay in the panel until the next action.
import { segment } from './api.js';
import { byId, focusOn, h, showMessage } from './dom.js';
import { approversText, fileStem, formatWhen, stateLabel } from './format.js';
import { PlanView } from './plan-view.js';
import { SessionEndedError } from './session.js';

export class ApprovalPanel {
  /** `decided(text)` reports the outcome (announced, and Uploads looks again). */
  constructor(api, { announce, decided }) {
    this.api = api;
    this.announce = announce;
    this.decided = decided;
    this.panel = byId('approval-panel');
    this.heading = byId('approval-heading');
    this.why = byId('approval-why');
    this.error = byId('approval-error');
    this.confirm = byId('approval-confirm');
    this.planView = new PlanView(byId('approval-plan'), { name: 'Plan to approve', idPrefix: 'approval-plan', announce });
    byId('approval-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.approve();
    });
    byId('approval-cancel-upload').addEventListener('click', () => this.cancelUpload());
    byId('approval-close').addEventListener('click', () => this.close());
    this.upload = null;
    this.opener = null;
  }

  /** Show `upload` for approval; focus goes to the panel's heading. */
  async open(upload) {
    this.upload = upload;
    this.opener = document.activeElement;
    const name = upload.file_name ?? 'the upload';
    const approval = upload.approval ?? {};
    this.heading.textContent = `Approve ${name}`;
    this.confirm.checked = false;
    this.confirm.removeAttribute('aria-invalid');
    showMessage(this.error, '');
    const approved = Object.entries(approval.approved ?? {}).map(([ods, who]) => `${ods} by ${who}`);
    this.why.replaceChildren(...[
      h('p', {}, `${upload.uploader ?? 'An administrator'} uploaded ${name}. It passed validation, but it would mark more `
        + 'accounts as leavers than one administrator may alone, so nothing has been changed yet:'),
      h('ul', {}, (approval.reasons ?? ['(the API gave no reason)']).map((reason) => h('li', {}, reason))),
      h('p', {}, `Who may approve: ${approversText(approval, upload.uploader) || 'another administrator of each organisation concerned'}.`),
      approved.length ? h('p', {}, `Approved so far: ${approved.join('; ')}.`) : null,
      approval.deadline ? h('p', {}, `If nobody approves it by ${formatWhen(approval.deadline)}, it is cancelled by itself.`) : null,
      h('p', {}, 'Once approved, the file is checked again against the directory as it is then, before anything is applied.'),
    ].filter(Boolean));
    this.planView.clear();
    this.panel.hidden = false;
    focusOn(this.heading);
    try {
      const text = await this.api.getText(`uploads/${segment(upload.upload_id)}/plan.csv`);
      if (this.upload === upload) this.planView.show(text, `${fileStem(name)}-plan.csv`);
    } catch (error) {
      if (!(error instanceof SessionEndedError)) showMessage(this.error, `The plan could not be loaded: ${error.message}`);
    }
  }

  async approve() {
    if (!this.upload) return;
    if (!this.confirm.checked) {
      this.confirm.setAttribute('aria-invalid', 'true');
      showMessage(this.error, 'Tick “I have checked the plan and approve these changes” to approve it.');
      this.confirm.focus();
      return;
    }
    await this.send('approve');
  }

  async cancelUpload() {
    if (this.upload) await this.send('cancel');
  }

  async send(decision) {
    const upload = this.upload;
    const name = upload.file_name ?? 'The upload';
    showMessage(this.error, '');
    try {
      const answer = await this.api.postJson(`uploads/${segment(upload.upload_id)}/${decision}`);
      const state = stateLabel(answer?.state);
      this.close();
      this.decided(decision === 'approve' ? `${name} approved: ${state}.` : `${name} cancelled: nothing in it was applied.`);
    } catch (error) {
      if (!(error instanceof SessionEndedError)) showMessage(this.error, error.message); // stays until the next action
    }
  }

  close() {
    this.panel.hidden = true;
    this.upload = null;
    this.planView.clear();
    if (this.opener?.isConnected) this.opener.focus();
  }
}

/**
 * The editor page (/modeler/<key>): the diagram with opsflow's properties, the forms and decision tables
 * of the draft, saving (validated on the server, problems drawn on their elements), deploying with a
 * change note, discarding, and unsaved work kept in this browser until the server has it.
 *
 * Saving, deploying and discarding go through the REST API's draft routes
 * (`/api/v1/process-definitions/<key>/draft`, see draft-api.js), signed in by the browser's session with
 * the page's CSRF token; the API's errors (`message`, `errors` on their elements) are shown as they come.
 *
 * The page hands over everything in `<script type="application/json" id="modeler-data">`: the draft, the
 * organisation's roles, the translated labels and texts, the URLs and the CSRF token.
 */

import { ConflictView } from './conflict-view.js';
import { DmnEditor } from './dmn-editor.js';
import { DraftApi } from './draft-api.js';
import { forgetUnsaved, keepUnsaved, loadUnsaved } from './draft-store.js';
import { leaveNotice } from './forms/notice.js';
import { FormsEditor } from './forms-editor.js';
import { ProblemsView } from './problems-view.js';
import { restoreUnbound, unboundLayout } from './unbound-layout.js';

function decisionsIn(files) {
  const ids = [];
  for (const file of Object.values(files)) {
    if (file.kind === 'dmn') {
      for (const match of file.content.matchAll(/<(?:\w+:)?decision\b[^>]*\bid="([^"]+)"/g)) {
        ids.push(match[1]);
      }
    }
  }
  return ids.sort();
}

class EditorPage {
  constructor(data) {
    this.data = data;
    this.texts = data.texts;
    this.key = data.key;
    this.version = data.draft.version;
    this.files = JSON.parse(JSON.stringify(data.draft.files || {}));
    // What this page opened (or last saved): the base of a three-way view when a colleague saved meanwhile.
    this.base = { bpmn: data.draft.bpmn, version: data.draft.version, by: data.draft.updated_by };
    this.conflicts = new ConflictView(document.getElementById('modeler-conflict'), data.texts);
    this.dirty = false;
    this.status = document.getElementById('modeler-status');
    this.modeler = window.OpsflowModeler.create({
      container: '#canvas', propertiesPanel: '#properties', language: data.language,
      check: () => this.check(),
      context: {
        roles: data.roles, labels: data.labels,
        forms: () => Object.keys(this.files).filter((n) => this.files[n].kind === 'form').sort(),
        decisions: () => decisionsIn(this.files),
      },
    });
    this.problems = new ProblemsView(this.modeler, document.getElementById('problem-list'), this.texts);
    this.api = new DraftApi({ urls: data.urls, csrf: data.csrf, language: data.language,
      offline: (error) => this.say(`${this.texts.offline} ${error.message}`, 'error') });
    this.forms = new FormsEditor({ root: document.getElementById('tab-forms'), files: this.files, texts: this.texts,
      post: (what, body) => this.api.send('POST', data.urls[what], body), onChange: () => this.changed() });
    this.dmn = new DmnEditor({ root: document.getElementById('tab-decisions'), files: this.files,
      texts: this.texts, language: data.language, onChange: () => this.changed(),
      tryDecision: (body) => this.api.send('POST', data.urls.tryDecision, body) });
  }

  async start() {
    const unsaved = loadUnsaved(this.key);
    const restore = unsaved && unsaved.baseVersion === this.version && unsaved.bpmn;
    await this.importDiagram(restore ? unsaved.bpmn : this.data.draft.bpmn);
    if (restore) {
      Object.assign(this.files, unsaved.files || {});
      this.forms.refreshList();
      this.dirty = true;
      this.say(this.texts.restored, 'warn');
    } else if (unsaved && unsaved.bpmn) {
      this.offerOlderCopy(unsaved);
    }
    this.problems.show(this.data.draft.problems || []);
    this.modeler.on('commandStack.changed', () => this.changed());

    window.addEventListener('beforeunload', (event) => {
      if (this.dirty) {
        event.preventDefault();
        event.returnValue = '';
      }
    });
    document.getElementById('modeler-save').addEventListener('click', () => this.save());
    document.getElementById('deploy-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.deploy();
    });
    const discard = document.getElementById('discard-form');
    if (discard) {
      discard.addEventListener('submit', (event) => {
        event.preventDefault();
        this.discard();
      });
    }
    document.getElementById('import-file').addEventListener('change', (event) => this.importFile(event.target));
    for (const tab of document.querySelectorAll('[data-tab]')) {
      tab.addEventListener('click', () => this.showTab(tab.getAttribute('data-tab')));
    }
    document.body.setAttribute('data-modeler-ready', 'true');
  }

  async importDiagram(xml) {
    try {
      const { warnings } = await this.modeler.importXML(xml);
      this.unbound = unboundLayout(xml);
      if (warnings.length) {
        this.say(`${this.texts.importWarnings} ${warnings.map((w) => w.message).slice(0, 5).join('; ')}`, 'warn');
      }
      this.modeler.get('canvas').zoom('fit-viewport');
      this.clearPalette();
      return true;
    } catch (error) {
      this.say(`${this.texts.importFailed} ${error.message}`, 'error');
      return false;
    }
  }

  async exportXml() {
    // bpmn-js's export, with the layout it could not show (referencing no element) put back.
    const { xml } = await this.modeler.saveXML({ format: true });
    return restoreUnbound(xml, this.unbound || []);
  }

  clearPalette() {
    // fit-viewport centres the diagram under the palette: a new process's pool header would be hidden
    // behind it. Show the whole diagram to the right of the palette instead.
    const canvas = this.modeler.get('canvas');
    const container = canvas.getContainer();
    const palette = container.querySelector('.djs-palette');
    const box = canvas.viewbox();
    if (!palette || !box.inner.width || !box.outer.width) {
      return;
    }
    const room = palette.getBoundingClientRect().right - container.getBoundingClientRect().left + 16;
    const scale = Math.min(box.scale, (box.outer.width - room - 16) / box.inner.width,
      (box.outer.height - 32) / box.inner.height);
    if (scale <= 0) {
      return;
    }
    canvas.viewbox({ x: box.inner.x - room / scale, y: box.inner.y - 16 / scale,
      width: box.outer.width / scale, height: box.outer.height / scale });
  }

  async importFile(input) {
    const file = input.files && input.files[0];
    if (!file) {
      return;
    }
    if (await this.importDiagram(await file.text())) {
      this.changed();
      this.say(this.texts.imported, 'warn');
    }
    input.value = '';
  }

  offerOlderCopy(unsaved) {
    // Never a silent replacement of what a colleague saved since: the three-way view first, then a choice.
    const box = document.getElementById('modeler-older');
    box.hidden = false;
    box.querySelector('button').onclick = () => {
      box.hidden = true;
      this.conflicts.show({
        base: unsaved.base, theirs: this.base.bpmn, mine: unsaved.bpmn,
        summary: this.texts.olderCopy.replace('%(who)s', this.base.by)
          .replace('%(theirs)s', this.version).replace('%(mine)s', unsaved.baseVersion),
        choices: [
          { label: this.texts.keepTheirs, act: () => {
            forgetUnsaved(this.key);
            this.say(this.texts.keptTheirs, 'ok');
          } },
          { label: this.texts.useMine, primary: true, act: async () => {
            await this.importDiagram(unsaved.bpmn);
            Object.assign(this.files, unsaved.files || {});
            this.forms.refreshList();
            this.changed();
          } },
        ],
      });
    };
  }

  async showConflict(mine) {
    // A colleague saved after this page opened (409): fetch theirs, show base / theirs / mine, let me choose.
    const theirs = await this.api.send('GET', this.data.urls.draft);
    if (!theirs || theirs.status !== 200) {
      this.say(this.texts.conflictUnknown, 'error');
      return;
    }
    keepUnsaved(this.key, { baseVersion: this.base.version, base: this.base.bpmn, bpmn: mine, files: this.files });
    const summary = this.texts.conflictBy.replace('%(who)s', theirs.updated_by)
      .replace('%(theirs)s', theirs.version).replace('%(mine)s', this.base.version);
    this.say(summary, 'error');
    this.conflicts.show({
      base: this.base.bpmn, theirs: theirs.bpmn, mine, summary,
      choices: [
        { label: this.texts.openTheirs, act: async () => {
          await this.importDiagram(theirs.bpmn);
          for (const name of Object.keys(this.files)) {
            delete this.files[name];
          }
          Object.assign(this.files, theirs.files || {});
          this.forms.refreshList();
          this.version = theirs.version;
          this.base = { bpmn: theirs.bpmn, version: theirs.version, by: theirs.updated_by };
          this.dirty = false;
          this.showProblems(theirs.problems || []);
          this.say(this.texts.openedTheirs, 'warn');
          this.offerOlderCopy(loadUnsaved(this.key));
        } },
        { label: this.texts.saveMineOver, primary: true, act: async () => {
          this.version = theirs.version;
          this.base = { bpmn: theirs.bpmn, version: theirs.version, by: theirs.updated_by };
          await this.save();
        } },
      ],
    });
  }

  showTab(name) {
    for (const tab of document.querySelectorAll('[data-tab]')) {
      const selected = tab.getAttribute('data-tab') === name;
      tab.setAttribute('aria-selected', String(selected));
      document.getElementById(`tab-${tab.getAttribute('data-tab')}`).hidden = !selected;
    }
    if (name === 'decisions') {
      this.dmn.show();
    }
  }

  async check() {
    // The server's problems of the diagram and files as they are now (not saved): the list and the lint badge.
    if (!this.api) {
      return null;
    }
    await this.dmn.flush();
    const answer = await this.api.check({ bpmn: await this.exportXml(), files: this.files });
    if (!answer || answer.status !== 200) {
      return null;
    }
    this.problems.show(answer.problems);
    return answer.problems;
  }

  showProblems(problems) {
    this.problems.show(problems);
    this.modeler.get('linting').showProblems(problems);
  }

  changed() {
    this.modeler.get('linting').update(); // a form or a table changed: check again (the diagram's changes do anyway)
    this.dirty = true;
    this.say(this.texts.unsaved, 'warn');
    window.clearTimeout(this.keepTimer);
    this.keepTimer = window.setTimeout(() => this.keep(), 300);
  }

  async keep() {
    const xml = await this.exportXml();
    await this.dmn.flush();
    keepUnsaved(this.key, { baseVersion: this.version, base: this.base.bpmn, bpmn: xml, files: this.files });
  }

  say(text, tone = 'info') {
    this.status.textContent = text;
    this.status.className = `modeler-status ${tone}`;
  }

  refused(answer, fallback) {
    // The API's error: a conflict names who saved meanwhile; anything else says what was wrong.
    if (answer.status === 409) {
      return this.texts.conflict; // in the page's language, whatever the server's message says
    }
    return answer.message || fallback;
  }

  async save() {
    await this.dmn.flush();
    const xml = await this.exportXml();
    keepUnsaved(this.key, { baseVersion: this.version, base: this.base.bpmn, bpmn: xml, files: this.files });
    this.say(this.texts.saving);
    const answer = await this.api.save({ bpmn: xml, files: this.files, version: this.version });
    if (!answer) {
      return false;
    }
    if (answer.status === 409) {
      await this.showConflict(xml);
      return false;
    }
    if (answer.status !== 200) {
      this.say(this.refused(answer, this.texts.saveFailed), 'error');
      return false;
    }
    this.version = answer.version;
    this.base = { bpmn: xml, version: answer.version, by: answer.updated_by };
    this.dirty = false;
    forgetUnsaved(this.key);
    this.showProblems(answer.problems);
    const errors = answer.problems.filter((p) => p.severity === 'error').length;
    this.say(errors ? this.texts.savedWithErrors.replace('%(count)s', errors) : this.texts.saved,
      errors ? 'error' : 'ok');
    for (const input of document.querySelectorAll('[data-draft-version]')) {
      input.value = String(this.version);
    }
    return errors === 0;
  }

  async deploy() {
    const note = document.getElementById('deploy-note').value.trim();
    if (!note) {
      this.say(this.texts.noteNeeded, 'error');
      document.getElementById('deploy-note').focus();
      return;
    }
    if (this.dirty || this.version === 0) {
      if (!(await this.save())) {
        return;
      }
    }
    this.say(this.texts.deploying);
    const answer = await this.api.deploy({ version: this.version, note });
    if (!answer) {
      return;
    }
    if (answer.status === 201 || answer.status === 200) {
      forgetUnsaved(this.key);
      this.dirty = false;
      const said = answer.status === 201 ? this.texts.deployed : this.texts.unchanged;
      leaveNotice(said.replace('%(key)s', answer.key).replace('%(version)s', answer.version),
        answer.status === 201 ? 'success' : 'info');
      window.location.assign(this.data.urls.versions);
      return;
    }
    if (answer.errors) {
      this.showProblems(answer.errors);
      this.say(this.texts.notDeployed, 'error');
      return;
    }
    if (answer.status === 409) {
      await this.showConflict(await this.exportXml());
      return;
    }
    this.say(this.refused(answer, this.texts.deployFailed), 'error');
  }

  async discard() {
    const answer = await this.api.discard(this.version);
    if (!answer) {
      return;
    }
    if (answer.status !== 204) {
      this.say(this.refused(answer, this.texts.discardFailed), 'error');
      return;
    }
    // As leaving the page always did: work not saved yet stays in this browser, and leaving asks first.
    leaveNotice(this.texts.discarded.replace('%(key)s', this.key), 'success');
    window.location.assign(this.data.urls.index);
  }
}

export async function startEditorPage() {
  const holder = document.getElementById('modeler-data');
  if (!holder || !window.OpsflowModeler) {
    return;
  }
  const page = new EditorPage(JSON.parse(holder.textContent));
  window.opsflowEditor = page; // for the browser tests and the curious
  await page.start();
}

/**
 * The decision tables of a draft, edited with dmn-js (bundled separately as `window.OpsflowDmnModeler`):
 * the table view opens directly (opsflow's DMN files carry no diagram of their own); what is edited goes
 * back into the draft's files when another table is opened and before every save.
 */

export class DmnEditor {
  constructor({ root, files, onChange, texts, language, tryDecision }) {
    this.tryDecision = tryDecision;
    this.root = root;
    this.language = language;
    this.files = files;
    this.onChange = onChange;
    this.texts = texts;
    this.select = root.querySelector('#dmn-list');
    this.container = root.querySelector('#dmn-canvas');
    this.modeler = null;
    this.current = null;
    this.watched = new WeakSet();
    this.select.addEventListener('change', () => this.open(this.select.value));
    const names = this.names();
    this.select.replaceChildren(...names.map((name) => new Option(name, name)));
    this.root.querySelector('.dmn-empty').hidden = names.length > 0;
    this.tryForm = root.querySelector('#dmn-try');
    if (this.tryForm) {
      this.tryForm.hidden = names.length === 0;
      this.tryForm.addEventListener('submit', (event) => {
        event.preventDefault();
        this.evaluate();
      });
    }
  }

  /** Try the open table with the inputs given: the rules that match and the result, as the engine says. */
  async evaluate() {
    const out = this.root.querySelector('#dmn-try-result');
    let inputs;
    try {
      inputs = JSON.parse(this.root.querySelector('#dmn-try-inputs').value || '{}');
    } catch (error) {
      out.textContent = `${this.texts.tryNotJson} ${error.message}`;
      out.className = 'error';
      return;
    }
    await this.flush();
    const decision = this.root.querySelector('#dmn-try-decision').value;
    const answer = await this.tryDecision({ dmn: this.files[this.current].content, decision, inputs });
    if (!answer) {
      return;
    }
    if (answer.status !== 200) {
      out.textContent = answer.message || this.texts.tryFailed;
      out.className = 'error';
      return;
    }
    out.className = 'ok';
    out.textContent = this.texts.tryResult.replace('%(rules)s', answer.matched.join(', ') || '—')
      .replace('%(result)s', JSON.stringify(answer.result));
  }

  names() {
    return Object.keys(this.files).filter((name) => this.files[name].kind === 'dmn').sort();
  }

  async show() {
    if (!this.current && this.names().length) {
      await this.open(this.names()[0]);
    }
  }

  async open(name) {
    await this.flush();
    if (!window.OpsflowDmnModeler) {
      this.container.textContent = this.texts.dmnMissing;
      return;
    }
    if (!this.modeler) {
      this.modeler = window.OpsflowDmnModeler.create({ container: this.container, language: this.language });
    }
    this.current = name;
    this.select.value = name;
    await this.modeler.importXML(this.files[name].content);
    const table = this.modeler.getViews().find((view) => view.type === 'decisionTable');
    if (table) {
      await this.modeler.open(table);
    }
    const viewer = this.modeler.getActiveViewer();
    if (!this.watched.has(viewer)) {
      this.watched.add(viewer);
      viewer.get('eventBus').on('commandStack.changed', () => {
        this.dirty = true;
        this.onChange();
      });
    }
    const decisions = [...this.files[name].content.matchAll(/<(?:\w+:)?decision\b[^>]*\bid="([^"]+)"/g)]
      .map((m) => m[1]);
    const chooser = this.root.querySelector('#dmn-try-decision');
    if (chooser) {
      chooser.replaceChildren(...decisions.map((id) => new Option(id, id)));
    }
    this.dirty = false;
  }

  /** Write the open table back into the draft's files (before a save, or when another one opens). */
  async flush() {
    if (this.modeler && this.current && this.dirty) {
      const { xml } = await this.modeler.saveXML({ format: true });
      this.files[this.current].content = xml;
      this.dirty = false;
    }
  }
}

/**
 * The forms of a draft: pick one (or start a new one), edit its JSON Schema, and see it as the inbox
 * shows it, in Chinese and in English side by side: the server renders the preview with the inbox's own
 * form renderer and says what is wrong with the schema.
 */

const NEW_FORM = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  title: '',
  'x-title-zh': '',
  properties: {
    comment: { type: 'string', title: 'Comment', 'x-title-zh': '意见', 'x-widget': 'textarea', maxLength: 2000 },
  },
  required: [],
};

export class FormsEditor {
  constructor({ root, files, post, texts, onChange }) {
    this.root = root;
    this.files = files;
    this.post = post;
    this.texts = texts;
    this.onChange = onChange;
    this.select = root.querySelector('#form-list');
    this.textarea = root.querySelector('#form-json');
    this.errors = root.querySelector('#form-errors');
    this.previews = { zh: root.querySelector('#preview-zh'), en: root.querySelector('#preview-en') };
    this.timer = null;
    this.current = null;
    this.select.addEventListener('change', () => this.open(this.select.value));
    this.textarea.addEventListener('input', () => this.edited());
    root.querySelector('#new-form').addEventListener('click', () => this.create());
    this.refreshList();
  }

  names() {
    return Object.keys(this.files).filter((name) => this.files[name].kind === 'form').sort();
  }

  refreshList(selected) {
    const names = this.names();
    this.select.replaceChildren(...names.map((name) => new Option(name, name, false, name === selected)));
    if (names.length && !this.current) {
      this.open(selected || names[0]);
    } else if (selected) {
      this.open(selected);
    }
  }

  open(name) {
    this.current = name;
    this.select.value = name;
    this.textarea.value = this.files[name] ? this.files[name].content : '';
    this.textarea.disabled = !this.files[name];
    this.preview();
  }

  create() {
    const input = this.root.querySelector('#new-form-name');
    let name = input.value.trim();
    if (!name) {
      input.focus();
      return;
    }
    if (!name.endsWith('.json')) {
      name += '.json';
    }
    if (!this.files[name]) {
      const title = name.replace(/^.*\//, '').replace(/\.json$/, '').replace(/_/g, ' ');
      const schema = { ...NEW_FORM, title: title.charAt(0).toUpperCase() + title.slice(1) };
      this.files[name] = { kind: 'form', content: `${JSON.stringify(schema, null, 2)}\n` };
      this.onChange();
    }
    input.value = '';
    this.refreshList(name);
  }

  edited() {
    if (!this.current) {
      return;
    }
    this.files[this.current].content = this.textarea.value;
    this.onChange();
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.preview(), 400);
  }

  async preview() {
    if (!this.current || !this.files[this.current]) {
      this.errors.textContent = '';
      this.previews.zh.replaceChildren();
      this.previews.en.replaceChildren();
      return;
    }
    const answer = await this.post('preview', { name: this.current, schema: this.files[this.current].content });
    if (!answer) {
      return;
    }
    this.errors.replaceChildren(...(answer.errors || []).map((message) => {
      const li = document.createElement('li');
      li.textContent = message;
      return li;
    }));
    this.errors.hidden = !(answer.errors || []).length;
    for (const language of ['zh', 'en']) {
      // The server's own renderer (escaped by Jinja), the same markup the inbox shows.
      this.previews[language].innerHTML = answer.html ? answer.html[language] : '';
    }
  }
}

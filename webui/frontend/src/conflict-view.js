/**
 * Two analysts, one draft: the three-way view shown when a save meets a colleague's newer save (409), or
 * when this browser keeps unsaved changes made on an older version. It lists, element by element, what
 * the base (the version both started from) had, what they changed and what I changed; elements changed
 * on both sides are marked. Nothing is overwritten until the analyst chooses.
 *
 * Elements are compared on what the engine reads (kind, name, attributes, conditions, scripts, opsflow's
 * properties, a lane's steps), not on layout or on how a modeler wrote the file.
 */

const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const NOT_ELEMENTS = new Set(['incoming', 'outgoing', 'flowNodeRef', 'extensionElements', 'laneSet', 'definitions']);
// Attributes at their default value say what their absence says (engine/definitions/canonical.py).
const DEFAULTS = {
  cancelActivity: 'true', isInterrupting: 'true', parallelMultiple: 'false', isForCompensation: 'false',
  startQuantity: '1', completionQuantity: '1', triggeredByEvent: 'false', isClosed: 'false', processType: 'None',
  gatewayDirection: 'Unspecified', instantiate: 'false', implementation: '##unspecified', waitForCompletion: 'true',
};

function ownContent(el, parts) {
  for (const child of el.children) {
    if (child.namespaceURI === BPMN && (child.getAttribute('id') && child.localName !== 'conditionExpression')) {
      continue; // an element of its own, compared on its own
    }
    if (child.localName === 'incoming' || child.localName === 'outgoing') {
      continue;
    }
    const attrs = [...child.attributes].filter((a) => !a.name.startsWith('xmlns') && a.localName !== 'type')
      .map((a) => `${a.localName}=${a.value}`).sort().join(',');
    const text = child.children.length ? '' : (child.textContent || '').trim();
    parts.push(`${child.localName}[${attrs}]${text}`);
    ownContent(child, parts);
  }
}

/** Element id -> { kind, name, signature } of a BPMN document (an empty map when it cannot be read). */
export function describe(xml) {
  const found = new Map();
  if (!xml) {
    return found;
  }
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) {
    return found;
  }
  for (const el of doc.getElementsByTagNameNS(BPMN, '*')) {
    const id = el.getAttribute('id');
    if (!id || NOT_ELEMENTS.has(el.localName)) {
      continue;
    }
    const attrs = [...el.attributes]
      .filter((a) => a.localName !== 'id' && !a.name.startsWith('xmlns') && DEFAULTS[a.localName] !== a.value)
      .map((a) => `${a.localName}=${a.value}`).sort();
    const parts = [el.localName, ...attrs];
    ownContent(el, parts);
    found.set(id, { kind: el.localName, name: el.getAttribute('name') || '', signature: parts.join('|') });
  }
  return found;
}

/** What `after` changed from `before`: Map id -> 'added' | 'changed' | 'removed'. */
export function changes(before, after) {
  const found = new Map();
  for (const [id, item] of after) {
    if (!before.has(id)) {
      found.set(id, 'added');
    } else if (before.get(id).signature !== item.signature) {
      found.set(id, 'changed');
    }
  }
  for (const id of before.keys()) {
    if (!after.has(id)) {
      found.set(id, 'removed');
    }
  }
  return found;
}

export class ConflictView {
  constructor(root, texts) {
    this.root = root;
    this.texts = texts;
  }

  label(id, ...described) {
    const item = described.find((d) => d && d.has(id));
    const found = item && item.get(id);
    return found && found.name ? `${found.name} (${id})` : id;
  }

  line(text, tone) {
    const li = document.createElement('li');
    li.textContent = text;
    if (tone) {
      li.className = tone;
    }
    return li;
  }

  /**
   * Show base / theirs / mine. `choices`: [{ label, primary, act }]; each button hides the view and acts.
   * Returns the number of elements both sides changed.
   */
  show({ base, theirs, mine, summary, choices }) {
    const b = describe(base);
    const t = describe(theirs);
    const m = describe(mine);
    const theirChanges = base ? changes(b, t) : new Map();
    const myChanges = base ? changes(b, m) : changes(t, m);
    const both = [...myChanges.keys()].filter((id) => theirChanges.has(id));
    const word = (change) => this.texts[`change.${change}`] || change;
    this.root.querySelector('[data-part=summary]').textContent = summary;
    const lists = {
      base: this.root.querySelector('[data-side=base]'),
      theirs: this.root.querySelector('[data-side=theirs]'),
      mine: this.root.querySelector('[data-side=mine]'),
    };
    Object.values(lists).forEach((list) => list.replaceChildren());
    const touched = [...new Set([...theirChanges.keys(), ...myChanges.keys()])].sort();
    for (const id of touched) {
      const tone = both.includes(id) ? 'both' : '';
      lists.base.append(this.line(b.has(id) ? this.label(id, b) : `${this.label(id, t, m)}: ${this.texts.notInBase}`,
        tone));
      lists.theirs.append(this.line(theirChanges.has(id)
        ? `${this.label(id, t, b)}: ${word(theirChanges.get(id))}` : `${this.label(id, t, b)}: ${this.texts.notChanged}`,
      tone));
      lists.mine.append(this.line(myChanges.has(id)
        ? `${this.label(id, m, b)}: ${word(myChanges.get(id))}` : `${this.label(id, m, b)}: ${this.texts.notChanged}`,
      tone));
    }
    if (!touched.length) {
      lists.base.append(this.line(this.texts.noElementChanges));
    }
    if (!base) {
      lists.base.append(this.line(this.texts.baseUnknown));
    }
    this.root.querySelector('[data-part=both]').textContent = both.length
      ? this.texts.bothChanged.replace('%(count)s', both.length) : '';
    const actions = this.root.querySelector('[data-part=actions]');
    actions.replaceChildren();
    for (const choice of choices) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = choice.label;
      if (choice.primary) {
        button.className = 'primary';
      }
      button.addEventListener('click', async () => {
        this.hide();
        await choice.act();
      });
      actions.append(button);
    }
    this.root.hidden = false;
    this.root.querySelector('h2').focus();
    return both.length;
  }

  hide() {
    this.root.hidden = true;
  }
}

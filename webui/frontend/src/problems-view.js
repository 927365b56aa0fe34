/**
 * Validation problems marked on their elements (an outline on the canvas) and listed beside the diagram
 * with the element named; a click on a listed problem selects and shows the element. The badge on each
 * element and the count at the foot of the canvas are the lint overlays', fed the same list (server-lint.js).
 */

import { shownName } from './zh-labels.js';

const MARKERS = { error: 'opsflow-error', warning: 'opsflow-warning' };

export class ProblemsView {
  constructor(modeler, list, texts) {
    this.modeler = modeler;
    this.list = list;
    this.texts = texts;
    this.marked = [];
  }

  elementName(id) {
    const element = id && this.modeler.get('elementRegistry').get(id);
    // As the canvas shows it: a Chinese title in the zh UI, a lane's role by its title (zh-labels.js).
    const name = element && (shownName(element, this.modeler.get('opsflowContext'))
      || (element.businessObject && element.businessObject.name));
    return name ? `${name} (${id})` : id;
  }

  clear() {
    const canvas = this.modeler.get('canvas');
    const registry = this.modeler.get('elementRegistry');
    for (const [element, marker] of this.marked) {
      if (registry.get(element.id) === element) { // not deleted since (renamed is fine: a data key named)
        canvas.removeMarker(element, marker);
      }
    }
    this.marked = [];
    this.list.replaceChildren();
  }

  show(problems) {
    this.clear();
    const registry = this.modeler.get('elementRegistry');
    const canvas = this.modeler.get('canvas');
    this.list.setAttribute('data-count', String(problems.length));
    for (const problem of problems) {
      const onCanvas = problem.element && !problem.file && registry.get(problem.element);
      if (onCanvas) {
        const marker = MARKERS[problem.severity] || MARKERS.error;
        canvas.addMarker(onCanvas, marker);
        this.marked.push([onCanvas, marker]);
      }
      this.list.append(this.item(problem, Boolean(onCanvas)));
    }
    if (!problems.length) {
      const none = document.createElement('li');
      none.className = 'problem-none';
      none.textContent = this.texts.noProblems;
      this.list.append(none);
    }
  }

  item(problem, onCanvas) {
    const li = document.createElement('li');
    li.className = `problem ${problem.severity}`;
    li.setAttribute('data-element', problem.element || '');
    const where = document.createElement(onCanvas ? 'button' : 'span');
    where.className = onCanvas ? 'link problem-where' : 'problem-where';
    where.textContent = problem.file ? `${problem.file}${problem.element ? ` · ${problem.element}` : ''}`
      : (problem.element ? this.elementName(problem.element) : this.texts.wholeDiagram);
    if (onCanvas) {
      where.type = 'button';
      where.addEventListener('click', () => this.reveal(problem.element));
    }
    const severity = document.createElement('span');
    severity.className = 'problem-severity';
    severity.textContent = problem.severity === 'error' ? this.texts.error : this.texts.warning;
    const message = document.createElement('span');
    message.className = 'problem-message';
    message.textContent = problem.message;
    li.append(severity, ' ', where, ': ', message);
    return li;
  }

  reveal(id) {
    const element = this.modeler.get('elementRegistry').get(id);
    if (element) {
      this.modeler.get('canvas').scrollToElement(element);
      this.modeler.get('selection').select(element);
    }
  }
}

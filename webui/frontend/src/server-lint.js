/**
 * The lint badge fed by the server: bpmn-js-bpmnlint's button and overlays, but the issues are the problems
 * the server's check finds (the deploy check's and the draft's own rule, `POST .../draft/problems`), so the
 * badge, the problem list beside the diagram and the deploy's verdict are one list. bpmnlint's own rules
 * ran on the browser's side and disagreed with the server (event sub-processes, compensation, lanes
 * without a known role, labels the engine does not need...).
 *
 * `config.linting.check` is an async function answering the current problems (`[{element, severity,
 * message}]`), or null when the server could not be asked (the badge then keeps what it showed).
 * Changes are checked after a pause (`config.linting.delay`, ms), the last change only.
 */

import lintModule from 'bpmn-js-bpmnlint';

const Linting = lintModule.linting[1];
const RULE = 'opsflow';

/** Problems as bpmnlint's reports: `{ rule: [{ id, message, category }] }`, those of no element on the root. */
export function asReports(problems, rootId) {
  return {
    [RULE]: problems.map((problem) => ({
      id: (!problem.file && problem.element) || rootId,
      message: problem.message,
      category: problem.severity === 'error' ? 'error' : 'warn',
    })),
  };
}

export default class ServerLinting extends Linting {
  constructor(bpmnjs, canvas, config, elementRegistry, eventBus, overlays, translate) {
    super(bpmnjs, canvas, config, elementRegistry, eventBus, overlays, translate);
    this._check = config.check;
    this._delay = config.delay ?? 400;
    this._given = null;
    this._last = asReports([], null);
    this._asked = 0;
    this._answered = 0;
  }

  /** Whether the badge shows the answer to the last change (nothing waiting, nothing on its way). */
  isIdle() {
    return this._answered === this._asked;
  }

  /** Show these problems at once (a save's or a deploy's answer), without asking the server again. */
  showProblems(problems) {
    this._given = problems;
    this.update();
  }

  lint() {
    const root = this._canvas.getRootElement();
    const round = ++this._asked;
    window.clearTimeout(this._timer);
    if (this._given) {
      this._last = asReports(this._given, root && root.id);
      this._given = null;
      this._answered = round;
      return Promise.resolve(this._last);
    }
    // A later change restarts the pause; bpmn-js-bpmnlint shows only the answer of the last lint() it started.
    return new Promise((resolve) => {
      this._timer = window.setTimeout(async () => {
        let problems = null;
        try {
          problems = await this._check();
        } catch (error) {
          console.error('[opsflow] the problems could not be checked', error); // the badge keeps what it showed
        }
        const current = this._canvas.getRootElement();
        if (problems) {
          this._last = asReports(problems, current && current.id);
        }
        if (round === this._asked) {
          this._answered = round;
        }
        resolve(this._last);
      }, this._delay);
    });
  }
}

ServerLinting.$inject = Linting.$inject;

export const serverLintModule = {
  __init__: ['linting'],
  linting: ['type', ServerLinting],
};

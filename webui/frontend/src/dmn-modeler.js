/**
 * Entry of webui/static/build/dmn-modeler.js: dmn-js's Modeler (decision requirements diagram,
 * decision tables, literal expressions) as `window.OpsflowDmnModeler`.
 *
 *   const modeler = OpsflowDmnModeler.create({ container: '#dmn' });
 *   await modeler.importXML(xml);
 */

import DmnModeler from 'dmn-js/lib/Modeler';
import { HIT_POLICIES } from 'dmn-js-decision-table/lib/features/hit-policy/HitPolicies';

import translateZh from './translate-zh.js';

// The hit policies the engine runs (engine.definitions.checks.SUPPORTED_HIT_POLICIES): the editor's choice
// offers only these. dmn-js builds that choice with HIT_POLICIES.map(); its viewer still finds any policy a
// file already has (a FIRST table from another tool shows as FIRST, and the deploy check names it).
const RUN_BY_THE_ENGINE = new Set(['UNIQUE', 'COLLECT']);
Object.defineProperty(HIT_POLICIES, 'map', {
  value(fn, thisArg) {
    return Array.prototype.filter.call(this, (p) => RUN_BY_THE_ENGINE.has(p.value.hitPolicy) && !p.value.aggregation)
      .map(fn, thisArg);
  },
});

/**
 * A new DMN Modeler drawing into `container` (element or selector); `language` 'zh' says dmn-js's own
 * texts in Chinese; other options go to dmn-js.
 */
export function create({ container, language = 'en', ...options }) {
  const parent = typeof container === 'string' ? document.querySelector(container) : container;
  const views = {};
  if (language === 'zh') {
    for (const view of ['drd', 'decisionTable', 'literalExpression', 'boxedExpression']) {
      views[view] = { additionalModules: [{ translate: ['value', translateZh] }] };
    }
  }
  return new DmnModeler({ container: parent, ...views, ...options });
}

window.OpsflowDmnModeler = Object.freeze({ create, DmnModeler });

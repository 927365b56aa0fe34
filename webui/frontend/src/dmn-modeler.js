/**
 * Entry of webui/static/build/dmn-modeler.js: dmn-js's Modeler (decision requirements diagram,
 * decision tables, literal expressions) as `window.OpsflowDmnModeler`.
 *
 *   const modeler = OpsflowDmnModeler.create({ container: '#dmn' });
 *   await modeler.importXML(xml);
 */

import DmnModeler from 'dmn-js/lib/Modeler';

import translateZh from './translate-zh.js';

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

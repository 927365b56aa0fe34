/**
 * Entry of webui/static/build/dmn-modeler.js: dmn-js's Modeler (decision requirements diagram,
 * decision tables, literal expressions) as `window.OpsflowDmnModeler`.
 *
 *   const modeler = OpsflowDmnModeler.create({ container: '#dmn' });
 *   await modeler.importXML(xml);
 */

import DmnModeler from 'dmn-js/lib/Modeler';

/** A new DMN Modeler drawing into `container` (element or selector); other options go to dmn-js. */
export function create({ container, ...options }) {
  const parent = typeof container === 'string' ? document.querySelector(container) : container;
  return new DmnModeler({ container: parent, ...options });
}

window.OpsflowDmnModeler = Object.freeze({ create, DmnModeler });

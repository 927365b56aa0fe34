/**
 * Entry of webui/static/build/modeler.js: bpmn-js's Modeler with the properties panel and
 * bpmnlint, as `window.OpsflowModeler`. opsflow's own properties provider (the extension
 * elements the engine reads) is to be added through `additionalModules` / `moddleExtensions`.
 *
 *   const modeler = OpsflowModeler.create({ container: '#canvas', propertiesPanel: '#properties' });
 *   await modeler.importXML(xml);
 */

import BpmnModeler from 'bpmn-js/lib/Modeler';
import lintModule from 'bpmn-js-bpmnlint';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

// Compiled from webui/frontend/.bpmnlintrc by build.mjs.
import lintConfig from 'opsflow:bpmnlint-config';

/**
 * A new Modeler drawing into `container`, with the properties panel in `propertiesPanel`
 * (element or selector; optional) and linting shown on the canvas while `lint` is true.
 */
export function create({ container, propertiesPanel, lint = true, additionalModules = [], moddleExtensions = {} }) {
  return new BpmnModeler({
    container,
    propertiesPanel: propertiesPanel ? { parent: propertiesPanel } : undefined,
    linting: { bpmnlint: lintConfig, active: lint },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, lintModule, ...additionalModules],
    moddleExtensions,
  });
}

window.OpsflowModeler = Object.freeze({ create, BpmnModeler, lintConfig });

/**
 * Entry of webui/static/build/modeler.js: bpmn-js's Modeler with the properties panel, bpmnlint, opsflow's
 * moddle descriptor (the `spiffworkflow:` extension elements the engine reads) and opsflow's own
 * properties provider, as `window.OpsflowModeler`; and the editor page (modeler-page.js), which starts
 * itself on pages that carry `#modeler-data`.
 *
 *   const modeler = OpsflowModeler.create({ container: '#canvas', propertiesPanel: '#properties',
 *                                           context: { roles, forms: () => [...], decisions: () => [...], labels } });
 *   await modeler.importXML(xml);
 */

import BpmnModeler from 'bpmn-js/lib/Modeler';
import lintModule from 'bpmn-js-bpmnlint';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

// Compiled from webui/frontend/.bpmnlintrc by build.mjs.
import lintConfig from 'opsflow:bpmnlint-config';

import flushingDebounceModule from './debounce-input.js';
import keyboardAccessModule from './keyboard-access.js';
import opsflowPropertiesModule from './opsflow-properties.jsx';
import spiffworkflowModdle from './spiffworkflow-moddle.json';
import translateZh from './translate-zh.js';
import { dataKeyModule } from './data-key.js';
import { startEditorPage } from './modeler-page.js';
import { serverLintModule } from './server-lint.js';
import { labelModule } from './zh-labels.js';

const EMPTY_CONTEXT = { roles: [], forms: () => [], decisions: () => [], labels: {} };

/**
 * A new Modeler drawing into `container`, with the properties panel in `propertiesPanel`
 * (element or selector; optional) and linting shown on the canvas while `lint` is true.
 * `context` gives the properties provider the organisation's roles, the draft's forms and decisions
 * and the page's translated labels and roles; `language` 'zh' says bpmn-js's own texts in Chinese and shows
 * elements by their Chinese title (zh-labels.js). `check`, an async function answering the server's problems
 * of the diagram as it is, feeds the lint badge instead of bpmnlint's rules (server-lint.js).
 */
export function create({ container, propertiesPanel, lint = true, additionalModules = [], moddleExtensions = {},
  context = EMPTY_CONTEXT, language = 'en', check = null }) {
  const modules = [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, lintModule, flushingDebounceModule,
    opsflowPropertiesModule, keyboardAccessModule, labelModule, dataKeyModule,
    { opsflowContext: ['value', { ...EMPTY_CONTEXT, ...context, language }] }];
  if (check) {
    modules.push(serverLintModule);
  }
  if (language === 'zh') {
    modules.push({ translate: ['value', translateZh] });
  }
  return new BpmnModeler({
    container,
    propertiesPanel: propertiesPanel ? { parent: propertiesPanel } : undefined,
    linting: check ? { active: lint, check } : { bpmnlint: lintConfig, active: lint },
    additionalModules: [...modules, ...additionalModules],
    moddleExtensions: { spiffworkflow: spiffworkflowModdle, ...moddleExtensions },
  });
}

window.OpsflowModeler = Object.freeze({ create, BpmnModeler, lintConfig, spiffworkflowModdle });

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', startEditorPage);
} else {
  startEditorPage();
}

/**
 * Entry of webui/static/build/viewer.js: the read-only diagram as `window.OpsflowDiagram`.
 *
 *   const view = await OpsflowDiagram.show(container, bpmnXml, {
 *     visited: ['research', 'flow_research_draft', 'draft_plan'],
 *     current: ['manager_review'],
 *     counts: { draft_plan: 2 },
 *   });
 */

import { CLASSES, DiagramView, show } from './diagram.js';

window.OpsflowDiagram = Object.freeze({ show, classes: CLASSES, DiagramView });

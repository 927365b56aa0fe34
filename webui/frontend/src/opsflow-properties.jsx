/**
 * opsflow's own properties panel groups: everything the engine reads from BPMN, as fields.
 *
 * Lane -> role (picked from the organisation); process -> who may start, start form, Chinese title,
 * instance title; user task -> form (picked from the draft's forms), Chinese title, instructions in
 * both languages, context, relationship assignee, due window (ISO 8601, working days), who is told;
 * who is copied (抄送, copyTo); end event -> Chinese title, who is copied when the process ends there;
 * script task -> script (with the sandbox's rules); flow out of a gateway -> condition; business rule
 * task -> called decision table. The labels come translated from the page (`opsflowContext.labels`).
 * More groups: a user task's countersign (countersign-entries.jsx) and the approval moves of a user task or a
 * process (approval-rules.jsx).
 */

import { is } from 'bpmn-js/lib/util/ModelUtil';
import { SelectEntry, TextAreaEntry, TextFieldEntry, isSelectEntryEdited, isTextAreaEntryEdited }
  from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { useCallback } from '@bpmn-io/properties-panel/preact/hooks';

import { processRuleEntries, taskRuleEntries } from './approval-rules.jsx';
import { countersignEntries } from './countersign-entries.jsx';
import { keyProblem, proposeKey } from './data-key.js';
import { getBody, getProperty, ownerOf, setBody, setProperty } from './extension.js';
import { entry } from './panel-kit.jsx';

const LOW_PRIORITY = 400;

function services() {
  return { bpmnFactory: useService('bpmnFactory'), modeling: useService('modeling') };
}

function label(key) {
  const context = useService('opsflowContext');
  return (context.labels && context.labels[key]) || key;
}

// setValue stays the same function while the element does: the panel's debounce is made anew for a new
// setValue, flushing what was typed, so a new one on every redraw (another field's change) lost text.
function PropertyField({ element, id, name, labelKey, descriptionKey, area }) {
  const deps = services();
  const debounce = useService('debounceInput');
  const Entry = area ? TextAreaEntry : TextFieldEntry;
  const setValue = useCallback((value) => setProperty(element, name, value, deps), [element, name]);
  return <Entry element={element} id={id} label={label(labelKey)} debounce={debounce}
    description={descriptionKey ? label(descriptionKey) : undefined}
    getValue={() => getProperty(element, name)} setValue={setValue} />;
}

function BodyField({ element, id, type, labelKey, descriptionKey, monospace }) {
  const deps = services();
  const debounce = useService('debounceInput');
  const setValue = useCallback((value) => setBody(element, type, value, deps), [element, type]);
  return <TextAreaEntry element={element} id={id} label={label(labelKey)} debounce={debounce} monospace={monospace}
    description={descriptionKey ? label(descriptionKey) : undefined}
    getValue={() => getBody(element, type)} setValue={setValue} />;
}

function FormSelect({ element, id, name, labelKey }) {
  const deps = services();
  const context = useService('opsflowContext');
  const getOptions = () => {
    const names = context.forms();
    const current = getProperty(element, name);
    const all = current && !names.includes(current) ? [current, ...names] : names;
    return [{ value: '', label: label('(none)') }, ...all.map((form) => ({ value: form, label: form }))];
  };
  return <SelectEntry element={element} id={id} label={label(labelKey)} description={label('form.hint')}
    getValue={() => getProperty(element, name)} setValue={(value) => setProperty(element, name, value, deps)}
    getOptions={getOptions} />;
}

function LaneRole({ element, id }) {
  const modeling = useService('modeling');
  const context = useService('opsflowContext');
  const getOptions = () => {
    const current = element.businessObject.name || '';
    const known = context.roles.map((role) => ({ value: role.key, label: `${role.title} (${role.key})` }));
    const options = [{ value: '', label: label('(no role)') }, ...known];
    return current && !context.roles.some((r) => r.key === current)
      ? [...options, { value: current, label: `${current} — ${label('unknown role')}` }] : options;
  };
  return <SelectEntry element={element} id={id} label={label('Role (the lane name)')} description={label('lane.hint')}
    getValue={() => element.businessObject.name || ''} getOptions={getOptions}
    setValue={(value) => modeling.updateProperties(element, { name: value || undefined })} />;
}

function StartRoles({ element, id }) {
  const deps = services();
  const debounce = useService('debounceInput');
  const context = useService('opsflowContext');
  const known = new Set(context.roles.map((role) => role.key));
  const unknownRole = label('unknown role'); // validate runs outside rendering too: no hook inside it
  const validate = (value) => {
    const unknown = (value || '').split(',').map((r) => r.trim()).filter((r) => r && !known.has(r));
    return unknown.length ? `${unknownRole}: ${unknown.join(', ')}` : null;
  };
  const setValue = useCallback((value) => setProperty(element, 'startRoles', value, deps), [element]);
  return <TextFieldEntry element={element} id={id} label={label('Who may start (roles, comma separated)')}
    description={context.roles.map((r) => r.key).join(', ')} debounce={debounce} validate={validate}
    getValue={() => getProperty(element, 'startRoles')} setValue={setValue} />;
}

function Script({ element, id }) {
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const setValue = useCallback((value) => modeling.updateProperties(element, { script: value || undefined }),
    [element]);
  return <TextAreaEntry element={element} id={id} label={label('Script (Python, sandboxed)')} monospace rows={8}
    description={label('sandbox.rules')} debounce={debounce}
    getValue={() => element.businessObject.script || ''} setValue={setValue} />;
}

function Condition({ element, id }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const getValue = () => {
    const expression = element.businessObject.conditionExpression;
    return expression ? expression.body || '' : '';
  };
  const setValue = useCallback((value) => modeling.updateProperties(element, {
    conditionExpression: value ? bpmnFactory.create('bpmn:FormalExpression', { body: value }) : undefined }),
  [element]);
  return <TextAreaEntry element={element} id={id} label={label('Condition (Python expression)')} monospace
    description={label('condition.hint')} debounce={debounce} getValue={getValue} setValue={setValue} />;
}

function DecisionSelect({ element, id }) {
  const deps = services();
  const context = useService('opsflowContext');
  const type = 'spiffworkflow:CalledDecisionId';
  const getOptions = () => [{ value: '', label: label('(none)') },
    ...context.decisions().map((d) => ({ value: d, label: d }))];
  return <SelectEntry element={element} id={id} label={label('Decision table')} getOptions={getOptions}
    getValue={() => getBody(element, type)} setValue={(value) => setBody(element, type, value, deps)} />;
}

// The task's id is where the engine keeps its data: required, readable, an identifier, unique (data-key.js).
function DataKey({ element, id }) {
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const labels = useService('opsflowContext').labels || {};
  const validate = (value) => {
    // Called outside the panel's rendering too: the labels are read above, never through a hook here.
    const problem = keyProblem(value, element);
    if (!problem) {
      return null;
    }
    const proposal = problem === 'generated' ? proposeKey(element.businessObject.name, element) : null;
    const said = labels[`datakey.${problem}`] || problem;
    return proposal ? `${said} ${labels['datakey.proposal'] || ''} ${proposal}` : said;
  };
  const setValue = useCallback((value) => {
    if (!keyProblem(value, element)) {
      modeling.updateProperties(element, { id: value.trim() });
    }
  }, [element]);
  return <TextFieldEntry element={element} id={id} label={label('Data key')} description={label('datakey.hint')}
    debounce={debounce} validate={validate} getValue={() => element.businessObject.id} setValue={setValue} />;
}

function userTaskEntries() {
  return [
    entry('opsflow-data-key', DataKey),
    entry('opsflow-form', FormSelect, { name: 'formJsonSchemaFilename', labelKey: 'Form' }, isSelectEntryEdited),
    entry('opsflow-title-zh', PropertyField, { name: 'titleZh', labelKey: 'Title in Chinese' }),
    entry('opsflow-instructions', BodyField, { type: 'spiffworkflow:InstructionsForEndUser',
      labelKey: 'Instructions (English)' }, isTextAreaEntryEdited),
    entry('opsflow-instructions-zh', PropertyField, { name: 'instructionsZh', labelKey: 'Instructions (Chinese)',
      area: true }, isTextAreaEntryEdited),
    entry('opsflow-context', PropertyField, { name: 'contextFrom', labelKey: 'Shows the data of (steps)',
      descriptionKey: 'context.hint' }),
    entry('opsflow-assignee', PropertyField, { name: 'assignee', labelKey: 'Assignee (relationship lanes)',
      descriptionKey: 'assignee.hint' }),
    entry('opsflow-due', PropertyField, { name: 'dueWindow', labelKey: 'Due window', descriptionKey: 'due.hint' }),
    entry('opsflow-notify', PropertyField, { name: 'notifyOnComplete', labelKey: 'Tell on completion',
      descriptionKey: 'notify.hint' }),
    entry('opsflow-copy', PropertyField, { name: 'copyTo', labelKey: 'CC when completed', descriptionKey: 'copy.hint' }),
    entry('opsflow-prescript', BodyField, { type: 'spiffworkflow:PreScript', labelKey: 'Pre-script',
      descriptionKey: 'sandbox.rules', monospace: true }, isTextAreaEntryEdited),
  ];
}

function processEntries() {
  return [
    entry('opsflow-start-roles', StartRoles),
    entry('opsflow-start-form', FormSelect, { name: 'startForm', labelKey: 'Start form' }, isSelectEntryEdited),
    entry('opsflow-process-title-zh', PropertyField, { name: 'titleZh', labelKey: 'Title in Chinese' }),
    entry('opsflow-instance-title', PropertyField, { name: 'instanceTitle', labelKey: 'Instance title',
      descriptionKey: 'instance-title.hint' }),
    entry('opsflow-business-key', PropertyField, { name: 'businessKey', labelKey: 'Business key' }),
    entry('opsflow-notify-end', PropertyField, { name: 'notifyOnEnd', labelKey: 'Tell at the end',
      descriptionKey: 'notify.hint' }),
  ];
}

function endEventEntries() {
  return [
    entry('opsflow-end-title-zh', PropertyField, { name: 'titleZh', labelKey: 'Title in Chinese' }),
    entry('opsflow-end-copy', PropertyField, { name: 'copyTo', labelKey: 'CC when the process ends here',
      descriptionKey: 'copy.hint' }),
  ];
}

function entriesFor(element) {
  const bo = element.businessObject;
  if (is(element, 'bpmn:Lane')) {
    return [entry('opsflow-lane-role', LaneRole, {}, isSelectEntryEdited)];
  }
  if (is(element, 'bpmn:Process') || (is(element, 'bpmn:Participant') && bo.processRef)) {
    return processEntries();
  }
  if (is(element, 'bpmn:UserTask')) {
    return userTaskEntries();
  }
  if (is(element, 'bpmn:EndEvent')) {
    return endEventEntries();
  }
  if (is(element, 'bpmn:ScriptTask')) {
    return [entry('opsflow-script', Script, {}, isTextAreaEntryEdited)];
  }
  if (is(element, 'bpmn:BusinessRuleTask')) {
    return [entry('opsflow-decision', DecisionSelect, {}, isSelectEntryEdited)];
  }
  if (is(element, 'bpmn:SequenceFlow') && bo.sourceRef && !is(bo.sourceRef, 'bpmn:ParallelGateway')
      && is(bo.sourceRef, 'bpmn:Gateway')) {
    return [entry('opsflow-condition', Condition, {}, isTextAreaEntryEdited)];
  }
  return [];
}

// More groups after opsflow's own, by kind of element: [group id, label key, entries].
function moreGroups(element) {
  if (is(element, 'bpmn:UserTask')) {
    return [['opsflow-countersign', 'countersign', countersignEntries(element)],
      ['opsflow-moves', 'moves', taskRuleEntries()]];
  }
  const bo = element.businessObject;
  if (is(element, 'bpmn:Process') || (is(element, 'bpmn:Participant') && bo.processRef)) {
    return [['opsflow-moves', 'moves', processRuleEntries()]];
  }
  return [];
}

class OpsflowPropertiesProvider {
  constructor(propertiesPanel, opsflowContext) {
    this._context = opsflowContext;
    propertiesPanel.registerProvider(LOW_PRIORITY, this);
  }

  getGroups(element) {
    return (groups) => {
      const labels = this._context.labels || {};
      const ours = [];
      const entries = entriesFor(element);
      if (entries.length) {
        ours.push({ id: 'opsflow', label: labels.opsflow || 'opsflow', entries });
      }
      for (const [id, key, more] of moreGroups(element)) {
        ours.push({ id, label: labels[key] || key, entries: more });
      }
      // A user task's loop is the countersign group's: bpmn-js's own multi-instance fields (a loop cardinality,
      // a bare condition) would write what the engine refuses for a countersign.
      const shown = is(element, 'bpmn:UserTask') ? groups.filter((group) => group.id !== 'multiInstance') : groups;
      shown.splice(1, 0, ...ours);
      return shown;
    };
  }
}

OpsflowPropertiesProvider.$inject = ['propertiesPanel', 'opsflowContext'];

export default {
  __init__: ['opsflowPropertiesProvider'],
  opsflowPropertiesProvider: ['type', OpsflowPropertiesProvider],
};

export { ownerOf };

/**
 * A user task's data key: the engine stores what the task's form collects under the task's id, and scripts and
 * conditions read it as `key['field']`. bpmn-js gives a new task a generated id (`Activity_0abc123`), a key
 * nobody can read; so when such a task gets its first name, the key is proposed from the name (`Check the
 * budget` -> `check_the_budget`), as a Python identifier unique in the diagram. The properties panel shows the
 * key as a required field (opsflow-properties.jsx, `DataKey`), and the server warns of a generated one.
 */

import CommandInterceptor from 'diagram-js/lib/command/CommandInterceptor';
import { is } from 'bpmn-js/lib/util/ModelUtil';

export const GENERATED = /^Activity_[0-9a-z]{7}$/;
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_LENGTH = 40;
const PYTHON_WORDS = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class',
  'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is',
  'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case',
  'type']);

/** Why `value` cannot be the data key of `element` ('required', 'invalid', 'taken', 'generated'), or null. */
export function keyProblem(value, element) {
  const key = (value || '').trim();
  if (!key) {
    return 'required';
  }
  if (!IDENTIFIER.test(key) || PYTHON_WORDS.has(key)) {
    return 'invalid';
  }
  const owner = element.businessObject.$model.ids.assigned(key);
  if (owner && owner !== element.businessObject) {
    return 'taken';
  }
  return GENERATED.test(key) ? 'generated' : null;
}

/** A data key made from `name`, free in the diagram of `element` (null when the name gives none). */
export function proposeKey(name, element) {
  let key = (name || '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (key.length > MAX_LENGTH) {
    key = key.slice(0, MAX_LENGTH).replace(/_[^_]*$/, '') || key.slice(0, MAX_LENGTH);
  }
  if (!key) {
    return null;
  }
  if (/^[0-9]/.test(key) || PYTHON_WORDS.has(key)) {
    key = `step_${key}`;
  }
  const ids = element.businessObject.$model.ids;
  let candidate = key;
  for (let n = 2; ids.assigned(candidate) && ids.assigned(candidate) !== element.businessObject; n += 1) {
    candidate = `${key}_${n}`;
  }
  return candidate;
}

class DataKeyProposal extends CommandInterceptor {
  constructor(eventBus, modeling) {
    super(eventBus);
    this.postExecuted(['element.updateLabel', 'element.updateProperties'], ({ context }) => {
      const element = context.element && (context.element.labelTarget || context.element);
      if (!element || !is(element, 'bpmn:UserTask') || !GENERATED.test(element.businessObject.id)) {
        return;
      }
      const key = proposeKey(element.businessObject.name, element);
      if (key) {
        modeling.updateProperties(element, { id: key });
      }
    });
  }
}

DataKeyProposal.$inject = ['eventBus', 'modeling'];

export const dataKeyModule = {
  __init__: ['opsflowDataKeyProposal'],
  opsflowDataKeyProposal: ['type', DataKeyProposal],
};

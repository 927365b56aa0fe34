/**
 * The "Approval moves" group: a user task's say in returns (returnAllowed, afterReturn: engine/runtime/rewind.py)
 * and bulk approval (bulkApprove: engine/runtime/bulk.py); a process's transfer rule, what happens when nobody
 * holds a step's role and whether the same approver is passed the second time (engine/definitions/parser.py).
 * Each is a select offering only the values the engine's deploy check accepts; the first option, the engine's
 * default, writes nothing.
 */

import { SelectEntry, isSelectEntryEdited } from '@bpmn-io/properties-panel';

import { getProperty, setProperty } from './extension.js';
import { entry, useLabels, useModelServices } from './panel-kit.jsx';

// `caseless`: the engine reads the value lower-cased (so "TRUE" shows as "true").
const TASK_RULES = [
  { id: 'opsflow-return-allowed', name: 'returnAllowed', values: ['true', 'false'] },
  { id: 'opsflow-after-return', name: 'afterReturn', values: ['straightBack', 'walkOn'] },
  { id: 'opsflow-bulk-approve', name: 'bulkApprove', values: ['true', 'false'], caseless: true },
];
const PROCESS_RULES = [
  { id: 'opsflow-transfer-rule', name: 'transferRule', values: ['anyone', 'department', 'role'] },
  { id: 'opsflow-when-no-holder', name: 'whenNoHolder', values: ['admins', 'manager', 'refuse'] },
  { id: 'opsflow-skip-same-approver', name: 'skipSameApprover', values: ['true', 'false'], caseless: true },
];

function RuleSelect({ element, id, name, values, caseless }) {
  const t = useLabels();
  const deps = useModelServices();
  const getValue = () => {
    const value = getProperty(element, name).trim();
    return caseless ? value.toLowerCase() : value;
  };
  const getOptions = () => {
    const current = getValue();
    const options = [{ value: '', label: t(`${name}.default`) },
      ...values.map((value) => ({ value, label: t(`${name}.${value}`) }))];
    return current && !values.includes(current)
      ? [...options, { value: current, label: `${current} — ${t('rule.refused')}` }] : options;
  };
  return <SelectEntry element={element} id={id} label={t(name)} description={t(`${name}.hint`)}
    getValue={getValue} getOptions={getOptions} setValue={(value) => setProperty(element, name, value, deps)} />;
}

function entries(rules) {
  return rules.map((rule) => entry(rule.id, RuleSelect, rule, isSelectEntryEdited));
}

export function taskRuleEntries() {
  return entries(TASK_RULES);
}

export function processRuleEntries() {
  return entries(PROCESS_RULES);
}

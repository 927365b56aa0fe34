/**
 * Chinese for the bpmn-js texts an analyst sees most (palette, context pad, properties panel groups
 * and fields); anything not listed stays as bpmn-js says it. Used when the page's language is zh.
 */

const ZH = {
  'Activate hand tool': '抓手工具', 'Activate lasso tool': '套索工具', 'Activate create/remove space tool': '空间工具',
  'Activate global connect tool': '连接工具', 'Create start event': '开始事件', 'Create end event': '结束事件',
  'Create intermediate/boundary event': '中间/边界事件', 'Create gateway': '网关', 'Create task': '任务',
  'Create expanded sub-process': '展开的子流程', 'Create data object reference': '数据对象',
  'Create data store reference': '数据存储', 'Create pool/participant': '池/参与者', 'Create group': '分组',
  'Append task': '追加任务', 'Append end event': '追加结束事件', 'Append gateway': '追加网关',
  'Append intermediate/boundary event': '追加中间/边界事件', 'Append text annotation': '追加注释',
  'Connect using sequence/message flow or association': '用顺序流连接', 'Connect using association': '用关联连接',
  'Connect to other element': '连接到其他元素', 'Change element': '更改类型', 'Change type': '更改类型', 'Delete': '删除',
  'Add lane above': '在上方添加泳道', 'Add lane below': '在下方添加泳道', 'Divide into two lanes': '分为两条泳道',
  'Divide into three lanes': '分为三条泳道', 'Set color': '设置颜色', 'Search in diagram': '在图中搜索',
  'General': '常规', 'Name': '名称', 'ID': 'ID', 'Documentation': '说明', 'Element documentation': '元素说明',
  'Process documentation': '流程说明', 'Process': '流程', 'Process name': '流程名称', 'Process ID': '流程 ID',
  'Executable': '可执行', 'Timer': '定时器', 'Type': '类型', 'Value': '值', 'Date': '日期', 'Duration': '时长',
  'Cycle': '周期', '<none>': '<无>', 'Multi-instance': '多实例', 'Message': '消息', 'Signal': '信号',
  'Error': '错误', 'Escalation': '升级', 'Compensation': '补偿', 'Link': '链接', 'Task': '任务',
  'User task': '用户任务', 'Script task': '脚本任务', 'Business rule task': '业务规则任务', 'Service task': '服务任务',
  'Send task': '发送任务', 'Receive task': '接收任务', 'Manual task': '手工任务', 'Call activity': '调用活动',
  'Exclusive gateway': '排他网关', 'Parallel gateway': '并行网关', 'Inclusive gateway': '包容网关',
  'Event-based gateway': '事件网关', 'Complex gateway': '复杂网关', 'Start event': '开始事件', 'End event': '结束事件',
  'Timer start event': '定时开始事件', 'Timer intermediate catch event': '定时中间事件',
  'Timer boundary event': '定时边界事件', 'Lane': '泳道', 'Participant': '参与者', 'Sequence flow': '顺序流',
  'Default flow': '默认流', 'Conditional flow': '条件流', 'Text annotation': '注释', 'Intermediate throw event': '中间抛出事件',
  'Sub-process (collapsed)': '子流程（折叠）', 'Sub-process (expanded)': '子流程（展开）', 'Loop': '循环',
  'Parallel multi-instance': '并行多实例', 'Sequential multi-instance': '串行多实例',
  'Element must have an outgoing sequence flow': '元素必须有一条流出的顺序流',
  'Element must have an incoming sequence flow': '元素必须有一条流入的顺序流',
  'Element is missing label/name': '元素缺少名称', 'Process is missing end event': '流程缺少结束事件',
  'Process is missing start event': '流程缺少开始事件', 'Incoming flows do not join': '流入的流没有汇合',
  'Gateway is superfluous. It only has one source and target.': '网关多余：只有一个来源和一个目标。',
  'Toggle linting': '开关检查', 'Errors': '错误', 'Warnings': '警告',
  '{errors} Errors, {warnings} Warnings': '{errors} 个错误，{warnings} 个警告', 'No Issues': '没有问题',
  'Issues for child elements': '子元素的问题', 'Toggle linting overlays': '开关检查标记',
  'User Task': '用户任务', 'Script Task': '脚本任务', 'Service Task': '服务任务', 'Send Task': '发送任务',
  'Receive Task': '接收任务', 'Manual Task': '手工任务', 'Business Rule Task': '业务规则任务',
  'Call Activity': '调用活动', 'Sub Process': '子流程', 'Start Event': '开始事件', 'End Event': '结束事件',
  'Exclusive Gateway': '排他网关', 'Parallel Gateway': '并行网关', 'Inclusive Gateway': '包容网关',
  'Event Based Gateway': '事件网关', 'Sequence Flow': '顺序流', 'Text Annotation': '注释',
  'Timer Start Event': '定时开始事件', 'Timer Intermediate Catch Event': '定时中间事件',
  'Timer Boundary Event': '定时边界事件', 'Intermediate Throw Event': '中间抛出事件',
  'Intermediate Catch Event': '中间捕获事件', 'Boundary Event': '边界事件', 'Collaboration': '协作',
  'Conditional Flow': '条件流', 'Default Flow': '默认流', 'Data Object Reference': '数据对象',
  'Data Store Reference': '数据存储', 'Group': '分组',
  'When': '条件', 'Then': '结果', 'And': '且', 'Hit policy:': '命中策略：', 'Hit Policy': '命中策略',
  'Annotations': '备注', 'View DRD': '查看决策需求图', 'Unique': 'Unique（唯一）', 'Collect': 'Collect（汇总）',
  'Add Rule': '添加规则', 'Add Input': '添加输入', 'Add Output': '添加输出', 'Remove': '删除',
  'Input Label': '输入标签', 'Output Label': '输出标签', 'Expression': '表达式',
  'Input Values': '输入值', 'Output Values': '输出值', 'Output Name': '输出名称',
};

export default function translateZh(template, replacements) {
  const text = ZH[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
}

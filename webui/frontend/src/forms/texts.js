// The page's texts for the scripts, in the reader's language: data attributes of #opsflow-texts
// (base.html), with {name} placeholders filled by fill().

export function pageTexts(root) {
  const holder = root.getElementById('opsflow-texts');
  const data = holder ? holder.dataset : {};
  return {
    count: data.count || '{count} / {max}',
    over: data.over || '{over} too many',
    tooLong: data.tooLong || 'Some text is too long.',
    sending: data.sending || '…',
    restored: data.restored || '',
    locale: document.documentElement.lang || undefined,
  };
}

export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

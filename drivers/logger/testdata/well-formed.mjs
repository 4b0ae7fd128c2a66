// A strict well-formedness check for the XML the logger writes: an optional XML declaration,
// elements and text (no attributes, comments or entities are written), exactly one root.
// Throws saying where the document breaks; returns the root name and the number of <event>s.
export function checkXml(doc) {
  let i = 0;
  const decl = /^<\?xml[^>]*\?>\s*/.exec(doc);
  if (decl) i = decl[0].length;
  const stack = [];
  let root = '';
  let events = 0;
  let rootClosed = false;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    if (/[&>]/.test(text)) throw new Error(`bad character in text at ${i}: ${JSON.stringify(text)}`);
    if (text.trim() !== '' && stack.length === 0) throw new Error(`text outside the root element at ${i}`);
    if (lt < 0) break;
    const gt = doc.indexOf('>', lt);
    if (gt < 0) throw new Error(`unterminated tag at ${lt}`);
    const tag = doc.slice(lt + 1, gt);
    const m = /^(\/?)([A-Za-z_][\w.-]*)$/.exec(tag);
    if (!m) throw new Error(`malformed tag <${tag}> at ${lt}`);
    if (m[1]) {
      const open = stack.pop();
      if (open !== m[2]) throw new Error(`</${m[2]}> closes <${open}> at ${lt}`);
      if (stack.length === 0) rootClosed = true;
    } else {
      if (rootClosed || (stack.length === 0 && root)) throw new Error(`second root element <${m[2]}> at ${lt}`);
      if (stack.length === 0) root = m[2];
      if (m[2] === 'event') events++;
      stack.push(m[2]);
    }
    i = gt + 1;
  }
  if (stack.length) throw new Error(`unclosed elements: ${stack.join(' > ')}`);
  if (!root) throw new Error('no root element');
  return { root, events };
}

export function checkXml(doc: string): { root: string; events: number };

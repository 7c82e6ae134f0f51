// What Apps Script sees in a script file: its top-level function declarations (the only functions
// menus, google.script.run, triggers and Sheets can call), with parameter names and JSDoc, which
// Sheets uses for a custom function's autocomplete and help.
import ts from 'typescript';

export interface TopLevelFunction {
  name: string;
  params: string[];
  /** The JSDoc block right above the declaration, or ''. */
  jsDoc: string;
  /** Its JSDoc has @customfunction. */
  customFunction: boolean;
}

export function topLevelFunctions(source: string, fileName = 'Code.js'): TopLevelFunction[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS);
  const found: TopLevelFunction[] = [];
  for (const statement of file.statements) {
    if (!ts.isFunctionDeclaration(statement) || !statement.name || !statement.body) continue;
    const docs = (statement as unknown as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
    const jsDoc = docs.length ? docs[docs.length - 1].getFullText().trim() : '';
    found.push({
      name: statement.name.text,
      params: statement.parameters.map((p) => p.name.getText(file)),
      jsDoc,
      customFunction: /@customfunction\b/.test(jsDoc),
    });
  }
  return found;
}

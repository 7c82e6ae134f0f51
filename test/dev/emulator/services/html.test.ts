// HtmlService reads the HTML pushed beside the script and evaluates templates inside the script.
import { AppsScriptEmulator } from '../../../../dev/emulator';
import { compileTemplate } from '../../../../dev/emulator/services/html';

const SOURCE = `
var GREETING = 'Hello';
function fromFile() { return HtmlService.createHtmlOutputFromFile('Sidebar').setTitle('Crustdata').getContent(); }
function missing() { return HtmlService.createHtmlOutputFromFile('Nope'); }
function template(name) {
  var t = HtmlService.createTemplateFromFile('Page');
  t.name = name;
  t.rows = [1, 2, 3];
  return t.evaluate().getContent();
}
function built() {
  var out = HtmlService.createHtmlOutput('<p>a</p>').append('<p>b</p>').appendUntrusted('<script>');
  return [out.getContent(), out.setWidth(500).getWidth()];
}
`;

const emu = new AppsScriptEmulator().loadSource(SOURCE, {
  htmlFiles: {
    Sidebar: '<div id="app"></div>',
    Page: '<h1><?= GREETING ?>, <?= name ?></h1><? for (var i = 0; i < rows.length; i++) { ?><i><?= rows[i] ?></i><? } ?><?!= "<b>raw</b>" ?>',
  },
});

describe('HtmlService', () => {
  it('creates an output from a file pushed with the script', () => {
    expect(emu.call('fromFile')).toBe('<div id="app"></div>');
    expect(emu.run('missing').error).toBe('No HTML file named Nope was found.');
  });

  it('evaluates templates with the script globals and escapes <?= ?> output', () => {
    expect(emu.call('template', '<img src=x onerror=alert(1)>')).toBe(
      '<h1>Hello, &lt;img src=x onerror=alert(1)&gt;</h1><i>1</i><i>2</i><i>3</i><b>raw</b>',
    );
  });

  it('builds outputs and escapes appendUntrusted', () => {
    expect(emu.call('built')).toEqual(['<p>a</p><p>b</p>&lt;script&gt;', 500]);
  });

  it('compiles scriptlets into one function', () => {
    expect(compileTemplate('a<?= 1 ?>b')).toContain('__out += __escape( 1 );');
  });
});

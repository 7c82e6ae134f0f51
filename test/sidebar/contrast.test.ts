// Text contrast in the sidebar's stylesheet meets WCAG 2.x AA (4.5:1 for normal text,
// https://www.w3.org/TR/WCAG21/#contrast-minimum) for every pair it can put together: each dark
// text colour on white and on every light background the stylesheet uses (panels, notices), and
// each light text colour on the background its own rule gives it (buttons). The browser test
// (test/browser/layout.test.ts) checks what the rendered sidebar shows.
import fs from 'node:fs';
import path from 'node:path';

const html = fs.readFileSync(path.resolve(__dirname, '../../sidebar/Sidebar.html'), 'utf8');
const css = html.slice(html.indexOf('<style>') + 7, html.indexOf('</style>')).replace(/\/\*[\s\S]*?\*\//g, '');

type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  let digits = hex.replace('#', '');
  if (digits.length === 3) digits = digits.split('').map((d) => d + d).join('');
  return [0, 2, 4].map((i) => parseInt(digits.slice(i, i + 2), 16)) as Rgb;
}

/** Relative luminance, https://www.w3.org/TR/WCAG21/#dfn-relative-luminance */
function luminance([r, g, b]: Rgb): number {
  const channel = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

interface Rule {
  selector: string;
  color: string | null;
  /** Every colour of its background (a gradient's stops). */
  backgrounds: string[];
}

function rules(): Rule[] {
  const out: Rule[] = [];
  for (const match of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selector = match[1].trim();
    const body = match[2];
    const color = /(?:^|;)\s*color\s*:\s*(#[0-9a-fA-F]{3,6})\b/.exec(body)?.[1] ?? null;
    const background = /(?:^|;)\s*background(?:-color)?\s*:\s*([^;]+)/.exec(body)?.[1] ?? '';
    out.push({ selector, color, backgrounds: background.match(/#[0-9a-fA-F]{3,6}\b/g) ?? [] });
  }
  return out;
}

const WHITE = '#fff';
const isLight = (hex: string) => luminance(parseHex(hex)) > 0.5;

test('the contrast formula gives the known ratios', () => {
  expect(contrast(parseHex('#000'), parseHex('#fff'))).toBeCloseTo(21, 5);
  // The colours the sidebar used before: #777 on white, white on the old blue button, the old red.
  expect(contrast(parseHex('#777'), parseHex('#fff'))).toBeCloseTo(4.48, 2);
  expect(contrast(parseHex('#fff'), parseHex('#4d90fe'))).toBeCloseTo(3.12, 2);
  expect(contrast(parseHex('#dd4b39'), parseHex('#fff'))).toBeCloseTo(4.09, 2);
});

test('the stylesheet is parsed: it has text colours, light panels and coloured buttons', () => {
  const all = rules();
  expect(all.filter((rule) => rule.color).length).toBeGreaterThan(15);
  expect(all.some((rule) => rule.selector === 'button.action' && rule.color === '#fff' && rule.backgrounds.length === 1)).toBe(true);
  expect(all.some((rule) => rule.selector === '.notice.error' && rule.backgrounds.includes('#fce8e6'))).toBe(true);
});

test('every text colour pair in the stylesheet reaches 4.5:1', () => {
  const all = rules();
  const lightBackgrounds = [WHITE, ...new Set(all.flatMap((rule) => rule.backgrounds).filter(isLight))];
  const failures: string[] = [];
  for (const rule of all) {
    if (!rule.color) continue;
    // Light text is only ever on its own dark background; dark text may land on any light one.
    const grounds = isLight(rule.color) ? rule.backgrounds : rule.backgrounds.length ? rule.backgrounds : lightBackgrounds;
    if (isLight(rule.color) && grounds.length === 0) failures.push(`${rule.selector}: light text ${rule.color} with no background of its own`);
    for (const ground of grounds) {
      const ratio = contrast(parseHex(rule.color), parseHex(ground));
      if (ratio < 4.5) failures.push(`${rule.selector}: ${rule.color} on ${ground} is ${ratio.toFixed(2)}:1`);
    }
  }
  expect(failures).toEqual([]);
});

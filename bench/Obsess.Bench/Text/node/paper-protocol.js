// Which classification protocol gives the F1 figures of Hutto & Gilbert (2014, Table 4)? Scores the vader-sentiment npm
// package (a port of VADER, the paper's own tool) on the four VADER sets under every candidate protocol the paper's wording
// allows and prints one row per candidate, with VADER's published F1 next to it. Only VADER's own scores are used: our
// engine is never run here, so choosing the protocol that reproduces VADER's published figures selects nothing of ours.
// Run from the repository root: node bench/Obsess.Bench/Text/node/paper-protocol.js [dataDir]   (default ../shared/data)
'use strict';
const fs = require('fs');
const path = require('path');
const vader = require('vader-sentiment');

const dataDir = process.argv[2] || '../shared/data';
const sets = ['tweets', 'movieReviewSnippets', 'amazonReviewSnippets', 'nytEditorialSnippets'];
const published = { tweets: 0.96, movieReviewSnippets: 0.61, amazonReviewSnippets: 0.63, nytEditorialSnippets: 0.55 };
// Table 4 gives precision and recall as well; the tweets row (VADER .99 / .94 / .96) is quoted by several sources.
const publishedTweetsPR = [0.99, 0.94];

const read = (name) => fs.readFileSync(path.join(dataDir, 'sentiment/vader', `${name}_GroundTruth.txt`), 'utf8')
  .split('\n').filter((l) => l.length > 0).map((line) => {
    const parts = line.split('\t');
    return { mean: Number(parts[1]), text: parts.slice(2).join('\t') };
  });

const band = (t) => (v) => (v >= t ? 1 : v <= -t ? -1 : 0);
const sign = (v) => (v > 0 ? 1 : v < 0 ? -1 : 0);
const golds = [
  ['mean/4 at +-0.05 (our protocol)', (m) => band(0.05)(m / 4)],
  ['mean at +-0.05 (-4..+4 scale)', band(0.05)],
  ['sign of the mean (0 = neutral)', sign],
];
const preds = [
  ['compound >= +-0.05', band(0.05)],
  ['sign of compound', sign],
];

function counts(gold, pred, c) {
  let tp = 0, fp = 0, fn = 0, support = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i] === c, p = pred[i] === c;
    if (g) support++;
    if (g && p) tp++; else if (p) fp++; else if (g) fn++;
  }
  return { tp, fp, fn, support };
}
const prf = ({ tp, fp, fn }) => {
  const p = tp + fp ? tp / (tp + fp) : 0, r = tp + fn ? tp / (tp + fn) : 0;
  return { p, r, f1: p + r ? (2 * p * r) / (p + r) : 0 };
};
function averaged(gold, pred, classes, how) {
  const cs = classes.map((c) => counts(gold, pred, c));
  if (how === 'micro') {
    return prf(cs.reduce((a, c) => ({ tp: a.tp + c.tp, fp: a.fp + c.fp, fn: a.fn + c.fn }), { tp: 0, fp: 0, fn: 0 }));
  }
  const per = cs.map(prf);
  const w = how === 'macro' ? cs.map(() => 1) : cs.map((c) => c.support);
  const total = w.reduce((a, b) => a + b, 0);
  const avg = (k) => per.reduce((a, s, i) => a + s[k] * w[i], 0) / total;
  return { p: avg('p'), r: avg('r'), f1: avg('f1') };
}
const only = (gold, pred, keep) => {
  const idx = gold.map((_, i) => i).filter((i) => keep(gold[i], pred[i]));
  return [idx.map((i) => gold[i]), idx.map((i) => pred[i])];
};
const scorings = [
  ['3 classes, macro-F1', (g, p) => averaged(g, p, [1, 0, -1], 'macro')],
  ['3 classes, weighted-F1', (g, p) => averaged(g, p, [1, 0, -1], 'weighted')],
  ['3 classes, accuracy (= micro-F1)', (g, p) => averaged(g, p, [1, 0, -1], 'micro')],
  ['P/R/F1 of positive+negative, macro', (g, p) => averaged(g, p, [1, -1], 'macro')],
  ['P/R/F1 of positive+negative, weighted', (g, p) => averaged(g, p, [1, -1], 'weighted')],
  ['P/R/F1 of positive+negative, micro', (g, p) => averaged(g, p, [1, -1], 'micro')],
  ['gold-polar items only, positive+negative micro', (g, p) => averaged(...only(g, p, (a) => a !== 0), [1, -1], 'micro')],
  ['gold-polar items only, macro-F1', (g, p) => averaged(...only(g, p, (a) => a !== 0), [1, -1], 'macro')],
  ['gold- and predicted-polar items only, accuracy', (g, p) => averaged(...only(g, p, (a, b) => a !== 0 && b !== 0), [1, -1], 'micro')],
];

const data = sets.map((name) => {
  const rows = read(name);
  return { name, means: rows.map((r) => r.mean), scores: rows.map((r) => vader.SentimentIntensityAnalyzer.polarity_scores(r.text).compound) };
});

const f = (x) => x.toFixed(3).replace(/^0/, '');
console.log(`vader-sentiment ${require('vader-sentiment/package.json').version}; published F1 (Table 4): tweets .96, movie .61, amazon .63, nyt .55; tweets P/R .99/.94\n`);
console.log('| gold | predicted | measure | tweets P / R / F1 | movie F1 | amazon F1 | nyt F1 | largest gap to published F1 |');
console.log('|---|---|---|---|---:|---:|---:|---:|');
for (const [goldName, gold] of golds) {
  for (const [predName, pred] of preds) {
    for (const [scoreName, score] of scorings) {
      const res = data.map((d) => score(d.means.map(gold), d.scores.map(pred)));
      const gap = Math.max(...res.map((x, i) => Math.abs(x.f1 - published[sets[i]])));
      const t = res[0];
      console.log(`| ${goldName} | ${predName} | ${scoreName} | ${f(t.p)} / ${f(t.r)} / ${f(t.f1)} | ${f(res[1].f1)} | ${f(res[2].f1)} | ${f(res[3].f1)} | ${f(gap)} |`);
    }
  }
}
console.log(`\n(published tweets precision / recall: ${publishedTweetsPR.map(f).join(' / ')})`);

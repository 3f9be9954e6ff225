/**
 * The lab script parser: words, quoting, comments, continuations, lists, jobs,
 * redirections, and syntax errors with FILE:LINE before anything runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript, LabSyntaxError, type Word } from '../../src/tools/lab/parse.js';
import { runLab } from '../../src/tools/lab/lab.js';
import { BufferStdio } from '../../src/tools/tool.js';

/** A word's text with expansions shown as ${NAME}. */
function show(w: Word): string {
  return w.parts.map((p) => (p.kind === 'lit' ? p.text : `\${${p.name}}`)).join('');
}

function words(src: string): string[][] {
  return parseScript('t.sh', src).statements.map((s) => s.list.first.words.map(show));
}

test('words, quotes, escapes, comments and continuations', () => {
  assert.deepEqual(words('echo a  b\t"c d" \'e $f\' g\\ h # comment\n'), [['echo', 'a', 'b', 'c d', 'e $f', 'g h']]);
  assert.deepEqual(words('# only a comment\n\n   \nip link \\\n  show\n'), [['ip', 'link', 'show']]);
  assert.deepEqual(words('echo "a\\"b\\$c\\\\d\\x"'), [['echo', 'a"b$c\\d\\x']]);
  assert.deepEqual(words('echo a#b "#c"'), [['echo', 'a#b', '#c']]);
  assert.deepEqual(words('echo $X "${Y}z" $? $! $1 \'$Z\' $ a$'), [['echo', '${X}', '${Y}z', '${?}', '${!}', '${1}', '$Z', '$', 'a$']]);
  assert.deepEqual(words('echo ""'), [['echo', '']]);
});

test('lines are counted across continuations and multi-line quotes', () => {
  const s = parseScript('t.sh', 'echo a \\\n b\necho "x\ny"\n\necho z\n');
  assert.deepEqual(s.statements.map((st) => st.line), [1, 3, 6]);
});

test('lists, background jobs, separators and redirections', () => {
  const s = parseScript('t.sh', 'a && b || c\nd & e; f\ng >out 2>&1\nh 2>/dev/null >>log\nX=1 Y="a b" cmd\nZ=2\n');
  const st = s.statements;
  assert.equal(st.length, 8);
  assert.deepEqual(st[0]!.list.rest.map((r) => r.op), ['&&', '||']);
  assert.equal(st[1]!.background, true);
  assert.equal(st[1]!.text, 'd &');
  assert.equal(st[2]!.background, false);
  assert.deepEqual(st[4]!.list.first.redirects.map((r) => [r.fd, r.op, show(r.target)]), [[1, '>', 'out'], [2, '>&', '1']]);
  assert.deepEqual(st[5]!.list.first.redirects.map((r) => [r.fd, r.op, show(r.target)]), [[2, '>', '/dev/null'], [1, '>>', 'log']]);
  assert.deepEqual(st[6]!.list.first.assigns.map((a) => [a.name, show(a.value)]), [['X', '1'], ['Y', 'a b']]);
  assert.deepEqual(st[6]!.list.first.words.map(show), ['cmd']);
  // Input from a file: `<FILE`, `0<FILE`, next to output redirections.
  const inp = parseScript('t.sh', 'nc -N h 1 <in >out\nnc h 1 0< "a b"\n').statements;
  assert.deepEqual(inp[0]!.list.first.redirects.map((r) => [r.fd, r.op, show(r.target)]), [[0, '<', 'in'], [1, '>', 'out']]);
  assert.deepEqual(inp[1]!.list.first.redirects.map((r) => [r.fd, r.op, show(r.target)]), [[0, '<', 'a b']]);
  // A newline after && continues the list, as in bash.
  assert.equal(parseScript('t.sh', 'a &&\n\n  b\n').statements[0]!.list.rest.length, 1);
});

function syntaxError(src: string): LabSyntaxError {
  try {
    parseScript('lab.sh', src);
  } catch (e) {
    assert.ok(e instanceof LabSyntaxError, String(e));
    return e;
  }
  assert.fail(`no syntax error for ${JSON.stringify(src)}`);
}

test('syntax errors name the file, the line and what was expected', () => {
  const cases: [string, number, RegExp][] = [
    ["echo ok\necho 'unterminated\nmore\n", 2, /unexpected end of file while looking for matching `''/],
    ['echo ok\necho "x\n', 2, /matching `"'/],
    ['echo a \\', 1, /unexpected end of file after '\\'/],
    ['echo a\n& echo b\n', 2, /near unexpected token '&'/],
    ['echo a & &\n', 1, /near unexpected token '&'/],
    ['\n\n&& b\n', 3, /near unexpected token '&&'/],
    ['a &&\n', 2, /unexpected end of file/],
    ['a ;;\n', 1, /near unexpected token ';;'/],
    ['ip link | grep x\n', 1, /pipelines are not supported/],
    ['echo\nif true; then echo; fi\n', 2, /'if' \(conditionals\) is not supported/],
    ['for i in 1 2; do echo; done\n', 1, /'for' \(loops\)/],
    ['echo $(date)\n', 1, /command substitution/],
    ['echo `date`\n', 1, /command substitution/],
    ['echo ${X:-a}\n', 1, /bad substitution/],
    ['cat << EOF\n', 1, /here-documents/],
    ['cat <&3\n', 1, /'<&' is not supported/],
    ['cat 1<file\n', 1, /only 0 \(stdin\) can be read/],
    ['echo >\n', 1, /redirection needs a target/],
    ['echo 3>x\n', 1, /only 1 \(stdout\) and 2 \(stderr\)/],
    ['(echo)\n', 1, /subshells/],
  ];
  for (const [src, line, re] of cases) {
    const e = syntaxError(src);
    assert.equal(e.line, line, `${JSON.stringify(src)}: ${e.message}`);
    assert.match(e.message, re);
    assert.ok(e.message.startsWith(`lab.sh:${line}: syntax error: `), e.message);
  }
});

test('a syntax error stops the lab before the first command runs, exit status 2', async () => {
  const out = new BufferStdio();
  const err = new BufferStdio();
  const status = await runLab({ file: 'bad.sh', source: 'echo first\nip netns add tnxq\necho "oops\n', stdout: out, stderr: err });
  assert.equal(status, 2);
  assert.equal(out.text, '');
  assert.equal(err.text, 'bad.sh:3: syntax error: unexpected end of file while looking for matching `"\'\n');
});

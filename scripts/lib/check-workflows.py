#!/usr/bin/env python3
"""check-workflows.py - validates the GitHub Actions workflows in ci/ and the
OSS-Fuzz / ClusterFuzzLite build files, printing TAP.

Usage: check-workflows.py [REPO_ROOT]   (default: the checkout this file is in)

Each ci/*.yml is read with a small parser of the YAML subset the workflows
use (block mappings and sequences, plain and quoted scalars, '|' and '>'
blocks, one-line flow lists and maps, comments); anything outside it (tabs,
anchors, aliases, tags, multi-line plain scalars, duplicate keys) is an
error with its line and column, so no file is half understood. Then:

  - top-level 'name', 'on' with known events (cron lines of five fields),
    'jobs' a non-empty mapping; no unknown top-level, job or step keys;
  - each job has 'runs-on' and a non-empty list of 'steps', and its 'needs'
    name jobs of the same file;
  - each step has exactly one of 'uses' and 'run'; 'uses' is
    owner/repo[/path]@ref, ./local-path that exists, or docker://image;
  - each 'run' is one command line (the project's rule: more than that goes
    into a script that also runs locally), and every program it invokes by
    a relative path is a file of the checkout with its execute bit, or, for
    build/DIR/NAME, an executable('NAME', ...) of DIR/meson.build that an
    earlier step of the job builds (a script that configures build/);
  - the ClusterFuzzLite actions get a valid language, sanitizer and mode;
    actions/upload-artifact gets a path;
  - where PyYAML happens to be installed, it parses each file to the same
    values (a check of the parser; skipped without PyYAML).

Also: build.sh and .clusterfuzzlite/build.sh pass 'bash -n';
.clusterfuzzlite/project.yaml has 'language: c'; .clusterfuzzlite/Dockerfile
starts FROM OSS-Fuzz's base-builder and copies the checkout and build.sh.
"""
import os
import re
import shlex
import subprocess
import sys


# ---------------------------------------------------------------- the parser

class YamlError(Exception):
    def __init__(self, line, col, text):
        super().__init__("%d:%d: %s" % (line, col, text))
        self.line, self.col, self.text = line, col, text


class Line:
    """One physical line: its number (1-based), indentation and text."""

    def __init__(self, number, raw):
        self.number = number
        self.raw = raw
        stripped = raw.lstrip(" ")
        self.indent = len(raw) - len(stripped)
        self.text = stripped.rstrip()


INDICATORS = "&*!%@`"


def _is_blank(line):
    return line.text == "" or line.text.startswith("#")


class Parser:
    """Recursive descent over lines. Scalars stay strings (as GitHub reads
    them, 'on' is a key like any other); an empty value is None."""

    def __init__(self, text):
        self.lines = []
        for i, raw in enumerate(text.split("\n"), 1):
            if "\t" in raw[: len(raw) - len(raw.lstrip(" \t"))]:
                raise YamlError(i, 1, "a tab in the indentation")
            self.lines.append(Line(i, raw.rstrip("\r")))
        self.pos = 0

    def _peek(self):
        """The next line that is neither blank nor only a comment."""
        while self.pos < len(self.lines) and _is_blank(self.lines[self.pos]):
            self.pos += 1
        return self.lines[self.pos] if self.pos < len(self.lines) else None

    def parse(self):
        line = self._peek()
        if line is not None and line.indent == 0 and line.text == "---":
            self.pos += 1
            line = self._peek()
        if line is None:
            return None
        if line.indent != 0:
            raise YamlError(line.number, line.indent + 1,
                            "the document must start in column 1")
        value = self._node(0)
        rest = self._peek()
        if rest is not None:
            raise YamlError(rest.number, rest.indent + 1,
                            "unexpected text (wrong indentation?)")
        return value

    def _node(self, indent):
        """The block node whose first line is the next non-blank line, which
        starts in column indent + 1."""
        line = self._peek()
        if _is_item(line.text):
            return self._sequence(indent, False)
        if self._split_key(line) is not None:
            return self._mapping(indent)
        if line.text[:1] and line.text[0] in "|>":
            raise YamlError(line.number, line.indent + 1,
                            "a block scalar as a sequence item is outside the subset")
        value = self._inline_value(line, line.text, line.indent)
        self.pos += 1
        nxt = self._peek()
        if nxt is not None and nxt.indent > indent:
            raise YamlError(nxt.number, nxt.indent + 1,
                            "a plain scalar over several lines is outside "
                            "the subset (use a '|' block)")
        return value

    def _split_key(self, line):
        """(key, rest, column of rest) if the line is 'key: ...', else None."""
        text = line.text
        if text[:1] and text[0] in "\"'":
            end = _quoted_end(text, 0, line, line.indent)
            after = text[end:]
            if not (after == ":" or after.startswith(": ")):
                return None
            key = _unquote(text[:end], line, line.indent)
            rest_raw = after[1:]
            offset = end + 1
        else:
            m = re.search(r":(?= |$)", text)
            if not m:
                return None
            key = text[: m.start()].rstrip()
            if (not key or key[0] in "#'\"[]{},|>" + INDICATORS
                    or _is_item(key) or re.search(r"\s#", key)):
                return None
            rest_raw = text[m.end():]
            offset = m.end()
        rest = rest_raw.strip()
        col = line.indent + offset + len(rest_raw) - len(rest_raw.lstrip())
        return key, rest, col

    def _mapping(self, indent):
        result = {}
        while True:
            line = self._peek()
            if line is None or line.indent < indent:
                return result
            if line.indent > indent:
                raise YamlError(line.number, line.indent + 1,
                                "unexpected indentation")
            split = self._split_key(line)
            if split is None:
                raise YamlError(line.number, line.indent + 1,
                                "expected 'key: value' in a mapping")
            key, rest, rest_col = split
            if key in result:
                raise YamlError(line.number, line.indent + 1,
                                "duplicate key '%s'" % key)
            self.pos += 1
            result[key] = self._value_after(line, rest, rest_col, indent)

    def _value_after(self, line, rest, rest_col, indent):
        """The value of a key of a mapping at indent: inline text, a block
        scalar, or a block on the following lines."""
        rest = _strip_comment(rest)
        if rest[:1] and rest[0] in "|>":
            return self._block_scalar(line, rest, indent)
        if rest:
            return self._inline_value(line, rest, rest_col)
        nxt = self._peek()
        if nxt is None or nxt.indent < indent:
            return None
        if nxt.indent > indent:
            return self._node(nxt.indent)
        # A sequence may start in its key's column ("steps:\n- run: x").
        if _is_item(nxt.text):
            return self._sequence(indent, True)
        return None

    def _sequence(self, indent, in_mapping):
        """Items '- ...' starting in column indent + 1. in_mapping: the
        sequence is a key's value written in the key's column, so it ends at
        the next key rather than being wrong there."""
        result = []
        while True:
            line = self._peek()
            if line is None or line.indent < indent:
                return result
            if line.indent > indent:
                raise YamlError(line.number, line.indent + 1,
                                "unexpected indentation")
            if not _is_item(line.text):
                if in_mapping:
                    return result
                raise YamlError(line.number, line.indent + 1,
                                "expected '- ' in a sequence")
            rest = line.text[1:].lstrip(" ")
            if rest == "" or rest.startswith("#"):
                self.pos += 1
                nxt = self._peek()
                if nxt is not None and nxt.indent > indent:
                    result.append(self._node(nxt.indent))
                else:
                    result.append(None)
                continue
            # "- key: value": the item starts in the column of its text, as
            # if the dash were a space.
            col = line.indent + len(line.text) - len(rest)
            self.lines[self.pos] = Line(line.number, " " * col + rest)
            result.append(self._node(col))

    def _block_scalar(self, line, header, indent):
        m = re.fullmatch(r"([|>])([-+]?)", header)
        if not m:
            raise YamlError(line.number, line.indent + 1,
                            "block scalar header '%s' is outside the subset" % header)
        style, chomp = m.groups()
        body = []
        content_indent = None
        while self.pos < len(self.lines):
            cur = self.lines[self.pos]
            if cur.text == "":
                body.append("")
                self.pos += 1
                continue
            if cur.indent <= indent:
                break
            if content_indent is None:
                content_indent = cur.indent
            if cur.indent < content_indent:
                break  # the block ends; a comment may follow
            body.append(cur.raw[content_indent:])
            self.pos += 1
        trailing = 0
        while body and body[-1] == "":
            body.pop()
            trailing += 1
        if not body:
            return ""
        if style == "|":
            text = "\n".join(body)
        else:
            # Folded: lines join with a space; a blank line is a newline;
            # more-indented lines keep their newlines.
            text = body[0]
            for prev, cur in zip(body, body[1:]):
                if cur == "":
                    text += "\n"
                elif prev == "" or cur.startswith(" ") or prev.startswith(" "):
                    text += ("" if prev == "" else "\n") + cur
                else:
                    text += " " + cur
        if chomp == "-":
            return text
        if chomp == "+":
            return text + "\n" * (1 + trailing)
        return text + "\n"

    def _inline_value(self, line, text, col):
        text = _strip_comment(text)
        if text[:1] and text[0] in "[{":
            return self._flow(line, text, col)
        return _scalar(line, text, col)

    def _flow(self, line, text, col):
        """A one-line flow list or map of scalars: [a, 'b'] or {k: v}."""
        closing = {"[": "]", "{": "}"}[text[0]]
        if not text.endswith(closing):
            raise YamlError(line.number, col + 1,
                            "a flow collection must close on its line")
        items = _split_flow(text[1:-1], line, col)
        if text[0] == "[":
            return [_scalar(line, it, col) for it in items if it != ""]
        result = {}
        for it in items:
            if it == "":
                continue
            m = re.match(r"(\"[^\"]*\"|'[^']*'|[^:]+?):(?: (.*))?$", it)
            if not m:
                raise YamlError(line.number, col + 1,
                                "expected 'key: value' in '{...}'")
            key = _scalar(line, m.group(1).strip(), col)
            if key in result:
                raise YamlError(line.number, col + 1, "duplicate key '%s'" % key)
            value = (m.group(2) or "").strip()
            result[key] = _scalar(line, value, col) if value else None
        return result


def _is_item(text):
    return text == "-" or text.startswith("- ")


def _split_flow(inner, line, col):
    """The comma-separated items of a flow collection's inside."""
    items, cur, quote, i = [], "", None, 0
    while i < len(inner):
        c = inner[i]
        if quote:
            cur += c
            if quote == '"' and c == "\\":
                cur += inner[i + 1: i + 2]
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"" and not cur.strip():
            quote = c
            cur += c
        elif c in "[]{}":
            raise YamlError(line.number, col + i + 2,
                            "nested flow collections are outside the subset")
        elif c == ",":
            items.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if quote:
        raise YamlError(line.number, col + 1, "unterminated quoted scalar")
    if cur.strip() or items:
        items.append(cur.strip())
    return items


def _scalar(line, text, col):
    if text[:1] and text[0] in "\"'":
        end = _quoted_end(text, 0, line, col)
        if text[end:].strip():
            raise YamlError(line.number, col + end + 1,
                            "text after a quoted scalar")
        return _unquote(text[:end], line, col)
    if text[:1] and text[0] in INDICATORS:
        raise YamlError(line.number, col + 1,
                        "'%s' (anchor, alias, tag or reserved) is outside the subset"
                        % text[0])
    if text[:1] and text[0] in "|>":
        raise YamlError(line.number, col + 1, "a block scalar must end its line")
    if ": " in text or text.endswith(":"):
        raise YamlError(line.number, col + text.find(":") + 1,
                        "':' in a plain scalar (quote the value)")
    if text in ("~", "null", "Null", "NULL"):
        return None
    return text


def _quoted_end(text, start, line, col):
    """The index just past the quoted scalar starting at text[start]; col
    is the column (0-based) of text[0], for the error."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        c = text[i]
        if quote == "'" and c == "'":
            if text[i + 1: i + 2] == "'":
                i += 2
                continue
            return i + 1
        if quote == '"' and c == "\\":
            i += 2
            continue
        if quote == '"' and c == '"':
            return i + 1
        i += 1
    raise YamlError(line.number, col + start + 1,
                    "unterminated quoted scalar (one line only)")


def _unquote(token, line, col):
    body = token[1:-1]
    if token[0] == "'":
        return body.replace("''", "'")
    out = []
    i = 0
    simple = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/",
              "0": "\0", "r": "\r", " ": " "}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1: i + 2]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e in ("x", "u", "U"):
            n = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 2: i + 2 + n]
            if not re.fullmatch(r"[0-9a-fA-F]{%d}" % n, digits):
                raise YamlError(line.number, col + i + 2, "bad \\%s escape" % e)
            out.append(chr(int(digits, 16)))
            i += 2 + n
        else:
            raise YamlError(line.number, col + i + 2, "unknown escape \\%s" % e)
    return "".join(out)


def _strip_comment(text):
    """Text without a trailing comment: '#' at the start or after a space,
    outside a leading quoted scalar."""
    start = 0
    if text[:1] and text[0] in "\"'":
        quote = text[0]
        i = 1
        while i < len(text):
            if quote == "'" and text[i] == "'":
                if text[i + 1: i + 2] == "'":
                    i += 2
                    continue
                break
            if quote == '"' and text[i] == "\\":
                i += 2
                continue
            if quote == '"' and text[i] == '"':
                break
            i += 1
        start = i + 1
    for m in re.finditer(r"(^|\s)#", text[start:]):
        return text[: start + m.start()].rstrip()
    return text.strip()


def parse_yaml(text):
    return Parser(text).parse()


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ------------------------------------------------------------ the checks

EVENTS = {
    "branch_protection_rule", "check_run", "check_suite", "create", "delete",
    "deployment", "deployment_status", "discussion", "discussion_comment",
    "fork", "gollum", "issue_comment", "issues", "label", "merge_group",
    "milestone", "page_build", "public", "pull_request",
    "pull_request_review", "pull_request_review_comment",
    "pull_request_target", "push", "registry_package", "release",
    "repository_dispatch", "schedule", "status", "watch", "workflow_call",
    "workflow_dispatch", "workflow_run",
}
TOP_KEYS = {"name", "run-name", "on", "permissions", "env", "defaults",
            "concurrency", "jobs"}
JOB_KEYS = {"name", "permissions", "needs", "if", "runs-on", "environment",
            "concurrency", "outputs", "env", "defaults", "steps",
            "timeout-minutes", "strategy", "continue-on-error", "container",
            "services", "uses", "with", "secrets"}
STEP_KEYS = {"id", "if", "name", "uses", "run", "shell", "with", "env",
             "continue-on-error", "timeout-minutes", "working-directory"}
USES = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+(/[A-Za-z0-9._/-]+)?@[A-Za-z0-9._/-]+")
CFL_LANGUAGES = {"c", "c++", "go", "jvm", "python", "rust", "swift"}
CFL_SANITIZERS = {"address", "undefined", "memory", "coverage"}
CFL_MODES = {"code-change", "batch", "prune", "coverage"}
# Words after which the next word is the program a command runs.
WRAPPERS = {"bash", "sh", "python3", "python", "exec", "env", "sudo",
            "time", "nice"}


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, good, what, detail=None, skip=None):
        self.n += 1
        if skip:
            print("ok %d - %s # SKIP %s" % (self.n, what, skip))
            return
        print("%s %d - %s" % ("ok" if good else "not ok", self.n, what))
        if not good:
            self.failed += 1
            for d in (detail or []):
                print("#   " + d)


def split_commands(line):
    """The simple commands of a one-line shell command: lists of words."""
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;()")
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError as e:
        raise ValueError("cannot split: %s" % e)
    commands, cur = [], []
    for w in words:
        if w and all(c in "|&;()" for c in w):
            if cur:
                commands.append(cur)
            cur = []
        else:
            cur.append(w)
    if cur:
        commands.append(cur)
    return commands


def program_of(words):
    """The word naming the program a simple command runs."""
    i = 0
    while i < len(words) and re.match(r"[A-Za-z_][A-Za-z0-9_]*=", words[i]):
        i += 1
    while i < len(words) and words[i] in WRAPPERS:
        i += 1
        while i < len(words) and (words[i].startswith("-")
                                  or re.match(r"[A-Za-z_][A-Za-z0-9_]*=", words[i])):
            i += 1
    return words[i] if i < len(words) else None


def meson_declares(root, subdir, name):
    path = os.path.join(root, subdir, "meson.build")
    try:
        text = read_text(path)
    except OSError:
        return False
    return re.search(r"executable\(\s*'%s'" % re.escape(name), text) is not None


def configures_build(root, program):
    """Does the repository script 'program' set up build/?"""
    try:
        text = read_text(os.path.join(root, program))
    except (OSError, UnicodeDecodeError):
        return False
    # Directly, or through cf_build (scripts/lib/common.sh), which
    # configures build/ and builds the targets it is given.
    return re.search(r"(^|\s)(cf_configure\s+build\s|cf_build\b)", text,
                     re.M) is not None


def check_run(root, run, workdir, earlier_programs):
    """Problems with one 'run' value (an empty list if none)."""
    problems = []
    if not isinstance(run, str) or not run.strip():
        return ["'run' is empty"]
    if "\n" in run.strip("\n"):
        problems.append("'run' has more than one line: put the commands in a "
                        "script that also runs locally")
    try:
        commands = split_commands(run.strip())
    except ValueError as e:
        return problems + [str(e)]
    for words in commands:
        prog = program_of(words)
        if prog is None or "/" not in prog or prog.startswith(("/", "$", "~", "-")):
            continue
        rel = os.path.normpath(os.path.join(workdir, prog))
        first = rel.split(os.sep)[0]
        if first == "build" and rel.count(os.sep) >= 2:
            subdir, name = os.path.split(os.path.relpath(rel, "build"))
            if not meson_declares(root, subdir, name):
                problems.append("%s: no executable('%s') in %s/meson.build"
                                % (prog, name, subdir))
            elif not any(configures_build(root, p) for p in earlier_programs):
                problems.append("%s: no earlier step builds build/ "
                                "(runs a script that configures it)" % prog)
            continue
        path = os.path.join(root, rel)
        if not os.path.isfile(path):
            problems.append("%s: no such file in the repository" % prog)
        elif words[0] == prog and not os.access(path, os.X_OK):
            problems.append("%s: not executable (chmod +x)" % prog)
    return problems


def run_programs(run, workdir):
    try:
        return [os.path.normpath(os.path.join(workdir, p))
                for p in (program_of(w) for w in split_commands(run.strip()))
                if p and "/" in p]
    except ValueError:
        return []


def check_on(on):
    problems = []
    if isinstance(on, str):
        events = {on: None}
    elif isinstance(on, list) and all(isinstance(e, str) for e in on):
        events = {e: None for e in on}
    elif isinstance(on, dict) and on:
        events = on
    else:
        return ["'on' must be an event, a list of events or a mapping"]
    for event, conf in events.items():
        if event not in EVENTS:
            problems.append("unknown event '%s'" % event)
        if event == "schedule":
            if not isinstance(conf, list) or not conf:
                problems.append("'schedule' needs a list of '- cron: ...'")
                continue
            for item in conf:
                cron = item.get("cron") if isinstance(item, dict) else None
                if not isinstance(cron, str) or len(cron.split()) != 5:
                    problems.append("schedule entry %r: cron needs five fields" % (item,))
        elif conf is not None and not isinstance(conf, dict):
            problems.append("'%s' must be empty or a mapping" % event)
    return problems


def check_step_action(uses, step):
    problems = []
    w = step.get("with") or {}
    if not isinstance(w, dict):
        return ["'with' must be a mapping"]
    if uses.startswith("google/clusterfuzzlite/actions/"):
        if "language" in w and w["language"] not in CFL_LANGUAGES:
            problems.append("unknown ClusterFuzzLite language %r" % w["language"])
        if "sanitizer" in w and w["sanitizer"] not in CFL_SANITIZERS:
            problems.append("unknown sanitizer %r" % w["sanitizer"])
        if "/build_fuzzers@" in uses and "language" not in w:
            problems.append("build_fuzzers needs a 'language'")
        if "/run_fuzzers@" in uses:
            if w.get("mode") not in CFL_MODES:
                problems.append("run_fuzzers needs a 'mode' of %s" % sorted(CFL_MODES))
            if not re.fullmatch(r"[0-9]+", str(w.get("fuzz-seconds", "600"))):
                problems.append("fuzz-seconds must be a number")
    if uses.startswith("actions/upload-artifact@") and not w.get("path"):
        problems.append("upload-artifact needs a 'path'")
    return problems


def check_workflow(tap, root, rel):
    path = os.path.join(root, rel)
    text = read_text(path)
    try:
        doc = parse_yaml(text)
    except YamlError as e:
        tap.ok(False, "%s: parses" % rel, ["%s:%s" % (rel, e)])
        return
    tap.ok(isinstance(doc, dict), "%s: parses" % rel,
           ["the top level is not a mapping"])
    if not isinstance(doc, dict):
        return

    unknown = sorted(set(doc) - TOP_KEYS)
    tap.ok(not unknown, "%s: top-level keys are known" % rel,
           ["unknown: %s" % ", ".join(unknown)])
    tap.ok(isinstance(doc.get("name"), str) and doc["name"].strip() != "",
           "%s: has a name" % rel, ["top-level 'name' missing or empty"])
    problems = check_on(doc.get("on")) if "on" in doc else ["no 'on'"]
    tap.ok(not problems, "%s: 'on' has known events" % rel, problems)

    jobs = doc.get("jobs")
    good = isinstance(jobs, dict) and len(jobs) > 0
    tap.ok(good, "%s: 'jobs' is a non-empty mapping" % rel, ["no jobs"])
    if not good:
        return
    for job_id, job in jobs.items():
        where = "%s: job %s" % (rel, job_id)
        problems = []
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", job_id):
            problems.append("job id '%s' is not a valid id" % job_id)
        if not isinstance(job, dict):
            tap.ok(False, "%s: is a mapping" % where, ["not a mapping"])
            continue
        problems += ["unknown key '%s'" % k for k in sorted(set(job) - JOB_KEYS)]
        if not job.get("runs-on"):
            problems.append("no 'runs-on'")
        needs = job.get("needs")
        needs = [needs] if isinstance(needs, str) else (needs or [])
        problems += ["needs unknown job '%s'" % n for n in needs if n not in jobs]
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            problems.append("'steps' must be a non-empty list")
            steps = []
        tap.ok(not problems, "%s: has runs-on and steps" % where, problems)

        defaults = ((job.get("defaults") or {}).get("run") or {}) \
            if isinstance(job.get("defaults"), dict) else {}
        job_workdir = defaults.get("working-directory", ".") \
            if isinstance(defaults, dict) else "."
        earlier = []
        for i, step in enumerate(steps, 1):
            label = step.get("name") if isinstance(step, dict) else None
            what = "%s step %d%s" % (where, i, " (%s)" % label if label else "")
            if not isinstance(step, dict):
                tap.ok(False, what, ["a step must be a mapping"])
                continue
            problems = ["unknown key '%s'" % k for k in sorted(set(step) - STEP_KEYS)]
            has_uses, has_run = "uses" in step, "run" in step
            if has_uses == has_run:
                problems.append("needs exactly one of 'uses' and 'run'")
            elif has_uses:
                uses = step["uses"]
                if not isinstance(uses, str):
                    problems.append("'uses' must be a string")
                elif uses.startswith("./"):
                    if not os.path.exists(os.path.join(root, uses)):
                        problems.append("%s: no such path" % uses)
                elif not uses.startswith("docker://") and not USES.fullmatch(uses):
                    problems.append("'%s' is not owner/repo[/path]@ref" % uses)
                else:
                    problems += check_step_action(uses, step)
            else:
                workdir = step.get("working-directory", job_workdir)
                problems += check_run(root, step["run"], workdir, earlier)
                earlier += run_programs(step["run"], workdir)
            tap.ok(not problems, what, problems)

    try:
        import yaml  # only to cross-check the subset parser
    except ImportError:
        tap.ok(True, "%s: PyYAML reads the same values" % rel,
               skip="PyYAML not installed")
        return
    theirs = normalise(yaml.safe_load(text))
    if isinstance(theirs, dict) and True in theirs:  # YAML 1.1 reads 'on' as true
        theirs["on"] = theirs.pop(True)
    mine = normalise(doc)
    tap.ok(mine == theirs, "%s: PyYAML reads the same values" % rel,
           ["subset parser: %r" % (mine,), "PyYAML:        %r" % (theirs,)])


def normalise(v):
    """Values as strings, the way GitHub passes them on."""
    if isinstance(v, dict):
        return {(k if isinstance(k, str) or k is True else str(k)): normalise(x)
                for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x) for x in v]
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return None
    return str(v)


def check_build_files(tap, root):
    for rel in ("build.sh", ".clusterfuzzlite/build.sh"):
        path = os.path.join(root, rel)
        if not os.path.isfile(path):
            tap.ok(False, "%s: bash -n" % rel, ["missing"])
            continue
        r = subprocess.run(["bash", "-n", path], capture_output=True, text=True)
        tap.ok(r.returncode == 0, "%s: bash -n" % rel, r.stderr.splitlines())
        tap.ok(os.access(path, os.X_OK), "%s: is executable" % rel, ["chmod +x"])

    rel = ".clusterfuzzlite/project.yaml"
    try:
        doc = parse_yaml(read_text(os.path.join(root, rel)))
        good = isinstance(doc, dict) and doc.get("language") == "c"
        tap.ok(good, "%s: language is c" % rel, ["got %r" % (doc,)])
    except (OSError, YamlError) as e:
        tap.ok(False, "%s: language is c" % rel, [str(e)])

    rel = ".clusterfuzzlite/Dockerfile"
    try:
        lines = [l.strip() for l in read_text(os.path.join(root, rel)).splitlines()
                 if l.strip() and not l.lstrip().startswith("#")]
    except OSError as e:
        tap.ok(False, "%s: builds on base-builder" % rel, [str(e)])
        return
    problems = []
    if not lines or not re.match(r"FROM gcr\.io/oss-fuzz-base/base-builder(:\S+)?$", lines[0]):
        problems.append("the first instruction must be FROM gcr.io/oss-fuzz-base/base-builder")
    for want in (r"COPY \. \$SRC/cancelfuzz$", r"WORKDIR \$SRC/cancelfuzz$",
                 r"COPY \.clusterfuzzlite/build\.sh \$SRC/$"):
        if not any(re.match(want, l) for l in lines):
            problems.append("no line matching %s" % want)
    text = " ".join(lines)
    for pkg in ("libjansson-dev", "pkg-config", "ninja-build", "meson"):
        if pkg not in text:
            problems.append("does not install %s" % pkg)
    tap.ok(not problems, "%s: builds on base-builder with the project's tools" % rel,
           problems)


def main(argv):
    root = os.path.abspath(argv[1] if len(argv) > 1 else
                           os.path.join(os.path.dirname(__file__), "..", ".."))
    ci = os.path.join(root, "ci")
    files = sorted(f for f in os.listdir(ci) if f.endswith((".yml", ".yaml"))) \
        if os.path.isdir(ci) else []
    tap = Tap()
    if not files:
        tap.ok(False, "ci/ has workflow files", ["no ci/*.yml in %s" % root])
    for f in files:
        check_workflow(tap, root, "ci/" + f)
    check_build_files(tap, root)
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

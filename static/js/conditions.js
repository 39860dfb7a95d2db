// The checklist condition language (relevant, constraint) for the phone: works offline, no build step.
// Same grammar and semantics as fieldapp/checklists/conditions.py; both run the vectors in
// checklists/tests/condition_vectors.json. Exposes window.FieldappConditions = {parse, evaluate, ...}.
//
//   expr := or;  or := and ("or" and)*;  and := not ("and" not)*;  not := "not" not | cmp
//   cmp  := sum (("=" | "!=" | "<" | "<=" | ">" | ">=") sum)?;  sum := atom
//   atom := "${" id "}" | "." | string | number | "true()" | "false()"
//         | "selected(" atom "," string ")" | "count(" "${" id "}" ")" | "(" expr ")"
//
// Numbers are kept as exact decimal strings (never floats): {num: "-0.31"}.
(function (global) {
  "use strict";

  var MAX_LENGTH = 2000;
  var MAX_DEPTH = 50;
  var ID_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
  var NUMBER_RE = /-?[0-9]+(?:\.[0-9]+)?/y;
  var NUMERIC_TEXT_RE = /^\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*$/;
  var COMPARISONS = ["<=", ">=", "!=", "=", "<", ">"];
  var FUNCTIONS = ["selected", "count", "true", "false"];

  function ConditionSyntaxError(reason, position) {
    this.name = "ConditionSyntaxError";
    this.reason = reason;
    this.position = position;
    this.message = reason + " (at character " + (position + 1) + ")";
  }
  ConditionSyntaxError.prototype = Object.create(Error.prototype);
  ConditionSyntaxError.prototype.constructor = ConditionSyntaxError;

  function isDigit(ch) { return ch >= "0" && ch <= "9"; }
  function isAlpha(ch) { return (ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z") || ch === "_"; }

  function matchAt(re, text, i) {
    re.lastIndex = i;
    var m = re.exec(text);
    return m && m.index === i ? m[0] : null;
  }

  function tokenize(text) {
    if (text.length > MAX_LENGTH) {
      throw new ConditionSyntaxError("condition longer than " + MAX_LENGTH + " characters", MAX_LENGTH);
    }
    var tokens = [];
    var i = 0;
    var n = text.length;
    while (i < n) {
      var ch = text[i];
      if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n") {
        i += 1;
      } else if (text.startsWith("${", i)) {
        var id = matchAt(ID_RE, text, i + 2);
        if (!id) throw new ConditionSyntaxError("expected an item id after '${'", i + 2);
        var end = i + 2 + id.length;
        if (end >= n || text[end] !== "}") throw new ConditionSyntaxError("expected '}' after the item id", end);
        tokens.push({kind: "ref", value: id, position: i});
        i = end + 1;
      } else if (ch === "'" || ch === '"') {
        var close = text.indexOf(ch, i + 1);
        if (close < 0) throw new ConditionSyntaxError("unterminated string", i);
        tokens.push({kind: "string", value: text.slice(i + 1, close), position: i});
        i = close + 1;
      } else if (isDigit(ch) || (ch === "-" && i + 1 < n && isDigit(text[i + 1]))) {
        var num = matchAt(NUMBER_RE, text, i);
        var after = i + num.length;
        if (after < n && text[after] === ".") throw new ConditionSyntaxError("malformed number", i);
        tokens.push({kind: "number", value: num, position: i});
        i = after;
      } else if (ch === ".") {
        tokens.push({kind: "dot", value: ".", position: i});
        i += 1;
      } else if (ch === "(") {
        tokens.push({kind: "lparen", value: ch, position: i});
        i += 1;
      } else if (ch === ")") {
        tokens.push({kind: "rparen", value: ch, position: i});
        i += 1;
      } else if (ch === ",") {
        tokens.push({kind: "comma", value: ch, position: i});
        i += 1;
      } else if (ch === "=" || ch === "!" || ch === "<" || ch === ">") {
        var op = null;
        for (var k = 0; k < COMPARISONS.length; k++) {
          if (text.startsWith(COMPARISONS[k], i)) { op = COMPARISONS[k]; break; }
        }
        if (!op) throw new ConditionSyntaxError("'!' must be followed by '='", i);
        tokens.push({kind: "op", value: op, position: i});
        i += op.length;
      } else if (isAlpha(ch)) {
        var word = matchAt(ID_RE, text, i);
        tokens.push({kind: "word", value: word, position: i});
        i += word.length;
      } else {
        // Report the character as Python's repr would for plain characters.
        var shown = ch === "'" ? '"\'"' : "'" + ch + "'";
        var code = text.codePointAt(i);
        if (code > 0xffff) shown = "'" + String.fromCodePoint(code) + "'";
        throw new ConditionSyntaxError("unexpected character " + shown, i);
      }
    }
    tokens.push({kind: "end", value: "", position: n});
    return tokens;
  }

  function Parser(text) {
    this.tokens = tokenize(text);
    this.pos = 0;
    this.depth = 0;
    this.refs = {};
    this.counted = {};
    this.usesSelf = false;
  }
  Parser.prototype.tok = function () { return this.tokens[this.pos]; };
  Parser.prototype.advance = function () { return this.tokens[this.pos++]; };
  Parser.prototype.expect = function (kind, what) {
    if (this.tok().kind !== kind) throw new ConditionSyntaxError("expected " + what, this.tok().position);
    return this.advance();
  };
  Parser.prototype.isWord = function (word) { var t = this.tok(); return t.kind === "word" && t.value === word; };
  Parser.prototype.enter = function () {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) throw new ConditionSyntaxError("condition nested too deeply", this.tok().position);
  };
  Parser.prototype.parse = function () {
    if (this.tok().kind === "end") throw new ConditionSyntaxError("empty condition", 0);
    var tree = this.parseOr();
    if (this.tok().kind !== "end") throw new ConditionSyntaxError("unexpected text after the condition", this.tok().position);
    return tree;
  };
  Parser.prototype.parseOr = function () {
    var left = this.parseAnd();
    while (this.isWord("or")) { this.advance(); left = ["or", left, this.parseAnd()]; }
    return left;
  };
  Parser.prototype.parseAnd = function () {
    var left = this.parseNot();
    while (this.isWord("and")) { this.advance(); left = ["and", left, this.parseNot()]; }
    return left;
  };
  Parser.prototype.parseNot = function () {
    if (this.isWord("not")) {
      this.advance();
      this.enter();
      var node = ["not", this.parseNot()];
      this.depth -= 1;
      return node;
    }
    return this.parseCmp();
  };
  Parser.prototype.parseCmp = function () {
    var left = this.parseAtom();
    if (this.tok().kind === "op") {
      var op = this.advance().value;
      var right = this.parseAtom();
      if (this.tok().kind === "op") throw new ConditionSyntaxError("comparisons cannot be chained; use 'and'", this.tok().position);
      return ["cmp", op, left, right];
    }
    return left;
  };
  Parser.prototype.parseAtom = function () {
    var tok = this.tok();
    if (tok.kind === "ref") { this.advance(); this.refs[tok.value] = true; return ["ref", tok.value]; }
    if (tok.kind === "dot") { this.advance(); this.usesSelf = true; return ["self"]; }
    if (tok.kind === "string") { this.advance(); return ["lit", tok.value]; }
    if (tok.kind === "number") { this.advance(); return ["lit", {num: tok.value}]; }
    if (tok.kind === "lparen") {
      this.advance();
      this.enter();
      var inner = this.parseOr();
      this.depth -= 1;
      this.expect("rparen", "')'");
      return inner;
    }
    if (tok.kind === "word") return this.parseFunction();
    if (tok.kind === "end") throw new ConditionSyntaxError("unexpected end of the condition", tok.position);
    throw new ConditionSyntaxError("unexpected '" + tok.value + "'", tok.position);
  };
  Parser.prototype.parseFunction = function () {
    var tok = this.advance();
    var name = tok.value;
    if (FUNCTIONS.indexOf(name) < 0) throw new ConditionSyntaxError("unknown word '" + name + "'", tok.position);
    this.expect("lparen", "'(' after " + name);
    if (name === "true" || name === "false") { this.expect("rparen", "')'"); return ["lit", name === "true"]; }
    if (name === "count") {
      var ref = this.expect("ref", "${id} in count()");
      this.expect("rparen", "')'");
      this.refs[ref.value] = true;
      this.counted[ref.value] = true;
      return ["count", ref.value];
    }
    this.enter();
    var subject = this.parseAtom();
    this.depth -= 1;
    this.expect("comma", "',' in selected()");
    var value = this.expect("string", "a quoted choice value in selected()");
    this.expect("rparen", "')'");
    return ["selected", subject, value.value];
  };

  function parse(text) {
    if (typeof text !== "string") throw new ConditionSyntaxError("a condition must be text", 0);
    var parser = new Parser(text);
    var tree = parser.parse();
    return {source: text, tree: tree, refs: Object.keys(parser.refs), counted: Object.keys(parser.counted), usesSelf: parser.usesSelf};
  }

  // --- exact decimals as strings ------------------------------------------------------------------

  function isNum(v) { return v !== null && typeof v === "object" && !Array.isArray(v) && typeof v.num === "string"; }

  // Split "-012.340" into {neg, int: "12", frac: "34"}; zero is never negative.
  function splitDecimal(text) {
    var s = String(text).trim();
    var neg = false;
    if (s[0] === "+" || s[0] === "-") { neg = s[0] === "-"; s = s.slice(1); }
    var dot = s.indexOf(".");
    var intPart = dot < 0 ? s : s.slice(0, dot);
    var frac = dot < 0 ? "" : s.slice(dot + 1);
    intPart = intPart.replace(/^0+/, "");
    frac = frac.replace(/0+$/, "");
    if (intPart === "" && frac === "") neg = false;
    return {neg: neg, int: intPart, frac: frac};
  }

  function compareMagnitude(a, b) {
    if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -1 : 1;
    if (a.int !== b.int) return a.int < b.int ? -1 : 1;
    var len = Math.max(a.frac.length, b.frac.length);
    var fa = a.frac.padEnd(len, "0");
    var fb = b.frac.padEnd(len, "0");
    if (fa === fb) return 0;
    return fa < fb ? -1 : 1;
  }

  function compareDecimal(x, y) {
    var a = splitDecimal(x);
    var b = splitDecimal(y);
    if (a.neg !== b.neg) return a.neg ? -1 : 1;
    var m = compareMagnitude(a, b);
    return a.neg ? -m : m;
  }

  function decimalText(text) {
    var d = splitDecimal(text);
    var out = (d.int || "0") + (d.frac ? "." + d.frac : "");
    return (d.neg ? "-" : "") + out;
  }

  function toDecimal(v) {
    if (isNum(v)) return v.num;
    if (typeof v === "string" && NUMERIC_TEXT_RE.test(v)) return v.trim();
    return null;
  }

  // --- evaluation ---------------------------------------------------------------------------------

  function normalise(value) {
    if (value === undefined || value === null) return null;
    if (typeof value === "boolean" || typeof value === "string") return value;
    if (typeof value === "number") return isFinite(value) ? decimalText(String(value)) : String(value);
    if (Array.isArray(value)) {
      return value.map(function (v) { return typeof v === "string" || (v && typeof v === "object") ? v : String(v); });
    }
    return "[answered]";
  }

  function truthy(value) {
    if (value === null || value === undefined) return false;
    if (typeof value === "boolean") return value;
    if (isNum(value)) return compareDecimal(value.num, "0") !== 0;
    if (typeof value === "string" || Array.isArray(value)) return value.length > 0;
    return true;
  }

  function asText(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (isNum(value)) return decimalText(value.num);
    if (Array.isArray(value)) return value.map(function (v) { return typeof v === "string" ? v : "[answered]"; }).join(" ");
    return String(value);
  }

  function compare(op, left, right) {
    var a, b, c;
    if (typeof left === "boolean" || typeof right === "boolean") {
      c = (truthy(left) ? 1 : 0) - (truthy(right) ? 1 : 0);
    } else {
      a = toDecimal(left);
      b = toDecimal(right);
      if (a !== null && b !== null) {
        c = compareDecimal(a, b);
      } else {
        var lt = asText(left);
        var rt = asText(right);
        if (op === "=") return lt === rt;
        if (op === "!=") return lt !== rt;
        if (lt === "" || rt === "") return false;
        c = lt === rt ? 0 : (lt < rt ? -1 : 1);
      }
    }
    switch (op) {
      case "=": return c === 0;
      case "!=": return c !== 0;
      case "<": return c < 0;
      case "<=": return c <= 0;
      case ">": return c > 0;
      default: return c >= 0;
    }
  }

  // The blocks visible from `path` (e.g. ["dispenser", 0, "nozzle", 1]), innermost first.
  function scopeBlocks(answers, path) {
    var top = answers && typeof answers === "object" && !Array.isArray(answers) ? answers : {};
    var blocks = [top];
    var current = top;
    path = path || [];
    for (var i = 0; i + 1 < path.length; i += 2) {
      var rows = current[path[i]];
      var index = path[i + 1];
      if (!Array.isArray(rows) || typeof index !== "number" || index < 0 || index >= rows.length) break;
      current = rows[index];
      if (!current || typeof current !== "object" || Array.isArray(current)) break;
      blocks.push(current);
    }
    return blocks.reverse();
  }

  function lookup(blocks, id) {
    for (var i = 0; i < blocks.length; i++) {
      if (Object.prototype.hasOwnProperty.call(blocks[i], id)) return blocks[i][id];
    }
    return null;
  }

  function ev(node, blocks, selfValue) {
    switch (node[0]) {
      case "lit": return node[1];
      case "ref": return normalise(lookup(blocks, node[1]));
      case "self": return normalise(selfValue);
      case "not": return !truthy(ev(node[1], blocks, selfValue));
      case "and": return truthy(ev(node[1], blocks, selfValue)) && truthy(ev(node[2], blocks, selfValue));
      case "or": return truthy(ev(node[1], blocks, selfValue)) || truthy(ev(node[2], blocks, selfValue));
      case "cmp": return compare(node[1], ev(node[2], blocks, selfValue), ev(node[3], blocks, selfValue));
      case "count": {
        var v = lookup(blocks, node[1]);
        if (v === null || v === undefined || v === "") return {num: "0"};
        return {num: String(Array.isArray(v) ? v.length : 1)};
      }
      case "selected": {
        var s = ev(node[1], blocks, selfValue);
        if (Array.isArray(s)) return s.indexOf(node[2]) >= 0;
        if (typeof s === "string") return s.split(/\s+/).filter(Boolean).indexOf(node[2]) >= 0;
        return false;
      }
      default: throw new Error("unknown node " + node[0]);
    }
  }

  // evaluate(conditionOrText, answers, path, selfValue) -> boolean
  function evaluate(condition, answers, path, selfValue) {
    var parsed = typeof condition === "string" ? parse(condition) : condition;
    return truthy(ev(parsed.tree, scopeBlocks(answers, path), selfValue === undefined ? null : selfValue));
  }

  global.FieldappConditions = {
    parse: parse,
    evaluate: evaluate,
    tokenize: tokenize,
    compareDecimal: compareDecimal,
    ConditionSyntaxError: ConditionSyntaxError
  };
})(typeof window !== "undefined" ? window : this);

// Follow-up conditions, evaluated in the browser with the rules of
// questionnaire/domain/conditions.py. The page does not parse the bank's text: the server
// sends each condition as the tree it parsed and checked (`condition_data`), and this file
// walks it. Python's meaning is kept where JavaScript differs: an empty list is false, a
// list never equals a tuple of literals, "in" on a text looks for a part of it, and an
// unanswered or non-numeric answer satisfies no ordering. tests/browser compares this
// evaluator with the server's over every condition of the bank.
(function (root) {
  "use strict";

  // A literal list of the bank (`status in ('yes', 'partly')`), told apart from an answer
  // that is a list (a multiple-choice question), as Python tells a tuple from a list.
  function Tuple(values) { this.values = values; }

  function truthy(value) {
    if (value === null || value === undefined) { return false; }
    if (Array.isArray(value)) { return value.length > 0; }
    if (value instanceof Tuple) { return value.values.length > 0; }
    if (typeof value === "string") { return value.length > 0; }
    if (typeof value === "number") { return value !== 0; }
    return Boolean(value);
  }

  function equal(left, right) {
    if (left === null || left === undefined || right === null || right === undefined) {
      return (left === null || left === undefined) && (right === null || right === undefined);
    }
    if (Array.isArray(left) || Array.isArray(right)) {
      return Array.isArray(left) && Array.isArray(right) && sameItems(left, right);
    }
    if (left instanceof Tuple || right instanceof Tuple) {
      return left instanceof Tuple && right instanceof Tuple && sameItems(left.values, right.values);
    }
    return typeof left === typeof right && left === right;
  }

  function sameItems(left, right) {
    if (left.length !== right.length) { return false; }
    for (var i = 0; i < left.length; i += 1) {
      if (!equal(left[i], right[i])) { return false; }
    }
    return true;
  }

  function contains(container, item) {
    if (typeof container === "string") {
      return typeof item === "string" && container.indexOf(item) !== -1;
    }
    var items = Array.isArray(container) ? container
      : container instanceof Tuple ? container.values : null;
    if (items === null) { return false; }  // Python would refuse: no membership in a number
    for (var i = 0; i < items.length; i += 1) {
      if (equal(items[i], item)) { return true; }
    }
    return false;
  }

  function compare(operator, left, right) {
    var missing = left === null || left === undefined || right === null || right === undefined;
    switch (operator) {
      case "==": return equal(left, right);
      case "!=": return !equal(left, right);
      case "in": return !missing && contains(right, left);
      case "not in": return missing || !contains(right, left);
    }
    if (typeof left !== "number" || typeof right !== "number") { return false; }
    switch (operator) {
      case "<": return left < right;
      case "<=": return left <= right;
      case ">": return left > right;
      case ">=": return left >= right;
    }
    return false;
  }

  // Unknown: an answer the page cannot read as the server would (a number typed in a form
  // only the server reads). The page then keeps the server's decision for that question.
  var UNKNOWN = {};

  function evaluate(node, answers) {
    var i, value;
    switch (node[0]) {
      case "and":
        for (i = 1; i < node.length; i += 1) {
          value = evaluate(node[i], answers);
          if (value === UNKNOWN) { return UNKNOWN; }
          if (!truthy(value)) { return false; }
        }
        return true;
      case "or":
        for (i = 1; i < node.length; i += 1) {
          value = evaluate(node[i], answers);
          if (value === UNKNOWN) { return UNKNOWN; }
          if (truthy(value)) { return true; }
        }
        return false;
      case "not":
        value = evaluate(node[1], answers);
        return value === UNKNOWN ? UNKNOWN : !truthy(value);
      case "compare":
        var current = evaluate(node[1], answers);
        if (current === UNKNOWN) { return UNKNOWN; }
        for (i = 0; i < node[2].length; i += 1) {
          var other = evaluate(node[2][i][1], answers);
          if (other === UNKNOWN) { return UNKNOWN; }
          if (!compare(node[2][i][0], current, other)) { return false; }
          current = other;
        }
        return true;
      case "answer":
        value = Object.prototype.hasOwnProperty.call(answers, node[1]) ? answers[node[1]] : null;
        return value === undefined ? null : value;
      case "literal":
        return node[1];
      case "tuple":
        return new Tuple(node[1]);
    }
    throw new Error("unknown condition node " + node[0]);
  }

  // true or false; null when an answer it needs is unknown to the page.
  function holds(tree, answers) {
    var value = evaluate(tree, answers);
    return value === UNKNOWN ? null : truthy(value);
  }

  root.QuestionnaireConditions = { holds: holds, UNKNOWN: UNKNOWN };
})(window);

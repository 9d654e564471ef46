#include "quant/ignored_scope.h"

#include <regex>
#include <set>
#include <vector>

namespace qac {
namespace {

std::string join_quoted(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "'" : ", '") + item + "'";
  return out;
}

}  // namespace

Result<IgnoredNodes> match_ignored_scope(const GraphView& view, const IgnoredScope& scope,
                                         bool strict) {
  IgnoredNodes ignored;
  if (scope.empty()) return ignored;

  std::vector<std::regex> patterns;
  for (const auto& pattern : scope.patterns) {
    try {
      patterns.emplace_back(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument("ignored scope pattern '" + pattern +
                                     "' is not a valid regular expression: " + e.what());
    }
  }
  const std::set<std::string> names(scope.names.begin(), scope.names.end());
  const std::set<std::string> types(scope.types.begin(), scope.types.end());
  std::set<std::string> matched_names, matched_types;
  std::vector<bool> matched_patterns(patterns.size(), false);

  for (int i = 0; i < view.num_nodes(); ++i) {
    const auto& node = view.node(i);
    std::string rule;
    if (!node.name().empty() && names.count(node.name())) {
      matched_names.insert(node.name());
      rule = "ignored scope: name '" + node.name() + "'";
    }
    if (types.count(node.op_type())) {
      matched_types.insert(node.op_type());
      if (rule.empty()) rule = "ignored scope: type '" + node.op_type() + "'";
    }
    for (size_t p = 0; p < patterns.size(); ++p) {
      if (std::regex_search(node.name(), patterns[p], std::regex_constants::match_continuous)) {
        matched_patterns[p] = true;
        if (rule.empty()) rule = "ignored scope: pattern '" + scope.patterns[p] + "'";
      }
    }
    if (!rule.empty()) ignored.emplace(i, std::move(rule));
  }

  if (strict) {
    std::vector<std::string> unmatched_names, unmatched_types, unmatched_patterns;
    for (const auto& name : scope.names) {
      if (!matched_names.count(name)) unmatched_names.push_back(name);
    }
    for (const auto& type : scope.types) {
      if (!matched_types.count(type)) unmatched_types.push_back(type);
    }
    for (size_t p = 0; p < patterns.size(); ++p) {
      if (!matched_patterns[p]) unmatched_patterns.push_back(scope.patterns[p]);
    }
    std::string problems;
    auto describe = [&](const char* what, const std::vector<std::string>& items) {
      if (items.empty()) return;
      problems += (problems.empty() ? "" : "; ") + std::string(what) + " " + join_quoted(items);
    };
    describe("node names", unmatched_names);
    describe("op types", unmatched_types);
    describe("patterns", unmatched_patterns);
    if (!problems.empty()) {
      return Status::InvalidArgument("ignored scope entries match no node of graph '" +
                                     view.graph().name() + "': " + problems);
    }
  }
  return ignored;
}

}  // namespace qac

// Matching a user's IgnoredScope (include/qac/options.h) against the nodes of a graph.
#pragma once

#include <map>
#include <string>

#include "graph/graph_view.h"
#include "qac/options.h"
#include "qac/status.h"

namespace qac {

// Node index -> the rule that matched it, e.g. "ignored scope: name 'conv1'",
// "ignored scope: type 'Add'", "ignored scope: pattern '.*attn.*'".
using IgnoredNodes = std::map<int, std::string>;

// A node matches when its name is in `scope.names`, its op type in `scope.types`, or a pattern
// of `scope.patterns` (ECMAScript) matches its name from the first character (Python's
// re.match, as NNCF does; use ".*x" to match anywhere). Only the nodes of `view` are matched.
// Errors (kInvalidArgument): a pattern that is not a valid regular expression; with `strict`
// (NNCF's validate=True), a name, type or pattern that matches no node, named in the message.
Result<IgnoredNodes> match_ignored_scope(const GraphView& view, const IgnoredScope& scope,
                                         bool strict);

}  // namespace qac

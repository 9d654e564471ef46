// Charts of the HTML report as inline SVG (no script): sorted horizontal bars (per-group
// sensitivity), thin columns in a fixed order (per-layer SQNR in graph order), and the search
// plot (the drop of every evaluation against the budget). Each mark carries a <title> (a
// tooltip naming it) and, when given, a data-key / data-value pair with its exact value.
#pragma once

#include <string>
#include <vector>

#include "qac/accuracy_control.h"

namespace qac::html {

struct Bar {
  std::string label;       // drawn left of the bar
  double value = 0;        // >= 0 drawn; negative or NaN drawn empty
  bool highlighted = false;
  std::string annotation;  // drawn right of the bar
  std::string tooltip;
  std::string data_key;    // empty: no data attributes
};

// One row per bar, in the given order, lengths proportional to value / max value.
std::string horizontal_bar_chart(const std::vector<Bar>& bars, const std::string& value_label);

struct Column {
  double value = 0;        // +inf drawn as a full column marked "identical"; -inf and NaN empty
  bool highlighted = false;
  std::string tooltip;
  std::string data_key;
};

// Columns left to right in the given order on a y axis from min(0, lowest) to the highest
// finite value; `y_label` names the axis.
std::string column_chart(const std::vector<Column>& columns, const std::string& y_label);

// The search: x = evaluation number, y = drop against FP32 (measured on the full set, or
// predicted by a screen), the budget as a dashed line, each step marked by its kind, the
// returned configuration ringed. Ranking steps (no full-set drop) are ticks in a lane below.
std::string search_plot(const std::vector<SearchStepRecord>& steps, double max_drop);

}  // namespace qac::html

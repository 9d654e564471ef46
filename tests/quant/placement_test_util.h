// Lookups over a QuantizerSetup shared by the placement and group tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "quant/placement.h"

namespace qac::testing {

inline const ActivationQuantizer* find_activation(const QuantizerSetup& setup,
                                                  const std::string& tensor) {
  for (const auto& q : setup.activations) {
    if (q.tensor == tensor) return &q;
  }
  return nullptr;
}

inline const WeightQuantizer* find_weight(const QuantizerSetup& setup,
                                          const std::string& node_name) {
  for (const auto& w : setup.weights) {
    if (w.node_name == node_name) return &w;
  }
  return nullptr;
}

inline const SkippedNode* find_skipped(const QuantizerSetup& setup, const std::string& node) {
  for (const auto& s : setup.skipped) {
    if (s.node_name == node) return &s;
  }
  return nullptr;
}

inline std::set<std::string> activation_tensors(const QuantizerSetup& setup) {
  std::set<std::string> tensors;
  for (const auto& q : setup.activations) tensors.insert(q.tensor);
  return tensors;
}

inline std::set<std::string> weight_nodes(const QuantizerSetup& setup) {
  std::set<std::string> nodes;
  for (const auto& w : setup.weights) nodes.insert(w.node_name);
  return nodes;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

using Consumers = std::vector<std::pair<int, int>>;

}  // namespace qac::testing

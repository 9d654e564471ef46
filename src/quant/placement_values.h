// Facts about the values of a graph that placement needs: which are constants (initializers,
// Constant outputs, values computed only from constants) and which are float32 (recorded by
// shape inference, or inferred from producers when value_info is missing).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "graph/graph_view.h"

namespace qac {

class ValueFacts {
 public:
  // REQUIRES: `view` outlives this object.
  explicit ValueFacts(const GraphView& view);

  // Initializers (also those listed as graph inputs, as IR < 4 models do), outputs of Constant
  // nodes and outputs of nodes whose inputs are all constant.
  bool is_constant(std::string_view value) const;
  // Recorded or inferred element type is FLOAT; unknown types count as float (activations).
  bool is_float32(std::string_view value) const;
  // A value placement may quantize: float32, not constant, not empty.
  bool is_float_activation(std::string_view value) const;

 private:
  std::map<std::string, bool, std::less<>> constant_;
  std::map<std::string, int32_t, std::less<>> elem_type_;  // 0 = unknown
};

}  // namespace qac

#include "validators.h"

#include <charconv>
#include <cmath>
#include <string>

#include "qac/metric.h"

namespace qac::cli {
namespace {

// True when all of `text` parses as a `T`, stored in `value`.
template <typename T>
bool parse_whole(const std::string& text, T& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

}  // namespace

CLI::Validator positive_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        unsigned long long value = 0;
        if (!parse_whole(text, value) || value == 0) return "must be a positive integer, got '" + text + "'";
        return {};
      },
      "POSITIVE INTEGER");
}

CLI::Validator non_negative_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        if (!parse_whole(text, value) || !std::isfinite(value) || value < 0) {
          return "must be a number >= 0, got '" + text + "'";
        }
        return {};
      },
      "NUMBER >= 0");
}

CLI::Validator timeout_seconds() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        if (!parse_whole(text, value) || !std::isfinite(value) || value <= 0 || value > kMaxTimeoutSeconds) {
          return "must be a number of seconds > 0 and <= 1e9, got '" + text + "'";
        }
        return {};
      },
      "SECONDS");
}

CLI::Validator output_selection() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text == "every" || text == "all" || text == "default") return {};
        double value = 0;
        if (!parse_whole(text, value) || value < 0 || value != std::floor(value) || value > 1e6) {
          return "must be every, all, default or an output index >= 0, got '" + text + "'";
        }
        return {};
      },
      "every|all|N");
}

int output_index_of(const std::string& selection) {
  if (selection == "every") return kEveryOutput;
  if (selection == "all") return kAllOutputs;
  if (selection == "default" || selection.empty()) return kDefaultOutput;
  return std::stoi(selection);
}

}  // namespace qac::cli

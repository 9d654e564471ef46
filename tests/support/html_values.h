// Reads the numbers an HTML report page states in data-key / data-value attributes and checks
// them against the JSON report: each key is a path into the JSON (members and array indices
// separated by dots).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

namespace qac::testing {

// Undoes the five escapes of html::escape.
inline std::string unescape_html(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + 1)) {
      s.replace(pos, std::string(from).size(), to);
    }
  }
  return s;
}

// key -> value text of every data-key="..." data-value="..." pair on the page. A key stated
// twice must carry the same value (ADD_FAILURE otherwise).
inline std::map<std::string, std::string> page_values(const std::string& html) {
  std::map<std::string, std::string> values;
  static const std::regex pair(R"re(data-key="([^"]*)" data-value="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), pair); it != std::sregex_iterator(); ++it) {
    const std::string key = unescape_html((*it)[1]), value = (*it)[2];
    auto [existing, inserted] = values.emplace(key, value);
    if (!inserted && existing->second != value) {
      ADD_FAILURE() << "page states " << key << " as " << existing->second << " and " << value;
    }
  }
  return values;
}

// The JSON value at `key` (dot path; array indices as numbers); null when absent.
inline nlohmann::json json_at(const nlohmann::json& root, const std::string& key) {
  const nlohmann::json* node = &root;
  size_t start = 0;
  while (start <= key.size()) {
    size_t dot = key.find('.', start);
    // Members may contain dots (a phase or tensor name): take the longest member that exists.
    if (node->is_object()) {
      std::string member;
      size_t end = key.size();
      bool found = false;
      while (true) {
        member = key.substr(start, end - start);
        if (node->contains(member)) {
          found = true;
          break;
        }
        end = key.rfind('.', end - 1);
        if (end == std::string::npos || end < start) break;
      }
      if (!found) return nullptr;
      node = &(*node)[member];
      dot = end;
    } else if (node->is_array()) {
      const std::string index = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      const size_t i = std::strtoul(index.c_str(), nullptr, 10);
      if (i >= node->size()) return nullptr;
      node = &(*node)[i];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos || dot >= key.size()) break;
    start = dot + 1;
  }
  return *node;
}

// Checks every number on the page against the JSON report; returns how many were compared.
// Booleans compare as 1 / 0; a JSON "inf" / "-inf" string or null as the page's "inf" / "-inf"
// / "nan".
inline size_t expect_page_matches_json(const std::string& html, const nlohmann::json& report) {
  size_t compared = 0;
  for (const auto& [key, text] : page_values(html)) {
    const nlohmann::json v = json_at(report, key);
    const double page = std::strtod(text.c_str(), nullptr);
    if (v.is_boolean()) {
      EXPECT_EQ(page, v.get<bool>() ? 1.0 : 0.0) << key;
    } else if (v.is_number()) {
      EXPECT_EQ(page, v.get<double>()) << key << ": page " << text << ", JSON " << v.dump();
    } else if (v.is_string()) {
      EXPECT_EQ(text, v.get<std::string>()) << key;
    } else if (v.is_null()) {
      EXPECT_TRUE(text == "nan" || text == "inf" || text == "-inf") << key << " is not in the JSON report";
    } else {
      ADD_FAILURE() << key << " is not a number in the JSON report: " << v.dump();
    }
    ++compared;
  }
  return compared;
}

}  // namespace qac::testing

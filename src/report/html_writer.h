// Building blocks of qac's HTML pages: escaping, number formatting, the page frame with its
// inline style sheet, tables and folded sections. Nothing here emits script or a URL.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qac::html {

// Text safe inside elements and double- or single-quoted attributes: & < > " ' escaped.
std::string escape(std::string_view text);

// For reading: `significant` digits (%.*g); "-" for NaN, "+inf" / "-inf" for infinities.
std::string number(double value, int significant = 4);
// Fixed decimals (%.*f), same special values as number().
std::string fixed(double value, int decimals);
// Round-trip precision (%.17g) for data-value attributes; "inf", "-inf", "nan" when not finite.
std::string exact(double value);

// ` data-key="KEY" data-value="VALUE"` (escaped): how a page states the exact value of a
// number it shows, for machine reading.
std::string data_value(std::string_view key, double value);
std::string data_value(std::string_view key, std::string_view value);

// A table: `header` cells are escaped text; each row holds ready HTML cells (`<td ...>...</td>`).
std::string table(const std::vector<std::string>& header, const std::vector<std::string>& rows,
                  std::string_view css_class = "");
// <td> holding escaped `text`.
std::string cell(std::string_view text, std::string_view css_class = "");

// A <details> block (closed unless `open`): folded content a reader can expand without script.
std::string folded(std::string_view summary_text, std::string_view content, bool open = false);

// A <section> with an <h2> heading and an id.
std::string section(std::string_view id, std::string_view heading, std::string_view content);

// The whole document: doctype, charset, title, the inline style sheet, `body`.
std::string page(std::string_view title, std::string_view body);

}  // namespace qac::html

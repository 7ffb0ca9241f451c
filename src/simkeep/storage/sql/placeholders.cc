#include "simkeep/storage/sql/placeholders.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace simkeep::storage::sql {
namespace {

// What opens and closes the stretches of SQL text in which a `?` is not a placeholder. A doubled
// quote inside a literal ('it''s') reads as one literal closing and the next opening, which
// copies the same.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kVerbatim{{
    {"'", "'"},    // String literal.
    {"\"", "\""},  // Quoted identifier.
    {"--", "\n"},  // Comment to the end of the line.
    {"/*", "*/"},  // Block comment.
}};

// The length of the verbatim stretch that starts at `start`, 0 when none does there. One left
// open runs to the end of `sql`.
size_t VerbatimLength(std::string_view sql, size_t start) {
  const std::string_view rest = sql.substr(start);
  for (const auto& [open, close] : kVerbatim) {
    if (rest.starts_with(open)) {
      const size_t end = rest.find(close, open.size());
      return end == std::string_view::npos ? rest.size() : end + close.size();
    }
  }
  return 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string NumberedPlaceholders(std::string_view sql) {
  std::string numbered;
  // Each placeholder grows the text by a byte or two.
  numbered.reserve(sql.size() + sql.size() / 8);
  int64_t largest = 0;  // The largest placeholder number given so far.
  size_t i = 0;
  while (i < sql.size()) {
    if (const size_t verbatim = VerbatimLength(sql, i); verbatim > 0) {
      numbered.append(sql.substr(i, verbatim));
      i += verbatim;
      continue;
    }
    if (sql[i] != '?') {
      numbered += sql[i];
      ++i;
      continue;
    }
    size_t digits_end = i + 1;
    while (digits_end < sql.size() && IsDigit(sql[digits_end])) {
      ++digits_end;
    }
    const std::string_view digits = sql.substr(i + 1, digits_end - i - 1);
    numbered += '$';
    if (digits.empty()) {
      numbered += std::to_string(++largest);
    } else {
      numbered.append(digits);
      // A number too large to parse stays 0 here and is left to the server to refuse.
      int64_t number = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), number);
      largest = std::max(largest, number);
    }
    i = digits_end;
  }
  return numbered;
}

}  // namespace simkeep::storage::sql

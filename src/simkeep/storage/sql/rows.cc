#include "simkeep/storage/sql/rows.h"

#include <algorithm>
#include <utility>

namespace simkeep::storage::sql {

const char* CurrencyName(Currency currency) {
  switch (currency) {
    case Currency::kJpy:
      return "JPY";
  }
  return "JPY";
}

std::optional<Currency> ParseCurrency(std::string_view text) {
  if (text == "JPY") {
    return Currency::kJpy;
  }
  return std::nullopt;
}

LookupSql::LookupSql(std::string select)
    : plain_(std::move(select)), locked_(plain_ + " FOR UPDATE") {}

int ClampLimit(int requested, int max) { return std::clamp(requested, 0, max); }

Result<void> RequireChanged(int64_t changes, const char* not_found_reason, std::string_view id) {
  if (changes == 0) {
    std::string message = "no row with id '";
    message += id;
    message += "'";
    return NotFound(not_found_reason, std::move(message));
  }
  return Ok();
}

}  // namespace simkeep::storage::sql

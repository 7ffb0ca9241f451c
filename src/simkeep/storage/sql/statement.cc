#include "simkeep/storage/sql/statement.h"

#include <utility>

namespace simkeep::storage::sql {

Error UnknownValueError(std::string_view text, const char* column) {
  std::string message = "stored value '";
  message += text;
  message += "' of column ";
  message += column != nullptr ? column : "?";
  message += " is not understood";
  return Internal(std::move(message));
}

}  // namespace simkeep::storage::sql

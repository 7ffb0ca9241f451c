#include "simkeep/storage/sql/table_copy.h"

#include <algorithm>
#include <cctype>

namespace simkeep::storage::sql {

ColumnType ColumnTypeOf(std::string_view declared_type) {
  std::string upper(declared_type);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  // SQLite's affinity rules, in its order: "INT" anywhere makes an integer column, then
  // "CHAR"/"CLOB"/"TEXT" a text one. PostgreSQL's names (bigint, integer, smallint, text,
  // character varying) fall into the same two classes.
  if (upper.find("INT") != std::string::npos) {
    return ColumnType::kInteger;
  }
  if (upper.find("TEXT") != std::string::npos || upper.find("CHAR") != std::string::npos) {
    return ColumnType::kText;
  }
  return ColumnType::kOther;
}

std::string QuotedIdentifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  quoted += '"';
  return quoted;
}

std::string QuotedColumnList(const TableSchema& table) {
  std::string list;
  for (const ColumnSchema& column : table.columns) {
    if (!list.empty()) {
      list += ", ";
    }
    list += QuotedIdentifier(column.name);
  }
  return list;
}

}  // namespace simkeep::storage::sql

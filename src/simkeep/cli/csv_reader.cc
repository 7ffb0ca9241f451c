#include "simkeep/cli/csv_reader.h"

#include <utility>

namespace simkeep::cli {

bool SplitCsv(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  fields.push_back(std::move(field));
  return !quoted;
}

Result<std::vector<std::string>> CsvReader::ReadHeader() {
  std::vector<std::string> names;
  if (!std::getline(in_, text_)) {
    return InvalidArgument("csv_header_missing", "The file has no CSV header row.");
  }
  line_ = 1;
  std::string_view header = text_;
  if (header.substr(0, 3) == "\xEF\xBB\xBF") {
    header.remove_prefix(3);
  }
  if (header.empty() || header == "\r" || !SplitCsv(header, names)) {
    return InvalidArgument("csv_header_missing", "The file has no CSV header row.");
  }
  return names;
}

bool CsvReader::Next(CsvRow& row) {
  while (std::getline(in_, text_)) {
    ++line_;
    if (text_.empty() || text_ == "\r") {
      continue;
    }
    row.line = line_;
    row.well_formed = SplitCsv(text_, row.fields);
    return true;
  }
  return false;
}

}  // namespace simkeep::cli

#ifndef SIMKEEP_CLI_CSV_READER_H_
#define SIMKEEP_CLI_CSV_READER_H_

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/base/result.h"

namespace simkeep::cli {

// Splits one CSV record (RFC 4180: fields separated by commas, a field may be quoted, "" is a
// quote inside quotes; a carriage return outside quotes is dropped). Returns false on an
// unterminated quote, with `fields` holding what was read. Quoted fields spanning lines are not
// supported.
bool SplitCsv(std::string_view line, std::vector<std::string>& fields);

// One record of a CSV file as CsvReader reads it.
struct CsvRow {
  int64_t line = 0;  // Its line number in the file, counting the header as line 1.
  std::vector<std::string> fields;
  bool well_formed = true;  // False when SplitCsv found an unterminated quote.
};

// Reads a CSV file the way the import commands take it: a header row naming the columns, then
// one record per line (LF or CRLF). Blank lines are skipped but still counted, so that a row's
// number is the line a text editor shows. A UTF-8 byte order mark before the header (as
// spreadsheets write it) is ignored. Reads from a stream its caller owns, which must outlive
// the reader. Not thread-safe.
class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // The column names of the header row (line 1). kInvalidArgument "csv_header_missing" when the
  // stream is empty, or its first line is blank or has an unterminated quote.
  // REQUIRES: called once, before Next.
  Result<std::vector<std::string>> ReadHeader();

  // Reads the next non-blank record into `row`; false at the end of the stream.
  bool Next(CsvRow& row);

  // The line number of the last line read (the header is line 1).
  int64_t line() const { return line_; }

 private:
  std::istream& in_;
  std::string text_;
  int64_t line_ = 0;
};

}  // namespace simkeep::cli

#endif  // SIMKEEP_CLI_CSV_READER_H_

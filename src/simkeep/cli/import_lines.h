#ifndef SIMKEEP_CLI_IMPORT_LINES_H_
#define SIMKEEP_CLI_IMPORT_LINES_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "simkeep/app/line_service.h"
#include "simkeep/app/ports.h"

namespace simkeep::cli {

// One rejected CSV row.
struct RowProblem {
  int64_t row = 0;  // The line number in the file, counting the header as line 1.
  std::string reason;
  std::string message;
};

struct ImportReport {
  int64_t rows = 0;
  int64_t imported = 0;
  std::vector<RowProblem> problems;  // Every bad row, in file order.
  bool committed = false;
};

// Imports lines from CSV (a header row naming the columns: iccid, msisdn, imsi, eid, carrier,
// form_factor, service, plan_id, activation_code, confirmation_code, state, expires_at,
// activate_by; only iccid and carrier are required). All rows are validated, then inserted in
// one transaction with a savepoint per row. By default the import is all-or-nothing: one bad
// row and nothing is written, but every bad row is reported with its number and reason. With
// `skip_invalid`, the good rows are committed and the bad ones reported. `progress` is called
// with (rows done, rows total) now and then.
Result<ImportReport> ImportLines(app::Session& session, const app::LineService& lines,
                                 std::istream& csv, bool skip_invalid,
                                 const std::function<void(int64_t, int64_t)>& progress);

}  // namespace simkeep::cli

#endif  // SIMKEEP_CLI_IMPORT_LINES_H_

#ifndef SIMKEEP_CLI_MIGRATE_COPY_H_
#define SIMKEEP_CLI_MIGRATE_COPY_H_

#include <string>

namespace simkeep::cli {

// `simkeep migrate --from SOURCE --to DESTINATION`: copies a SQLite deployment (`sqlite:PATH` or
// a plain path) into an empty PostgreSQL database (`postgresql://...` or `postgres://...`) with
// storage::copy::CopySqliteToPostgres, showing progress on stderr (tables of 10,000 rows or
// more, long audits) and printing a summary on stdout: per table the rows in the source, copied
// and in the destination, both audits, and whether the copy was committed.
//
// Returns the process exit status: 0 when everything was copied, verified and committed; 1 on
// any failure (printed as `simkeep: <reason>: <message>`, or as PROBLEM and VIOLATION lines),
// in which case the destination holds no simkeep rows. Reasons of its own: kInvalidArgument
// "source_not_sqlite" (a --from that is a URL), "destination_not_postgresql" (a --to that is
// not a PostgreSQL URL). No key file is needed: sealed values are copied as stored.
int MigrateCopy(const std::string& from, const std::string& to);

}  // namespace simkeep::cli

#endif  // SIMKEEP_CLI_MIGRATE_COPY_H_

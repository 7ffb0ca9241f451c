#ifndef SIMKEEP_STORAGE_SQL_PLACEHOLDERS_H_
#define SIMKEEP_STORAGE_SQL_PLACEHOLDERS_H_

// The shared query text is written once, with SQLite's `?` placeholders; PostgreSQL numbers its
// placeholders (`$1`). The PostgreSQL connection converts each text with NumberedPlaceholders()
// once, when it first prepares it, and keeps the result with the prepared statement.

#include <string>
#include <string_view>

namespace simkeep::storage::sql {

// `sql` with every placeholder numbered as SQLite numbers it: `?NNN` is `$NNN`, and a bare `?`
// is one more than the largest number given so far (so `? ?` is `$1 $2`, and `?2 ?` is `$2 $3`).
// A `?` inside a string literal ('...'), a quoted identifier ("..."), or a comment (-- or /* */)
// is text, not a placeholder, and is copied as it is; so is everything else, `$n` included.
//
// Not understood, and so not to be used in shared query text: PostgreSQL's dollar-quoted and E''
// strings, and its operators that contain `?` (jsonb's `?`, `?|`, `?&`).
std::string NumberedPlaceholders(std::string_view sql);

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_PLACEHOLDERS_H_

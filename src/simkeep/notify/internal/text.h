#ifndef SIMKEEP_NOTIFY_INTERNAL_TEXT_H_
#define SIMKEEP_NOTIFY_INTERNAL_TEXT_H_

// Checks on text the channels share. Pure functions; any thread.

#include <cstddef>
#include <optional>
#include <string_view>

namespace simkeep::notify::internal {

// The length in bytes of the UTF-8 character starting at text[at], or 0 when none starts there
// (a stray continuation byte, a truncated or overlong sequence, a surrogate, past U+10FFFF).
// REQUIRES: at < text.size().
size_t Utf8CharLength(std::string_view text, size_t at);

// True when `text` is well-formed UTF-8 throughout.
bool IsUtf8(std::string_view text);

// The number of UTF-16 code units `text` takes (one per character, two beyond U+FFFF), or
// nullopt when it is not well-formed UTF-8.
std::optional<size_t> Utf16Length(std::string_view text);

// True when `text` is printable ASCII (0x20..0x7E) throughout: what may go into a header line
// or a protocol field without encoding.
bool IsPrintableAscii(std::string_view text);

// True when `id` can stand as a notification id in a Message-ID, a header and a JSON reference:
// 1..kHeaderValueBytesMax characters of A-Z, a-z, 0-9, "_", "-" and ".", the dots neither
// first, last nor doubled (a dot-atom, RFC 5322 §3.2.3).
bool IsIdentifier(std::string_view id);

}  // namespace simkeep::notify::internal

#endif  // SIMKEEP_NOTIFY_INTERNAL_TEXT_H_

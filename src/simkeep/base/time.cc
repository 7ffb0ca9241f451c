#include "simkeep/base/time.h"

#include <cstdio>

namespace simkeep {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

bool ParseDigits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) {
    return false;
  }
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

}  // namespace

std::chrono::year_month_day JstDate(Timestamp t) {
  const auto local = t + kJstOffset;
  return std::chrono::year_month_day(std::chrono::floor<days>(local));
}

Timestamp JstStartOfDay(std::chrono::year_month_day date) {
  return Timestamp(sys_days(date)) - kJstOffset;
}

Timestamp JstEndOfDay(std::chrono::year_month_day date) {
  return JstStartOfDay(date) + days(1) - std::chrono::seconds(1);
}

std::string FormatIsoDate(std::chrono::year_month_day date) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

std::string FormatRfc3339Jst(Timestamp t) {
  const auto local = std::chrono::floor<std::chrono::seconds>(t + kJstOffset);
  const auto day = std::chrono::floor<days>(local);
  const std::chrono::hh_mm_ss<std::chrono::seconds> time(local - day);
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%sT%02d:%02d:%02d+09:00",
                FormatIsoDate(std::chrono::year_month_day(day)).c_str(),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buffer;
}

std::string FormatJstMinutes(Timestamp t) {
  std::string text = FormatRfc3339Jst(t);  // 2026-11-22T18:30:00+09:00
  return text.substr(0, 10) + " " + text.substr(11, 5) + " JST";
}

std::optional<Timestamp> ParseRfc3339(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !ParseDigits(text, 0, 4, year) || text[4] != '-' ||
      !ParseDigits(text, 5, 2, month) || text[7] != '-' || !ParseDigits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !ParseDigits(text, 11, 2, hour) ||
      text[13] != ':' || !ParseDigits(text, 14, 2, minute) || text[16] != ':' ||
      !ParseDigits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (year < 1970 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) {
        micros += (text[pos] - '0') * scale;
        scale /= 10;
      }
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) {
      return std::nullopt;
    }
  }
  std::chrono::minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int offset_hours = 0, offset_minutes = 0;
    if (!ParseDigits(text, pos + 1, 2, offset_hours) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !ParseDigits(text, pos + 4, 2, offset_minutes) ||
        offset_hours > 23 || offset_minutes > 59) {
      return std::nullopt;
    }
    offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes);
    if (text[pos] == '-') {
      offset = -offset;
    }
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  const Timestamp local = Timestamp(sys_days(date)) + std::chrono::hours(hour) +
                          std::chrono::minutes(minute) + std::chrono::seconds(second) +
                          std::chrono::microseconds(micros);
  return local - offset;
}

}  // namespace simkeep

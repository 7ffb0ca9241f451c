// Open-loop load for bench/reservations.sh: reserve + commit round trips against a running
// `simkeep serve` at a fixed rate, with their latency measured from when each round trip was due
// (so a slow answer delays the schedule's later round trips and they count as late: no
// coordinated omission). Not part of the build; the script compiles it with the system's g++:
//
//   g++ -O2 -std=c++20 -pthread bench/tools/reservation_load.cc -o reservation_load
//
// Usage: reservation_load --port P --token T --lines FILE --rate R --duration S
//                         [--connections C] [--warmup S] [--requested BYTES] [--run ID]
// Each round trip picks a random line from FILE (one line id a line), reserves --requested bytes
// under a session id of its own (request number 0), then commits 90 % of the grant. Connection k
// of C runs the round trips k, k + C, k + 2C, ... of the schedule t0 + i / R, one at a time on
// one keep-alive connection. Prints one line of key=value figures for the round trips due after
// the warm-up (latencies in ms).

// Boost 1.74's Asio uses std::exchange in C++20 mode without including <utility> itself.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

struct Options {
  int port = 8080;
  std::string token;
  std::string lines_file;
  double rate = 1000;
  double duration_s = 10;
  double warmup_s = 2;
  int connections = 64;
  long long requested = 1'000'000;
  std::string run = "0";
};

struct Sample {
  double round_trip_ms = 0;
  double reserve_ms = 0;
  double commit_ms = 0;
};

struct Worker {
  std::vector<Sample> samples;
  long long errors = 0;
  long long granted_bytes = 0;
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The text of `field`'s value in a flat JSON object: a string's contents or a number's digits.
std::string Field(const std::string& body, const std::string& field) {
  const std::string key = "\"" + field + "\":";
  size_t at = body.find(key);
  if (at == std::string::npos) {
    return {};
  }
  at += key.size();
  if (at < body.size() && body[at] == '"') {
    const size_t end = body.find('"', at + 1);
    return end == std::string::npos ? std::string() : body.substr(at + 1, end - at - 1);
  }
  size_t end = at;
  while (end < body.size() && (std::isdigit(static_cast<unsigned char>(body[end])) != 0)) {
    ++end;
  }
  return body.substr(at, end - at);
}

class Connection {
 public:
  explicit Connection(const Options& options) : options_(options), stream_(io_) {}

  // POSTs `body` to `target`; returns the status (0 on a transport error) and the body.
  int Post(const std::string& target, const std::string& body, std::string& answer) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      beast::error_code error;
      if (!open_) {
        stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                               static_cast<unsigned short>(options_.port)),
                        error);
        if (error) {
          return 0;
        }
        stream_.socket().set_option(net::ip::tcp::no_delay(true));
        open_ = true;
      }
      http::request<http::string_body> request(http::verb::post, target, 11);
      request.set(http::field::host, "127.0.0.1");
      request.set(http::field::authorization, "Bearer " + options_.token);
      request.set(http::field::content_type, "application/json");
      request.keep_alive(true);
      request.body() = body;
      request.prepare_payload();
      http::write(stream_, request, error);
      http::response<http::string_body> response;
      if (!error) {
        http::read(stream_, buffer_, response, error);
      }
      if (error) {
        stream_.close();
        buffer_.clear();
        open_ = false;
        continue;  // The server closed an idle connection: once more on a new one.
      }
      answer = std::move(response.body());
      if (!response.keep_alive()) {
        stream_.close();
        open_ = false;
      }
      return static_cast<int>(response.result_int());
    }
    return 0;
  }

 private:
  const Options& options_;
  net::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool open_ = false;
};

void Run(const Options& options, const std::vector<std::string>& lines, int index,
         Clock::time_point start, Worker& worker) {
  Connection connection(options);
  std::mt19937_64 random(static_cast<uint64_t>(index) * 7919 + 17);
  const long long total = static_cast<long long>(options.rate * options.duration_s);
  const auto interval = std::chrono::duration<double>(1.0 / options.rate);
  std::string answer;
  for (long long i = index; i < total; i += options.connections) {
    const auto due = start + std::chrono::duration_cast<Clock::duration>(interval * i);
    std::this_thread::sleep_until(due);
    const std::string& line = lines[random() % lines.size()];
    const std::string path = "/v1/lines/" + line + "/reservations";
    const std::string session = "bench;" + options.run + ";" + std::to_string(i);
    const std::string reserve = "{\"session_id\":\"" + session +
                                "\",\"request_number\":0,\"kind\":\"data\",\"requested\":" +
                                std::to_string(options.requested) + ",\"rating_group\":10}";
    const auto sent = Clock::now();
    const int reserved = connection.Post(path, reserve, answer);
    const auto granted_at = Clock::now();
    const std::string id = Field(answer, "reservation_id");
    const long long granted = std::atoll(Field(answer, "granted").c_str());
    if (reserved != 201 || id.empty()) {
      ++worker.errors;
      continue;
    }
    const std::string commit = "{\"used\":" + std::to_string(granted * 9 / 10) + "}";
    const int committed = connection.Post(path + "/" + id + "/commit", commit, answer);
    const auto done = Clock::now();
    if (committed != 200) {
      ++worker.errors;
      continue;
    }
    worker.granted_bytes += granted;
    if (std::chrono::duration<double>(due - start).count() >= options.warmup_s) {
      worker.samples.push_back({Ms(done - due), Ms(granted_at - sent), Ms(done - granted_at)});
    }
  }
}

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const size_t at = std::min(values.size() - 1, static_cast<size_t>(p / 100.0 * values.size()));
  return values[at];
}

int Usage() {
  std::fprintf(stderr,
               "usage: reservation_load --port P --token T --lines FILE --rate R --duration S "
               "[--connections C] [--warmup S] [--requested BYTES] [--run ID]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const std::string value = argv[i + 1];
    if (name == "--port") {
      options.port = std::atoi(value.c_str());
    } else if (name == "--token") {
      options.token = value;
    } else if (name == "--lines") {
      options.lines_file = value;
    } else if (name == "--rate") {
      options.rate = std::atof(value.c_str());
    } else if (name == "--duration") {
      options.duration_s = std::atof(value.c_str());
    } else if (name == "--warmup") {
      options.warmup_s = std::atof(value.c_str());
    } else if (name == "--connections") {
      options.connections = std::atoi(value.c_str());
    } else if (name == "--requested") {
      options.requested = std::atoll(value.c_str());
    } else if (name == "--run") {
      options.run = value;
    } else {
      return Usage();
    }
  }
  std::vector<std::string> lines;
  std::ifstream file(options.lines_file);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  if (options.token.empty() || lines.empty() || options.rate <= 0 || options.connections <= 0 ||
      options.duration_s <= options.warmup_s) {
    return Usage();
  }
  std::vector<Worker> workers(static_cast<size_t>(options.connections));
  std::vector<std::thread> threads;
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  for (int k = 0; k < options.connections; ++k) {
    threads.emplace_back(Run, std::cref(options), std::cref(lines), k, start,
                         std::ref(workers[static_cast<size_t>(k)]));
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> round_trips, reserves, commits;
  long long errors = 0;
  long long granted = 0;
  for (const Worker& worker : workers) {
    errors += worker.errors;
    granted += worker.granted_bytes;
    for (const Sample& sample : worker.samples) {
      round_trips.push_back(sample.round_trip_ms);
      reserves.push_back(sample.reserve_ms);
      commits.push_back(sample.commit_ms);
    }
  }
  const long long total = static_cast<long long>(options.rate * options.duration_s);
  std::printf(
      "scheduled=%lld measured=%zu errors=%lld elapsed_s=%.3f achieved_rps=%.1f "
      "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f reserve_p99_ms=%.3f "
      "commit_p99_ms=%.3f granted_bytes=%lld\n",
      total, round_trips.size(), errors, elapsed_s, static_cast<double>(total - errors) / elapsed_s,
      Percentile(round_trips, 50), Percentile(round_trips, 90), Percentile(round_trips, 99),
      Percentile(round_trips, 99.9),
      round_trips.empty() ? 0.0 : *std::max_element(round_trips.begin(), round_trips.end()),
      Percentile(reserves, 99), Percentile(commits, 99), granted);
  return errors == 0 ? 0 : 1;
}

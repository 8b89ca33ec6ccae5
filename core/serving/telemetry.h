#pragma once

// Request telemetry and container log lines of a scoring server, taken off the request path:
// producers append to a bounded buffer under a short lock (no allocation beyond the record,
// no wake-up syscall), a background thread hands batches to a sink, and a full buffer drops
// the record and counts it instead of slowing the request.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace cerulean::serving {

// One request, shaped like a row of Application Insights' `requests` table.
struct RequestRecord
{
    std::chrono::system_clock::time_point timestamp; // when the request arrived
    std::string id;                                  // operation id, also sent as x-ms-request-id
    std::string name;                                // "POST /score"
    std::string url;                                 // "http://127.0.0.1:5001/score"
    int resultCode = 0;
    std::chrono::microseconds duration{0};
    bool success = false; // resultCode < 400
    // customDimensions
    std::size_t rows = 0;
    std::string modelName;
    std::string modelVersion;
    std::string errorCode; // empty on success
};

enum class LogLevel
{
    Debug,
    Info,
    Warning,
    Error
};

// A container-style log line: "2026-11-28T00:50:39.123Z INFO    message".
struct LogLine
{
    std::chrono::system_clock::time_point timestamp;
    LogLevel level = LogLevel::Info;
    std::string message;
};

// Where telemetry goes (the local workspace stores it; the CLI prints it). Called on the
// telemetry thread only, never concurrently.
class TelemetrySink
{
public:
    virtual ~TelemetrySink() = default;
    virtual void requests(std::span<const RequestRecord> batch) = 0;
    virtual void logs(std::span<const LogLine> batch) = 0;
};

struct TelemetryOptions
{
    std::size_t capacity = 16384; // records and lines buffered before dropping
    std::chrono::milliseconds flushInterval{50};
};

struct TelemetryStats
{
    std::uint64_t requestsRecorded = 0;
    std::uint64_t logsRecorded = 0;
    std::uint64_t dropped = 0;
};

class Telemetry final
{
public:
    explicit Telemetry(std::shared_ptr<TelemetrySink> sink, TelemetryOptions options = {});
    ~Telemetry(); // delivers what is buffered, then stops the thread
    Telemetry(const Telemetry &) = delete;
    Telemetry &operator=(const Telemetry &) = delete;

    // Never blocks beyond a short lock; false (and counted) when the buffer is full.
    bool record(RequestRecord record);
    bool log(LogLevel level, std::string message);
    // Blocks until everything recorded so far was handed to the sink.
    void flush();
    TelemetryStats stats() const;

private:
    void run();

    std::shared_ptr<TelemetrySink> m_sink;
    TelemetryOptions m_options;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_flushed;
    std::vector<RequestRecord> m_requests;
    std::vector<LogLine> m_logs;
    std::uint64_t m_enqueued = 0;
    std::uint64_t m_delivered = 0;
    bool m_stop = false;
    std::atomic<std::uint64_t> m_requestsRecorded{0};
    std::atomic<std::uint64_t> m_logsRecorded{0};
    std::atomic<std::uint64_t> m_dropped{0};
    std::thread m_thread;
};

std::string_view toString(LogLevel level);
// ISO 8601 UTC with milliseconds: "2026-11-28T00:50:39.123Z".
std::string formatTimestamp(std::chrono::system_clock::time_point time);
// The container log line text of `line`.
std::string formatLogLine(const LogLine &line);
// The record as Application Insights returns a `requests` row (duration in milliseconds,
// resultCode as a string, customDimensions as strings).
std::string requestRecordJson(const RequestRecord &record);

} // namespace cerulean::serving

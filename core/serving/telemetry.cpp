#include "core/serving/telemetry.h"

#include <nlohmann/json.hpp>

#include <ctime>

namespace cerulean::serving {

Telemetry::Telemetry(std::shared_ptr<TelemetrySink> sink, TelemetryOptions options)
    : m_sink(std::move(sink)), m_options(options)
{
    m_requests.reserve(std::min<std::size_t>(m_options.capacity, 1024));
    m_thread = std::thread([this] { run(); });
}

Telemetry::~Telemetry()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

bool Telemetry::record(RequestRecord record)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_requests.size() + m_logs.size() < m_options.capacity) {
            m_requests.push_back(std::move(record));
            ++m_enqueued;
            m_requestsRecorded.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
    m_dropped.fetch_add(1, std::memory_order_relaxed);
    return false;
}

bool Telemetry::log(LogLevel level, std::string message)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_requests.size() + m_logs.size() < m_options.capacity) {
            m_logs.push_back(LogLine{std::chrono::system_clock::now(), level, std::move(message)});
            ++m_enqueued;
            m_logsRecorded.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
    m_dropped.fetch_add(1, std::memory_order_relaxed);
    return false;
}

void Telemetry::flush()
{
    std::unique_lock lock(m_mutex);
    const std::uint64_t target = m_enqueued;
    m_wake.notify_one();
    m_flushed.wait(lock, [&] { return m_delivered >= target; });
}

TelemetryStats Telemetry::stats() const
{
    return TelemetryStats{m_requestsRecorded.load(), m_logsRecorded.load(), m_dropped.load()};
}

void Telemetry::run()
{
    std::vector<RequestRecord> requests;
    std::vector<LogLine> logs;
    std::unique_lock lock(m_mutex);
    for (;;) {
        // Polling at a short interval instead of a notify per record keeps producers free
        // of futex wake-ups on the request path.
        m_wake.wait_for(lock, m_options.flushInterval);
        const bool stopping = m_stop;
        requests.swap(m_requests);
        logs.swap(m_logs);
        const std::uint64_t batch = requests.size() + logs.size();
        lock.unlock();
        if (m_sink) {
            // Logs first: a start-up line should precede the requests it explains.
            if (!logs.empty())
                m_sink->logs(logs);
            if (!requests.empty())
                m_sink->requests(requests);
        }
        requests.clear();
        logs.clear();
        lock.lock();
        m_delivered += batch;
        m_flushed.notify_all();
        if (stopping && m_requests.empty() && m_logs.empty())
            return;
    }
}

std::string_view toString(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug: return "DEBUG";
    case LogLevel::Info: return "INFO";
    case LogLevel::Warning: return "WARNING";
    case LogLevel::Error: return "ERROR";
    }
    return "INFO";
}

std::string formatTimestamp(std::chrono::system_clock::time_point time)
{
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis % 1000));
    return text;
}

std::string formatLogLine(const LogLine &line)
{
    std::string out = formatTimestamp(line.timestamp);
    out += ' ';
    const std::string_view level = toString(line.level);
    out += level;
    out.append(level.size() < 8 ? 8 - level.size() : 1, ' '); // a fixed-width level column
    out += line.message;
    return out;
}

std::string requestRecordJson(const RequestRecord &record)
{
    nlohmann::json j;
    j["timestamp"] = formatTimestamp(record.timestamp);
    j["id"] = record.id;
    j["name"] = record.name;
    j["url"] = record.url;
    j["resultCode"] = std::to_string(record.resultCode);
    j["duration"] = static_cast<double>(record.duration.count()) / 1000.0;
    j["success"] = record.success;
    nlohmann::json dims;
    dims["rows"] = std::to_string(record.rows);
    dims["modelName"] = record.modelName;
    dims["modelVersion"] = record.modelVersion;
    if (!record.errorCode.empty())
        dims["errorCode"] = record.errorCode;
    j["customDimensions"] = std::move(dims);
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace cerulean::serving

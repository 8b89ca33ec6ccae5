#pragma once

#include <QObject>

#include <chrono>
#include <functional>

namespace cerulean::azure {

// Wall-clock time, injectable so that retry, token-expiry and LRO tests are exact.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock
{
public:
    std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

// Runs a function after a delay on the event loop; injectable so that tests record every
// wait and fire it at once (tests take milliseconds, not the minutes Azure asks for).
class Scheduler
{
public:
    virtual ~Scheduler() = default;
    // fn does not run if context is destroyed first.
    virtual void schedule(std::chrono::milliseconds delay, QObject *context, std::function<void()> fn) = 0;
};

class QtScheduler final : public Scheduler
{
public:
    void schedule(std::chrono::milliseconds delay, QObject *context, std::function<void()> fn) override;
};

} // namespace cerulean::azure

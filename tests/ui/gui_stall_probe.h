#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QtGlobal>

#include <cstdio>

#include <algorithm>
#include <chrono>

#include <time.h>

namespace cerulean::test {

// Measures how long the GUI thread goes without turning its event loop. A 5 ms timer ticks
// on the GUI thread; between two ticks it records the wall-clock gap and the CPU time the
// GUI thread itself spent. The CPU figure is what a stall caused by our code costs: on a
// loaded machine (CI runs tests side by side on 2 cores) the wall gap also holds time the
// thread spent waiting for a core, which no code of ours can remove.
class GuiStallProbe final : public QObject
{
public:
    // The budget for a GUI-thread stall; sanitizers make every instruction several
    // times slower, so their builds get a proportionally larger allowance.
#if defined(__SANITIZE_ADDRESS__)
    static constexpr std::chrono::milliseconds kBudget{150};
#else
    static constexpr std::chrono::milliseconds kBudget{50};
#endif

    explicit GuiStallProbe(QObject *parent = nullptr)
        : QObject(parent)
    {
        m_ticker.setInterval(5);
        connect(&m_ticker, &QTimer::timeout, this, &GuiStallProbe::tick);
        // CERULEAN_STALL_TRACE=MS prints every gap whose GUI-thread CPU reaches MS, with the
        // CLOCK_MONOTONIC time it ended at, to find the code in a profile (perf -k mono).
        m_traceFrom = std::chrono::milliseconds(qEnvironmentVariableIntValue("CERULEAN_STALL_TRACE"));
    }

    void start()
    {
        m_wall.start();
        m_lastWall = 0;
        m_lastCpu = threadCpu();
        m_maxGap = m_maxBusy = std::chrono::milliseconds{0};
        m_ticker.start();
    }
    void stop() { m_ticker.stop(); }

    std::chrono::milliseconds maxGap() const { return m_maxGap; }   // wall clock between ticks
    std::chrono::milliseconds maxBusy() const { return m_maxBusy; } // GUI-thread CPU between ticks

private:
    static std::chrono::nanoseconds threadCpu()
    {
        timespec now{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
    }

    void tick()
    {
        using std::chrono::duration_cast;
        using std::chrono::milliseconds;
        const qint64 wall = m_wall.elapsed();
        const auto cpu = threadCpu();
        m_maxGap = std::max(m_maxGap, milliseconds(wall - m_lastWall));
        const auto busy = duration_cast<milliseconds>(cpu - m_lastCpu);
        m_maxBusy = std::max(m_maxBusy, busy);
        if (m_traceFrom.count() > 0 && busy >= m_traceFrom) {
            timespec now{};
            clock_gettime(CLOCK_MONOTONIC, &now);
            std::fprintf(stderr, "stall: GUI thread busy %lld ms, wall %lld ms, ending at monotonic %lld.%03ld s\n",
                         static_cast<long long>(busy.count()), static_cast<long long>(wall - m_lastWall),
                         static_cast<long long>(now.tv_sec), now.tv_nsec / 1000000);
        }
        m_lastWall = wall;
        m_lastCpu = cpu;
    }

    QTimer m_ticker;
    QElapsedTimer m_wall;
    qint64 m_lastWall = 0;
    std::chrono::nanoseconds m_lastCpu{0};
    std::chrono::milliseconds m_maxGap{0};
    std::chrono::milliseconds m_maxBusy{0};
    std::chrono::milliseconds m_traceFrom{0};
};

} // namespace cerulean::test

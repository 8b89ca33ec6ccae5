#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace cerulean::local {

// Where the confinement of pipeline command steps comes from.
struct SandboxOptions
{
    // The bubblewrap executable; empty = `bwrap` on PATH. A command step never runs without it.
    QString bubblewrap;
};

// What one confined command sees. Inside the sandbox the step's folder is /job (its working
// directory and HOME, /tmp below it), each output folder /job/outputs/NAME and each data
// input /inputs/NAME (read-only); nothing else of the computer but the read-only system.
struct SandboxSpec
{
    QString stepFolder; // host folder bound read-write at /job (holds outputs/ and tmp/)
    struct Input
    {
        QString name;     // /inputs/<name>
        QString hostPath; // a file or a folder, bound read-only
    };
    std::vector<Input> inputs;
    std::map<QString, QString> environment; // besides PATH, HOME, TMPDIR, LANG
    QString command;                        // run as /bin/sh -c COMMAND
};

inline constexpr const char *kSandboxJobDir = "/job";
inline constexpr const char *kSandboxInputsDir = "/inputs";

// The bwrap executable to use, or "" with *error saying why there is none and how to get it.
QString findBubblewrap(const SandboxOptions &options, QString *error);

// bwrap's arguments for `spec` (everything before and including the command).
QStringList bubblewrapArguments(const SandboxSpec &spec);

// A step's shell command with its ${{inputs.X}} / ${{outputs.X}} bindings turned into
// references to environment variables (AZURE_ML_INPUT_X, AZURE_ML_OUTPUT_X, as Azure ML sets
// them), quoted for where each binding stands (bare, in '…' or in "…"), so that a value is
// always one word to the shell and never code. `known` says whether a binding names one of
// the step's inputs or outputs; the first that does not is returned in *unknown.
QString commandWithBindings(const QString &command, const std::function<bool(const QString &kind, const QString &name)> &known,
                            QString *unknown);
QString inputVariable(const QString &name);
QString outputVariable(const QString &name);

// One command running confined: its whole process tree lives in the sandbox's PID namespace
// and dies with kill(), with the service, and with the thread that started it.
class SandboxedProcess final
{
public:
    SandboxedProcess();
    ~SandboxedProcess();
    SandboxedProcess(const SandboxedProcess &) = delete;
    SandboxedProcess &operator=(const SandboxedProcess &) = delete;

    // Starts bwrap; false with *error when it cannot (bwrap missing or refused to start).
    bool start(const QString &bubblewrap, const SandboxSpec &spec, QString *error);
    // Waits up to `timeout` for the end; true once it has ended.
    bool waitForFinished(std::chrono::milliseconds timeout);
    QByteArray readOutput(); // stdout and stderr, merged
    void kill();             // SIGKILL to bwrap: the PID namespace and every process in it go
    // After the end: the command's exit code, or nullopt when the sandbox never ran it (then
    // sandboxError() says why, from bwrap's own message).
    std::optional<int> exitCode();
    QString sandboxError() const { return m_sandboxError; }

private:
    struct Private;
    std::unique_ptr<Private> d;
    QString m_sandboxError;
};

// Takes out of a folder a step wrote what must not leave the sandbox: symbolic links (they
// would point the service at files outside it), FIFOs, sockets and devices, and set-user/group
// ID bits. Returns what it removed, relative to `folder`, for the step's log.
QStringList sanitizeStepFolder(const QString &folder);

} // namespace cerulean::local

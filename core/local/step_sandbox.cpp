// Pipeline command steps run in a bubblewrap sandbox: no network, a read-only system, only
// the step's own folder writable, its inputs read-only, a clean environment, and a PID
// namespace that dies as a whole on cancel, on timeout and with the service.

#include "core/local/step_sandbox.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace cerulean::local {

namespace {

// bwrap writes its status records to this descriptor in the child.
constexpr int kStatusFd = 3;
// Descriptors above this are closed in the child when close_range is missing.
constexpr int kMaxCloseFallback = 65536;

const char *const kPath = "/usr/local/bin:/usr/bin:/bin";

// The few files of /etc a shell and the usual tools read; nothing that names users,
// hosts, keys or credentials.
const char *const kEtcFiles[] = {"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                                 "/etc/localtime"};

// Top-level system folders: a symbolic link on merged-/usr systems, else a folder.
const char *const kSystemRoots[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};

void closeInheritedDescriptors()
{
    // Runs in the child between fork and exec: only async-signal-safe calls. Nothing of the
    // service (its database, its listening sockets, client connections) may reach the step.
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, kStatusFd + 1, ~0U, 0) == 0)
        return;
#endif
    struct rlimit limit{};
    int last = kMaxCloseFallback;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        limit.rlim_cur < static_cast<rlim_t>(kMaxCloseFallback))
        last = static_cast<int>(limit.rlim_cur);
    for (int fd = kStatusFd + 1; fd < last; ++fd)
        ::close(fd);
}

} // namespace

QString inputVariable(const QString &name) { return QStringLiteral("AZURE_ML_INPUT_") + name; }
QString outputVariable(const QString &name) { return QStringLiteral("AZURE_ML_OUTPUT_") + name; }

QString findBubblewrap(const SandboxOptions &options, QString *error)
{
    const QString path = options.bubblewrap.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("bwrap"))
                                                      : options.bubblewrap;
    if (!path.isEmpty() && QFileInfo(path).isExecutable())
        return path;
    if (error)
        *error = QStringLiteral("Command steps run confined in a bubblewrap sandbox, and %1 was not found. Install it "
                                "(Debian and Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
                                "bubblewrap) and run the pipeline again; the step never runs unconfined.")
                     .arg(options.bubblewrap.isEmpty() ? QStringLiteral("bwrap") : options.bubblewrap);
    return {};
}

QStringList bubblewrapArguments(const SandboxSpec &spec)
{
    const QString job = QString::fromLatin1(kSandboxJobDir);
    QStringList a{
        // Namespaces: its own user (no capabilities, none to regain), PID, IPC, UTS, cgroup and
        // network namespace (a loopback of its own: the service's ports are not reachable).
        QStringLiteral("--unshare-user"), QStringLiteral("--disable-userns"), QStringLiteral("--unshare-pid"),
        QStringLiteral("--unshare-ipc"), QStringLiteral("--unshare-uts"), QStringLiteral("--unshare-cgroup-try"),
        QStringLiteral("--unshare-net"), QStringLiteral("--cap-drop"), QStringLiteral("ALL"),
        // The sandbox dies with the thread that started it, and has no terminal to inject into.
        QStringLiteral("--die-with-parent"), QStringLiteral("--new-session"),
        // A read-only system.
        QStringLiteral("--ro-bind"), QStringLiteral("/usr"), QStringLiteral("/usr")};
    for (const char *root : kSystemRoots) {
        const QFileInfo info(QString::fromLatin1(root));
        if (info.isSymLink())
            a << QStringLiteral("--symlink") << info.symLinkTarget() << QString::fromLatin1(root);
        else if (info.isDir())
            a << QStringLiteral("--ro-bind") << QString::fromLatin1(root) << QString::fromLatin1(root);
    }
    for (const char *file : kEtcFiles)
        a << QStringLiteral("--ro-bind-try") << QString::fromLatin1(file) << QString::fromLatin1(file);
    a << QStringLiteral("--proc") << QStringLiteral("/proc") << QStringLiteral("--dev") << QStringLiteral("/dev");
    // The step's folder, writable; /tmp lives in it.
    a << QStringLiteral("--bind") << spec.stepFolder << job;
    a << QStringLiteral("--bind") << spec.stepFolder + QStringLiteral("/tmp") << QStringLiteral("/tmp");
    for (const SandboxSpec::Input &input : spec.inputs)
        a << QStringLiteral("--ro-bind") << input.hostPath
          << QString::fromLatin1(kSandboxInputsDir) + QLatin1Char('/') + input.name;
    a << QStringLiteral("--chdir") << job;
    // A clean environment: nothing of the service's.
    a << QStringLiteral("--clearenv") << QStringLiteral("--setenv") << QStringLiteral("PATH") << QString::fromLatin1(kPath)
      << QStringLiteral("--setenv") << QStringLiteral("HOME") << job << QStringLiteral("--setenv") << QStringLiteral("TMPDIR")
      << QStringLiteral("/tmp") << QStringLiteral("--setenv") << QStringLiteral("LANG") << QStringLiteral("C.UTF-8");
    for (const auto &[name, value] : spec.environment)
        a << QStringLiteral("--setenv") << name << value;
    a << QStringLiteral("--json-status-fd") << QString::number(kStatusFd);
    a << QStringLiteral("--") << QStringLiteral("/bin/sh") << QStringLiteral("-c") << spec.command;
    return a;
}

QString commandWithBindings(const QString &command, const std::function<bool(const QString &, const QString &)> &known,
                            QString *unknown)
{
    static const QRegularExpression binding(QStringLiteral("\\$\\{\\{\\s*(inputs|outputs)\\.([A-Za-z0-9_]+)\\s*\\}\\}|\\$\\{\\{[^}]*\\}\\}"));
    enum class Quote { None, Single, Double };
    Quote quote = Quote::None;
    QString out;
    out.reserve(command.size());
    for (qsizetype i = 0; i < command.size();) {
        const QChar c = command[i];
        if (c == QLatin1Char('$') && command.mid(i, 3) == QLatin1String("${{")) {
            const auto m = binding.match(command, i, QRegularExpression::NormalMatch, QRegularExpression::AnchorAtOffsetMatchOption);
            if (m.hasMatch()) {
                const QString kind = m.captured(1);
                const QString name = m.captured(2);
                if (kind.isEmpty() || !known(kind, name)) {
                    if (unknown && unknown->isEmpty())
                        *unknown = m.captured(0);
                } else {
                    const QString variable =
                        QStringLiteral("${") + (kind == QLatin1String("inputs") ? inputVariable(name) : outputVariable(name)) + QLatin1Char('}');
                    // The value is a variable's expansion, never parsed as code; quoted so that it
                    // stays one word wherever the binding stands.
                    if (quote == Quote::Double)
                        out += variable;
                    else if (quote == Quote::Single)
                        out += QStringLiteral("'\"") + variable + QStringLiteral("\"'");
                    else
                        out += QLatin1Char('"') + variable + QLatin1Char('"');
                }
                i = m.capturedEnd(0);
                continue;
            }
        }
        out += c;
        ++i;
        if (quote == Quote::Single) {
            if (c == QLatin1Char('\''))
                quote = Quote::None;
        } else if (c == QLatin1Char('\\') && i < command.size()) {
            out += command[i]; // an escaped character, in or out of "…"
            ++i;
        } else if (quote == Quote::Double) {
            if (c == QLatin1Char('"'))
                quote = Quote::None;
        } else if (c == QLatin1Char('\'')) {
            quote = Quote::Single;
        } else if (c == QLatin1Char('"')) {
            quote = Quote::Double;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------
struct SandboxedProcess::Private
{
    QProcess process;
    int statusRead = -1;
    QByteArray status;
    QByteArray tail; // the last of the output read

    ~Private()
    {
        if (statusRead >= 0)
            ::close(statusRead);
    }
    void drainStatus()
    {
        if (statusRead < 0)
            return;
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::read(statusRead, buffer, sizeof buffer);
            if (n > 0) {
                status.append(buffer, n);
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            break;
        }
    }
};

SandboxedProcess::SandboxedProcess() : d(std::make_unique<Private>()) {}

SandboxedProcess::~SandboxedProcess()
{
    if (d->process.state() != QProcess::NotRunning) {
        d->process.kill();
        d->process.waitForFinished(-1);
    }
}

bool SandboxedProcess::start(const QString &bubblewrap, const SandboxSpec &spec, QString *error)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        if (error)
            *error = QStringLiteral("the sandbox could not start: no pipe for its status (%1)").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    d->statusRead = fds[0];
    const int statusWrite = fds[1];
    d->process.setProcessChannelMode(QProcess::MergedChannels);
    d->process.setStandardInputFile(QProcess::nullDevice());
    // bwrap itself gets no more of the service's environment than the step does.
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("PATH"), QString::fromLatin1(kPath));
    d->process.setProcessEnvironment(environment);
    d->process.setWorkingDirectory(spec.stepFolder);
    d->process.setChildProcessModifier([statusWrite] {
        if (statusWrite == kStatusFd)
            ::fcntl(kStatusFd, F_SETFD, 0);
        else
            ::dup2(statusWrite, kStatusFd); // the copy is not close-on-exec
        closeInheritedDescriptors();
    });
    d->process.start(bubblewrap, bubblewrapArguments(spec));
    const bool started = d->process.waitForStarted(10000);
    ::close(statusWrite);
    if (!started) {
        if (error)
            *error = QStringLiteral("the sandbox could not start: %1 (%2)").arg(bubblewrap, d->process.errorString());
        return false;
    }
    return true;
}

bool SandboxedProcess::waitForFinished(std::chrono::milliseconds timeout)
{
    if (d->process.state() == QProcess::NotRunning)
        return true;
    return d->process.waitForFinished(static_cast<int>(timeout.count())) || d->process.state() == QProcess::NotRunning;
}

QByteArray SandboxedProcess::readOutput()
{
    const QByteArray chunk = d->process.readAll();
    // The end of the output is kept: bwrap's own message is there when it could not start.
    constexpr qsizetype kKept = 4096;
    d->tail += chunk;
    if (d->tail.size() > kKept)
        d->tail = d->tail.right(kKept);
    return chunk;
}

void SandboxedProcess::kill()
{
    if (d->process.state() != QProcess::NotRunning)
        d->process.kill();
}

std::optional<int> SandboxedProcess::exitCode()
{
    d->drainStatus();
    // bwrap reports {"child-pid": N} once the sandbox is set up and the command started,
    // and {"exit-code": N} when it ended.
    if (!d->status.contains("\"child-pid\"")) {
        const QString output = QString::fromUtf8(d->tail + d->process.peek(4096));
        QStringList lines;
        for (const QString &line : output.split(QLatin1Char('\n')))
            if (line.startsWith(QLatin1String("bwrap:")))
                lines << line.trimmed();
        m_sandboxError =
            QStringLiteral("the sandbox could not start (%1). Command steps run only confined: bubblewrap needs "
                           "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 on Debian, "
                           "kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap on "
                           "Ubuntu 24.04, user.max_user_namespaces above 0)")
                .arg(lines.isEmpty() ? QStringLiteral("bwrap exited with code %1").arg(d->process.exitCode())
                                     : lines.join(QStringLiteral("; ")));
        return std::nullopt;
    }
    static const QRegularExpression exit(QStringLiteral("\"exit-code\"\\s*:\\s*(-?\\d+)"));
    if (const auto m = exit.match(QString::fromUtf8(d->status)); m.hasMatch())
        return m.captured(1).toInt();
    // Killed (cancel, timeout) before bwrap could report the end.
    return d->process.exitStatus() == QProcess::NormalExit ? d->process.exitCode() : 128 + SIGKILL;
}

QStringList sanitizeStepFolder(const QString &folder)
{
    QStringList removed;
    QDirIterator it(folder, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories); // never follows links
    std::vector<QString> paths;
    while (it.hasNext())
        paths.push_back(it.next());
    for (const QString &path : paths) {
        struct stat st{};
        const QByteArray native = QFile::encodeName(path);
        if (::lstat(native.constData(), &st) != 0)
            continue;
        if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
            if (st.st_mode & (S_ISUID | S_ISGID))
                ::chmod(native.constData(), st.st_mode & 0777 & ~static_cast<mode_t>(S_ISUID | S_ISGID));
            continue;
        }
        ::unlink(native.constData());
        removed << QDir(folder).relativeFilePath(path);
    }
    return removed;
}

} // namespace cerulean::local

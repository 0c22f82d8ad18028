import BerthSystem
import CBerth
#if canImport(Glibc)
import Glibc
#endif

/// The local terminal in raw mode while a container's tty is attached
/// (docker's term.SetRawTerminal); `restore()` puts it back.
final class RawTerminal {
    private var saved = termios()
    private let fd: Int32
    private var active = false

    init?(fd: Int32 = STDIN_FILENO) {
        self.fd = fd
        guard isatty(fd) == 1, tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        cfmakeraw(&raw)
        // Keep output post-processing so "\n" from a non-tty stream still returns the carriage.
        raw.c_oflag = saved.c_oflag
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        active = true
    }

    func restore() {
        guard active else { return }
        var original = saved
        tcsetattr(fd, TCSANOW, &original)
        active = false
    }

    deinit { restore() }
}

/// The rows and columns of the terminal on `fd`, if it is one.
func terminalSize(_ fd: Int32 = STDOUT_FILENO) -> (height: Int, width: Int)? {
    var size = winsize()
    guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
    return (Int(size.ws_row), Int(size.ws_col))
}

/// Signals delivered as readable events on an fd (signalfd), so one poll
/// loop handles the socket, stdin, window resizes and signals to proxy.
final class SignalEvents {
    let fd: Int32
    private var old = sigset_t()

    init(_ signals: [Int32]) throws {
        var mask = sigset_t()
        sigemptyset(&mask)
        // An ignored signal is discarded before signalfd can see it, and ignored
        // dispositions survive exec (a parent may have set SIGWINCH to SIG_IGN).
        for signal in signals { sigaddset(&mask, signal); Glibc.signal(signal, SIG_DFL) }
        pthread_sigmask(SIG_BLOCK, &mask, &old)
        fd = berth_signalfd(&mask)
        guard fd >= 0 else { throw SystemError("signalfd", errno: errno) }
    }

    /// The signal that arrived (call when `fd` is readable).
    func next() -> Int32? {
        let signal = berth_signalfd_read(fd)
        return signal > 0 ? signal : nil
    }

    deinit {
        close(fd)
        pthread_sigmask(SIG_SETMASK, &old, nil)
    }
}

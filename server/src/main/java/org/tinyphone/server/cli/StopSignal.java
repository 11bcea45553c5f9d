package org.tinyphone.server.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM as what they are for a server, the demo or a watcher: a requested stop. The first
 * one runs {@code onStop} (the command then ends its work, says it stopped and exits 0, not the JVM's 130 with no
 * word); a second one, for a stop that takes too long, ends the process at once (exit 130). Closing puts the
 * JVM's own handling back.
 */
final class StopSignal implements AutoCloseable {
    private static final List<String> SIGNALS = List.of("INT", "TERM");

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private final AtomicReference<String> received = new AtomicReference<>();

    private StopSignal() {}

    /** Handles SIGINT and SIGTERM until closed: the first runs {@code onStop} on the signal's thread. */
    static StopSignal install(Runnable onStop) {
        StopSignal s = new StopSignal();
        for (String name : SIGNALS) {
            Signal signal = new Signal(name);
            s.previous.add(Signal.handle(signal, sig -> {
                if (!s.received.compareAndSet(null, sig.getName())) Runtime.getRuntime().halt(128 + sig.getNumber());
                else onStop.run();
            }));
            s.signals.add(signal);
        }
        return s;
    }

    /** Runs until the signal interrupts the thread that installs it (a command blocked in its work). */
    static StopSignal interrupting(Thread worker) {
        return install(worker::interrupt);
    }

    /**
     * Runs {@code work} on this thread, which Ctrl-C or SIGTERM interrupts: when one came, however the work ended (it
     * closes what it opened on the way out), says {@code "NAME stopped (Ctrl-C)"} on {@code word} and returns 0, a
     * requested stop; otherwise returns the work's exit status.
     *
     * @param name the command as its messages name it, e.g. {@code tinyphone demo}
     * @param word where the stop is said: stdout, or stderr where stdout carries data (JSON lines)
     */
    static int untilStopped(String name, PrintStream word, Callable<Integer> work) throws Exception {
        try (StopSignal signal = interrupting(Thread.currentThread())) {
            int rc;
            try {
                rc = work.call();
            } catch (Exception e) {
                if (!signal.received()) throw e; // InterruptedException, or an I/O call the interrupt cut short
                rc = 0;
            }
            if (!signal.received()) return rc;
            Thread.interrupted(); // the interrupt was the stop: it is handled
            word.println(name + " stopped (" + signal.how() + ")");
            word.flush();
            return 0;
        }
    }

    /** Whether a stop was asked for. */
    boolean received() {
        return received.get() != null;
    }

    /** "Ctrl-C" or "SIGTERM", for the message that says the command stopped. */
    String how() {
        String name = received.get();
        return "INT".equals(name) ? "Ctrl-C" : "SIG" + name;
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) Signal.handle(signals.get(i), previous.get(i));
    }
}

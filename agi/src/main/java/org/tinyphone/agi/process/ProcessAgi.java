package org.tinyphone.agi.process;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiHangupException;
import org.tinyphone.agi.AgiProtocolException;
import org.tinyphone.agi.StreamAgiChannel;

/**
 * Runs an {@link AgiApp} as a process AGI script ({@code AGI(myscript,arg1,arg2)} in the dialplan): the AGI
 * protocol on stdin/stdout, logs on stderr. {@code System.out} is pointed at stderr while the app runs, so a
 * stray {@code println} cannot corrupt the protocol. Asterisk signals a hangup to process AGI with SIGHUP
 * (not a {@code HANGUP} line); it is caught so the app gets {@link AgiHangupException} and can clean up
 * instead of the JVM dying.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     ProcessAgi.exit(ch -> { ch.answer(); ch.sayDigits(ch.environment().callerId(), ""); });
 * }
 * }</pre>
 */
public final class ProcessAgi {
    private static final Logger log = LoggerFactory.getLogger(ProcessAgi.class);

    private ProcessAgi() {}

    /** Runs the app over this process's stdin/stdout and exits with its status (0 = normal end or hangup). */
    public static void exit(AgiApp app) {
        System.exit(run(app));
    }

    /** Runs the app over this process's stdin/stdout. @return 0 for a normal end or a hangup, 1 on failure */
    public static int run(AgiApp app) {
        PrintStream realOut = System.out;
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        InputStream stdin = new FileInputStream(FileDescriptor.in);
        System.setOut(System.err);
        try {
            return run(app, stdin, stdout, true);
        } finally {
            System.setOut(realOut);
        }
    }

    /** Runs the app over the given streams (stdin/stdout of a process AGI, or pipes in tests). */
    public static int run(AgiApp app, InputStream in, OutputStream out) {
        return run(app, in, out, false);
    }

    private static int run(AgiApp app, InputStream in, OutputStream out, boolean catchSighup) {
        StreamAgiChannel ch;
        try {
            ch = StreamAgiChannel.open(in, out);
        } catch (AgiProtocolException e) {
            log.error("process AGI: no valid AGI environment on stdin: {}", e.getMessage());
            return 1;
        } catch (IOException e) {
            log.error("process AGI: reading the environment failed: {}", e.toString());
            return 1;
        }
        if (catchSighup) {
            onSighup(() -> {
                log.info("process AGI: SIGHUP, the caller hung up ({})", ch.environment().channel());
                ch.signalHangup();
            });
        }
        String script = ch.environment().scriptPath();
        try {
            app.run(ch);
            return 0;
        } catch (AgiHangupException e) {
            log.info("process AGI {}: caller hung up ({})", script, e.getMessage());
            return 0;
        } catch (Exception e) {
            log.error("process AGI {} failed on {}", script, ch.environment().channel(), e);
            return 1;
        } finally {
            try {
                out.flush();
            } catch (IOException ignored) {
                // Asterisk is gone
            }
        }
    }

    /** Installs a SIGHUP handler through sun.misc.Signal (jdk.unsupported), if the platform has it. */
    static boolean onSighup(Runnable handler) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("HUP");
            Object proxy = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass},
                    (p, m, a) -> switch (m.getName()) {
                        case "handle" -> {
                            handler.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(p);
                        case "equals" -> p == a[0];
                        case "toString" -> "ProcessAgi SIGHUP handler";
                        default -> null;
                    });
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            handle.invoke(null, signal, proxy);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.debug("process AGI: cannot catch SIGHUP on this platform ({}); a hangup will end the JVM", e.toString());
            return false;
        }
    }
}

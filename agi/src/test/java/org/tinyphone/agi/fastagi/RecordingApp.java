package org.tinyphone.agi.fastagi;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiChannel;

/** Wraps a test app so the test thread sees what it threw (assertions included) once it has ended. */
final class RecordingApp implements AgiApp {
    private final AgiApp app;
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final CountDownLatch done = new CountDownLatch(1);

    RecordingApp(AgiApp app) { this.app = app; }

    @Override
    public void run(AgiChannel channel) throws Exception {
        try {
            app.run(channel);
        } catch (Throwable t) {
            error.set(t);
            throw t;
        } finally {
            done.countDown();
        }
    }

    /** Waits for the app to end and rethrows anything it threw. */
    void assertCompleted() throws Exception {
        if (!done.await(30, TimeUnit.SECONDS)) throw new AssertionError("the app did not end within 30 s");
        Throwable t = error.get();
        if (t instanceof Exception e) throw e;
        if (t instanceof Error e) throw e;
    }
}

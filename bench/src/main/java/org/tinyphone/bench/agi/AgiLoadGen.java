package org.tinyphone.bench.agi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The load generator: plays Asterisk towards a FastAGI server. Each simulated call connects, writes the
 * environment block Asterisk 22 sends (as in capture 01), then answers every command the server sends the
 * way Asterisk does (capture 02), until the server hangs up and closes. One virtual thread per call.
 *
 * <p>Runs as its own process (pinned to a core by the harness). Protocol with the harness, on stdin/stdout:
 * <pre>
 *   run &lt;concurrency&gt; &lt;warmupMs&gt; &lt;measureMs&gt;  → MEASURE_START, MEASURE_END, RESULT ... (closed loop)
 *   park &lt;n&gt;                                → PARKED total=.. refused=..  (n more calls held in WAIT FOR DIGIT)
 *   release                                 → RELEASED  (answer every held WAIT FOR DIGIT with '1')
 *   exit
 * </pre>
 * Command round trip ("step") = from our write (environment or reply) to the server's next command line:
 * the server's own turnaround, network loopback included.
 */
public final class AgiLoadGen {
    private static final byte[] R_OK = "200 result=0\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_VAR = "200 result=1 (Carol)\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_STREAM = "200 result=0 endpos=6720\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_HANGUP = "200 result=1\nHANGUP\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_DIGIT = "200 result=49\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_SET = "200 result=1\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_DEAD = "511 Command Not Permitted on a dead channel or intercept routine\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] R_UNKNOWN = "510 Invalid or unknown command\n".getBytes(StandardCharsets.US_ASCII);

    private final InetSocketAddress server;
    private final String script;
    private final PrintStream out = System.out;
    private final AtomicLong uniqueIds = new AtomicLong();

    // run-phase state
    private volatile boolean measuring;
    private volatile boolean stop;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong commands = new AtomicLong();
    private final ConcurrentHistogram step = new ConcurrentHistogram(60_000_000L, 2);
    private final ConcurrentHistogram call = new ConcurrentHistogram(600_000_000L, 2);

    // park-phase state
    private final ConcurrentLinkedQueue<Parked> parked = new ConcurrentLinkedQueue<>();
    private final AtomicInteger parkRefused = new AtomicInteger();
    private final List<Thread> parkThreads = new ArrayList<>();

    private AgiLoadGen(InetSocketAddress server, String script) {
        this.server = server;
        this.script = script;
    }

    /** {@code agi-loadgen <port> <script>}; commands on stdin. */
    public static void main(String[] args) throws Exception {
        AgiLoadGen gen = new AgiLoadGen(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), args[1]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        gen.out.println("READY");
        gen.out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split("\\s+");
            switch (w[0]) {
                case "run" -> gen.run(Integer.parseInt(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3]));
                case "park" -> gen.park(Integer.parseInt(w[1]));
                case "release" -> gen.release();
                case "exit" -> {
                    gen.release();
                    System.exit(0);
                }
                default -> gen.out.println("ERROR unknown command " + line);
            }
            gen.out.flush();
        }
        System.exit(0);
    }

    // ------------------------------------------------------------------ closed-loop calls

    private void run(int concurrency, long warmupMs, long measureMs) throws InterruptedException {
        stop = false;
        measuring = false;
        calls.set(0);
        refused.set(0);
        errors.set(0);
        commands.set(0);
        step.reset();
        call.reset();
        List<Thread> threads = new ArrayList<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            threads.add(Thread.ofVirtual().start(this::loop));
        }
        Thread.sleep(warmupMs);
        calls.set(0);
        refused.set(0);
        errors.set(0);
        commands.set(0);
        step.reset();
        call.reset();
        measuring = true;
        long t0 = System.nanoTime();
        out.println("MEASURE_START");
        out.flush();
        Thread.sleep(measureMs);
        measuring = false;
        long elapsed = System.nanoTime() - t0;
        out.println("MEASURE_END");
        out.flush();
        long c = calls.get(), r = refused.get(), e = errors.get(), k = commands.get();
        Histogram s = step.copy(), cl = call.copy();
        stop = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int stuck = 0;
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(java.time.Duration.ofNanos(left))) stuck++;
        }
        out.printf("RESULT conc=%d calls=%d refused=%d errors=%d commands=%d elapsedNs=%d stepP50us=%d stepP99us=%d stepP999us=%d"
                        + " callP50us=%d callP99us=%d stuck=%d%n",
                concurrency, c, r, e, k, elapsed, s.getValueAtPercentile(50), s.getValueAtPercentile(99),
                s.getValueAtPercentile(99.9), cl.getValueAtPercentile(50), cl.getValueAtPercentile(99), stuck);
    }

    private void loop() {
        while (!stop) {
            int outcome = oneCall(null);
            if (outcome == REFUSED) LockSupport.parkNanos(20_000_000L); // Asterisk would fail this call; don't spin
        }
    }

    private static final int DONE = 0, REFUSED = 1, ERROR = 2;

    /** One call from connect to the server's close. With {@code hold} set, WAIT FOR DIGIT parks until released. */
    private int oneCall(Parked hold) {
        long start = System.nanoTime();
        Socket s = new Socket();
        boolean gotCommand = false;
        try {
            s.setTcpNoDelay(true);
            s.connect(server, 30_000);
            s.setSoTimeout(hold != null ? 0 : 60_000);
            InputStream in = s.getInputStream();
            OutputStream os = s.getOutputStream();
            LineIn lines = new LineIn(in);
            os.write(environment(uniqueIds.incrementAndGet()));
            long sent = System.nanoTime();
            while (true) {
                int n = lines.read();
                if (n < 0) {
                    if (!gotCommand) {
                        count(refused);
                        return REFUSED;
                    }
                    count(errors); // server closed without HANGUP
                    return ERROR;
                }
                long now = System.nanoTime();
                if (measuring) {
                    step.recordValue(Math.min((now - sent) / 1000, 60_000_000L));
                    commands.incrementAndGet();
                }
                gotCommand = true;
                byte[] reply = reply(lines.buf, n);
                if (reply == R_DIGIT && hold != null) {
                    hold.socket = s;
                    hold.out = os;
                    parked.add(hold);
                    hold.parkedLatch.countDown();
                    hold.release.await();
                }
                os.write(reply);
                sent = System.nanoTime();
                if (reply == R_HANGUP) {
                    // Asterisk keeps the socket open until the script closes and still answers dead-channel-safe
                    // commands (asterisk-java sends SET VARIABLE AJ_AGISTATUS after every script).
                    int m;
                    while ((m = lines.read()) >= 0) {
                        os.write(afterHangup(lines.buf, m));
                    }
                    if (measuring) {
                        calls.incrementAndGet();
                        call.recordValue(Math.min((System.nanoTime() - start) / 1000, 600_000_000L));
                    }
                    return DONE;
                }
            }
        } catch (java.net.ConnectException e) {
            count(refused);
            return REFUSED;
        } catch (SocketTimeoutException e) {
            count(errors);
            return ERROR;
        } catch (IOException e) {
            if (!gotCommand) {
                count(refused);
                return REFUSED;
            }
            count(errors);
            return ERROR;
        } catch (InterruptedException e) {
            return ERROR;
        } finally {
            if (hold != null) hold.parkedLatch.countDown();
            closeHard(s);
        }
    }

    private void count(AtomicLong c) {
        if (measuring) c.incrementAndGet();
    }

    /** Close with RST: no TIME_WAIT left on either side, so a long run does not run out of ports. */
    private static void closeHard(Socket s) {
        try {
            if (!s.isClosed()) {
                if (s.isConnected()) s.setSoLinger(true, 0);
                s.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static byte[] reply(byte[] b, int n) {
        if (startsWith(b, n, "ANSWER")) return R_OK;
        if (startsWith(b, n, "GET VARIABLE")) return R_VAR;
        if (startsWith(b, n, "STREAM FILE")) return R_STREAM;
        if (startsWith(b, n, "SAY NUMBER")) return R_OK;
        if (startsWith(b, n, "HANGUP")) return R_HANGUP;
        if (startsWith(b, n, "WAIT FOR DIGIT")) return R_DIGIT;
        if (startsWith(b, n, "NOOP") || startsWith(b, n, "VERBOSE")) return R_OK;
        if (startsWith(b, n, "SET VARIABLE")) return R_SET;
        return R_UNKNOWN;
    }

    /** Replies on a hung-up channel: dead-channel-safe commands answer, the rest get 511 (capture 03a). */
    private static byte[] afterHangup(byte[] b, int n) {
        if (startsWith(b, n, "SET VARIABLE") || startsWith(b, n, "GET VARIABLE")) return R_SET;
        if (startsWith(b, n, "NOOP") || startsWith(b, n, "VERBOSE")) return R_OK;
        return R_DEAD;
    }

    private static boolean startsWith(byte[] b, int n, String prefix) {
        if (n < prefix.length()) return false;
        for (int i = 0; i < prefix.length(); i++) {
            if ((b[i] & 0xff) != prefix.charAt(i)) return false;
        }
        return true;
    }

    /** The FastAGI environment block of Asterisk 22.10.1 (capture 01), one unique id per call. */
    private byte[] environment(long id) {
        String env = "agi_network: yes\n"
                + "agi_network_script: " + script + "\n"
                + "agi_request: agi://127.0.0.1:4573/" + script + "\n"
                + "agi_channel: PJSIP/trunk-" + String.format("%08x", id) + "\n"
                + "agi_language: en\n"
                + "agi_type: PJSIP\n"
                + "agi_uniqueid: 1795446921." + id + "\n"
                + "agi_version: 22.10.1\n"
                + "agi_callerid: 15550001111\n"
                + "agi_calleridname: Carol\n"
                + "agi_callingpres: 0\n"
                + "agi_callingani2: 0\n"
                + "agi_callington: 0\n"
                + "agi_callingtns: 0\n"
                + "agi_dnid: 13605162099\n"
                + "agi_rdnis: unknown\n"
                + "agi_context: from-trunk\n"
                + "agi_extension: 13605162099\n"
                + "agi_priority: 2\n"
                + "agi_enhanced: 0.0\n"
                + "agi_accountcode: \n"
                + "agi_threadid: 139868254078656\n"
                + "\n";
        return env.getBytes(StandardCharsets.US_ASCII);
    }

    // ------------------------------------------------------------------ parked calls (memory case)

    private static final class Parked {
        final CountDownLatch parkedLatch = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile Socket socket;
        volatile OutputStream out;
    }

    private void park(int n) throws InterruptedException {
        measuring = true; // count refusals
        refused.set(0);
        List<Parked> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Parked p = new Parked();
            batch.add(p);
            parkThreads.add(Thread.ofVirtual().start(() -> {
                if (oneCall(p) == REFUSED) parkRefused.incrementAndGet();
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (Parked p : batch) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !p.parkedLatch.await(left, TimeUnit.NANOSECONDS)) break;
        }
        out.printf("PARKED total=%d refused=%d%n", parked.size(), parkRefused.get());
    }

    private void release() throws InterruptedException {
        Parked p;
        while ((p = parked.poll()) != null) p.release.countDown();
        for (Thread t : parkThreads) t.join(java.time.Duration.ofSeconds(30));
        parkThreads.clear();
        parkRefused.set(0);
        out.println("RELEASED");
    }

    /** Minimal LF line reader over bytes (commands are ASCII); {@code buf[0..n)} holds the line without LF. */
    private static final class LineIn {
        private final InputStream in;
        private final byte[] chunk = new byte[1024];
        private int pos, lim;
        byte[] buf = new byte[256];

        LineIn(InputStream in) {
            this.in = in;
        }

        int read() throws IOException {
            int n = 0;
            while (true) {
                if (pos == lim) {
                    lim = in.read(chunk);
                    pos = 0;
                    if (lim <= 0) {
                        lim = 0;
                        return -1;
                    }
                }
                byte c = chunk[pos++];
                if (c == '\n') {
                    if (n > 0 && buf[n - 1] == '\r') n--;
                    return n;
                }
                if (n == buf.length) buf = java.util.Arrays.copyOf(buf, n * 2);
                buf[n++] = c;
            }
        }
    }
}

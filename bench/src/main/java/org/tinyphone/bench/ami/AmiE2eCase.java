package org.tinyphone.bench.ami;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tinyphone.bench.agi.FastAgiCase;
import org.tinyphone.bench.harness.Child;
import org.tinyphone.bench.harness.Report;

/**
 * ami-e2e: a fake Asterisk (its own process, core 0) floods N events of the recorded call over loopback to a
 * client process (core 1) using one library's ManagerConnection; we take the time until the client's listener
 * has seen the end marker, and the Ping round trips measured while the flood runs.
 */
public final class AmiE2eCase {
    private final long events;

    private String outcome(Map<String, Long> r, double rate) {
        if (r.get("finished") == 1) return Report.rate(rate) + " ev/s (" + String.format(Locale.ROOT, "%,d", r.get("floodMs")) + " ms)";
        return String.format(Locale.ROOT, "LOST EVENTS: its listener saw %,d of %,d, the end marker never", r.get("seen"), events);
    }

    public AmiE2eCase(boolean quick) {
        this.events = quick ? 200_000 : 2_000_000;
    }

    public void run() throws Exception {
        Map<String, Map<String, Long>> res = new LinkedHashMap<>();
        try (Child fake = Child.startJava("ami-fake", 0, List.of("-XX:+UseSerialGC"), List.of("ami-fake"),
                Report.targetDir().resolve("bench-logs"))) {
            String port = fake.await("READY", Duration.ofSeconds(60)).substring("READY port=".length());
            for (String impl : List.of("tinyphone", "asterisk-java")) {
                try (Child client = Child.startJava("ami-client-" + impl, 1, List.of("-XX:+UseSerialGC", "-Xms512m"),
                        List.of("ami-client", impl, port, Long.toString(events)), Report.targetDir().resolve("bench-logs"))) {
                    Map<String, Long> r = FastAgiCase.parse(client.await("RESULT", Duration.ofSeconds(400)));
                    res.put(impl, r);
                    double evs = events / (r.get("floodMs") / 1000.0);
                    Report.put("ami-e2e", impl, "events_per_s", evs);
                    Report.put("ami-e2e", impl, "flood_ms", r.get("floodMs"));
                    Report.put("ami-e2e", impl, "events_seen", r.get("seen"));
                    Report.put("ami-e2e", impl, "ping_p50_us", r.get("pingP50us"));
                    Report.put("ami-e2e", impl, "ping_p99_us", r.get("pingP99us"));
                    Report.info(String.format(Locale.ROOT, "%s: %,d events in %,d ms (%s ev/s, listener saw %,d%s), %,d pings p50 %s p99 %s",
                            impl, events, r.get("floodMs"), Report.rate(evs), r.get("seen"),
                            r.get("finished") == 1 ? "" : ", END MARKER NEVER SEEN", r.get("pings"),
                            Report.micros(r.get("pingP50us")), Report.micros(r.get("pingP99us"))));
                } catch (java.io.IOException e) {
                    Report.info(impl + ": not measurable: " + e.getMessage());
                }
            }
        }
        Map<String, Long> tp = res.get("tinyphone"), aj = res.get("asterisk-java");
        if (tp == null || aj == null) {
            Report.summary("ami-e2e: " + (tp == null ? "tinyphone not measurable" : "asterisk-java not measurable"));
            return;
        }
        double tpRate = events / (tp.get("floodMs") / 1000.0), ajRate = events / (aj.get("floodMs") / 1000.0);
        if (tp.get("finished") != 1 || aj.get("finished") != 1) {
            Report.summary(String.format(Locale.ROOT,
                    "ami-e2e: %,d events: tinyphone %s, asterisk-java %s; no ratio (a listener lost events)",
                    events, outcome(tp, tpRate), outcome(aj, ajRate)));
            return;
        }
        Report.summary(String.format(Locale.ROOT,
                "ami-e2e: %,d events: tinyphone %s ev/s (%,d ms), asterisk-java %s ev/s (%,d ms), ratio %s;"
                        + " ping under flood p99 tinyphone %s, asterisk-java %s",
                events, Report.rate(tpRate), tp.get("floodMs"), Report.rate(ajRate), aj.get("floodMs"),
                Report.ratio(tpRate, ajRate), Report.micros(tp.get("pingP99us")), Report.micros(aj.get("pingP99us"))));
    }
}

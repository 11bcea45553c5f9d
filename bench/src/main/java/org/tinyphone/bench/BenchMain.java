package org.tinyphone.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tinyphone.bench.agi.AgiLoadGen;
import org.tinyphone.bench.agi.AgiServerMain;
import org.tinyphone.bench.agi.FastAgiCase;
import org.tinyphone.bench.agi.MemoryCase;
import org.tinyphone.bench.ami.AmiClientMain;
import org.tinyphone.bench.ami.AmiDecodeCase;
import org.tinyphone.bench.ami.AmiE2eCase;
import org.tinyphone.bench.ami.FakeAsteriskAmi;
import org.tinyphone.bench.harness.Report;
import org.tinyphone.bench.relay.RelayStartCase;

/**
 * {@code ./tinyphone bench [ami|fastagi|memory|bridge|relay|ari|streams|all] [--quick]}: runs the side-by-side cases
 * and ends with one summary line per case. Internal entry points (child processes of the harness):
 * {@code agi-server}, {@code agi-loadgen}, {@code streams-load}, {@code ari-sim}, {@code ari-client}, {@code ari-bridge-load}; tools: {@code plot}, {@code jmh}, {@code fastagi-one} (one FastAGI server's
 * CPU per call, user and kernel, at chosen concurrencies); {@code soak [--minutes N]} (an hour by default: calls in,
 * apps out, a slow and a malicious client, the server's RSS, descriptors and threads; see docs/performance.md).
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        boolean quick = a.remove("--quick");
        String what = a.isEmpty() ? "all" : a.get(0);
        switch (what) {
            case "agi-server" -> {
                AgiServerMain.main(a.subList(1, a.size()).toArray(String[]::new));
                return;
            }
            case "agi-loadgen" -> {
                AgiLoadGen.main(a.subList(1, a.size()).toArray(String[]::new));
                return;
            }
            case "agi-loadgen-nio" -> {
                org.tinyphone.bench.agi.NioAgiLoadGen.main(a.subList(1, a.size()).toArray(String[]::new));
                return;
            }
            case "ami-fake" -> {
                FakeAsteriskAmi.main(new String[0]);
                return;
            }
            case "ami-client" -> {
                AmiClientMain.main(a.subList(1, a.size()).toArray(String[]::new));
                return;
            }
            case "bridge-load" -> {
                org.tinyphone.bench.bridge.BridgeLoad.main(a.subList(1, a.size()).toArray(String[]::new));
                return;
            }
            case "fanout-floor" -> {
                org.tinyphone.bench.bridge.FanoutFloor.main(a.subList(1, a.size()).toArray(String[]::new));
                return;
            }
            case "levels-load" -> {
                org.tinyphone.bench.bridge.LevelsLoad.main(a.subList(1, a.size()).toArray(String[]::new));
                return;
            }
            case "streams-load" -> {
                org.tinyphone.bench.stream.StreamsLoad.main(a.subList(1, a.size()).toArray(String[]::new));
                return;
            }
            case "ari-sim" -> {
                org.tinyphone.bench.ari.AriSimMain.main(a.subList(1, a.size()).toArray(String[]::new));
                System.exit(0);
            }
            case "ari-client" -> {
                org.tinyphone.bench.ari.AriClientMain.main(a.subList(1, a.size()).toArray(String[]::new));
                System.exit(0);
            }
            case "ari-bridge-load" -> {
                org.tinyphone.bench.ari.AriBridgeLoad.main(a.subList(1, a.size()).toArray(String[]::new));
                System.exit(0);
            }
            case "fastagi-one" -> {
                if (a.size() < 2) {
                    usage();
                    System.exit(2);
                }
                int[] conc = a.size() > 2 ? a.subList(2, a.size()).stream().mapToInt(Integer::parseInt).toArray() : new int[] {1000};
                new FastAgiCase(quick).runOne(a.get(1), conc);
                System.exit(0);
            }
            case "plot" -> {
                org.tinyphone.bench.harness.Plot.main(a.subList(1, a.size()).toArray(String[]::new));
                return;
            }
            case "soak" -> {
                org.tinyphone.bench.soak.SoakCase.Settings settings;
                try {
                    settings = org.tinyphone.bench.soak.SoakCase.Settings.parse(a.subList(1, a.size()));
                } catch (IllegalArgumentException e) {
                    System.out.println("tinyphone bench soak: " + e.getMessage());
                    usage();
                    System.exit(2);
                    return;
                }
                System.out.printf("tinyphone bench soak — JDK %s, %d cores, results in %s%n", System.getProperty("java.version"),
                        Runtime.getRuntime().availableProcessors(), Report.file().getParent());
                org.tinyphone.bench.soak.SoakCase.Result r = new org.tinyphone.bench.soak.SoakCase(settings).run();
                System.out.println();
                r.table().forEach(System.out::println);
                System.out.println();
                System.out.println("table: " + r.tableFile());
                System.exit(r.pass() ? 0 : 1);
            }
            case "help", "-h", "--help" -> {
                usage();
                return;
            }
            default -> { }
        }
        List<String> cases = switch (what) {
            case "all" -> List.of("ami", "fastagi", "memory", "bridge", "relay", "ari", "streams");
            case "ami", "fastagi", "memory", "bridge", "relay", "ari", "streams" -> List.of(what);
            default -> {
                System.err.println("tinyphone bench: no case '" + what + "'");
                usage();
                System.exit(2);
                yield List.of();
            }
        };
        System.out.printf("tinyphone bench %s%s — JDK %s (%s), %d cores, results in %s%n", what, quick ? " --quick" : "",
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), Report.file());
        for (String c : cases) {
            long t0 = System.nanoTime();
            System.out.println("== " + c);
            try {
                switch (c) {
                    case "ami" -> {
                        new AmiDecodeCase(quick).run();
                        new AmiE2eCase(quick).run();
                    }
                    case "fastagi" -> new FastAgiCase(quick).run();
                    case "memory" -> new MemoryCase(quick).run();
                    case "relay" -> new RelayStartCase(quick).run();
                    case "bridge" -> new org.tinyphone.bench.bridge.BridgeCase(quick).run();
                    case "streams" -> new org.tinyphone.bench.stream.StreamsCase(quick).run();
                    case "ari" -> {
                        String only = System.getProperty("bench.ari", "all"); // decode | clients | bridge | all
                        if (only.equals("all") || only.equals("decode")) new org.tinyphone.bench.ari.AriDecodeCase(quick).run();
                        if (only.equals("all") || only.equals("clients")) new org.tinyphone.bench.ari.AriClientsCase(quick).run();
                        if (only.equals("all") || only.equals("bridge")) new org.tinyphone.bench.ari.AriBridgeCase(quick).run();
                    }
                    default -> Report.summary(c + ": not yet measurable (case not built)");
                }
            } catch (Exception e) {
                Report.summary(c + ": failed: " + e);
                e.printStackTrace();
            }
            Report.info(String.format("(%s took %.1f s)", c, (System.nanoTime() - t0) / 1e9));
        }
        System.out.println();
        System.out.println("== summary");
        Report.summaries().forEach(System.out::println);
        System.exit(0);
    }

    /** The usage text; the launcher prints the same file for {@code bench --help} without building anything. */
    private static void usage() {
        try (java.io.InputStream in = BenchMain.class.getResourceAsStream("usage.txt")) {
            System.out.print(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException | NullPointerException e) {
            System.out.println("usage: tinyphone bench [ami|fastagi|memory|bridge|relay|ari|streams|all] [--quick] (see docs/performance.md)");
        }
    }
}
